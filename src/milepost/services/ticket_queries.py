"""Ticket lists beyond `getAll`: a person's work by week, project, priority or sprint, the
board's grouped view, scheduled and recently closed tickets, possible parents.

Every list holds only tickets of projects the caller may access, in the row shape of
`getAll` (`TicketRow`). Grouped answers are JSON objects keyed by group, each group
holding its rows. Deliberate differences from Leantime:
- `getScheduledTasks`, `getMyClosedTickets*` and `getMyCommentedTicketsForRange` take
  their dates as strings over RPC (Leantime's union-typed date params cannot be sent at
  all); `from` is sent under that name.
- `getOpenUserTickets*` apply `limit`/`offset` to the whole list (due date order) before
  grouping; `group` keeps only that group.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
import typing
from collections.abc import Callable
from typing import Any, TypedDict, cast

from sqlalchemy import func, select

from milepost.services import labels, tickets
from milepost.services.errors import InvalidParams
from milepost.services.operations import Context, operation
from milepost.services.ticket_rows import TicketRow, tk
from milepost.services.tickets import SearchCriteria
from milepost.services.values import parse_date
from milepost.storage import tables as t

MAX_LIMIT = tickets.MAX_LIST_LIMIT


class GroupedCriteria(SearchCriteria, total=False):
    """getAll's search criteria, plus `groupBy`: all (the default), type, status, effort
    (storypoints), priority, milestone (milestoneid), user (editorId) or sprint."""

    groupBy: str


# One group of getAllGrouped: its value (`id`), a readable `label`, the status label's
# CSS `class` where the group is a status, and its rows in `items`.
TicketGroup = TypedDict(
    "TicketGroup",
    {"id": str, "label": str, "class": str, "moreInfo": str, "items": list[TicketRow]},
)


class WorkGroup(TypedDict):
    """One group of a person's open work: `labelName` (a label key or a name),
    `groupValue` (the value grouped on) and the rows in `tickets`."""

    labelName: str
    groupValue: str
    tickets: list[TicketRow]


class TicketRef(TypedDict, total=False):
    """A ticket as getTicket returns it; only `id` and `projectId` are read."""

    id: int
    projectId: int


# -- helpers ----------------------------------------------------------------------------


class _WireParameter(inspect.Parameter):
    """A keyword parameter named as the wire names it, even where Python cannot (`from`)."""

    def __init__(self, wire: str) -> None:
        super().__init__("placeholder", inspect.Parameter.KEYWORD_ONLY, default=None)
        self._name = wire


def _wire_params(func: Callable[..., Any], names: tuple[str, ...]) -> None:
    """Publish `func`'s `**dates` as optional string params named `names`, so binding and
    discovery see Leantime's `from` while Python receives it as a keyword."""
    signature = inspect.signature(func)
    kept = [p for p in signature.parameters.values() if p.kind != inspect.Parameter.VAR_KEYWORD]
    func.__dict__["__signature__"] = signature.replace(
        parameters=[*kept, *(_WireParameter(name) for name in names)]
    )
    hints = typing.get_type_hints(func)
    hints.pop(next(p.name for p in signature.parameters.values() if p.kind == p.VAR_KEYWORD))
    func.__annotations__ = {**hints, **dict.fromkeys(names, str | None)}


def _limit(value: int | None, param: str) -> int | None:
    if value is not None and not 0 <= value <= MAX_LIMIT:
        raise InvalidParams(
            f"param `{param}`: expected 0 to {MAX_LIMIT}, got {value}",
            param=param,
            expected=f"an integer from 0 to {MAX_LIMIT}",
        )
    return value


def _day_range(start: dt.datetime | None, end: dt.datetime | None, now: dt.datetime) -> Any:
    """(start of the first day, end of the last): the start defaults to the end, the end
    to today (or to the start, when that is later)."""
    first = (start or end or now).replace(hour=0, minute=0, second=0, microsecond=0)
    last = (end or max(first, now)).replace(hour=23, minute=59, second=59, microsecond=0)
    if last < first:
        raise InvalidParams(
            "param `to`: the range ends before it starts", param="to", expected="a later date"
        )
    return first, last


def _user(ctx: Context, user_id: int | None) -> str:
    return str(user_id or ctx.principal.user_id)


# -- the board -------------------------------------------------------------------------

_GROUP_FIELDS = {
    "type": "type",
    "status": "status",
    "effort": "storypoints",
    "storypoints": "storypoints",
    "priority": "priority",
    "milestone": "milestoneid",
    "milestoneid": "milestoneid",
    "user": "editorId",
    "editorid": "editorId",
    "sprint": "sprint",
}


def group_field(group_by: str | None, param: str = "searchCriteria.groupBy") -> str | None:
    """The row field a groupBy value names (None: no grouping)."""
    if not group_by or group_by == "all":
        return None
    field = _GROUP_FIELDS.get(group_by.lower())
    if field is None:
        raise InvalidParams(
            f"param `{param}`: expected all or one of {', '.join(_GROUP_FIELDS)}, got {group_by!r}",
            param=param,
            expected="all, " + ", ".join(_GROUP_FIELDS),
        )
    return field


def _group_label(ctx: Context, field: str, row: TicketRow, status: dict[int, Any]) -> str:
    value = row[field]  # type: ignore[literal-required]
    if field == "status":
        label = status.get(value)
        return str(label["name"]) if label else str(value)
    if field == "priority":
        return labels.PRIORITY_LABELS.get(str(value), "No priority")
    if field == "storypoints":
        return labels.EFFORT_LABELS.get(str(value), "No effort")
    if field == "milestoneid":
        return row["milestoneHeadline"] or "No milestone"
    if field == "editorId":
        name = f"{row['editorFirstname'] or ''} {row['editorLastname'] or ''}".strip()
        return name or "Not assigned"
    if field == "sprint":
        return row["sprintName"] or "Backlog"
    return str(value).capitalize()


@operation("Tickets.Tickets.getAllGrouped", permission="tickets.view")
def get_all_grouped(ctx: Context, searchCriteria: GroupedCriteria) -> dict[str, TicketGroup]:
    """The tickets getAll finds, grouped by `searchCriteria.groupBy`: an object keyed by
    each group's value (lower-cased; 'all' without grouping), in the order the groups
    first appear, with status groups in board order."""
    field = group_field(searchCriteria.get("groupBy"))
    criteria = cast(SearchCriteria, {k: v for k, v in searchCriteria.items() if k != "groupBy"})
    rows = tickets._search(ctx, criteria)
    if field is None:
        return {"all": _group("all", "", "", rows)}
    status = labels.status_labels(ctx.conn, criteria.get("currentProject"))
    groups: dict[str, TicketGroup] = {}
    for row in rows:
        value = row[field]  # type: ignore[literal-required]
        key = str("" if value is None else value).lower()
        if key not in groups:
            css = str(status[value]["class"]) if field == "status" and value in status else ""
            groups[key] = _group(key, _group_label(ctx, field, row, status), css, [])
        groups[key]["items"].append(row)
    if field == "status":
        order = [str(code) for code in status]
        groups = dict(sorted(groups.items(), key=lambda kv: _position(order, kv[0])))
    return groups


def _position(order: list[str], key: str) -> int:
    return order.index(key) if key in order else len(order)


def _group(key: str, label: str, css: str, items: list[TicketRow]) -> TicketGroup:
    return {"id": key, "label": label, "class": css, "moreInfo": "", "items": items}


@operation("Tickets.Tickets.getAllPossibleParents", permission="tickets.view")
def get_all_possible_parents(
    ctx: Context, ticket: TicketRef, projectId: int | str | None = None
) -> list[TicketRow]:
    """The tickets of a project that `ticket` could become a subtask of: every open
    ticket except milestones, the ticket itself and its own subtasks. The project is
    `projectId`, or the ticket's own when `projectId` is left out (or Leantime's
    'currentProject'). -32001 outside the caller's projects."""
    ticket_id = int(ticket.get("id") or 0)
    project_id: Any = projectId if isinstance(projectId, int) else ticket.get("projectId")
    if isinstance(projectId, str) and re.fullmatch(r"\d{1,9}", projectId.strip()):
        project_id = int(projectId)
    if not project_id and ticket_id:
        project_id = ctx.conn.execute(select(tk.projectId).where(tk.id == ticket_id)).scalar()
    if not project_id:
        raise InvalidParams(
            "param `projectId`: no project given and the ticket names none",
            param="projectId",
            expected="a project id",
        )
    ctx.authorize("tickets.view", int(project_id))
    extra = [tk.type != "milestone"]
    if ticket_id:
        extra += [tk.id != ticket_id, tk.dependingTicketId != ticket_id]
    return tickets._search(
        ctx, {"currentProject": int(project_id)}, extra=extra, default_order="id"
    )


# -- lists ---------------------------------------------------------------------------------


@operation("Tickets.Tickets.getLastTickets", permission="tickets.view", project="projectId")
def get_last_tickets(ctx: Context, projectId: int, limit: int = 5) -> list[TicketRow]:
    """The newest tickets of a project (milestones left out), newest first."""
    return tickets._search(
        ctx,
        {"currentProject": projectId},
        limit=_limit(limit, "limit"),
        extra=[tk.type != "milestone"],
    )


@operation("Tickets.Tickets.getScheduledTasks", permission="tickets.view")
def get_scheduled_tasks(
    ctx: Context, dateFrom: str, dateTo: str, userId: int | None = None
) -> list[TicketRow]:
    """Open tickets assigned to a user (the caller by default) whose planned range
    (editFrom to editTo) overlaps the range from `dateFrom` to `dateTo` (dates, whole
    days), by due date."""
    start = parse_date(dateFrom, "dateFrom")
    end = parse_date(dateTo, "dateTo")
    first, last = _day_range(start, end, ctx.now)
    begins = func.coalesce(tk.editFrom, tk.editTo)
    ends = func.coalesce(tk.editTo, tk.editFrom)
    return tickets._search(
        ctx,
        {"users": _user(ctx, userId), "status": "not_done"},
        extra=[tk.type != "milestone", begins <= last, ends >= first],
        default_order="duedate",
    )


@operation("Tickets.Tickets.getAllDoneUserTickets", permission="tickets.view")
def get_all_done_user_tickets(
    ctx: Context, userId: int | None = None, project: int | None = None
) -> list[TicketRow]:
    """Done tickets assigned to a user (the caller by default), optionally of one
    project, newest first."""
    criteria: SearchCriteria = {"users": _user(ctx, userId), "status": "done"}
    if project:
        criteria["currentProject"] = project
    return tickets._search(ctx, criteria, extra=[tk.type != "milestone"])


def _closed(ctx: Context, user_id: int | None, first: dt.datetime, last: dt.datetime) -> Any:
    criteria: SearchCriteria = {"users": _user(ctx, user_id), "status": "done"}
    extra = [tk.type != "milestone", tk.modified >= first, tk.modified <= last]
    return tickets._search(ctx, criteria, extra=extra)


@operation("Tickets.Tickets.getMyClosedTicketsForDate", permission="tickets.view")
def get_my_closed_tickets_for_date(
    ctx: Context, userId: int | None = None, date: str | None = None
) -> list[TicketRow]:
    """Done tickets assigned to a user (the caller by default) last changed on `date`
    (a date; today, UTC, by default)."""
    day = parse_date(date, "date")
    first, last = _day_range(day, day, ctx.now)
    return _closed(ctx, userId, first, last)  # type: ignore[no-any-return]


@operation("Tickets.Tickets.getMyClosedTicketsForRange", permission="tickets.view")
def get_my_closed_tickets_for_range(
    ctx: Context, userId: int | None = None, **dates: str | None
) -> list[TicketRow]:
    """Done tickets assigned to a user (the caller by default) last changed from `from`
    to `to` (dates, whole days; `to` defaults to today, `from` to `to`)."""
    first, last = _day_range(
        parse_date(dates.get("from"), "from"), parse_date(dates.get("to"), "to"), ctx.now
    )
    return _closed(ctx, userId, first, last)  # type: ignore[no-any-return]


_wire_params(get_my_closed_tickets_for_range, ("from", "to"))


@operation("Tickets.Tickets.getMyCommentedTicketsForRange", permission="tickets.view")
def get_my_commented_tickets_for_range(
    ctx: Context, userId: int | None = None, **dates: str | None
) -> list[TicketRow]:
    """Tickets a user (the caller by default) commented on from `from` to `to` (dates,
    whole days; `to` defaults to today, `from` to `to`)."""
    first, last = _day_range(
        parse_date(dates.get("from"), "from"), parse_date(dates.get("to"), "to"), ctx.now
    )
    cc = t.comments.c
    commented = select(cc.moduleId).where(
        cc.module == "ticket",
        cc.userId == (userId or ctx.principal.user_id),
        cc.date >= first,
        cc.date <= last,
    )
    return tickets._search(ctx, {"status": "all"}, extra=[tk.id.in_(commented)])


_wire_params(get_my_commented_tickets_for_range, ("from", "to"))


@operation("Tickets.Tickets.getRecentlyCompletedTicketsByUser", legacy=True,
           permission="tickets.view")  # fmt: skip
def get_recently_completed_tickets_by_user(
    ctx: Context, userId: int, projectId: int | None = None
) -> list[TicketRow]:
    """(Leantime 3.8) Done tickets assigned to a user changed in the last 7 days."""
    criteria: SearchCriteria = {"users": str(userId), "status": "done"}
    if projectId:
        criteria["currentProject"] = projectId
    since = ctx.now - dt.timedelta(days=7)
    return tickets._search(ctx, criteria, extra=[tk.type != "milestone", tk.modified >= since])


@operation("Tickets.Tickets.simpleTicketCounter", legacy=True, permission="tickets.view")
def simple_ticket_counter(
    ctx: Context,
    userId: int | None = None,
    project: int | None = None,
    status: str = "",
    types: list[str] | None = None,
) -> int:
    """(Leantime 3.8) How many tickets match: assigned to `userId`, in `project`, with
    `status` (getAll's status filter) and of `types`, among the caller's projects."""
    criteria: SearchCriteria = {"status": status or "all"}
    if userId:
        criteria["users"] = str(userId)
    if project:
        criteria["currentProject"] = project
    if types:
        criteria["type"] = ",".join(types)
    return len(tickets._search(ctx, criteria, extra=[tk.type != "milestone"]))


# -- a person's open work, grouped ----------------------------------------------------------


def _open_work(
    ctx: Context,
    user_id: int | None,
    project_id: int | None,
    *,
    include_done: bool,
    include_milestones: bool,
    limit: int | None,
    offset: int | None,
) -> list[TicketRow]:
    criteria: SearchCriteria = {"users": _user(ctx, user_id)}
    if not include_done:
        criteria["status"] = "not_done"
    if project_id:
        criteria["currentProject"] = project_id
    extra = [] if include_milestones else [tk.type != "milestone"]
    start = _limit(offset, "offset") or 0
    count = _limit(limit, "limit")
    rows = tickets._search(
        ctx,
        criteria,
        extra=extra,
        default_order="duedate",
        limit=None if count is None else start + count,
    )
    return rows[start:]


def _grouped(
    rows: list[TicketRow], key: Callable[[TicketRow], tuple[str, str]], group: str | None
) -> dict[str, WorkGroup]:
    groups: dict[str, WorkGroup] = {}
    for row in rows:
        value, label = key(row)
        groups.setdefault(value, {"labelName": label, "groupValue": value, "tickets": []})
        groups[value]["tickets"].append(row)
    if group is not None:
        return {value: entry for value, entry in groups.items() if value == group}
    return groups


def _week_group(now: dt.datetime) -> Callable[[TicketRow], tuple[str, str]]:
    today = now.strftime("%Y-%m-%d")
    week_end = (now + dt.timedelta(days=6 - now.weekday())).strftime("%Y-%m-%d 23:59:59")

    def key(row: TicketRow) -> tuple[str, str]:
        due = row["dateToFinish"]
        if due is not None and due < today:
            return "overdue", "subtitles.overdue"
        if due is not None and due <= week_end:
            return "thisWeek", "subtitles.due_this_week"
        return "later", "subtitles.due_later"

    return key


@operation(
    "Tickets.Tickets.getOpenUserTicketsThisWeekAndLater",
    permission="tickets.view",
    project="projectId",
)
def get_open_user_tickets_this_week_and_later(  # noqa: PLR0917 - Leantime's signature
    ctx: Context,
    userId: int | None = None,
    projectId: int | None = None,
    includeDoneTickets: bool = False,
    includeMilestones: bool = False,
    limit: int | None = None,
    offset: int | None = None,
    group: str | None = None,
) -> dict[str, WorkGroup]:
    """A user's open tickets (the caller's by default) by due date: groups `overdue`
    (due before today, UTC), `thisWeek` (due by Sunday) and `later` (later or no due
    date), in that order; done tickets too with `includeDoneTickets` (archived ones stay
    out), milestones with `includeMilestones`."""
    rows = _open_work(
        ctx, userId, projectId, include_done=includeDoneTickets,
        include_milestones=includeMilestones, limit=limit, offset=offset,
    )  # fmt: skip
    groups = _grouped(rows, _week_group(ctx.now), group)
    order = ("overdue", "thisWeek", "later")
    return {name: groups[name] for name in order if name in groups}


def _by_field(
    ctx: Context,
    key: Callable[[TicketRow], tuple[str, str]],
    *,
    userId: int | None,
    projectId: int | None,
    includeMilestones: bool,
    limit: int | None,
    offset: int | None,
    group: str | None,
) -> dict[str, WorkGroup]:
    rows = _open_work(
        ctx, userId, projectId, include_done=False, include_milestones=includeMilestones,
        limit=limit, offset=offset,
    )  # fmt: skip
    return dict(sorted(_grouped(rows, key, group).items()))


@operation(
    "Tickets.Tickets.getOpenUserTicketsByProject", permission="tickets.view", project="projectId"
)
def get_open_user_tickets_by_project(  # noqa: PLR0917 - Leantime's signature
    ctx: Context,
    userId: int | None = None,
    projectId: int | None = None,
    includeMilestones: bool = False,
    limit: int | None = None,
    offset: int | None = None,
    group: str | None = None,
) -> dict[str, WorkGroup]:
    """A user's open tickets (the caller's by default) grouped by project id, each group
    labelled with the project's name."""

    def key(row: TicketRow) -> tuple[str, str]:
        return str(row["projectId"]), row["projectName"] or ""

    return _by_field(
        ctx, key, userId=userId, projectId=projectId, includeMilestones=includeMilestones,
        limit=limit, offset=offset, group=group,
    )  # fmt: skip


@operation(
    "Tickets.Tickets.getOpenUserTicketsByPriority", permission="tickets.view", project="projectId"
)
def get_open_user_tickets_by_priority(  # noqa: PLR0917 - Leantime's signature
    ctx: Context,
    userId: int | None = None,
    projectId: int | None = None,
    includeMilestones: bool = False,
    limit: int | None = None,
    offset: int | None = None,
    group: str | None = None,
) -> dict[str, WorkGroup]:
    """A user's open tickets (the caller's by default) grouped by priority ('1' Critical
    to '5' Lowest; '999' for none)."""

    def key(row: TicketRow) -> tuple[str, str]:
        priority = row["priority"] if row["priority"] in labels.PRIORITY_LABELS else "999"
        return priority, labels.PRIORITY_LABELS.get(priority, "No priority")

    return _by_field(
        ctx, key, userId=userId, projectId=projectId, includeMilestones=includeMilestones,
        limit=limit, offset=offset, group=group,
    )  # fmt: skip


@operation(
    "Tickets.Tickets.getOpenUserTicketsBySprint", permission="tickets.view", project="projectId"
)
def get_open_user_tickets_by_sprint(  # noqa: PLR0917 - Leantime's signature
    ctx: Context,
    userId: int | None = None,
    projectId: int | None = None,
    includeMilestones: bool = False,
    limit: int | None = None,
    offset: int | None = None,
    group: str | None = None,
) -> dict[str, WorkGroup]:
    """A user's open tickets (the caller's by default) grouped by sprint id ('backlog'
    for tickets in no sprint), each group labelled with the sprint's name."""

    def key(row: TicketRow) -> tuple[str, str]:
        if not row["sprint"]:
            return "backlog", "Backlog"
        return str(row["sprint"]), row["sprintName"] or ""

    return _by_field(
        ctx, key, userId=userId, projectId=projectId, includeMilestones=includeMilestones,
        limit=limit, offset=offset, group=group,
    )  # fmt: skip


# -- counters for the board's filter bar -------------------------------------------------

_NOT_FILTERS = frozenset({"groupBy", "currentProject", "orderBy", "orderDirection"})


def _set_filters(criteria: dict[str, Any], include_group: bool) -> dict[str, Any]:
    ignored = _NOT_FILTERS - ({"groupBy"} if include_group else set())
    return {
        key: value
        for key, value in criteria.items()
        if key not in ignored and value not in (None, "", "all", [])
    }


@operation("Tickets.Tickets.countSetFilters", permission="tickets.view")
def count_set_filters(ctx: Context, searchCriteria: dict[str, Any]) -> int:
    """How many filters the criteria set (project, grouping and order do not count; nor
    do empty values and 'all')."""
    return len(_set_filters(searchCriteria, include_group=False))


@operation("Tickets.Tickets.getSetFilters", permission="tickets.view")
def get_set_filters(
    ctx: Context, searchCriteria: dict[str, Any], includeGroup: bool = False
) -> dict[str, Any]:
    """The filters the criteria set, as countSetFilters counts them (with `groupBy` too
    when `includeGroup`)."""
    return _set_filters(searchCriteria, include_group=includeGroup)


@operation("Tickets.Tickets.getStatusBreakdownBySwimlane", permission="tickets.view")
def get_status_breakdown_by_swimlane(
    ctx: Context,
    groupedTickets: dict[str, Any],
    statusColumns: dict[str, Any],
    statusField: str = "status",
) -> dict[str, dict[str, int]]:
    """For grouped tickets as getAllGrouped answers them and status columns as
    getStatusLabels answers them: per group, how many of its `items` have each status
    (by the items' `statusField`)."""
    breakdown: dict[str, dict[str, int]] = {}
    for key, group in groupedTickets.items():
        items = group.get("items") if isinstance(group, dict) else None
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise InvalidParams(
                f"param `groupedTickets.{key}.items`: expected a list of tickets",
                param=f"groupedTickets.{key}.items",
                expected="a list of ticket objects",
            )
        counts = dict.fromkeys((str(code) for code in statusColumns), 0)
        for item in items:
            status = str(item.get(statusField))
            if status in counts:
                counts[status] += 1
        breakdown[str(key)] = counts
    return breakdown
