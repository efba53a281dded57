"""Project analytics computed live from tickets and logged time: sprint burndown,
cumulative flow, and Leantime's daily report rows.

Leantime draws these charts from `zp_stats`, a table of nightly snapshots filled by a
cron job or by visits to the report page; a day nobody looked at stays empty. Milepost
keeps no snapshots and rebuilds each day from what it stores:

- a ticket counts from the day it was created (`date`);
- a ticket whose status is now of type DONE counts as done from the day of its last
  change (`modified`), and before that as in progress;
- a ticket that is not done counts under its current status type (NEW as open,
  INPROGRESS as in progress);
- hours remaining, planned hours and effort are the tickets' current values;
- logged hours are summed by work day from the timesheets, so they are exact.

Milestones and subtasks are left out, as in Leantime's reports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from sqlalchemy import func, select

from milepost.services import labels
from milepost.services.values import num
from milepost.storage import tables as t

if TYPE_CHECKING:
    from milepost.services.operations import Context

tc = t.tickets.c
MAX_DAYS = 120  # the longest history a report answers, as Leantime's getFullReport
MAX_SPRINT_DAYS = 731  # burndown entries beyond two years are left out
SIZES = {1.0: "xs", 2.0: "s", 3.0: "m", 5.0: "l", 8.0: "xl", 13.0: "xxl"}
VECTOR = ("num", "plan", "remaining", "points", *SIZES.values(), "none")


class BurndownDay(TypedDict):
    """One day of a sprint burndown: the ideal line and the work still open (empty
    strings for days still to come)."""

    date: str
    plannedHours: float
    plannedNum: float
    plannedEffort: float
    actualHours: float | str
    actualNum: float | str
    actualEffort: float | str


class FlowPart(TypedDict):
    """Tickets in one state on one day: hours, count and effort."""

    actualHours: float
    actualNum: float
    actualEffort: float


class FlowDay(TypedDict):
    """One day of a cumulative flow diagram."""

    date: str
    open: FlowPart
    progress: FlowPart
    done: FlowPart


class ReportRow(TypedDict):
    """Leantime's report model: ticket counts, hours and effort of a project (or sprint)
    on one day, with averages per ticket and per story point."""

    sprintId: int | None
    projectId: int
    date: str
    sum_todos: int
    sum_open_todos: int
    sum_progres_todos: int
    sum_closed_todos: int
    sum_planned_hours: float
    sum_estremaining_hours: float
    sum_logged_hours: float
    sum_points: float
    sum_points_done: float
    sum_points_progress: float
    sum_points_open: float
    sum_todos_xs: int
    sum_todos_s: int
    sum_todos_m: int
    sum_todos_l: int
    sum_todos_xl: int
    sum_todos_xxl: int
    sum_todos_none: int
    tickets: str | None
    daily_avg_hours_booked_todo: float | None
    daily_avg_hours_booked_point: float | None
    daily_avg_hours_planned_todo: float | None
    daily_avg_hours_planned_point: float | None
    daily_avg_hours_remaining_point: float | None
    daily_avg_hours_remaining_todo: float | None
    sum_teammembers: int


@dataclass(frozen=True)
class Work:
    """One ticket as the charts see it."""

    id: int
    kind: str  # NEW, INPROGRESS, DONE or NONE: the type of its current status
    created: dt.date | None
    changed: dt.date | None
    plan: float
    remaining: float
    points: float

    def vector(self) -> dict[str, float]:
        size = SIZES.get(self.points, "none")
        return {
            "num": 1,
            "plan": self.plan,
            "remaining": self.remaining,
            "points": self.points,
            size: 1,
        }

    def state_before_done(self) -> str:
        return "INPROGRESS" if self.kind == "DONE" else self.kind


def load_work(ctx: Context, project_id: int, sprint_id: int | None = None) -> list[Work]:
    """The project's tickets (of one sprint, if given), milestones and subtasks left out."""
    query = select(
        tc.id, tc.status, tc.date, tc.modified, tc.planHours, tc.hourRemaining, tc.storypoints
    ).where(tc.projectId == project_id, tc.type.not_in(["milestone", "subtask"]))
    if sprint_id is not None:
        query = query.where(tc.sprint == sprint_id)
    kinds = {
        code: str(label["statusType"])
        for code, label in labels.status_labels(ctx.conn, project_id).items()
    }
    return [
        Work(
            id=row.id,
            kind=kinds.get(row.status, "NONE"),
            created=row.date.date() if row.date else None,
            changed=row.modified.date() if row.modified else None,
            plan=float(row.planHours or 0),
            remaining=float(row.hourRemaining or 0),
            points=float(row.storypoints or 0),
        )
        for row in ctx.conn.execute(query.order_by(tc.id))
    ]


def _days(first: dt.date, last: dt.date, limit: int) -> list[dt.date]:
    count = max(0, min((last - first).days + 1, limit))
    return [first + dt.timedelta(days=n) for n in range(count)]


def _timeline(works: list[Work], days: list[dt.date]) -> list[dict[str, dict[str, float]]]:
    """For each day, the summed vectors of the tickets in each state at its end."""
    if not days:
        return []
    first, count = days[0], len(days)
    states = ("NEW", "INPROGRESS", "DONE", "NONE")
    deltas = {state: {field: [0.0] * (count + 1) for field in VECTOR} for state in states}

    def index(day: dt.date | None) -> int:
        return 0 if day is None else min(max((day - first).days, 0), count)

    def add(state: str, vector: dict[str, float], start: int, end: int) -> None:
        if start >= end:
            return
        for field, value in vector.items():
            deltas[state][field][start] += value
            deltas[state][field][end] -= value

    for work in works:
        born = index(work.created)
        done = index(work.changed) if work.kind == "DONE" else count
        done = max(done, born)
        add(work.state_before_done(), work.vector(), born, done)
        add("DONE", work.vector(), done, count)

    running = {state: dict.fromkeys(VECTOR, 0.0) for state in states}
    timeline = []
    for day in range(count):
        for state in states:
            for field in VECTOR:
                running[state][field] += deltas[state][field][day]
        timeline.append({state: dict(running[state]) for state in states})
    return timeline


def _n(value: float) -> float:
    result = num(round(value, 2))
    return 0 if result is None else result


# -- sprint burndown -----------------------------------------------------------------


def sprint_burndown(ctx: Context, sprint: Any) -> list[BurndownDay]:
    """The burndown of one sprint row, from its first day to its last."""
    if sprint.startDate is None or sprint.endDate is None:
        return []
    days = _days(sprint.startDate.date(), sprint.endDate.date(), MAX_SPRINT_DAYS)
    works = load_work(ctx, sprint.projectId, sprint.id)
    totals = {
        "hours": sum(w.plan for w in works),
        "num": float(len(works)),
        "effort": sum(w.points for w in works),
    }
    length = (sprint.endDate.date() - sprint.startDate.date()).days + 1
    today = ctx.now.date()
    burndown: list[BurndownDay] = []
    for index, (day, states) in enumerate(zip(days, _timeline(works, days), strict=True)):
        left = {key: value - index * value / length for key, value in totals.items()}
        open_ = [states["NEW"], states["INPROGRESS"]]
        actual: tuple[float | str, ...] = ("", "", "")
        if day <= today:
            actual = tuple(
                _n(sum(state[field] for state in open_)) for field in ("remaining", "num", "points")
            )
        burndown.append(
            {
                "date": day.isoformat(),
                "plannedHours": _n(left["hours"]),
                "plannedNum": _n(left["num"]),
                "plannedEffort": _n(left["effort"]),
                "actualHours": actual[0],
                "actualNum": actual[1],
                "actualEffort": actual[2],
            }
        )
    return burndown


# -- project history -----------------------------------------------------------------


def _window(ctx: Context, works: list[Work]) -> list[dt.date]:
    """The days a project history covers: from its first ticket to today, at most 120."""
    today = ctx.now.date()
    created = [w.created for w in works if w.created is not None]
    first = max(min(created, default=today), today - dt.timedelta(days=MAX_DAYS - 1))
    return _days(first, today, MAX_DAYS)


def logged_by_day(
    ctx: Context, project_id: int, sprint_id: int | None = None
) -> dict[dt.date, float]:
    """Hours logged on the project's tickets (milestones and subtasks left out) per day."""
    ts = t.timesheets.c
    query = (
        select(ts.workDate, func.sum(ts.hours))
        .join(t.tickets, tc.id == ts.ticketId)
        .where(tc.projectId == project_id, tc.type.not_in(["milestone", "subtask"]))
        .group_by(ts.workDate)
    )
    if sprint_id is not None:
        query = query.where(tc.sprint == sprint_id)
    logged: dict[dt.date, float] = {}
    for work_date, hours in ctx.conn.execute(query):
        logged[work_date.date()] = logged.get(work_date.date(), 0.0) + float(hours or 0)
    return logged


def _cumulative(logged: dict[dt.date, float], days: list[dt.date]) -> list[float]:
    if not days:
        return []
    total = sum(hours for day, hours in logged.items() if day < days[0])
    result = []
    for day in days:
        total += logged.get(day, 0.0)
        result.append(total)
    return result


def cumulative_flow(ctx: Context, project_id: int) -> list[FlowDay]:
    """Open, in-progress and done tickets of a project for each day of its history."""
    works = load_work(ctx, project_id)
    if not works:
        return []
    days = _window(ctx, works)
    hours = _cumulative(logged_by_day(ctx, project_id), days)
    flow: list[FlowDay] = []
    for day, states, logged in zip(days, _timeline(works, days), hours, strict=True):
        new, busy, done = states["NEW"], states["INPROGRESS"], states["DONE"]
        flow.append(
            {
                "date": day.isoformat(),
                "open": _part(new["remaining"], new["num"], new["points"]),
                "progress": _part(0, busy["num"], busy["points"]),
                "done": _part(logged, done["num"], done["points"]),
            }
        )
    return flow


def _part(hours: float, count: float, effort: float) -> FlowPart:
    return {"actualHours": _n(hours), "actualNum": _n(count), "actualEffort": _n(effort)}


def members(ctx: Context, project_id: int) -> int:
    rows = select(func.count()).where(t.project_members.c.projectId == project_id)
    return int(ctx.conn.execute(rows).scalar_one())


def _ratio(value: float, divisor: float) -> float | None:
    return None if not divisor else _n(value / divisor)


def report_row(
    project_id: int,
    *,
    sprint_id: int | None,
    day: dt.date,
    states: dict[str, dict[str, float]],
    logged: float,
    team: int,
    tickets: str | None,
) -> ReportRow:
    """Leantime's report row from the summed vectors of one day."""
    every = {field: sum(state[field] for state in states.values()) for field in VECTOR}
    count, points = every["num"], every["points"]
    return {
        "sprintId": sprint_id,
        "projectId": project_id,
        "date": f"{day.isoformat()} 00:00:00",
        "sum_todos": int(count),
        "sum_open_todos": int(states["NEW"]["num"]),
        "sum_progres_todos": int(states["INPROGRESS"]["num"]),
        "sum_closed_todos": int(states["DONE"]["num"]),
        "sum_planned_hours": _n(every["plan"]),
        "sum_estremaining_hours": _n(every["remaining"]),
        "sum_logged_hours": _n(logged),
        "sum_points": _n(points),
        "sum_points_done": _n(states["DONE"]["points"]),
        "sum_points_progress": _n(states["INPROGRESS"]["points"]),
        "sum_points_open": _n(states["NEW"]["points"]),
        "sum_todos_xs": int(every["xs"]),
        "sum_todos_s": int(every["s"]),
        "sum_todos_m": int(every["m"]),
        "sum_todos_l": int(every["l"]),
        "sum_todos_xl": int(every["xl"]),
        "sum_todos_xxl": int(every["xxl"]),
        "sum_todos_none": int(every["none"]),
        "tickets": tickets,
        "daily_avg_hours_booked_todo": _ratio(logged, count),
        "daily_avg_hours_booked_point": _n(logged / (points or 1)),
        "daily_avg_hours_planned_todo": _ratio(every["plan"], count),
        "daily_avg_hours_planned_point": _ratio(every["plan"], points),
        "daily_avg_hours_remaining_point": _ratio(every["remaining"], points),
        "daily_avg_hours_remaining_todo": _ratio(every["remaining"], count),
        "sum_teammembers": team,
    }


def daily_reports(ctx: Context, project_id: int) -> list[ReportRow]:
    """One report row per day of the project's history, newest first."""
    works = load_work(ctx, project_id)
    if not works:
        return []
    days = _window(ctx, works)
    hours = _cumulative(logged_by_day(ctx, project_id), days)
    team = members(ctx, project_id)
    rows = [
        report_row(
            project_id,
            sprint_id=None,
            day=day,
            states=states,
            logged=logged,
            team=team,
            tickets=None,
        )
        for day, states, logged in zip(days, _timeline(works, days), hours, strict=True)
    ]
    return rows[::-1]


def realtime_report(ctx: Context, project_id: int, sprint_id: int | None) -> ReportRow | None:
    """The report row of the project (or one sprint) as it stands now; None without
    tickets."""
    works = load_work(ctx, project_id, sprint_id)
    if not works:
        return None
    today = ctx.now.date()
    now = [Work(w.id, w.kind, None, None, w.plan, w.remaining, w.points) for w in works]
    states = _timeline(now, [today])[0]
    logged = sum(logged_by_day(ctx, project_id, sprint_id).values())
    ids = ",".join(str(w.id) for w in works)
    sprint = -1 if sprint_id is None else sprint_id
    team = members(ctx, project_id)
    return report_row(
        project_id,
        sprint_id=sprint,
        day=today,
        states=states,
        logged=logged,
        team=team,
        tickets=ids,
    )
