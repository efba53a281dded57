"""The board overview methods of Leantime's `Canvas` and `Blueprints` domains, over the
boards Milepost has: goal boards (type 'goalcanvas') and idea boards ('idea'), and any
other board type stored in `zp_canvas` (wikis are boards of type 'wiki').

`Canvas.Canvas.*` is Leantime 3.8's service, replaced by `Blueprints.Blueprints.*` in
3.9; both answer the same here. Reading needs blueprints.view in the project asked for
(any role); without a project, the boards of every project the caller can see.

`import` reads an XML file from a path on the server's own disk in Leantime, which would
let any API caller read server files; Milepost answers it with -32601 (not_supported).
"""

from __future__ import annotations

from typing import Any, TypedDict
from xml.sax.saxutils import escape, quoteattr

from sqlalchemy import func, select

from milepost.services import goal_rows, idea_rows
from milepost.services.boards import board, whole
from milepost.services.errors import InvalidParams, NotSupported
from milepost.services.operations import Context, operation
from milepost.services.scope import visible_projects
from milepost.services.values import fmt_date
from milepost.storage import tables as t

cv, ci = t.canvas.c, t.canvas_items.c

# The boxes of each board type Milepost has, for progress ("how many boxes hold an
# item"); other types count as one box, as Leantime counts types it has no template for.
BOXES: dict[str, tuple[str, ...]] = {
    goal_rows.BOARD_TYPE: (goal_rows.BOX,),
    idea_rows.BOARD_TYPE: tuple(idea_rows.COLUMNS),
}
# Export slugs (Leantime's template names) and the board type and read permission of each.
SLUGS: dict[str, tuple[str, str]] = {
    "goal": (goal_rows.BOARD_TYPE, "goals.view"),
    "goalcanvas": (goal_rows.BOARD_TYPE, "goals.view"),
    "idea": (idea_rows.BOARD_TYPE, "ideas.view"),
    "ideas": (idea_rows.BOARD_TYPE, "ideas.view"),
}
IMPORT_REFUSED = (
    "importing a board from a file path on the server is not supported: it would let API"
    " callers read the server's files"
)


class BoardUpdate(TypedDict):
    """A board and when it (or one of its items) last changed."""

    id: int
    type: str
    title: str
    modified: str | None


def _project_scope(ctx: Context, project_id: int | None) -> list[Any]:
    if project_id:
        ctx.authorize("blueprints.view", project_id)
        return [cv.projectId == project_id]
    return [visible_projects(ctx.principal)]


def _project_id(value: str) -> int | None:
    project_id = whole(value, "projectId")
    if project_id is not None and project_id <= 0:
        raise InvalidParams(
            f"param `projectId`: expected a project id or '', got {value!r}",
            param="projectId",
            expected="a project id, or '' for every project",
        )
    return project_id


def board_progress(ctx: Context, projectId: str, boards: list[str]) -> dict[str, float]:
    """For each board type, the largest share of its boxes that one board fills."""
    where = _project_scope(ctx, _project_id(projectId))
    if boards:
        where.append(cv.type.in_(boards))
    rows = ctx.conn.execute(
        select(cv.id, cv.type, ci.box)
        .join(t.projects, t.projects.c.id == cv.projectId)
        .outerjoin(t.canvas_items, ci.canvasId == cv.id)
        .where(*where)
        .group_by(cv.id, cv.type, ci.box)
    )
    filled: dict[str, dict[int, set[str]]] = {}
    for row in rows:
        boxes = filled.setdefault(row.type, {}).setdefault(row.id, set())
        if row.box:
            boxes.add(row.box)
    progress: dict[str, float] = {}
    for board_type, by_board in filled.items():
        known = BOXES.get(board_type)
        size = len(known) if known else 1
        shares = [
            len(boxes & set(known)) if known else min(len(boxes), 1) for boxes in by_board.values()
        ]
        progress[board_type] = round(max(shares, default=0) / size, 4)
    return progress


def last_updated(ctx: Context, projectId: int | None, boards: list[str]) -> list[BoardUpdate]:
    """Boards, most recently changed first (a board's items count as its changes)."""
    where = _project_scope(ctx, projectId)
    if boards:
        where.append(cv.type.in_(boards))
    modified = func.coalesce(func.max(ci.modified), cv.created).label("lastModified")
    rows = ctx.conn.execute(
        select(cv.id, cv.type, cv.title, modified)
        .join(t.projects, t.projects.c.id == cv.projectId)
        .outerjoin(t.canvas_items, ci.canvasId == cv.id)
        .where(*where)
        .group_by(cv.id, cv.type, cv.title, cv.created)
        .order_by(modified.desc(), cv.id.desc())
    )
    return [
        {"id": row.id, "type": row.type, "title": row.title, "modified": fmt_date(row.lastModified)}
        for row in rows
    ]


# -- Canvas.Canvas (Leantime 3.8) ----------------------------------------------------


@operation("Canvas.Canvas.import")
def canvas_import(
    ctx: Context, filename: str, canvasName: str, projectId: int, authorId: int | None = None
) -> int:
    """Not supported: Leantime imports a board from an XML file at a path on the server's
    disk, which would let API callers read the server's files."""
    raise NotSupported(IMPORT_REFUSED)


@operation("Canvas.Canvas.getBoardProgress")
def canvas_board_progress(
    ctx: Context, projectId: str = "", boards: list[str] | None = None
) -> dict[str, float]:
    """For each board type of a project ('' for every project the caller can see; the
    types in `boards`, or all), the share (0 to 1) of its boxes that the fullest board
    has items in."""
    return board_progress(ctx, projectId, boards or [])


@operation("Canvas.Canvas.getLastUpdatedCanvas", permission="blueprints.view", project="projectId")
def canvas_last_updated(
    ctx: Context, projectId: int | None = None, boards: list[str] | None = None
) -> list[BoardUpdate]:
    """The boards of a project (or of every project the caller can see) of the types in
    `boards` (or all), most recently changed first: id, type, title and the time of the
    last change to the board or one of its items."""
    return last_updated(ctx, projectId, boards or [])


# -- Blueprints ----------------------------------------------------------------------


@operation("Blueprints.Blueprints.import")
def blueprints_import(
    ctx: Context, filename: str, canvasSlug: str, projectId: int, authorId: int | None = None
) -> int:
    """Not supported: Leantime imports a board from an XML file at a path on the server's
    disk, which would let API callers read the server's files."""
    raise NotSupported(IMPORT_REFUSED)


@operation("Blueprints.Blueprints.getBoardProgress")
def blueprints_board_progress(
    ctx: Context, projectId: str = "", boards: list[str] | None = None
) -> dict[str, float]:
    """The same as Canvas.Canvas.getBoardProgress: per board type, the share (0 to 1) of
    its boxes that the fullest board has items in."""
    return board_progress(ctx, projectId, boards or [])


@operation(
    "Blueprints.Blueprints.getLastUpdatedCanvas", permission="blueprints.view", project="projectId"
)
def blueprints_last_updated(
    ctx: Context, projectId: int | None = None, boards: list[str] | None = None
) -> list[BoardUpdate]:
    """The same as Canvas.Canvas.getLastUpdatedCanvas: boards, most recently changed first."""
    return last_updated(ctx, projectId, boards or [])


def _xml(board_type: str, title: str, items: list[Any]) -> str:
    tab = " " * 4
    lines = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>',
        "",
        f"<canvas key={quoteattr(board_type)}>",
        f"{tab}<title>{escape(title)}</title>",
        f"{tab}<content>",
    ]
    for box in BOXES[board_type]:
        lines.append(f"{tab * 2}<element key={quoteattr(box)}>")
        for row in (row for row in items if row.box == box):
            lines += [
                f"{tab * 3}<item>",
                f"{tab * 4}<created>{fmt_date(row.created) or ''}</created>",
                f"{tab * 4}<modified>{fmt_date(row.modified) or ''}</modified>",
                f"{tab * 4}<author id={quoteattr(str(row.author or ''))}"
                f" firstname={quoteattr(row.firstname or '')}"
                f" lastname={quoteattr(row.lastname or '')}/>",
                f"{tab * 4}<description>{escape(row.description or '')}</description>",
                f"{tab * 4}<status key={quoteattr(row.status or '')} />",
                f"{tab * 4}<relates key={quoteattr(row.relates or '')} />",
                f"{tab * 4}<assumptions>{escape(row.assumptions or '')}</assumptions>",
                f"{tab * 4}<data>{escape(row.data or '')}</data>",
                f"{tab * 4}<conclusion>{escape(row.conclusion or '')}</conclusion>",
                f"{tab * 3}</item>",
            ]
        lines.append(f"{tab * 2}</element>")
    lines += [f"{tab}</content>", "</canvas>", ""]
    return "\n".join(lines)


@operation("Blueprints.BlueprintsExport.exportToXml")
def export_to_xml(ctx: Context, canvasId: int, canvasSlug: str) -> str | None:
    """A board as Leantime's XML export: `canvasSlug` 'goal' for a goal board, 'idea' for
    an idea board. Null for another slug, or a board that does not exist or lies outside
    the caller's projects. Text is XML-escaped (Leantime writes it raw)."""
    kind = SLUGS.get(canvasSlug)
    if kind is None:
        return None
    board_type, permission = kind
    found = board(ctx, canvasId, board_type)
    if found is None or not ctx.can(permission, found.projectId):
        return None
    u = t.users.c
    items = ctx.conn.execute(
        select(t.canvas_items, u.firstname, u.lastname)
        .outerjoin(t.users, u.id == ci.author)
        .where(ci.canvasId == canvasId)
        .order_by(ci.box, ci.sortindex.asc().nulls_last(), ci.id)
    ).all()
    return _xml(board_type, found.title, list(items))
