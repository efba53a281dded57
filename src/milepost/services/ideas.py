"""Idea boards and their ideas (Leantime's `Ideas` domain; comments in idea_comments.py).

An idea board is a board of type 'idea'; its ideas are board items whose `box` is the
column they stand in: idea, research, prototype, validation, implemented or deferred.
Reading needs ideas.view in the board's project, writing ideas.create / edit / delete
(editor and above). Boards and ideas outside the caller's projects read as missing (an
empty list, an empty title, false) and cannot be written (-32002).

Deliberate differences from Leantime:
- the author of a board or idea is the caller; `authorId` and `projectId` params are
  accepted for Leantime clients and ignored (the project is the board's);
- refusals are errors (-32001, -32002, -32602) where Leantime answers false or 0, and a
  batch (`reorderIdeas`, `bulkUpdateStatus`) changes nothing unless every item may change;
- columns, milestones and boards are checked; `patchIdeaItem` changes only the item's
  own fields (Leantime writes any column it is sent);
- `updateIdeaItem` keeps the fields it is not sent instead of blanking them;
- the poll methods answer the ideas of every column (Leantime only those in 'idea').
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from sqlalchemy import String, cast, delete, func, insert, select, update

from milepost.services import tickets
from milepost.services.boards import (
    MAX_TITLE,
    board,
    item,
    milestone_in,
    project_for_write,
    text,
    zulu,
)
from milepost.services.errors import InvalidParams, NotFound
from milepost.services.operations import Context, operation
from milepost.services.scope import visible_projects
from milepost.services.ticket_rows import TicketRow
from milepost.services.values import fmt_date
from milepost.services.versions import checked_update
from milepost.storage import tables as t
from milepost.storage.database import insert_id

cv, ci = t.canvas.c, t.canvas_items.c
BOARD_TYPE = "idea"
COMMENT_MODULE = "idea"
COLUMNS: dict[str, str] = {
    "idea": "status.ideation",
    "research": "status.discovery",
    "prototype": "status.delivering",
    "validation": "status.inreview",
    "implemented": "status.accepted",
    "deferred": "status.deferred",
}
_LABELS = {
    "idea": ("Ideation", "label-info"),
    "research": ("Discovery", "label-warning"),
    "prototype": ("Delivering", "label-warning"),
    "validation": ("In Review", "label-warning"),
    "implemented": ("Accepted", "label-success"),
    "deferred": ("Deferred", "label-default"),
}
DEFAULT_BOARD_TITLE = "Board"
MAX_BATCH = 1000
PATCHABLE = (
    "description", "assumptions", "data", "conclusion", "box", "status", "tags", "milestoneId",
    "sortindex", "title",
)  # fmt: skip


class IdeaBoard(TypedDict):
    """An idea board with its author's name."""

    id: int
    title: str
    author: int | None
    created: str | None
    projectId: int
    authorFirstname: str | None
    authorLastname: str | None
    modified: str | None
    version: int


class IdeaItem(TypedDict):
    """An idea as a board lists it: its column (`box`), texts, milestone and comment count."""

    id: int
    description: str
    assumptions: str
    data: str
    conclusion: str
    box: str
    author: int | None
    created: str | None
    modified: str | None
    canvasId: int
    sortindex: int | None
    milestoneId: str
    authorFirstname: str | None
    authorLastname: str | None
    authorProfileId: str | None
    milestoneHeadline: str | None
    milestoneEditTo: str | None
    status: str
    commentCount: int
    tags: str
    projectId: int
    version: int


class IdeaDetail(TypedDict):
    """One idea as getIdeaItem answers it."""

    id: int
    description: str
    assumptions: str
    data: str
    conclusion: str
    box: str
    author: int | None
    created: str | None
    modified: str | None
    canvasId: int
    sortindex: int | None
    status: str
    tags: str
    milestoneId: str
    authorFirstname: str | None
    authorLastname: str | None
    milestoneHeadline: str | None
    milestoneEditTo: str | None
    projectId: int
    version: int


class NewIdea(TypedDict):
    """The empty idea getIdeaItem answers without an id (the form for a new idea)."""

    id: str
    box: str
    tags: str
    description: str
    status: str
    assumptions: str
    data: str
    conclusion: str
    milestoneHeadline: str
    milestoneId: str


class PolledIdea(TypedDict):
    """An idea as the poll methods answer it: dates in ISO 8601 UTC; `id` is
    "<id>-<modified>" in pollForUpdatedIdeas."""

    id: int | str
    description: str
    assumptions: str
    data: str
    conclusion: str
    box: str
    author: int | None
    created: str | None
    modified: str | None
    canvasId: int
    sortindex: int | None
    status: str
    tags: str
    milestoneId: str
    projectId: int


IdeaLabel = TypedDict("IdeaLabel", {"name": str, "class": str})


class IdeaInput(TypedDict, total=False):
    """An idea's fields: `canvasId` (its board), `box` (its column: idea, research,
    prototype, validation, implemented or deferred), `description` (the idea), `data`,
    `assumptions`, `conclusion`, `status` (a free label), `tags` and `milestoneId`.
    For updates: `itemId` (or `id`) names the idea, `existingMilestone` links a
    milestone, `newMilestone` creates one with that headline and links it."""

    itemId: int
    id: int
    canvasId: int
    box: str
    description: str
    data: str
    assumptions: str
    conclusion: str
    status: str
    tags: str
    title: str
    milestoneId: int | str | None
    existingMilestone: int | str | None
    newMilestone: str
    sortindex: int | None


class SortEntry(TypedDict):
    """An idea and its new position."""

    id: int
    sortIndex: int


# -- shapes --------------------------------------------------------------------------


def _board_select() -> Any:
    author = t.users.alias("author")
    return select(
        t.canvas,
        author.c.firstname.label("authorFirstname"),
        author.c.lastname.label("authorLastname"),
    ).outerjoin(author, author.c.id == cv.author)


def _board(row: Any) -> IdeaBoard:
    return {
        "id": row.id,
        "title": row.title,
        "author": row.author,
        "created": fmt_date(row.created),
        "projectId": row.projectId,
        "authorFirstname": row.authorFirstname,
        "authorLastname": row.authorLastname,
        "modified": fmt_date(row.modified),
        "version": row.version,
    }


def item_select() -> Any:
    """Ideas with their board's project, author, milestone and comment count."""
    author = t.users.alias("author")
    milestone = t.tickets.alias("milestone")
    comments = (
        select(func.count())
        .where(t.comments.c.module == COMMENT_MODULE, t.comments.c.moduleId == ci.id)
        .scalar_subquery()
    )
    return (
        select(
            t.canvas_items,
            cv.projectId,
            author.c.firstname.label("authorFirstname"),
            author.c.lastname.label("authorLastname"),
            author.c.profileId.label("authorProfileId"),
            milestone.c.headline.label("milestoneHeadline"),
            milestone.c.editTo.label("milestoneEditTo"),
            comments.label("commentCount"),
        )
        .join(t.canvas, cv.id == ci.canvasId)
        .outerjoin(author, author.c.id == ci.author)
        .outerjoin(milestone, cast(milestone.c.id, String) == ci.milestoneId)
        .where(cv.type == BOARD_TYPE)
    )


def _values(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "description": row.description,
        "assumptions": row.assumptions,
        "data": row.data,
        "conclusion": row.conclusion,
        "box": row.box if row.box not in ("", "0") else "idea",
        "author": row.author,
        "created": fmt_date(row.created),
        "modified": fmt_date(row.modified),
        "canvasId": row.canvasId,
        "sortindex": row.sortindex,
        "status": row.status,
        "tags": row.tags,
        "milestoneId": row.milestoneId,
        "projectId": row.projectId,
        "version": row.version,
    }


def _item(row: Any) -> IdeaItem:
    values = _values(row)
    values.update(
        authorFirstname=row.authorFirstname,
        authorLastname=row.authorLastname,
        authorProfileId=row.authorProfileId,
        milestoneHeadline=row.milestoneHeadline,
        milestoneEditTo=fmt_date(row.milestoneEditTo),
        status=row.status or "idea",
        commentCount=int(row.commentCount or 0),
    )
    return {key: values[key] for key in IdeaItem.__annotations__}  # type: ignore[return-value]


def _detail(row: Any) -> IdeaDetail:
    values = _values(row)
    values.update(
        authorFirstname=row.authorFirstname,
        authorLastname=row.authorLastname,
        milestoneHeadline=row.milestoneHeadline,
        milestoneEditTo=fmt_date(row.milestoneEditTo),
    )
    return {key: values[key] for key in IdeaDetail.__annotations__}  # type: ignore[return-value]


def _polled(row: Any, updated: bool) -> PolledIdea:
    values = _values(row)
    values.update(created=zulu(row.created), modified=zulu(row.modified))
    if updated:
        values["id"] = f"{row.id}-{fmt_date(row.modified) or ''}"
    return {key: values[key] for key in PolledIdea.__annotations__}  # type: ignore[return-value]


# -- loading -------------------------------------------------------------------------


def _viewable_board(ctx: Context, board_id: int) -> Any:
    row = board(ctx, board_id, BOARD_TYPE)
    return row if row is not None and ctx.can("ideas.view", row.projectId) else None


def _writable_board(ctx: Context, board_id: Any, permission: str, param: str) -> Any:
    if board_id in (None, 0):
        raise InvalidParams(
            f"Required Parameter Missing: {param}", param=param, expected="an idea board id"
        )
    row = board(ctx, int(board_id), BOARD_TYPE)
    if row is None or not ctx.can_access_project(row.projectId):
        raise NotFound(f"no idea board {board_id}")
    ctx.authorize(permission, row.projectId)
    return row


def viewable_item(ctx: Context, item_id: int) -> Any:
    """The idea row with its project, when the caller may view it; else None."""
    row = item(ctx, item_id, BOARD_TYPE)
    return row if row is not None and ctx.can("ideas.view", row.projectId) else None


def writable_item(ctx: Context, item_id: Any, permission: str, param: str) -> Any:
    """The idea row once the caller holds `permission` in its project."""
    if item_id in (None, 0):
        raise InvalidParams(
            f"Required Parameter Missing: {param}", param=param, expected="an idea id"
        )
    row = item(ctx, int(item_id), BOARD_TYPE)
    if row is None or not ctx.can_access_project(row.projectId):
        raise NotFound(f"no idea {item_id}")
    ctx.authorize(permission, row.projectId)
    return row


def _items(ctx: Context, *where: Any) -> list[Any]:
    query = item_select().where(*where).order_by(ci.sortindex.asc().nulls_last(), ci.id)
    return list(ctx.conn.execute(ctx.page_query(query, ci.id, ci.modified)))


# -- boards --------------------------------------------------------------------------


@operation("Ideas.Ideas.getAllBoards", permission="ideas.view", project="projectId")
def get_all_boards(ctx: Context, projectId: int) -> list[IdeaBoard]:
    """The idea boards of a project, by title."""
    query = _board_select().where(cv.projectId == projectId, cv.type == BOARD_TYPE)
    query = ctx.page_query(query.order_by(cv.title, cv.created, cv.id), cv.id, cv.modified)
    return [_board(row) for row in ctx.conn.execute(query)]


@operation("Ideas.Ideas.getBoard")
def get_board(ctx: Context, id: int) -> list[IdeaBoard]:
    """One idea board, as a list of one (Leantime's shape); empty when it does not exist
    or lies outside the caller's projects."""
    if _viewable_board(ctx, id) is None:
        return []
    query = _board_select().where(cv.id == id)
    return [_board(row) for row in ctx.conn.execute(query)]


@operation("Ideas.Ideas.getBoardTitle")
def get_board_title(ctx: Context, id: int) -> str:
    """The title of an idea board; an empty string when the caller cannot see it."""
    row = _viewable_board(ctx, id)
    return "" if row is None else str(row.title)


@operation("Ideas.Ideas.getBoardItems")
def get_board_items(ctx: Context, boardId: int) -> list[IdeaItem]:
    """The ideas on a board in their sort order; empty for a board the caller cannot see."""
    if _viewable_board(ctx, boardId) is None:
        return []
    return [_item(row) for row in _items(ctx, ci.canvasId == boardId)]


@operation("Ideas.Ideas.getBoardLabels", permission="ideas.view")
def get_board_labels(ctx: Context) -> dict[str, IdeaLabel]:
    """The columns of an idea board with their names and CSS classes."""
    return {key: {"name": name, "class": css} for key, (name, css) in _LABELS.items()}


@operation("Ideas.Ideas.getCanvasTypes", permission="ideas.view")
def get_canvas_types(ctx: Context) -> dict[str, str]:
    """The columns of an idea board with Leantime's label keys."""
    return dict(COLUMNS)


def _title(value: Any, param: str) -> str:
    title = value.strip() if isinstance(value, str) else ""
    if not title or len(title) > MAX_TITLE:
        raise InvalidParams(
            f"param `{param}`: expected a title of 1 to {MAX_TITLE} characters, got {value!r}",
            param=param,
            expected=f"a title of 1 to {MAX_TITLE} characters",
        )
    return title


def _create_board(ctx: Context, title: str, project_id: int) -> int:
    return insert_id(
        ctx.conn,
        insert(t.canvas).values(
            title=title, projectId=project_id, type=BOARD_TYPE, author=ctx.principal.user_id,
            created=ctx.now, modified=ctx.now, description="",
        ),
    )  # fmt: skip


@operation("Ideas.Ideas.createBoard", writes=True)
def create_board(ctx: Context, title: str, projectId: int, authorId: int | None = None) -> int:
    """Create an idea board in a project and return its id. Needs ideas.create there; the
    author is the caller (`authorId` is ignored)."""
    project_id = project_for_write(ctx, projectId, "ideas.create", "projectId")
    return _create_board(ctx, _title(title, "title"), project_id)


@operation("Ideas.Ideas.createBoardFromDialog", writes=True)
def create_board_from_dialog(
    ctx: Context, title: str, projectId: int, authorId: int | None = None
) -> int:
    """The board dialog's createBoard: the same checks, the same result."""
    return create_board(ctx, title, projectId, authorId)


@operation("Ideas.Ideas.updateBoard", writes=True)
def update_board(ctx: Context, id: int, title: str, expectedVersion: int | None = None) -> bool:
    """Rename an idea board. Returns true. Needs ideas.edit; -32002 for a board the caller
    cannot see, -32005 when `expectedVersion` is stale."""
    found = _writable_board(ctx, id, "ideas.edit", "id")
    checked_update(
        ctx, t.canvas, found.id, {"title": _title(title, "title"), "modified": ctx.now},
        expected_version=expectedVersion, what="idea board",
    )  # fmt: skip
    return True


@operation(
    "Ideas.Ideas.ensureBoardExists", permission="ideas.view", project="projectId", writes=True
)
def ensure_board_exists(
    ctx: Context, projectId: int, authorId: int | None = None, allBoards: list[Any] | None = None
) -> int:
    """Give a project without idea boards a default one, as Leantime's board page does for
    anyone who may view the project's ideas. Returns the new board's id, or 0 when the
    project has boards (or `allBoards` lists some)."""
    existing = ctx.conn.execute(
        select(cv.id).where(cv.projectId == projectId, cv.type == BOARD_TYPE).limit(1)
    ).first()
    if allBoards or existing is not None:
        return 0
    return _create_board(ctx, DEFAULT_BOARD_TITLE, projectId)


def _remove_items(ctx: Context, item_ids: list[int]) -> None:
    if not item_ids:
        return
    ctx.conn.execute(
        delete(t.comments).where(
            t.comments.c.module == COMMENT_MODULE, t.comments.c.moduleId.in_(item_ids)
        )
    )
    ctx.conn.execute(delete(t.canvas_items).where(ci.id.in_(item_ids)))


@operation("Ideas.Ideas.deleteCanvas", writes=True)
def delete_canvas(ctx: Context, id: int) -> bool:
    """Delete an idea board with its ideas and their comments. Returns true. Needs
    ideas.delete; -32002 for a board the caller cannot see."""
    found = _writable_board(ctx, id, "ideas.delete", "id")
    _remove_items(
        ctx, list(ctx.conn.execute(select(ci.id).where(ci.canvasId == found.id)).scalars())
    )
    ctx.conn.execute(delete(t.canvas).where(cv.id == found.id))
    return True


# -- ideas ---------------------------------------------------------------------------


@operation("Ideas.Ideas.getIdeaItem")
def get_idea_item(
    ctx: Context, id: int | None = None, type: str = "idea"
) -> IdeaDetail | NewIdea | list[IdeaDetail]:
    """One idea; without `id`, an empty idea in column `type` (the form for a new one).
    An empty list when the idea does not exist or lies outside the caller's projects."""
    if id is None:
        return {
            "id": "", "box": type, "tags": "", "description": "", "status": "idea",
            "assumptions": "", "data": "", "conclusion": "", "milestoneHeadline": "",
            "milestoneId": "",
        }  # fmt: skip
    row = _detail_row(ctx, id)
    return [] if row is None else _detail(row)


def _detail_row(ctx: Context, item_id: int) -> Any:
    if viewable_item(ctx, item_id) is None:
        return None
    return ctx.conn.execute(item_select().where(ci.id == item_id)).first()


@operation("Ideas.Ideas.getRawIdeaItem")
def get_raw_idea_item(ctx: Context, id: int | None = None) -> IdeaDetail | Literal[False]:
    """One idea as stored, or false when it does not exist or lies outside the caller's
    projects."""
    row = None if id is None else _detail_row(ctx, id)
    if row is None:
        return False
    detail = _detail(row)
    detail["box"] = row.box
    return detail


def _column(value: Any, param: str) -> str:
    column = "idea" if value in (None, "", "0") else value
    if column not in COLUMNS:
        raise InvalidParams(
            f"param `{param}`: expected one of {', '.join(COLUMNS)}, got {value!r}",
            param=param,
            expected="one of " + ", ".join(COLUMNS),
        )
    return str(column)


def _description(values: dict[str, Any], param: str) -> str:
    description = text(values, "description", param)
    if not description.strip():
        raise InvalidParams(
            f"param `{param}.description`: an idea needs a description",
            param=f"{param}.description",
            expected="a non-empty description",
        )
    return description


def _fields(ctx: Context, values: dict[str, Any], project_id: int, param: str) -> dict[str, Any]:
    """Validated columns for the idea fields present in `values`."""
    columns: dict[str, Any] = {}
    if "description" in values:
        columns["description"] = _description(values, param)
    for field in ("data", "assumptions", "conclusion", "tags"):
        if field in values:
            columns[field] = text(values, field, param)
    for field in ("status", "title"):
        if field in values:
            columns[field] = text(values, field, param, MAX_TITLE)
    if "box" in values:
        columns["box"] = _column(values["box"], f"{param}.box")
    if "milestoneId" in values:
        milestone = milestone_in(ctx, values["milestoneId"], project_id, f"{param}.milestoneId")
        columns["milestoneId"] = "" if milestone is None else str(milestone)
    if "sortindex" in values:
        columns["sortindex"] = values["sortindex"]
    return columns


@operation("Ideas.Ideas.createIdeaItem", writes=True)
def create_idea_item(
    ctx: Context, input: IdeaInput, projectId: int | None = None, authorId: int | None = None
) -> int:
    """Put a new idea on the board `input.canvasId` (column `box`, default 'idea') and
    return its id. Needs ideas.create in the board's project; a description is required.
    The author is the caller; `projectId` and `authorId` are ignored."""
    values: dict[str, Any] = dict(input)
    found = _writable_board(ctx, values.get("canvasId"), "ideas.create", "input.canvasId")
    values.setdefault("description", "")
    values.setdefault("box", "idea")
    columns = _fields(ctx, values, found.projectId, "input")
    columns.update(
        canvasId=found.id, author=ctx.principal.user_id, created=ctx.now, modified=ctx.now
    )
    return insert_id(ctx.conn, insert(t.canvas_items).values(**columns))


@operation("Ideas.Ideas.updateIdeaItem", writes=True)
def update_idea_item(
    ctx: Context,
    input: IdeaInput,
    projectId: int | None = None,
    authorId: int | None = None,
    expectedVersion: int | None = None,
) -> int:
    """Change the idea `input.itemId` (or `input.id`) and return its id. Fields left out
    keep their values; `canvasId` moves it to another idea board (ideas.edit needed
    there too); `existingMilestone` links a milestone and `newMilestone` creates one with
    that headline (tickets.create needed). Needs ideas.edit; -32002 for an idea the
    caller cannot see, -32005 when `expectedVersion` is stale."""
    values: dict[str, Any] = dict(input)
    row = writable_item(ctx, values.get("itemId") or values.get("id"), "ideas.edit", "input.itemId")
    target = row
    if values.get("canvasId") not in (None, 0, row.canvasId):
        target = _writable_board(ctx, values["canvasId"], "ideas.edit", "input.canvasId")
    if values.get("existingMilestone") not in (None, ""):
        values["milestoneId"] = values["existingMilestone"]
    if (values.get("newMilestone") or "").strip():
        values["milestoneId"] = tickets.quick_add_milestone(
            ctx,
            {
                "headline": values["newMilestone"].strip(),
                "projectId": target.projectId,
                "tags": "#ccc",
            },
        )
    columns = _fields(ctx, values, target.projectId, "input")
    columns.update(canvasId=target.id if target is not row else row.canvasId, modified=ctx.now)
    checked_update(
        ctx, t.canvas_items, row.id, columns, expected_version=expectedVersion, what="idea"
    )
    return int(row.id)


@operation("Ideas.Ideas.patchIdeaItem", writes=True)
def patch_idea_item(
    ctx: Context, id: int, params: IdeaInput, expectedVersion: int | None = None
) -> bool:
    """Change only the given fields of an idea (description, assumptions, data,
    conclusion, box, status, tags, milestoneId, sortindex, title; others are ignored).
    Returns true, or false when `params` held none of them. Needs ideas.edit; -32002 for
    an idea the caller cannot see."""
    row = writable_item(ctx, id, "ideas.edit", "id")
    values = {key: value for key, value in dict(params).items() if key in PATCHABLE}
    if not values:
        return False
    columns = _fields(ctx, values, row.projectId, "params")
    columns["modified"] = ctx.now
    checked_update(
        ctx, t.canvas_items, row.id, columns, expected_version=expectedVersion, what="idea"
    )
    return True


@operation("Ideas.Ideas.removeMilestone", writes=True)
def remove_milestone(ctx: Context, ideaItemId: int) -> None:
    """Unlink an idea's milestone. Answers null, as Leantime. Needs ideas.edit; -32002 for
    an idea the caller cannot see."""
    row = writable_item(ctx, ideaItemId, "ideas.edit", "ideaItemId")
    checked_update(
        ctx, t.canvas_items, row.id, {"milestoneId": "", "modified": ctx.now},
        expected_version=None, what="idea",
    )  # fmt: skip


@operation("Ideas.Ideas.deleteCanvasItem", writes=True)
def delete_canvas_item(ctx: Context, id: int) -> bool:
    """Delete an idea and its comments. Returns true. Needs ideas.delete; -32002 for an
    idea the caller cannot see."""
    row = writable_item(ctx, id, "ideas.delete", "id")
    _remove_items(ctx, [row.id])
    return True


def _batch(ctx: Context, ids: list[int], param: str) -> None:
    if len(ids) > MAX_BATCH:
        raise InvalidParams(
            f"param `{param}`: expected at most {MAX_BATCH} ideas, got {len(ids)}",
            param=param,
            expected=f"at most {MAX_BATCH} ideas",
        )
    for item_id in dict.fromkeys(ids):
        writable_item(ctx, item_id, "ideas.edit", param)


@operation("Ideas.Ideas.reorderIdeas", writes=True)
def reorder_ideas(ctx: Context, payload: list[SortEntry]) -> bool:
    """Set the sort position of ideas: a list of {id, sortIndex}. Returns true. Needs
    ideas.edit in the project of every idea; otherwise nothing changes (-32001, or
    -32002 for an idea the caller cannot see)."""
    for index, entry in enumerate(payload):
        for field in ("id", "sortIndex"):
            if entry.get(field) is None:
                raise InvalidParams(
                    f"Required Parameter Missing: payload[{index}].{field}",
                    param=f"payload[{index}].{field}",
                    expected="an integer",
                )
    _batch(ctx, [entry["id"] for entry in payload], "payload")
    for entry in payload:
        ctx.conn.execute(
            update(t.canvas_items)
            .where(ci.id == entry["id"])
            .values(sortindex=entry["sortIndex"], modified=ctx.now, version=ci.version + 1)
        )
    return True


def _listed_ids(value: Any, param: str) -> list[int]:
    """Ids from jQuery sortable's "item[]=1&item[]=2" (or a plain list of ids)."""
    if isinstance(value, list):
        parts = [str(part) for part in value]
    elif isinstance(value, str):
        parts = [part.split("=", 1)[-1] for part in value.split("&") if part]
    else:
        parts = ["?"]
    if not all(part.strip().isdigit() for part in parts):
        raise InvalidParams(
            f'param `{param}`: expected "item[]=<id>&item[]=<id>..." or a list of ids,'
            f" got {value!r}",
            param=param,
            expected="item[]=<id>&... or a list of ids",
        )
    return [int(part) for part in parts]


@operation("Ideas.Ideas.bulkUpdateStatus", writes=True)
def bulk_update_status(ctx: Context, payload: dict[str, Any]) -> bool:
    """Move ideas between columns, as the board's drag and drop does: an object from
    column to jQuery sortable's "item[]=<id>&item[]=<id>..." (or a list of ids). The
    position in each list becomes the sort order. Returns true. Needs ideas.edit for
    every idea; otherwise nothing changes."""
    moves = {
        _column(column, f"payload.{column}"): _listed_ids(ids, f"payload.{column}")
        for column, ids in payload.items()
    }
    _batch(ctx, [item_id for ids in moves.values() for item_id in ids], "payload")
    for column, ids in moves.items():
        for position, item_id in enumerate(ids):
            ctx.conn.execute(
                update(t.canvas_items)
                .where(ci.id == item_id)
                .values(box=column, sortindex=position, modified=ctx.now, version=ci.version + 1)
            )
    return True


@operation("Ideas.Ideas.getProjectMilestones", permission="ideas.view", project="projectId")
def get_project_milestones(ctx: Context, projectId: int) -> list[TicketRow]:
    """The milestones of a project an idea can be linked to, as getAllMilestones lists
    them."""
    return tickets.get_all_milestones(ctx, {"currentProject": projectId})


# -- polling -------------------------------------------------------------------------


def _poll(
    ctx: Context, projectId: int | None, board_id: int | None, updated: bool
) -> list[PolledIdea]:
    query = item_select().join(t.projects, t.projects.c.id == cv.projectId)
    query = query.where(visible_projects(ctx.principal)).order_by(ci.id)
    if projectId:
        query = query.where(cv.projectId == projectId)
    if board_id:
        query = query.where(cv.id == board_id)
    if not updated:
        query = ctx.page_query(query, ci.id, ci.modified)
    return [_polled(row, updated) for row in ctx.conn.execute(query)]


@operation("Ideas.Ideas.pollForNewIdeas", permission="ideas.view", project="projectId")
def poll_for_new_ideas(
    ctx: Context, projectId: int | None = None, board: int | None = None
) -> list[PolledIdea]:
    """Every idea the caller can see (of one project or board, if given), dates in ISO
    8601 UTC, for integrations that poll."""
    return _poll(ctx, projectId, board, updated=False)


@operation("Ideas.Ideas.pollForUpdatedIdeas", permission="ideas.view", project="projectId")
def poll_for_updated_ideas(
    ctx: Context, projectId: int | None = None, board: int | None = None
) -> list[PolledIdea]:
    """The ideas pollForNewIdeas answers, each `id` made "<id>-<modified>" so that a
    changed idea looks new to integrations that de-duplicate on id."""
    return _poll(ctx, projectId, board, updated=True)
