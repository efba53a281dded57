"""Reading time entries beyond one ticket's: one entry, the timesheet lists and the
weekly grid, a person's tickets, and hours per person and remaining on a ticket.
Changing entries is in timesheet_changes.py.

Who sees what: the entries of one ticket are visible to whoever holds timesheets.view
and can see the ticket (as getTimesheetEntriesForTicket has it); lists across tickets
(`getAll`, `getWeeklyTimesheets`, `getUsersTickets`, the poll methods) hold only the
caller's own entries unless the caller holds timesheets.manage (managers and above), as
Leantime's account lists do. Entries of tickets out of the caller's reach read as
missing.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal, TypedDict, cast

from sqlalchemy import Select, func, select

from milepost.services import timesheets
from milepost.services.errors import Forbidden, InvalidParams
from milepost.services.operations import Context, operation
from milepost.services.scope import visible_projects
from milepost.services.ticket_queries import TicketRef
from milepost.services.values import fmt_date, num, parse_date
from milepost.storage import tables as t

tc, kc, pc, uc = t.timesheets.c, t.tickets.c, t.projects.c, t.users.c
milestone = t.tickets.alias("milestone")
FLAGS = ("-1", "0", "1")
MAX_LIMIT = 10_000


class Timesheet(TypedDict):
    """A time entry with its ticket, project, client and author, as Leantime's timesheet
    lists have it (`name` is the project's name, `milestone` the ticket's milestone)."""

    id: int
    userId: int
    ticketId: int
    workDate: str | None
    hours: float
    description: str
    kind: str
    name: str | None
    projectId: int | None
    clientName: str | None
    clientId: int | None
    invoicedEmpl: int
    invoicedComp: int
    invoicedEmplDate: str | None
    invoicedCompDate: str | None
    paid: int
    paidDate: str | None
    firstname: str | None
    lastname: str | None
    headline: str | None
    planHours: float | None
    tags: str | None
    milestone: str | None
    modified: str | None
    version: int


class WeekDay(TypedDict):
    """One day of the weekly grid: its bounds, the hours, and the entry holding them."""

    start: str
    end: str
    actualWorkDate: str | None
    hours: float
    description: str
    id: int | None


class WeekRow(TypedDict):
    """One row of the weekly grid: a ticket and kind with its hours per day."""

    kind: str
    clientName: str | None
    name: str | None
    headline: str | None
    ticketId: int
    projectId: int | None
    hasTimesheetOffset: bool
    day1: WeekDay
    day2: WeekDay
    day3: WeekDay
    day4: WeekDay
    day5: WeekDay
    day6: WeekDay
    day7: WeekDay
    rowSum: float


class BookedTicket(TypedDict):
    """A ticket someone logged time on: the hours, and the last day logged."""

    id: int
    headline: str
    projectId: int
    projectName: str
    clientName: str | None
    bookedHours: float
    lastWorkDate: str | None


# -- reading ------------------------------------------------------------------------------


def entry_select() -> Select[Any]:
    """Time entries joined with ticket, milestone, project, client and author, limited
    by the caller's projects in `visible`."""
    return (
        select(
            t.timesheets,
            t.projects.c.name.label("projectName"),
            pc.id.label("projectId"),
            t.clients.c.name.label("clientName"),
            t.clients.c.id.label("clientId"),
            uc.firstname,
            uc.lastname,
            kc.headline,
            kc.planHours,
            kc.tags,
            milestone.c.headline.label("milestoneHeadline"),
        )
        .join(t.tickets, kc.id == tc.ticketId)
        .join(t.projects, pc.id == kc.projectId)
        .outerjoin(t.clients, t.clients.c.id == pc.clientId)
        .outerjoin(t.users, uc.id == tc.userId)
        .outerjoin(milestone, (milestone.c.id == kc.milestoneid) & (kc.milestoneid > 0))
    )


def visible(ctx: Context, query: Select[Any]) -> Select[Any]:
    """Only entries of the caller's projects, and only the caller's own without
    timesheets.manage."""
    query = query.where(visible_projects(ctx.principal))
    if not ctx.can("timesheets.manage"):
        query = query.where(tc.userId == ctx.principal.user_id)
    return query


def entry(row: Any) -> Timesheet:
    return {
        "id": row.id,
        "userId": row.userId,
        "ticketId": row.ticketId,
        "workDate": fmt_date(row.workDate),
        "hours": num(row.hours) or 0,
        "description": row.description,
        "kind": row.kind,
        "name": row.projectName,
        "projectId": row.projectId,
        "clientName": row.clientName,
        "clientId": row.clientId,
        "invoicedEmpl": row.invoicedEmpl,
        "invoicedComp": row.invoicedComp,
        "invoicedEmplDate": fmt_date(row.invoicedEmplDate),
        "invoicedCompDate": fmt_date(row.invoicedCompDate),
        "paid": row.paid,
        "paidDate": fmt_date(row.paidDate),
        "firstname": row.firstname,
        "lastname": row.lastname,
        "headline": row.headline,
        "planHours": num(row.planHours),
        "tags": row.tags,
        "milestone": row.milestoneHeadline,
        "modified": fmt_date(row.modified),
        "version": row.version,
    }


def load(ctx: Context, entry_id: int) -> Any:
    """The entry row, or None when it is missing or its ticket is out of reach."""
    row = ctx.conn.execute(entry_select().where(tc.id == entry_id)).first()
    if row is None or not ctx.can("tickets.view", row.projectId):
        return None
    return row


@operation("Timesheets.Timesheets.getTimesheet", permission="timesheets.view")
def get_timesheet(ctx: Context, id: int) -> Timesheet | Literal[False]:
    """One time entry, or false when it does not exist or its ticket is out of the
    caller's reach."""
    row = load(ctx, id)
    return False if row is None else entry(row)


def _other_user(ctx: Context, user_id: int | None) -> int:
    """The person whose entries to list: the caller, or anyone with timesheets.manage."""
    if not user_id or user_id == ctx.principal.user_id:
        return ctx.principal.user_id
    if not ctx.can("timesheets.manage"):
        raise Forbidden("another person's time entries need timesheets.manage")
    return user_id


def _flag(value: str, param: str) -> str:
    if str(value).strip() not in FLAGS:
        raise InvalidParams(
            f"param `{param}`: expected '-1' (any), '0' or '1', got {value!r}",
            param=param,
            expected="'-1', '0' or '1'",
        )
    return str(value).strip()


def _id_filter(value: str | int, param: str) -> int | None:
    text = str(value).strip()
    if text in ("", "-1", "0", "all"):
        return None
    if not re.fullmatch(r"\d{1,10}", text) or int(text) >= 2**31:
        raise InvalidParams(
            f"param `{param}`: expected an id or '-1', got {value!r}",
            param=param,
            expected="an id, or '-1' for all",
        )
    return int(text)


def _range(date_from: str, date_to: str) -> tuple[dt.datetime, dt.datetime]:
    start = parse_date(date_from, "dateFrom")
    end = parse_date(date_to, "dateTo")
    if start is None or end is None:
        missing = "dateFrom" if start is None else "dateTo"
        raise InvalidParams(f"param `{missing}`: expected a date", param=missing)
    if end.time() == dt.time(0):
        end = end.replace(hour=23, minute=59, second=59)
    if end < start:
        raise InvalidParams(
            "param `dateTo`: the range ends before it starts",
            param="dateTo",
            expected="a later date",
        )
    return start, end


@operation("Timesheets.Timesheets.getAll", permission="timesheets.view")
def get_all(  # noqa: PLR0917 - Leantime's signature
    ctx: Context,
    dateFrom: str,
    dateTo: str,
    projectId: int = -1,
    kind: str = "all",
    userId: int | None = None,
    invEmpl: str = "-1",
    invComp: str = "-1",
    ticketFilter: str = "-1",
    paid: str = "-1",
    clientId: str = "-1",
) -> list[Timesheet]:
    """Time entries with their work day from `dateFrom` to `dateTo` (dates; a date
    without a time runs to the end of that day), newest day first, narrowed by
    `projectId` (-1: all), `kind` ('all' or one of getLoggableHourTypes), `userId`,
    the flags `invEmpl`, `invComp` and `paid` ('-1' any, '0' not, '1' yes), a ticket
    (`ticketFilter`) and a client (`clientId`). Without timesheets.manage, only the
    caller's own entries (another `userId` is -32001)."""
    start, end = _range(dateFrom, dateTo)
    query = visible(ctx, entry_select()).where(tc.workDate >= start, tc.workDate <= end)
    if userId:
        query = query.where(tc.userId == _other_user(ctx, userId))
    if projectId and projectId > 0:
        query = query.where(kc.projectId == projectId)
    if kind != "all":
        query = query.where(tc.kind == timesheets._kind(kind))
    flags = ((invEmpl, tc.invoicedEmpl, "invEmpl"), (invComp, tc.invoicedComp, "invComp"),
             (paid, tc.paid, "paid"))  # fmt: skip
    for value, column, param in flags:
        if _flag(value, param) != "-1":
            query = query.where(column == int(value))
    ticket = _id_filter(ticketFilter, "ticketFilter")
    if ticket is not None:
        query = query.where(tc.ticketId == ticket)
    client = _id_filter(clientId, "clientId")
    if client is not None:
        query = query.where(pc.clientId == client)
    query = query.order_by(tc.workDate.desc(), tc.id.desc())
    return [entry(row) for row in ctx.conn.execute(ctx.page_query(query, tc.id, tc.modified))]


# -- the weekly grid ----------------------------------------------------------------------------


def _empty_week(first: dt.datetime) -> dict[str, WeekDay]:
    return {
        f"day{n + 1}": {
            "start": fmt_date(first + dt.timedelta(days=n)) or "",
            "end": fmt_date(first + dt.timedelta(days=n, hours=23, minutes=59)) or "",
            "actualWorkDate": None,
            "hours": 0,
            "description": "",
            "id": None,
        }
        for n in range(7)
    }


@operation("Timesheets.Timesheets.getWeeklyTimesheets", permission="timesheets.view")
def get_weekly_timesheets(
    ctx: Context, projectId: int, fromDate: str, userId: int = 0
) -> dict[str, WeekRow]:
    """A person's week as a grid (the caller's, or `userId`'s with timesheets.manage):
    the seven days from `fromDate`, one row per ticket and kind, keyed
    "<ticketId>-<kind>-<time of day>", each with `day1` to `day7` and `rowSum`.
    `projectId` 0 or -1 takes every project."""
    start = parse_date(fromDate, "fromDate")
    if start is None:
        raise InvalidParams("param `fromDate`: expected a date", param="fromDate")
    first = start.replace(hour=0, minute=0, second=0, microsecond=0)
    query = visible(ctx, entry_select()).where(
        tc.userId == _other_user(ctx, userId),
        tc.workDate >= first,
        tc.workDate < first + dt.timedelta(days=7),
        tc.hours > 0,
    )
    if projectId > 0:
        query = query.where(kc.projectId == projectId)
    rows: dict[str, WeekRow] = {}
    for row in ctx.conn.execute(query.order_by(tc.ticketId, tc.kind, tc.workDate)):
        key = f"{row.ticketId}-{row.kind}-{row.workDate.strftime('%H:%M:%S')}"
        if key not in rows:
            fresh: dict[str, Any] = {
                "kind": row.kind, "clientName": row.clientName, "name": row.projectName,
                "headline": row.headline, "ticketId": row.ticketId, "projectId": row.projectId,
                "hasTimesheetOffset": row.workDate.time() != dt.time(0),
                **_empty_week(first), "rowSum": 0,
            }  # fmt: skip
            rows[key] = cast(WeekRow, fresh)
        day: WeekDay = rows[key][f"day{(row.workDate - first).days + 1}"]  # type: ignore[literal-required]
        day["hours"] = num(day["hours"] + row.hours) or 0
        day["actualWorkDate"] = fmt_date(row.workDate)
        day["description"] = row.description
        day["id"] = row.id
        rows[key]["rowSum"] = num(round(rows[key]["rowSum"] + row.hours, 4)) or 0
    return rows


@operation("Timesheets.Timesheets.getUsersTickets", permission="timesheets.view")
def get_users_tickets(ctx: Context, userId: int, limit: int = -1) -> list[BookedTicket]:
    """The tickets a person logged time on (the caller, or anyone with
    timesheets.manage), the most recently logged first, with the person's hours on
    each; at most `limit` (-1: all)."""
    user_id = _other_user(ctx, userId)
    if limit < -1 or limit > timesheets.MAX_DESCRIPTION:
        raise InvalidParams(f"param `limit`: expected -1 or 0 to 10000, got {limit}", param="limit")
    query = (
        select(
            kc.id, kc.headline, kc.projectId, pc.name, t.clients.c.name.label("clientName"),
            func.sum(tc.hours).label("hours"), func.max(tc.workDate).label("last"),
        )
        .select_from(t.timesheets)
        .join(t.tickets, kc.id == tc.ticketId)
        .join(t.projects, pc.id == kc.projectId)
        .outerjoin(t.clients, t.clients.c.id == pc.clientId)
        .where(tc.userId == user_id, visible_projects(ctx.principal))
        .group_by(kc.id, kc.headline, kc.projectId, pc.name, t.clients.c.name)
        .order_by(func.max(tc.workDate).desc(), kc.id.desc())
    )  # fmt: skip
    if limit >= 0:
        query = query.limit(limit)
    return [
        {
            "id": row.id,
            "headline": row.headline,
            "projectId": row.projectId,
            "projectName": row.name,
            "clientName": row.clientName,
            "bookedHours": num(round(row.hours, 4)) or 0,
            "lastWorkDate": fmt_date(row.last),
        }
        for row in ctx.conn.execute(query)
    ]


# -- hours of a ticket -------------------------------------------------------------------------


def _ticket_hours(ctx: Context, ticket_id: int, user_id: int | None = None) -> float:
    query = select(func.coalesce(func.sum(tc.hours), 0)).where(tc.ticketId == ticket_id)
    if user_id is not None:
        query = query.where(tc.userId == user_id)
    return float(ctx.conn.execute(query).scalar_one())


@operation("Timesheets.Timesheets.getUsersTicketHours", permission="timesheets.view")
def get_users_ticket_hours(ctx: Context, ticketId: int, userId: int) -> float:
    """The hours a person logged on a ticket (0 when none); -32002 for a ticket out of
    the caller's reach."""
    timesheets._ticket_project(ctx, ticketId)
    return num(round(_ticket_hours(ctx, ticketId, userId), 4)) or 0


@operation("Timesheets.Timesheets.getRemainingHours")
def get_remaining_hours(ctx: Context, ticketOrId: int | TicketRef) -> float:
    """A ticket's planned hours minus the hours logged on it, at least 0. The ticket is
    its id or the ticket as getTicket returns it (only `id` is read); unlike Leantime,
    both can be sent. -32002 for a ticket out of the caller's reach."""
    ticket_id = ticketOrId.get("id") if isinstance(ticketOrId, dict) else ticketOrId
    if not isinstance(ticket_id, int) or isinstance(ticket_id, bool):
        raise InvalidParams(
            "param `ticketOrId`: expected a ticket id or a ticket with `id`",
            param="ticketOrId",
            expected="a ticket id, or an object with `id`",
        )
    timesheets._ticket_project(ctx, ticket_id)
    plan = ctx.conn.execute(select(kc.planHours).where(kc.id == ticket_id)).scalar_one()
    return num(round(max(0.0, (plan or 0) - _ticket_hours(ctx, ticket_id)), 4)) or 0


@operation("Timesheets.Timesheets.getBookedHourTypes")
def get_booked_hour_types(ctx: Context) -> dict[str, str]:
    """The kinds of time entry, each with Leantime's label key (as getLoggableHourTypes)."""
    return dict(timesheets.KINDS)
