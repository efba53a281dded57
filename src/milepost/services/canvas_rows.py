"""Board items as rows: what goals and ideas share when they are read and shaped.

An item (`zp_canvas_items`) is read with its board's project and title, its author's
name, its legacy milestone (`milestoneId`, a varchar holding a ticket id) and how many
comments it has (`item_select`). `item_values` turns such a row into the fields every
item shape draws from, and `pick` puts one shape's fields in its wire order: the order
of its TypedDict, which Leantime's answers fix. The TypedDicts here are the runs of
fields all item shapes share; a shape lists them as its bases, in wire order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypedDict, TypeVar, cast

from sqlalchemy import String, func, select
from sqlalchemy import cast as sql_cast

from milepost.services.values import fmt_date
from milepost.storage import tables as t

cv, ci = t.canvas.c, t.canvas_items.c
Shape = TypeVar("Shape")


class ItemKey(TypedDict):
    """How an item shape starts: the item's id and description."""

    id: int
    description: str


class PolledKey(TypedDict):
    """How a polled item starts; `id` is "<id>-<modified>" when polling for updates."""

    id: int | str
    description: str


class ItemBody(TypedDict):
    """The stored fields every item shape lists after its key: texts, column (`box`),
    author, dates, board and place on it."""

    assumptions: str
    data: str
    conclusion: str
    box: str
    author: int | None
    created: str | None
    modified: str | None
    canvasId: int
    sortindex: int | None


def item_select(board_type: str, comment_module: str) -> Any:
    """Items on boards of `board_type`, with their board's project and title (`boardTitle`),
    author's name, legacy milestone and number of comments (of `comment_module`)."""
    author = t.users.alias("author")
    milestone = t.tickets.alias("legacy_milestone")
    comments = (
        select(func.count())
        .where(t.comments.c.module == comment_module, t.comments.c.moduleId == ci.id)
        .scalar_subquery()
    )
    return (
        select(
            t.canvas_items,
            cv.projectId,
            cv.title.label("boardTitle"),
            author.c.firstname.label("authorFirstname"),
            author.c.lastname.label("authorLastname"),
            author.c.profileId.label("authorProfileId"),
            milestone.c.headline.label("milestoneHeadline"),
            milestone.c.editTo.label("milestoneEditTo"),
            comments.label("commentCount"),
        )
        .join(t.canvas, cv.id == ci.canvasId)
        .outerjoin(author, author.c.id == ci.author)
        .outerjoin(milestone, sql_cast(milestone.c.id, String) == ci.milestoneId)
        .where(cv.type == board_type)
    )


def item_values(row: Any, date: Callable[[dt.datetime | None], str | None]) -> dict[str, Any]:
    """The fields of a row of `item_select()` every shape draws from: the stored columns
    as they are, `created` and `modified` written by `date`, and what the select joins in."""
    values = {column.name: getattr(row, column.name) for column in t.canvas_items.columns}
    values.update(
        created=date(row.created),
        modified=date(row.modified),
        projectId=row.projectId,
        authorFirstname=row.authorFirstname,
        authorLastname=row.authorLastname,
        authorProfileId=row.authorProfileId,
        milestoneHeadline=row.milestoneHeadline,
        milestoneEditTo=fmt_date(row.milestoneEditTo),
        commentCount=int(row.commentCount or 0),
    )
    return values


def pick(values: dict[str, Any], shape: type[Shape]) -> Shape:
    """`values` cut down to the fields of the TypedDict `shape`, in its order."""
    return cast(Shape, {field: values[field] for field in shape.__annotations__})
