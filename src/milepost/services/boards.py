"""Boards and board items as the goal, idea and canvas domains share them.

A board is a `zp_canvas` row of one type (`goalcanvas`, `idea`, ...) in one project; its
items are `zp_canvas_items` rows. An item belongs to the project of its board, and so does
every permission check on it. Leantime keeps goal metrics as DECIMAL(10,2), which its
database driver hands out as strings (`"12.50"`); Milepost answers them the same way.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from milepost.services.errors import InvalidParams, NotFound
from milepost.storage import tables as t

if TYPE_CHECKING:
    from milepost.services.operations import Context

cv, ci = t.canvas.c, t.canvas_items.c
MAX_DECIMAL = 99_999_999.99
MAX_INT = 2**31
MAX_TITLE = 255
MAX_TEXT = 100_000


def decimal_text(value: Decimal | float | None) -> str | None:
    """A DECIMAL(10,2) value as Leantime's driver answers it: `"12.50"`, or null."""
    return None if value is None else f"{float(value):.2f}"


def whole(value: Any, param: str) -> int | None:
    """An integer from the wire (a number or a string of digits) that fits an INTEGER
    column; None for an empty value."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number_value: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number_value = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number_value = int(value.strip())
    if number_value is None or not -MAX_INT <= number_value < MAX_INT:
        raise InvalidParams(
            f"param `{param}`: expected an integer, got {value!r}",
            param=param,
            expected=f"an integer from -{MAX_INT} to {MAX_INT - 1}",
        )
    return number_value


def half_up(value: float) -> int:
    """Round to a whole number as PHP and SQL do (halves away from zero)."""
    return math.floor(abs(value) + 0.5) * (1 if value >= 0 else -1)


def number(value: Decimal | float | str | None) -> float:
    """A stored metric as a number for arithmetic (an empty value counts as 0)."""
    if value in (None, ""):
        return 0.0
    return float(value)


def parse_decimal(value: Any, param: str) -> float | None:
    """A metric from the wire: a number or a numeric string; empty means no value."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number_value: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number_value = float(value)
    elif isinstance(value, str):
        try:
            number_value = float(value.strip())
        except ValueError:
            number_value = None
    if number_value is None or not math.isfinite(number_value):
        raise InvalidParams(
            f"param `{param}`: expected a number, got {value!r}",
            param=param,
            expected="a number with at most two decimals",
        )
    if abs(number_value) > MAX_DECIMAL:
        raise InvalidParams(
            f"param `{param}`: expected at most {MAX_DECIMAL:,.2f} in size, got {value!r}",
            param=param,
            expected=f"a number from -{MAX_DECIMAL:.2f} to {MAX_DECIMAL:.2f}",
        )
    return round(number_value, 2)


def zulu(value: dt.datetime | None) -> str | None:
    """A date as the `poll*` methods answer it: ISO 8601 in UTC with a `Z`."""
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def carbon(value: dt.datetime | None) -> str | None:
    """A date as Leantime serialises a Carbon object nested in a result."""
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def text(values: dict[str, Any], field: str, param: str, maximum: int = MAX_TEXT) -> str:
    """A text field from `values` ('' when absent or null), at most `maximum` long."""
    value = values.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    if len(value) > maximum:
        raise InvalidParams(
            f"param `{param}.{field}`: expected at most {maximum} characters, got {len(value)}",
            param=f"{param}.{field}",
            expected=f"at most {maximum} characters",
        )
    return value


def board(ctx: Context, board_id: int, board_type: str) -> Any:
    """The board row of that type, or None (the caller checks access)."""
    return ctx.conn.execute(
        select(t.canvas).where(cv.id == board_id, cv.type == board_type)
    ).first()


def item(ctx: Context, item_id: int, board_type: str, box: str | None = None) -> Any:
    """The item row with its board's `projectId` and `boardTitle`, or None."""
    query = (
        select(t.canvas_items, cv.projectId, cv.title.label("boardTitle"))
        .join(t.canvas, cv.id == ci.canvasId)
        .where(ci.id == item_id, cv.type == board_type)
    )
    if box is not None:
        query = query.where(ci.box == box)
    return ctx.conn.execute(query).first()


def missing(param: str, expected: str) -> InvalidParams:
    """The error for a required param left out (Leantime's words, then what it takes)."""
    return InvalidParams(f"Required Parameter Missing: {param}", param=param, expected=expected)


def authorized(ctx: Context, row: Any, permission: str, not_found: str) -> Any:
    """`row` (a board or an item, with its `projectId`) once the caller holds
    `permission` in its project; NotFound(`not_found`) for no row, or one in a project
    the caller cannot see."""
    if row is None or not ctx.can_access_project(row.projectId):
        raise NotFound(not_found)
    ctx.authorize(permission, row.projectId)
    return row


def writable_board(
    ctx: Context, board_id: Any, board_type: str, permission: str, param: str, *, noun: str
) -> Any:
    """The board of that type once the caller holds `permission` in its project;
    InvalidParams without an id, NotFound for a board the caller cannot see. `noun`
    names the board in messages ('goal board')."""
    if board_id in (None, 0):
        article = "an" if noun[:1] in ("a", "e", "i", "o", "u") else "a"
        raise missing(param, f"{article} {noun} id")
    row = board(ctx, int(board_id), board_type)
    return authorized(ctx, row, permission, f"no {noun} {board_id}")


def project_for_write(ctx: Context, value: Any, permission: str, param: str) -> int:
    """The project a new entity goes into, once the caller holds `permission` there."""
    if value in (None, "", 0):
        raise missing(param, "a project id")
    ctx.authorize(permission, int(value))
    exists = ctx.conn.execute(select(t.projects.c.id).where(t.projects.c.id == int(value)))
    if exists.first() is None:
        raise InvalidParams(f"param `{param}`: no project {value}", param=param)
    return int(value)


def milestone_in(ctx: Context, value: Any, project_id: int, param: str) -> int | None:
    """A milestone id that must name a milestone of the project; None for no milestone."""
    if value in (None, "", 0, "0"):
        return None
    try:
        milestone_id = whole(value, param) or 0
    except InvalidParams:
        milestone_id = 0
    tc = t.tickets.c
    found = ctx.conn.execute(
        select(tc.id).where(
            tc.id == milestone_id, tc.type == "milestone", tc.projectId == project_id
        )
    ).first()
    if found is None:
        raise InvalidParams(
            f"param `{param}`: no milestone {value!r} in project {project_id}",
            param=param,
            expected="a milestone of the same project",
        )
    return milestone_id
