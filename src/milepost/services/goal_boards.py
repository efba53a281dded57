"""Goal boards (the board methods of Leantime's `Goalcanvas` domain).

A goal board is a board of type 'goalcanvas' in one project. Leantime 3.9 keeps its
board methods off the API; Milepost serves Leantime 3.8's `getSingleCanvas`,
`createGoalboard` and `updateGoalboard`, and adds `deleteGoalboard` (Milepost). Reading
needs goals.view in the board's project, writing goals.create / edit / delete.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from sqlalchemy import delete, insert, select

from milepost.services import goal_rows
from milepost.services.boards import MAX_TITLE, project_for_write, text
from milepost.services.errors import InvalidParams
from milepost.services.goal_rows import BOARD_TYPE
from milepost.services.goals import remove_goals
from milepost.services.operations import Context, operation
from milepost.services.values import fmt_date
from milepost.services.versions import checked_update
from milepost.storage import tables as t
from milepost.storage.database import insert_id

cv, ci = t.canvas.c, t.canvas_items.c


class BoardValues(TypedDict, total=False):
    """A goal board's fields: `title`, `description`, and `projectId` (for a new board);
    `id` names the board to change."""

    id: int
    title: str
    description: str
    projectId: int


class GoalBoard(TypedDict):
    """A goal board with its author's name."""

    id: int
    title: str
    author: int | None
    description: str
    created: str | None
    projectId: int
    authorFirstname: str | None
    authorLastname: str | None
    modified: str | None
    version: int


def _board_row(ctx: Context, board_id: int) -> Any:
    author = t.users.alias("author")
    return ctx.conn.execute(
        select(
            t.canvas,
            author.c.firstname.label("authorFirstname"),
            author.c.lastname.label("authorLastname"),
        )
        .outerjoin(author, author.c.id == cv.author)
        .where(cv.id == board_id, cv.type == BOARD_TYPE)
    ).first()


def _board(row: Any) -> GoalBoard:
    return {
        "id": row.id,
        "title": row.title,
        "author": row.author,
        "description": row.description,
        "created": fmt_date(row.created),
        "projectId": row.projectId,
        "authorFirstname": row.authorFirstname,
        "authorLastname": row.authorLastname,
        "modified": fmt_date(row.modified),
        "version": row.version,
    }


@operation("Goalcanvas.Goalcanvas.getSingleCanvas", legacy=True)
def get_single_canvas(ctx: Context, id: int) -> GoalBoard | Literal[False]:
    """One goal board, or false when it does not exist or lies outside the caller's
    projects."""
    row = _board_row(ctx, id)
    if row is None or not ctx.can("goals.view", row.projectId):
        return False
    return _board(row)


def _board_title(values: dict[str, Any], required: bool) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    if required or "title" in values:
        title = text(values, "title", "values", MAX_TITLE).strip()
        if not title:
            raise InvalidParams(
                "param `values.title`: a board needs a title",
                param="values.title",
                expected="a non-empty title",
            )
        columns["title"] = title
    if required or "description" in values:
        columns["description"] = text(values, "description", "values")
    return columns


@operation("Goalcanvas.Goalcanvas.createGoalboard", writes=True, legacy=True)
def create_goalboard(ctx: Context, values: BoardValues) -> str:
    """Create a goal board in `values.projectId` with `title` and `description`; returns
    its id as a string, as Leantime does. Needs goals.create there. The author is the
    caller."""
    fields: dict[str, Any] = dict(values)
    project_id = project_for_write(ctx, fields.get("projectId"), "goals.create", "values.projectId")
    columns = _board_title(fields, required=True)
    columns.update(
        projectId=project_id, type=BOARD_TYPE, author=ctx.principal.user_id,
        created=ctx.now, modified=ctx.now,
    )  # fmt: skip
    return str(insert_id(ctx.conn, insert(t.canvas).values(**columns)))


@operation("Goalcanvas.Goalcanvas.updateGoalboard", writes=True, legacy=True)
def update_goalboard(ctx: Context, values: BoardValues, expectedVersion: int | None = None) -> bool:
    """Rename the goal board `values.id` (`title`, `description`; fields left out keep
    their values). Returns true. Needs goals.edit; -32002 for a board the caller cannot
    see, -32005 when `expectedVersion` is stale."""
    fields: dict[str, Any] = dict(values)
    found = goal_rows.writable_board(ctx, fields.get("id"), "goals.edit", "values.id")
    columns = _board_title(fields, required=False)
    columns["modified"] = ctx.now
    checked_update(
        ctx, t.canvas, found.id, columns, expected_version=expectedVersion, what="goal board"
    )
    return True


@operation("Goalcanvas.Goalcanvas.deleteGoalboard", writes=True)
def delete_goalboard(ctx: Context, id: int) -> bool:
    """(Milepost) Delete a goal board and its goals (with their links, comments and
    history). Returns true. Needs goals.delete; -32002 for a board the caller cannot
    see."""
    found = goal_rows.writable_board(ctx, id, "goals.delete", "id")
    goal_ids = list(ctx.conn.execute(select(ci.id).where(ci.canvasId == found.id)).scalars())
    remove_goals(ctx, goal_ids)
    ctx.conn.execute(delete(t.canvas).where(cv.id == found.id))
    for goal_id in goal_ids:
        goal_rows.emit(ctx, goal_id, "deleted", found.projectId)
    return True
