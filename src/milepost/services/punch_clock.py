"""The punch clock (Leantime's timer): clock in on a ticket, clock out to log the time.

A running timer is a `zp_punch_clock` row: the ticket (`id`), the person, and the unix
time of clocking in. A person runs one timer at a time (a second punchIn is -32005).
Clocking out logs the time since clocking in as GENERAL_BILLABLE hours, as logTime
would, split at midnight (UTC) over the days it covers; under a minute logs nothing.
Clocking in and out needs timesheets.create (editor and above) and access to the
ticket; a timer whose ticket is gone or out of reach stops without logging.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, TypedDict

from sqlalchemy import delete, insert, select

from milepost.services import timesheets
from milepost.services.errors import Conflict, Forbidden, NotFound
from milepost.services.operations import Context, operation
from milepost.storage import tables as t

kc, tc = t.punch_clock.c, t.tickets.c
MIN_HOURS = 0.016  # under a minute is not logged, as in Leantime
DAY = dt.timedelta(days=1)


class ClockState(TypedDict):
    """A running timer: the ticket (`id` and `ticketId`), its headline and project, the
    unix time it started (`since`) and the time run so far as H:MM (`totalTime`)."""

    id: int
    ticketId: int
    headline: str | None
    projectId: int | None
    since: int
    totalTime: str


def _unix(moment: dt.datetime) -> int:
    return int(moment.replace(tzinfo=dt.UTC).timestamp())


def _moment(unix: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(unix, dt.UTC).replace(tzinfo=None)


def _running(ctx: Context, user_id: int) -> Any:
    return ctx.conn.execute(
        select(kc.id, kc.punchIn, tc.headline, tc.projectId)
        .outerjoin(t.tickets, tc.id == kc.id)
        .where(kc.userId == user_id)
    ).first()


@operation("Timesheets.Timesheets.isClocked", permission="timesheets.view")
def is_clocked(ctx: Context, sessionId: int) -> ClockState | Literal[False]:
    """The running timer of a person (`sessionId` is the person's user id; another
    person's needs timesheets.manage), or false when none runs or its ticket is out of
    the caller's reach."""
    if sessionId != ctx.principal.user_id and not ctx.can("timesheets.manage"):
        raise Forbidden("another person's timer needs timesheets.manage")
    row = _running(ctx, sessionId)
    if row is None or row.projectId is None or not ctx.can("tickets.view", row.projectId):
        return False
    minutes = max(0, _unix(ctx.now) - row.punchIn) // 60
    return {
        "id": row.id,
        "ticketId": row.id,
        "headline": row.headline,
        "projectId": row.projectId,
        "since": row.punchIn,
        "totalTime": f"{minutes // 60}:{minutes % 60:02}",
    }


@operation("Timesheets.Timesheets.punchIn", permission="timesheets.create", writes=True)
def punch_in(ctx: Context, ticketId: int) -> bool:
    """Start the caller's timer on a ticket. Returns true; -32005 while another timer
    of the caller runs (clock out first), -32002 for a ticket out of reach."""
    timesheets._ticket_project(ctx, ticketId)
    running = _running(ctx, ctx.principal.user_id)
    if running is not None:
        raise Conflict(
            f"your timer runs on ticket {running.id}; clock out first", reason="clocked_in"
        )
    ctx.conn.execute(
        insert(t.punch_clock).values(
            id=ticketId, userId=ctx.principal.user_id, punchIn=_unix(ctx.now)
        )
    )
    return True


def _segments(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, float]]:
    """(day, hours) for each UTC day from start to end."""
    segments = []
    while start < end:
        day = start.replace(hour=0, minute=0, second=0, microsecond=0)
        stop = min(end, day + DAY)
        hours = round((stop - start).total_seconds() / 3600, 4)
        if hours > 0:
            segments.append((day, hours))
        start = stop
    return segments


def _stop(ctx: Context, ticket_id: int) -> float | int | Literal[False]:
    user_id = ctx.principal.user_id
    row = ctx.conn.execute(
        select(kc.punchIn).where(kc.userId == user_id, kc.id == ticket_id)
    ).first()
    if row is None:
        return False
    ctx.conn.execute(delete(t.punch_clock).where(kc.userId == user_id, kc.id == ticket_id))
    start, end = _moment(row.punchIn), ctx.now
    worked = round((end - start).total_seconds() / 3600, 2)
    if worked < MIN_HOURS:
        return 0
    try:
        timesheets._ticket_project(ctx, ticket_id)
    except NotFound:
        return 0
    for day, hours in _segments(start, end):
        params: timesheets.TimeParams = {
            "hours": hours,
            "date": day.strftime("%Y-%m-%d"),
            "kind": "GENERAL_BILLABLE",
        }
        timesheets.log_time(ctx, ticket_id, params)
    return worked


@operation("Timesheets.Timesheets.punchOut", permission="timesheets.create", writes=True)
def punch_out(ctx: Context, ticketId: int) -> float | Literal[False]:
    """Stop the caller's timer on a ticket and log the hours it ran (see the module
    notes). Answers the hours (two decimals; 0 under a minute), or false when no timer
    of the caller runs on that ticket."""
    return _stop(ctx, ticketId)


@operation("Timesheets.Timesheets.stopActiveTimer", permission="timesheets.create", writes=True)
def stop_active_timer(ctx: Context) -> float | Literal[False]:
    """Stop the caller's running timer, whatever its ticket, as punchOut does. Answers
    the hours logged, or false when no timer runs."""
    running = ctx.conn.execute(select(kc.id).where(kc.userId == ctx.principal.user_id)).scalar()
    if running is None:
        return False
    return _stop(ctx, running)
