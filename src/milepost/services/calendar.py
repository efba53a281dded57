"""Personal calendars (Leantime's `Calendar` domain).

Events belong to the person who made them: only they read and change them (or someone
with calendar.manage, admins). Making events needs calendar.create, changing them
calendar.edit, deleting them calendar.delete (editors and above); reading calendar.view.
`getMyCalendar` answers the caller's events and the due dates and planned ranges of the
open tickets assigned to them, as Leantime's calendar shows them.

External iCal feeds: Milepost stores the links (`addExternalCalendarUrl`,
`getMyExternalCalendars`, `editExternalCalendar`, `deleteGCal`) but does not fetch them,
since that needs outgoing requests to arbitrary addresses; the methods that answer a
feed's content are -32601 `not_supported`, and so is `getICalUrl` (Milepost publishes no
iCal feed).
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from typing import Any, Literal, TypedDict

from sqlalchemy import delete, insert, select

from milepost.services import labels
from milepost.services.errors import InvalidParams, NotFound, NotSupported
from milepost.services.operations import Context, operation
from milepost.services.scope import visible_projects
from milepost.services.values import fmt_date, limit_text, parse_date, with_time
from milepost.services.versions import checked_update
from milepost.storage import tables as t
from milepost.storage.database import insert_id

ec, lc, tk = t.calendar.c, t.calendar_links.c, t.tickets.c
MAX_DESCRIPTION = 10_000
MAX_URL = 2000
URL_SCHEMES = ("https://", "http://", "webcal://")
_TRUE = ("true", "1", "yes", "on")


class EventValues(TypedDict, total=False):
    """An event's fields: `description` (its title), `dateFrom` and `dateTo` (dates; a
    separate `timeFrom`/`timeTo` as H:i sets the time), `allDay`, `kind`."""

    id: int
    description: str
    dateFrom: str | None
    timeFrom: str | None
    dateTo: str | None
    timeTo: str | None
    allDay: bool | str
    kind: str


class Event(TypedDict):
    """An event row; `allDay` is 'true' or 'false', a string as in Leantime."""

    id: int
    userId: int
    dateFrom: str | None
    dateTo: str | None
    description: str
    kind: str
    allDay: str
    modified: str | None
    version: int


class CalendarEntry(TypedDict):
    """An entry of the calendar view: an event (eventType 'calendar') or a ticket's due
    date (eventType 'ticket', dateContext 'due') or planned range (dateContext 'edit')."""

    title: str
    allDay: bool
    description: str
    dateFrom: str | None
    dateTo: str | None
    id: int
    projectId: int | str
    eventType: str
    dateContext: str
    backgroundColor: str
    borderColor: str
    url: str


class LinkValues(TypedDict, total=False):
    """An external calendar link: its `url` (https, http or webcal), `name` and
    `colorClass`."""

    url: str
    name: str
    colorClass: str


class ExternalCalendar(TypedDict):
    """A stored link to an external iCal feed."""

    id: int
    url: str
    name: str
    colorClass: str
    version: int


# -- events ---------------------------------------------------------------------------------


def _event(row: Any) -> Event:
    return {
        "id": row.id,
        "userId": row.userId,
        "dateFrom": fmt_date(row.dateFrom),
        "dateTo": fmt_date(row.dateTo),
        "description": row.description,
        "kind": row.kind,
        "allDay": row.allDay,
        "modified": fmt_date(row.modified),
        "version": row.version,
    }


def _own_event(ctx: Context, event_id: int) -> Any:
    """The event, when it is the caller's (or the caller holds calendar.manage)."""
    row = ctx.conn.execute(select(t.calendar).where(ec.id == event_id)).first()
    if row is None or (row.userId != ctx.principal.user_id and not ctx.can("calendar.manage")):
        raise NotFound(f"no event {event_id} of the caller")
    return row


def _all_day(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "true" if str(value).strip().lower() in _TRUE else "false"


def _dates(values: dict[str, Any], row: Any = None) -> dict[str, Any]:
    """dateFrom and dateTo from `values` (kept from `row` when left out), checked."""
    date_from = row.dateFrom if row is not None else None
    date_to = row.dateTo if row is not None else None
    if "dateFrom" in values:
        date_from = with_time(
            parse_date(values["dateFrom"], "values.dateFrom"),
            values.get("timeFrom"),
            "values.timeFrom",
        )
    if "dateTo" in values:
        date_to = with_time(
            parse_date(values["dateTo"], "values.dateTo"), values.get("timeTo"), "values.timeTo"
        )
    if date_from is None:
        raise InvalidParams(
            "param `values.dateFrom`: an event needs a start date",
            param="values.dateFrom",
            expected="a date",
        )
    date_to = date_to or date_from
    if date_to < date_from:
        raise InvalidParams(
            "param `values.dateTo`: the event ends before it starts",
            param="values.dateTo",
            expected="a date at or after dateFrom",
        )
    return {"dateFrom": date_from, "dateTo": date_to}


def _columns(values: dict[str, Any], row: Any = None) -> dict[str, Any]:
    limit_text(values, "description", MAX_DESCRIPTION, "values")
    limit_text(values, "kind", 255, "values")
    columns = _dates(values, row)
    if row is None or "description" in values:
        description = values.get("description")
        if not isinstance(description, str) or not description.strip():
            raise InvalidParams(
                "param `values.description`: an event needs a title",
                param="values.description",
                expected="a non-empty string",
            )
        columns["description"] = description
    if "allDay" in values:
        columns["allDay"] = _all_day(values["allDay"])
    if "kind" in values:
        columns["kind"] = values["kind"] or ""
    return columns


@operation("Calendar.Calendar.addEvent", permission="calendar.create", writes=True)
def add_event(ctx: Context, values: EventValues) -> int:
    """Add an event to the caller's calendar and return its id. Needs calendar.create
    (editors and above). A missing title or start date is -32602."""
    columns = _columns(dict(values))
    columns.setdefault("allDay", "false")
    return insert_id(
        ctx.conn,
        insert(t.calendar).values(**columns, userId=ctx.principal.user_id, modified=ctx.now),
    )


@operation("Calendar.Calendar.getEvent", permission="calendar.view")
def get_event(ctx: Context, eventId: int) -> Event | Literal[False]:
    """One of the caller's events, or false when it does not exist or is someone else's."""
    try:
        return _event(_own_event(ctx, eventId))
    except NotFound:
        return False


@operation("Calendar.Calendar.editEvent", permission="calendar.edit", writes=True)
def edit_event(ctx: Context, values: EventValues, expectedVersion: int | None = None) -> bool:
    """Change the caller's event `values.id`: the fields sent change, the others keep
    their values. Returns true; -32002 for an event that is not the caller's, -32005
    when `expectedVersion` (Milepost) is stale."""
    fields: dict[str, Any] = dict(values)
    if fields.get("id") is None:
        raise InvalidParams(
            "Required Parameter Missing: values.id", param="values.id", expected="an event id"
        )
    row = _own_event(ctx, fields["id"])
    columns = _columns(fields, row)
    checked_update(
        ctx, t.calendar, row.id, {**columns, "modified": ctx.now},
        expected_version=expectedVersion, what="event",
    )  # fmt: skip
    return True


# Columns `patch` may change, as Leantime's repository takes them.
PATCHABLE = ("dateFrom", "dateTo", "description", "allDay", "kind")


@operation("Calendar.Calendar.patch", permission="calendar.edit", writes=True)
def patch(ctx: Context, id: int, params: EventValues, expectedVersion: int | None = None) -> bool:
    """Change only the given fields (dateFrom, dateTo, description, allDay, kind) of the
    caller's event. True, or false when `params` held none of them."""
    row = _own_event(ctx, id)
    known = {key: value for key, value in dict(params).items() if key in PATCHABLE}
    if not known:
        return False
    checked_update(
        ctx, t.calendar, row.id, {**_columns(known, row), "modified": ctx.now},
        expected_version=expectedVersion, what="event",
    )  # fmt: skip
    return True


@operation("Calendar.Calendar.delEvent", permission="calendar.delete", writes=True)
def del_event(ctx: Context, id: int) -> int:
    """Delete one of the caller's events. Answers the number of events deleted (1), as
    Leantime does; -32002 for an event that is not the caller's."""
    row = _own_event(ctx, id)
    return int(ctx.conn.execute(delete(t.calendar).where(ec.id == row.id)).rowcount)


# -- the calendar view ---------------------------------------------------------------------------


class _WireParameter(inspect.Parameter):
    """A keyword parameter named as the wire names it, even where Python cannot (`from`)."""

    def __init__(self, wire: str, annotation: Any) -> None:
        super().__init__("placeholder", inspect.Parameter.KEYWORD_ONLY, default=None)
        self._name = wire
        self._annotation = annotation


def wire_params(func: Callable[..., Any], names: dict[str, Any]) -> None:
    """Publish the `**dates` of `func` as optional parameters with Leantime's names.

    `from` is a Python keyword, so the function takes `**dates`; its published signature
    and type hints name the parameters as Leantime does, so binding, discovery and MCP
    see `from` and `until`, and the service layer calls it with them as keywords."""
    signature = inspect.signature(func)
    first = next(iter(signature.parameters.values()))
    parameters = [first, *(_WireParameter(wire, hint) for wire, hint in names.items())]
    func.__dict__["__signature__"] = signature.replace(parameters=parameters)
    func.__annotations__ = {first.name: Context, **names, "return": func.__annotations__["return"]}


def _range(dates: dict[str, Any]) -> tuple[dt.datetime | None, dt.datetime | None]:
    start = parse_date(dates.get("from"), "from")
    end = parse_date(dates.get("until"), "until")
    if start is not None and end is not None and end < start:
        raise InvalidParams(
            "param `until`: the range ends before it starts",
            param="until",
            expected="a date at or after from",
        )
    return start, end


def _event_entries(ctx: Context, start: Any, end: Any) -> list[CalendarEntry]:
    query = select(t.calendar).where(ec.userId == ctx.principal.user_id, ec.dateFrom.is_not(None))
    if start is not None:
        query = query.where(ec.dateTo >= start)
    if end is not None:
        query = query.where(ec.dateFrom <= end)
    return [
        {
            "title": row.description,
            "allDay": row.allDay == "true",
            "description": "",
            "dateFrom": fmt_date(row.dateFrom),
            "dateTo": fmt_date(row.dateTo),
            "id": row.id,
            "projectId": "",
            "eventType": "calendar",
            "dateContext": "plan",
            "backgroundColor": "var(--accent1)",
            "borderColor": "var(--accent1)",
            "url": f"/calendar/events/{row.id}",
        }
        for row in ctx.conn.execute(query.order_by(ec.dateFrom, ec.id))
    ]


def _in_range(first: Any, last: Any, start: Any, end: Any) -> bool:
    return first is not None and (end is None or first <= end) and (start is None or last >= start)


def _ticket_entries(ctx: Context, start: Any, end: Any) -> list[CalendarEntry]:
    query = (
        select(
            tk.id,
            tk.headline,
            tk.description,
            tk.projectId,
            tk.status,
            tk.dateToFinish,
            tk.editFrom,
            tk.editTo,
        )
        .join(t.projects, t.projects.c.id == tk.projectId)
        .where(
            tk.editorId == str(ctx.principal.user_id),
            tk.type != "milestone",
            visible_projects(ctx.principal),
        )
        .order_by(tk.id)
    )
    entries: list[CalendarEntry] = []
    names: dict[int, dict[int, dict[str, object]]] = {}
    for row in ctx.conn.execute(query):
        status = names.setdefault(row.projectId, labels.status_labels(ctx.conn, row.projectId))
        label = status.get(row.status)
        if label is not None and label["statusType"] == "DONE":
            continue
        title = f"{row.headline} ({label['name'] if label else ''})"
        spans = [("due", row.dateToFinish, row.dateToFinish), ("edit", row.editFrom, row.editTo)]
        for context, first, last in spans:
            if last is None or not _in_range(first, last, start, end):
                continue
            entries.append({
                "title": title, "allDay": context == "edit" and (last - first).days >= 1,
                "description": row.description, "dateFrom": fmt_date(first),
                "dateTo": fmt_date(last), "id": row.id, "projectId": row.projectId,
                "eventType": "ticket", "dateContext": context,
                "backgroundColor": "var(--accent2)", "borderColor": "var(--grey)",
                "url": f"/tickets/{row.id}",
            })  # fmt: skip
    return entries


@operation("Calendar.Calendar.getMyCalendar", permission="calendar.view")
def get_my_calendar(ctx: Context, **dates: str | None) -> list[CalendarEntry]:
    """The caller's calendar between `from` and `until` (dates; either may be left out):
    their events, then the due dates and planned ranges of the open tickets assigned to
    them in projects they can access. Unlike Leantime, `from` and `until` can be sent."""
    start, end = _range(dates)
    return _event_entries(ctx, start, end) + _ticket_entries(ctx, start, end)


wire_params(get_my_calendar, {"from": str | None, "until": str | None})


@operation("Calendar.Calendar.getICalUrl", permission="calendar.view")
def get_ical_url(ctx: Context) -> str:
    """Not supported: Milepost publishes no iCal feed of a calendar."""
    raise NotSupported("Milepost publishes no iCal feed; read the calendar with getMyCalendar")


# -- external calendars ----------------------------------------------------------------------------


def _link(row: Any) -> ExternalCalendar:
    return {
        "id": row.id,
        "url": row.url,
        "name": row.name,
        "colorClass": row.colorClass,
        "version": row.version,
    }


def _link_columns(values: dict[str, Any], param: str, *, creating: bool) -> dict[str, Any]:
    limit_text(values, "name", 255, param)
    limit_text(values, "colorClass", 100, param)
    columns: dict[str, Any] = {
        key: values[key] or "" for key in ("name", "colorClass") if key in values
    }
    if creating or "url" in values:
        url = values.get("url")
        if (
            not isinstance(url, str)
            or not url.lower().startswith(URL_SCHEMES)
            or len(url) > MAX_URL
        ):
            raise InvalidParams(
                f"param `{param}.url`: expected an https, http or webcal address of at most"
                f" {MAX_URL} characters, got {url!r}",
                param=f"{param}.url",
                expected="an https, http or webcal URL",
            )
        columns["url"] = url
    return columns


def _own_link(ctx: Context, link_id: int) -> Any:
    row = ctx.conn.execute(
        select(t.calendar_links).where(lc.id == link_id, lc.userId == ctx.principal.user_id)
    ).first()
    if row is None:
        raise NotFound(f"no external calendar {link_id} of the caller")
    return row


@operation("Calendar.Calendar.addExternalCalendarUrl", permission="calendar.create", writes=True)
def add_external_calendar_url(ctx: Context, values: LinkValues) -> None:
    """Store a link to an external iCal feed for the caller (Milepost does not fetch it).
    Answers null, as Leantime does; getMyExternalCalendars lists the links."""
    columns = _link_columns(dict(values), "values", creating=True)
    ctx.conn.execute(insert(t.calendar_links).values(**columns, userId=ctx.principal.user_id))


@operation("Calendar.Calendar.getMyExternalCalendars", permission="calendar.view")
def get_my_external_calendars(ctx: Context, userId: int) -> list[ExternalCalendar] | Literal[False]:
    """The caller's external calendar links; false when `userId` is not the caller's own
    id (nobody reads another person's links)."""
    if userId != ctx.principal.user_id:
        return False
    query = select(t.calendar_links).where(lc.userId == userId)
    return [_link(row) for row in ctx.conn.execute(ctx.page_query(query.order_by(lc.id), lc.id))]


@operation("Calendar.Calendar.getExternalCalendar", permission="calendar.view")
def get_external_calendar(ctx: Context, id: int, userId: int) -> ExternalCalendar | Literal[False]:
    """One of the caller's external calendar links, or false when it does not exist, is
    someone else's, or `userId` is not the caller's own id."""
    if userId != ctx.principal.user_id:
        return False
    try:
        return _link(_own_link(ctx, id))
    except NotFound:
        return False


@operation("Calendar.Calendar.editExternalCalendar", permission="calendar.edit", writes=True)
def edit_external_calendar(
    ctx: Context, values: LinkValues, id: int, expectedVersion: int | None = None
) -> None:
    """Change the url, name or colorClass of one of the caller's external calendar links
    (fields left out keep their values). Answers null; -32002 for a link that is not the
    caller's."""
    row = _own_link(ctx, id)
    columns = _link_columns(dict(values), "values", creating=False)
    checked_update(
        ctx, t.calendar_links, row.id, columns, expected_version=expectedVersion,
        what="external calendar",
    )  # fmt: skip


@operation("Calendar.Calendar.deleteGCal", permission="calendar.delete", writes=True)
def delete_gcal(ctx: Context, id: int) -> bool:
    """Delete one of the caller's external calendar links. Returns true; -32002 for a
    link that is not the caller's."""
    row = _own_link(ctx, id)
    ctx.conn.execute(delete(t.calendar_links).where(lc.id == row.id))
    return True


@operation("Calendar.Calendar.getCachedExternalCalendarContent", permission="calendar.view")
def get_cached_external_calendar_content(ctx: Context, calId: int, userId: int) -> str:
    """Not supported: Milepost stores external calendar links but never fetches them."""
    raise NotSupported("Milepost stores external calendar links but does not fetch their feeds")


@operation("Calendar.Calendar.getExternalCalendarEvents", permission="calendar.view")
def get_external_calendar_events(ctx: Context, **dates: str | None) -> list[CalendarEntry]:
    """Not supported: Milepost stores external calendar links but never fetches them."""
    raise NotSupported("Milepost stores external calendar links but does not fetch their feeds")


wire_params(get_external_calendar_events, {"from": str | None, "until": str | None})
