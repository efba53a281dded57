"""Idea boards (the board methods of Leantime's `Ideas` domain; see ideas.py for its rules).

An idea board is a board of type 'idea' in one project, with six columns. Reading needs
ideas.view in the board's project, writing ideas.create / edit / delete.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select

from milepost.services import idea_rows
from milepost.services.boards import MAX_TITLE, project_for_write
from milepost.services.errors import InvalidParams
from milepost.services.operations import Context, operation
from milepost.services.versions import checked_update
from milepost.storage import tables as t
from milepost.storage.database import insert_id

cv, ci = t.canvas.c, t.canvas_items.c
_LABELS = {
    "idea": ("Ideation", "label-info"),
    "research": ("Discovery", "label-warning"),
    "prototype": ("Delivering", "label-warning"),
    "validation": ("In Review", "label-warning"),
    "implemented": ("Accepted", "label-success"),
    "deferred": ("Deferred", "label-default"),
}
DEFAULT_BOARD_TITLE = "Board"


@operation("Ideas.Ideas.getAllBoards", permission="ideas.view", project="projectId")
def get_all_boards(ctx: Context, projectId: int) -> list[idea_rows.IdeaBoard]:
    """The idea boards of a project, by title."""
    query = idea_rows.board_select().where(
        cv.projectId == projectId, cv.type == idea_rows.BOARD_TYPE
    )
    query = ctx.page_query(query.order_by(cv.title, cv.created, cv.id), cv.id, cv.modified)
    return [idea_rows.shape_board(row) for row in ctx.conn.execute(query)]


@operation("Ideas.Ideas.getBoard")
def get_board(ctx: Context, id: int) -> list[idea_rows.IdeaBoard]:
    """One idea board, as a list of one (Leantime's shape); empty when it does not exist
    or lies outside the caller's projects."""
    if idea_rows.viewable_board(ctx, id) is None:
        return []
    query = idea_rows.board_select().where(cv.id == id)
    return [idea_rows.shape_board(row) for row in ctx.conn.execute(query)]


@operation("Ideas.Ideas.getBoardTitle")
def get_board_title(ctx: Context, id: int) -> str:
    """The title of an idea board; an empty string when the caller cannot see it."""
    row = idea_rows.viewable_board(ctx, id)
    return "" if row is None else str(row.title)


@operation("Ideas.Ideas.getBoardLabels", permission="ideas.view")
def get_board_labels(ctx: Context) -> dict[str, idea_rows.IdeaLabel]:
    """The columns of an idea board with their names and CSS classes."""
    return {key: {"name": name, "class": css} for key, (name, css) in _LABELS.items()}


@operation("Ideas.Ideas.getCanvasTypes", permission="ideas.view")
def get_canvas_types(ctx: Context) -> dict[str, str]:
    """The columns of an idea board with Leantime's label keys."""
    return dict(idea_rows.COLUMNS)


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
            title=title, projectId=project_id, type=idea_rows.BOARD_TYPE, description="",
            author=ctx.principal.user_id, created=ctx.now, modified=ctx.now,
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
    found = idea_rows.writable_board(ctx, id, "ideas.edit", "id")
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
        select(cv.id).where(cv.projectId == projectId, cv.type == idea_rows.BOARD_TYPE).limit(1)
    ).first()
    if allBoards or existing is not None:
        return 0
    return _create_board(ctx, DEFAULT_BOARD_TITLE, projectId)


@operation("Ideas.Ideas.deleteCanvas", writes=True)
def delete_canvas(ctx: Context, id: int) -> bool:
    """Delete an idea board with its ideas and their comments. Returns true. Needs
    ideas.delete; -32002 for a board the caller cannot see."""
    found = idea_rows.writable_board(ctx, id, "ideas.delete", "id")
    idea_rows.remove_items(
        ctx, list(ctx.conn.execute(select(ci.id).where(ci.canvasId == found.id)).scalars())
    )
    ctx.conn.execute(delete(t.canvas).where(cv.id == found.id))
    return True
