"""Loading and shaping idea boards and ideas: the shapes Leantime answers with and the
access checks every idea method makes (see ideas.py for the domain's rules).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypedDict

from sqlalchemy import delete, select

from milepost.services import attachments, boards
from milepost.services.boards import authorized, board, item, missing, zulu
from milepost.services.canvas_rows import ItemBody, ItemKey, PolledKey, item_values, pick
from milepost.services.canvas_rows import item_select as item_select_of
from milepost.services.operations import Context
from milepost.services.values import fmt_date
from milepost.storage import tables as t

cv, ci = t.canvas.c, t.canvas_items.c
BOARD_TYPE = "idea"
COMMENT_MODULE = "idea"
# The columns of an idea board (an idea's `box`), with Leantime's label keys.
COLUMNS: dict[str, str] = {
    "idea": "status.ideation",
    "research": "status.discovery",
    "prototype": "status.delivering",
    "validation": "status.inreview",
    "implemented": "status.accepted",
    "deferred": "status.deferred",
}


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


class IdeaItem(ItemKey, ItemBody):
    """An idea as a board lists it: its column (`box`), texts, milestone and comment count."""

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


class IdeaDetail(ItemKey, ItemBody):
    """One idea as getIdeaItem answers it."""

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


class PolledIdea(PolledKey, ItemBody):
    """An idea as the poll methods answer it: dates in ISO 8601 UTC; `id` is
    "<id>-<modified>" in pollForUpdatedIdeas."""

    status: str
    tags: str
    milestoneId: str
    projectId: int


IdeaLabel = TypedDict("IdeaLabel", {"name": str, "class": str})


def board_select() -> Any:
    author = t.users.alias("author")
    return select(
        t.canvas,
        author.c.firstname.label("authorFirstname"),
        author.c.lastname.label("authorLastname"),
    ).outerjoin(author, author.c.id == cv.author)


def shape_board(row: Any) -> IdeaBoard:
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
    """Ideas with their board's project and title, author, milestone and comment count."""
    return item_select_of(BOARD_TYPE, COMMENT_MODULE)


def _values(row: Any, date: Callable[[dt.datetime | None], str | None]) -> dict[str, Any]:
    values = item_values(row, date)
    values["box"] = row.box if row.box not in ("", "0") else "idea"
    return values


def shape_item(row: Any) -> IdeaItem:
    values = _values(row, fmt_date)
    values["status"] = row.status or "idea"
    return pick(values, IdeaItem)


def shape_detail(row: Any) -> IdeaDetail:
    return pick(_values(row, fmt_date), IdeaDetail)


def shape_polled(row: Any, updated: bool) -> PolledIdea:
    values = _values(row, zulu)
    if updated:
        values["id"] = f"{row.id}-{fmt_date(row.modified) or ''}"
    return pick(values, PolledIdea)


def viewable_board(ctx: Context, board_id: int) -> Any:
    row = board(ctx, board_id, BOARD_TYPE)
    return row if row is not None and ctx.can("ideas.view", row.projectId) else None


def writable_board(ctx: Context, board_id: Any, permission: str, param: str) -> Any:
    return boards.writable_board(ctx, board_id, BOARD_TYPE, permission, param, noun="idea board")


def viewable_item(ctx: Context, item_id: int) -> Any:
    """The idea row with its project, when the caller may view it; else None."""
    row = item(ctx, item_id, BOARD_TYPE)
    return row if row is not None and ctx.can("ideas.view", row.projectId) else None


def writable_item(ctx: Context, item_id: Any, permission: str, param: str) -> Any:
    """The idea row once the caller holds `permission` in its project."""
    if item_id in (None, 0):
        raise missing(param, "an idea id")
    row = item(ctx, int(item_id), BOARD_TYPE)
    return authorized(ctx, row, permission, f"no idea {item_id}")


def remove_items(ctx: Context, item_ids: list[int]) -> None:
    if not item_ids:
        return
    for item_id in item_ids:
        attachments.forget(ctx, COMMENT_MODULE, item_id)
    ctx.conn.execute(delete(t.canvas_items).where(ci.id.in_(item_ids)))
