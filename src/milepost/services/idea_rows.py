"""Loading and shaping idea boards and ideas: the shapes Leantime answers with and the
access checks every idea method makes (see ideas.py for the domain's rules).
"""

from __future__ import annotations

from typing import Any, TypedDict

from sqlalchemy import String, cast, delete, func, select

from milepost.services import attachments
from milepost.services.boards import board, item, zulu
from milepost.services.errors import InvalidParams, NotFound
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


def shape_item(row: Any) -> IdeaItem:
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


def shape_detail(row: Any) -> IdeaDetail:
    values = _values(row)
    values.update(
        authorFirstname=row.authorFirstname,
        authorLastname=row.authorLastname,
        milestoneHeadline=row.milestoneHeadline,
        milestoneEditTo=fmt_date(row.milestoneEditTo),
    )
    return {key: values[key] for key in IdeaDetail.__annotations__}  # type: ignore[return-value]


def shape_polled(row: Any, updated: bool) -> PolledIdea:
    values = _values(row)
    values.update(created=zulu(row.created), modified=zulu(row.modified))
    if updated:
        values["id"] = f"{row.id}-{fmt_date(row.modified) or ''}"
    return {key: values[key] for key in PolledIdea.__annotations__}  # type: ignore[return-value]


def viewable_board(ctx: Context, board_id: int) -> Any:
    row = board(ctx, board_id, BOARD_TYPE)
    return row if row is not None and ctx.can("ideas.view", row.projectId) else None


def writable_board(ctx: Context, board_id: Any, permission: str, param: str) -> Any:
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


def remove_items(ctx: Context, item_ids: list[int]) -> None:
    if not item_ids:
        return
    for item_id in item_ids:
        attachments.forget(ctx, COMMENT_MODULE, item_id)
    ctx.conn.execute(delete(t.canvas_items).where(ci.id.in_(item_ids)))
