"""Logged time on tickets (Leantime's `Timesheets` domain, the ticket-level methods).

An entry is unique per (user, ticket, work day, kind): logging again on the same day
and kind adds the hours to the entry, as Leantime's `ON DUPLICATE KEY UPDATE` does.
Work dates are kept as the start of the day (UTC), so that the rule holds whatever time
of day a client sends. Logging needs timesheets.create (editor and above) and access to
the ticket; people without timesheets.manage (below manager) always log for themselves,
whatever `userId` they send, as in Leantime. Deleting an entry of someone else's needs
timesheets.manage.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any, TypedDict

from sqlalchemy import case, select
from sqlalchemy.dialects import postgresql, sqlite

from milepost.services import webhooks
from milepost.services.errors import Forbidden, InvalidParams, NotFound
from milepost.services.operations import Context, operation
from milepost.services.values import fmt_date, num, parse_date
from milepost.storage import tables as t

tc = t.timesheets.c
MAX_HOURS_PER_DAY = 24.0
MAX_DESCRIPTION = 10_000

KINDS: dict[str, str] = {
    "GENERAL_BILLABLE": "label.general_billable",
    "GENERAL_NOT_BILLABLE": "label.general_not_billable",
    "PROJECTMANAGEMENT": "label.projectmanagement",
    "DEVELOPMENT": "label.development",
    "BUGFIXING_NOT_BILLABLE": "label.bugfixing_not_billable",
    "TESTING": "label.testing",
}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m)", re.IGNORECASE)
_UNIT_HOURS = {"w": 40.0, "d": 8.0, "h": 1.0, "m": 1 / 60}


class TimeParams(TypedDict, total=False):
    """A time entry: `hours` (a number, or Leantime's '1h 30m' style), `kind` (one of
    getLoggableHourTypes, default GENERAL_BILLABLE), the work day in `date` (or
    `dateString`, or a unix `timestamp`), an optional `description`, and `userId` (only
    managers log for others)."""

    hours: float | str
    kind: str
    date: str
    dateString: str
    timestamp: int
    time: str
    description: str
    userId: int


class DayHours(TypedDict):
    """The hours logged on a ticket on one day (`utc` is the day, `summe` the sum)."""

    utc: str
    summe: float


class TimeEntry(TypedDict):
    """One time entry with its author's name."""

    id: int
    userId: int
    ticketId: int
    workDate: str | None
    hours: float
    kind: str
    description: str
    invoicedEmpl: int
    invoicedComp: int
    paid: int
    modified: str | None
    firstname: str | None
    lastname: str | None


def _ticket_project(ctx: Context, ticket_id: int) -> int:
    """The ticket's project; NotFound when the ticket is missing or hidden."""
    project_id = ctx.conn.execute(
        select(t.tickets.c.projectId).where(t.tickets.c.id == ticket_id)
    ).scalar()
    if project_id is None or not ctx.can("tickets.view", project_id):
        raise NotFound(f"no ticket {ticket_id}")
    return int(project_id)


def parse_hours(value: Any, param: str) -> float:
    """Hours as a number, or as Leantime's duration text ('2.5', '1h 30m', '1d')."""
    hours: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        hours = float(value)
    elif isinstance(value, str):
        text = value.strip().lower()
        try:
            hours = float(text)
        except ValueError:
            parts = _DURATION.findall(text)
            if parts and _DURATION.sub("", text).strip() == "":
                hours = sum(float(amount) * _UNIT_HOURS[unit.lower()] for amount, unit in parts)
    if hours is None or not 0 < hours <= MAX_HOURS_PER_DAY:
        raise InvalidParams(
            f"param `{param}`: expected hours above 0 and at most {MAX_HOURS_PER_DAY:g},"
            f" got {value!r}",
            param=param,
            expected=f"a number of hours above 0 and at most {MAX_HOURS_PER_DAY:g}",
        )
    return round(hours, 4)


def _work_day(params: dict[str, Any]) -> dt.datetime:
    if params.get("timestamp") not in (None, ""):
        try:
            stamp = dt.datetime.fromtimestamp(int(params["timestamp"]), dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise InvalidParams(
                f"param `params.timestamp`: expected unix seconds, got {params['timestamp']!r}",
                param="params.timestamp",
            ) from None
        day: dt.datetime | None = stamp.replace(tzinfo=None)
    else:
        field = "date" if params.get("date") not in (None, "") else "dateString"
        day = parse_date(params.get(field), f"params.{field}")
    if day is None:
        raise InvalidParams(
            "Date is a required field", param="params.date", expected="the work day as a date"
        )
    return day.replace(hour=0, minute=0, second=0, microsecond=0)


def _kind(value: Any) -> str:
    kind = str(value or "GENERAL_BILLABLE").strip().upper()
    if kind not in KINDS:
        raise InvalidParams(
            f"param `params.kind`: expected one of {', '.join(KINDS)}, got {value!r}",
            param="params.kind",
            expected="one of " + ", ".join(KINDS),
        )
    return kind


def _logging_user(ctx: Context, value: Any) -> int:
    if value in (None, "", 0) or not ctx.can("timesheets.manage"):
        return ctx.principal.user_id
    user_id = int(value)
    found = ctx.conn.execute(select(t.users.c.id).where(t.users.c.id == user_id)).first()
    if found is None:
        raise InvalidParams(f"param `params.userId`: no user {user_id}", param="params.userId")
    return user_id


def _upsert(ctx: Context, row: dict[str, Any]) -> None:
    """Insert the entry, or add its hours to the entry of the same user, ticket, day and
    kind, in one statement (safe against a concurrent log of the same entry)."""
    dialect = postgresql if ctx.conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(t.timesheets).values(**row)
    excluded = statement.excluded
    # Leantime keeps earlier descriptions below the new one.
    description = case(
        (excluded.description == "", tc.description),
        (tc.description == "", excluded.description),
        else_=excluded.description + "\n--\n\n" + tc.description,
    )
    ctx.conn.execute(
        statement.on_conflict_do_update(
            index_elements=[tc.userId, tc.ticketId, tc.workDate, tc.kind],
            set_={
                "hours": tc.hours + excluded.hours,
                "description": description,
                "modified": excluded.modified,
                "version": tc.version + 1,
            },
        )
    )


@operation("Timesheets.Timesheets.logTime", permission="timesheets.create", writes=True)
def log_time(ctx: Context, ticketId: int, params: TimeParams) -> bool:
    """Log hours on a ticket for a work day; a second entry of the same day and kind
    adds to the first. Needs timesheets.create (editor and above) and access to the
    ticket; only managers and above log for another `userId`. Returns true; -32602 when
    the day's total for the entry would pass 24 hours."""
    project_id = _ticket_project(ctx, ticketId)
    values: dict[str, Any] = dict(params)
    if values.get("hours") in (None, ""):
        raise InvalidParams("Hours is a required field", param="params.hours")
    hours = parse_hours(values["hours"], "params.hours")
    description = str(values.get("description") or "")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidParams(
            f"param `params.description`: expected at most {MAX_DESCRIPTION} characters",
            param="params.description",
        )
    key = {
        "userId": _logging_user(ctx, values.get("userId")),
        "ticketId": ticketId,
        "workDate": _work_day(values),
        "kind": _kind(values.get("kind")),
    }
    _upsert(ctx, {**key, "hours": hours, "description": description, "modified": ctx.now})
    entry, total, version = ctx.conn.execute(
        select(tc.id, tc.hours, tc.version).where(
            *(tc[name] == value for name, value in key.items())
        )
    ).one()
    if total > MAX_HOURS_PER_DAY:
        raise InvalidParams(
            f"param `params.hours`: the entry would hold {total:g} hours for one day,"
            f" above {MAX_HOURS_PER_DAY:g}",
            param="params.hours",
            expected=f"at most {MAX_HOURS_PER_DAY:g} hours per day",
        )
    _emit(ctx, entry, "created" if version == 1 else "updated", project_id)
    return True


def _emit(ctx: Context, entry_id: int, action: str, project_id: int) -> None:
    def data() -> dict[str, Any] | None:
        row = ctx.conn.execute(select(t.timesheets).where(tc.id == entry_id)).first()
        if row is None:
            return None
        return {
            "id": row.id,
            "userId": row.userId,
            "ticketId": row.ticketId,
            "workDate": fmt_date(row.workDate),
            "hours": row.hours,
            "kind": row.kind,
            "description": row.description,
            "modified": fmt_date(row.modified),
        }

    webhooks.emit(ctx, "timesheet", action, entry_id, project_id=project_id, data=data)


def _hours_by_day(ctx: Context, ticket_id: int) -> dict[dt.date, float]:
    days: dict[dt.date, float] = {}
    for work_date, hours in ctx.conn.execute(
        select(tc.workDate, tc.hours).where(tc.ticketId == ticket_id)
    ):
        days[work_date.date()] = days.get(work_date.date(), 0.0) + round(hours, 2)
    return days


@operation("Timesheets.Timesheets.getLoggedHoursForTicketByDate")
def get_logged_hours_for_ticket_by_date(ctx: Context, ticketId: int) -> dict[str, DayHours]:
    """Hours logged on a ticket per day, keyed by day, for every day from the first of
    the month of the first entry to the end of the month of the last (days without
    entries hold 0). Without entries, as Leantime: one entry for the current time."""
    _ticket_project(ctx, ticketId)
    days = _hours_by_day(ctx, ticketId)
    if not days:
        now = fmt_date(ctx.now) or ""
        return {now: {"utc": now, "summe": 0}}
    first, last = min(days), max(days)
    day = first.replace(day=1)
    end = last.replace(day=calendar.monthrange(last.year, last.month)[1])
    result: dict[str, DayHours] = {}
    while day <= end:
        text = day.isoformat()
        result[text] = {"utc": text, "summe": num(round(days.get(day, 0.0), 2)) or 0}
        day += dt.timedelta(days=1)
    return result


@operation("Timesheets.Timesheets.getSumLoggedHoursForTicket")
def get_sum_logged_hours_for_ticket(ctx: Context, ticketId: int) -> float:
    """The total hours logged on a ticket (0 when none)."""
    _ticket_project(ctx, ticketId)
    return num(round(sum(_hours_by_day(ctx, ticketId).values()), 2)) or 0


@operation("Timesheets.Timesheets.getLoggableHourTypes")
def get_loggable_hour_types(ctx: Context) -> dict[str, str]:
    """The kinds of time entry, each with Leantime's label key."""
    return dict(KINDS)


@operation("Timesheets.Timesheets.getTimesheetEntriesForTicket", permission="timesheets.view")
def get_timesheet_entries_for_ticket(ctx: Context, ticketId: int) -> list[TimeEntry]:
    """The time entries of a ticket, newest day first, with their authors' names
    (Milepost; Leantime has this method but not over its API). Needs timesheets.view."""
    _ticket_project(ctx, ticketId)
    u = t.users.c
    rows = ctx.conn.execute(
        select(t.timesheets, u.firstname, u.lastname)
        .outerjoin(t.users, u.id == tc.userId)
        .where(tc.ticketId == ticketId)
        .order_by(tc.workDate.desc(), tc.id.desc())
    )
    return [
        {
            "id": row.id,
            "userId": row.userId,
            "ticketId": row.ticketId,
            "workDate": fmt_date(row.workDate),
            "hours": num(row.hours),  # type: ignore[typeddict-item]
            "kind": row.kind,
            "description": row.description,
            "invoicedEmpl": row.invoicedEmpl,
            "invoicedComp": row.invoicedComp,
            "paid": row.paid,
            "modified": fmt_date(row.modified),
            "firstname": row.firstname,
            "lastname": row.lastname,
        }
        for row in rows
    ]


@operation("Timesheets.Timesheets.deleteTime", permission="timesheets.delete", writes=True)
def delete_time(ctx: Context, id: int) -> bool:
    """Delete a time entry. Your own entries need timesheets.delete (editor and above);
    someone else's need timesheets.manage (manager and above). Returns true."""
    row = ctx.conn.execute(select(t.timesheets).where(tc.id == id)).first()
    if row is None:
        raise NotFound(f"no time entry {id}")
    try:
        project_id = _ticket_project(ctx, row.ticketId)
    except NotFound:
        raise NotFound(f"no time entry {id}") from None
    if row.userId != ctx.principal.user_id and not ctx.can("timesheets.manage"):
        raise Forbidden(f"time entry {id} is someone else's; deleting it needs timesheets.manage")
    _emit(ctx, id, "deleted", project_id)
    ctx.conn.execute(t.timesheets.delete().where(tc.id == id))
    return True
