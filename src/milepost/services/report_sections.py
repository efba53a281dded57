"""The sections of a report over a set of projects for a period: milestones by bucket,
goals, status updates, effort and project summaries (see report_engine.py, which serves
them). Every function takes project ids already filtered by `authorized`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, TypedDict

from sqlalchemy import func, select

from milepost.services import goal_rows, labels, projects
from milepost.services.boards import carbon, decimal_text, number
from milepost.services.operations import Context
from milepost.services.report_period import Period
from milepost.services.values import fmt_date, num
from milepost.storage import tables as t

tc, pc, cc = t.tickets.c, t.projects.c, t.comments.c
MAX_PROJECTS = 500


STALE_AFTER = dt.timedelta(days=30)


_PRIORITY_WEIGHT = {1: 2.0, 2: 1.75, 3: 1.5, 4: 1.25, 5: 1.0}


class TaskStats(TypedDict):
    """How many of a milestone's tickets are done."""

    done: int
    total: int


class KeyTask(TypedDict):
    """A ticket of a milestone, done work first."""

    id: int
    headline: str
    status: int
    projectId: int
    milestoneid: int
    storypoints: float
    priority: str
    editTo: str | None
    dateToFinish: str | None
    isDone: bool


class ReportMilestone(TypedDict):
    """A milestone in a report: dates, progress over its tickets, and when it was done."""

    id: int
    headline: str
    description: str
    outcomeImpact: str
    date: str | None
    projectId: int
    status: int
    editFrom: str | None
    editTo: str | None
    modified: str | None
    projectName: str
    type: str
    tags: str
    startDate: str | None
    dueDate: str | None
    taskStats: TaskStats
    keyTasks: list[KeyTask]
    completedOn: str | None
    percentDone: float
    quarterLabel: str | None


class Slippage(TypedDict):
    """Milestones pushed out of the period (always empty: no due-date history) and
    milestones added during it."""

    pushedOut: list[ReportMilestone]
    addedMidPeriod: list[ReportMilestone]


class MilestoneReport(TypedDict):
    """Milestones by bucket: completed in the period, in progress, overdue, starting
    within two quarters after it (also grouped by quarter), every done one, and those
    added during the period."""

    completed: list[ReportMilestone]
    inProgress: list[ReportMilestone]
    overdue: list[ReportMilestone]
    upcoming: list[ReportMilestone]
    upcomingByQuarter: dict[str, list[ReportMilestone]]
    allDone: list[ReportMilestone]
    slippage: Slippage


class ReportGoal(TypedDict):
    """A goal in a report with its metric progress."""

    id: int
    title: str
    description: str
    status: str
    metricType: str
    startValue: str | None
    currentValue: str | None
    endValue: str | None
    setting: str
    milestoneId: str
    kpi: int | None
    startDate: str | None
    endDate: str | None
    canvasId: int
    projectId: int
    boardTitle: str
    milestoneHeadline: str | None
    goalProgress: float


class GoalCounts(TypedDict):
    """Goals by status."""

    ontrack: int
    atrisk: int
    miss: int


class GoalReport(TypedDict):
    """The projects' goals, also by project, and how many are on track, at risk, missed."""

    goals: list[ReportGoal]
    byProject: dict[str, list[ReportGoal]]
    counts: GoalCounts


class StatusUpdate(TypedDict):
    """A project status update (a project comment; `status` green, yellow or red)."""

    id: int
    projectId: int
    text: str
    date: str | None
    status: str
    authorFirstname: str | None
    authorLastname: str | None
    authorProfileId: str | None
    dateParsed: str | None


class ProjectSummary(TypedDict):
    """A project's report header: progress, latest status update, staleness."""

    id: int
    name: str
    details: str
    clientId: int | None
    state: int | None
    start: str | None
    end: str | None
    type: str
    parent: int | None
    clientName: str | None
    descriptionExcerpt: str
    progress: projects.Progress
    latestStatus: str | None
    latestStatusDate: str | None
    latestStatusText: str | None
    isStale: bool


class Effort(TypedDict):
    """Hours logged in the period: in total, by project and by milestone."""

    total: float
    byProject: dict[str, float]
    byMilestone: dict[str, float]


def authorized(ctx: Context, project_ids: list[int]) -> list[int]:
    """The asked-for projects that exist and in which the caller may view reports."""
    wanted = list(dict.fromkeys(pid for pid in project_ids[:MAX_PROJECTS] if pid > 0))
    existing = set(ctx.conn.execute(select(pc.id).where(pc.id.in_(wanted))).scalars())
    return [pid for pid in wanted if pid in existing and ctx.can("reports.view", pid)]


def _done_codes(ctx: Context, project_ids: list[int]) -> dict[int, set[int]]:
    return {
        pid: set(labels.codes_of_type(labels.status_labels(ctx.conn, pid), "DONE"))
        for pid in project_ids
    }


def _excerpt(html: str, length: int = 140) -> str:
    plain = " ".join(re.sub(r"<[^>]*>", " ", html).split())
    return plain if len(plain) <= length else plain[: length - 1] + "…"


def _quarter(moment: dt.datetime) -> str:
    return f"Q{(moment.month - 1) // 3 + 1} {moment.year}"


def _tasks(ctx: Context, milestone_ids: list[int]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {}
    if not milestone_ids:
        return grouped
    milestone = t.tickets.alias("milestone")
    rows = ctx.conn.execute(
        select(
            tc.id,
            tc.headline,
            tc.status,
            tc.projectId,
            tc.milestoneid,
            tc.storypoints,
            tc.priority,
            tc.editTo,
            tc.dateToFinish,
        )
        .join(milestone, milestone.c.id == tc.milestoneid)
        .where(
            tc.milestoneid.in_(milestone_ids),
            tc.type != "milestone",
            tc.projectId == milestone.c.projectId,
        )
        .order_by(tc.id)
    )
    for row in rows:
        grouped.setdefault(row.milestoneid, []).append(row)
    return grouped


def _weighted_percent(tasks: list[Any], done: set[int]) -> float:
    total = finished = 0.0
    for task in tasks:
        priority = int(task.priority) if str(task.priority or "").isdigit() else 3
        score = (float(task.storypoints or 0) or 3.0) * _PRIORITY_WEIGHT.get(priority, 1.0)
        total += score
        finished += score if task.status in done else 0.0
    return 0.0 if not total else finished / total * 100


def _key_task(task: Any, done: set[int]) -> KeyTask:
    return {
        "id": task.id,
        "headline": task.headline,
        "status": task.status,
        "projectId": task.projectId,
        "milestoneid": task.milestoneid,
        "storypoints": num(task.storypoints) or 0,
        "priority": task.priority,
        "editTo": fmt_date(task.editTo),
        "dateToFinish": fmt_date(task.dateToFinish),
        "isDone": task.status in done,
    }


def _milestone(row: Any, tasks: list[Any], done: set[int], is_done: bool) -> ReportMilestone:
    finished = sum(1 for task in tasks if task.status in done)
    ordered = sorted(tasks, key=lambda task: task.status not in done)
    return {
        "id": row.id,
        "headline": row.headline,
        "description": row.description,
        "outcomeImpact": row.outcomeImpact,
        "date": fmt_date(row.date),
        "projectId": row.projectId,
        "status": row.status,
        "editFrom": fmt_date(row.editFrom),
        "editTo": fmt_date(row.editTo),
        "modified": fmt_date(row.modified),
        "projectName": row.projectName,
        "type": "milestone",
        "tags": row.tags or "var(--grey)",
        "startDate": carbon(row.editFrom),
        "dueDate": carbon(row.editTo),
        "taskStats": {"done": finished, "total": len(tasks)},
        "keyTasks": [_key_task(task, done) for task in ordered[:5]],
        "completedOn": carbon(row.modified) if is_done else None,
        "percentDone": 100 if is_done else round(_weighted_percent(tasks, done), 2),
        "quarterLabel": None,
    }


def milestone_report(ctx: Context, project_ids: list[int], period: Period) -> MilestoneReport:
    rows = ctx.conn.execute(
        select(t.tickets, pc.name.label("projectName"))
        .join(t.projects, pc.id == tc.projectId)
        .where(tc.type == "milestone", tc.projectId.in_(project_ids))
        .order_by(tc.editTo.asc().nulls_last(), tc.id)
    ).all()
    done = _done_codes(ctx, project_ids)
    tasks = _tasks(ctx, [row.id for row in rows])
    report: MilestoneReport = {
        "completed": [], "inProgress": [], "overdue": [], "upcoming": [],
        "upcomingByQuarter": {}, "allDone": [],
        "slippage": {"pushedOut": [], "addedMidPeriod": []},
    }  # fmt: skip
    horizon = period.upcoming_horizon()
    for row in rows:
        is_done = row.status in done[row.projectId]
        milestone = _milestone(row, tasks.get(row.id, []), done[row.projectId], is_done)
        if period.contains(row.date):
            report["slippage"]["addedMidPeriod"].append(milestone)
        if is_done:
            report["allDone"].append(milestone)
            if period.contains(row.modified):
                report["completed"].append(milestone)
        elif row.editTo is not None and row.editTo < ctx.now:
            report["overdue"].append(milestone)
        elif row.editFrom is not None and row.editFrom > period.end:
            if row.editFrom <= horizon:
                milestone["quarterLabel"] = _quarter(row.editFrom)
                report["upcoming"].append(milestone)
                report["upcomingByQuarter"].setdefault(_quarter(row.editFrom), []).append(milestone)
        else:
            report["inProgress"].append(milestone)
    report["completed"].sort(key=lambda m: m["completedOn"] or "", reverse=True)
    report["upcoming"].sort(key=lambda m: m["startDate"] or "")
    return report


def goal_report(ctx: Context, project_ids: list[int]) -> GoalReport:
    rows = ctx.conn.execute(
        goal_rows.goal_select()
        .where(t.canvas.c.projectId.in_(project_ids))
        .order_by(
            t.canvas.c.projectId, t.canvas_items.c.sortindex.asc().nulls_last(), t.canvas_items.c.id
        )
    ).all()
    report: GoalReport = {
        "goals": [],
        "byProject": {},
        "counts": {"ontrack": 0, "atrisk": 0, "miss": 0},
    }
    for row in rows:
        current = number(row.currentValue)
        if row.setting == "linkAndReport":
            current = goal_rows.rollup(ctx, row.id)
        goal: ReportGoal = {
            "id": row.id, "title": row.title, "description": row.description,
            "status": row.status, "metricType": row.metricType,
            "startValue": decimal_text(row.startValue),
            "currentValue": decimal_text(current) if row.currentValue is not None
            or row.setting == "linkAndReport" else None,
            "endValue": decimal_text(row.endValue), "setting": row.setting,
            "milestoneId": row.milestoneId, "kpi": row.kpi,
            "startDate": fmt_date(row.startDate), "endDate": fmt_date(row.endDate),
            "canvasId": row.canvasId, "projectId": row.projectId,
            "boardTitle": row.boardTitle, "milestoneHeadline": row.milestoneHeadline,
            "goalProgress": goal_rows.progress(row.startValue, current, row.endValue),
        }  # fmt: skip
        key = row.status.removeprefix("status_")
        if key in report["counts"]:
            report["counts"][key] += 1  # type: ignore[literal-required]
        report["goals"].append(goal)
        report["byProject"].setdefault(str(row.projectId), []).append(goal)
    return report


def _update_select() -> Any:
    u = t.users.c
    return select(
        cc.id, cc.moduleId, cc.text, cc.date, cc.status, u.firstname, u.lastname, u.profileId
    ).outerjoin(t.users, u.id == cc.userId)


def _update(row: Any) -> StatusUpdate:
    return {
        "id": row.id,
        "projectId": row.moduleId,
        "text": row.text,
        "date": fmt_date(row.date),
        "status": row.status,
        "authorFirstname": row.firstname,
        "authorLastname": row.lastname,
        "authorProfileId": row.profileId,
        "dateParsed": carbon(row.date),
    }


def status_updates(
    ctx: Context, project_ids: list[int], period: Period, limit: int
) -> dict[str, list[StatusUpdate]]:
    rows = ctx.conn.execute(
        _update_select()
        .where(
            cc.module == "project",
            cc.moduleId.in_(project_ids),
            cc.date >= period.start,
            cc.date <= period.end,
        )
        .order_by(cc.date.desc(), cc.id.desc())
    )
    updates: dict[str, list[StatusUpdate]] = {}
    for row in rows:
        bucket = updates.setdefault(str(row.moduleId), [])
        if limit <= 0 or len(bucket) < limit:
            bucket.append(_update(row))
    return updates


def effort(ctx: Context, project_ids: list[int], period: Period) -> Effort:
    ts = t.timesheets.c
    rows = ctx.conn.execute(
        select(tc.projectId, tc.milestoneid, func.sum(ts.hours))
        .join(t.tickets, tc.id == ts.ticketId)
        .where(
            tc.projectId.in_(project_ids),
            ts.workDate >= period.start,
            ts.workDate <= period.end,
        )
        .group_by(tc.projectId, tc.milestoneid)
    )
    result: Effort = {"total": 0, "byProject": {}, "byMilestone": {}}
    total = 0.0
    for project_id, milestone_id, hours in rows:
        total += float(hours or 0)
        by_project = result["byProject"]
        by_project[str(project_id)] = round(
            by_project.get(str(project_id), 0) + float(hours or 0), 2
        )
        if milestone_id:
            by_milestone = result["byMilestone"]
            by_milestone[str(milestone_id)] = round(
                by_milestone.get(str(milestone_id), 0) + float(hours or 0), 2
            )
    result["total"] = num(round(total, 2)) or 0
    return result


def summaries(ctx: Context, project_ids: list[int]) -> dict[str, ProjectSummary]:
    rows = ctx.conn.execute(
        select(t.projects, t.clients.c.name.label("clientName"))
        .outerjoin(t.clients, t.clients.c.id == pc.clientId)
        .where(pc.id.in_(project_ids))
    )
    latest: dict[int, Any] = {}
    for found in ctx.conn.execute(
        _update_select()
        .where(cc.module == "project", cc.moduleId.in_(project_ids))
        .order_by(cc.date.asc(), cc.id.asc())
    ):
        latest[found.moduleId] = found
    result: dict[str, ProjectSummary] = {}
    for row in rows:
        update = latest.get(row.id)
        result[str(row.id)] = {
            "id": row.id, "name": row.name, "details": row.details, "clientId": row.clientId,
            "state": row.state, "start": fmt_date(row.start), "end": fmt_date(row.end),
            "type": row.type, "parent": row.parent, "clientName": row.clientName,
            "descriptionExcerpt": _excerpt(row.details or ""),
            "progress": projects.get_project_progress(ctx, row.id),
            "latestStatus": (update.status or None) if update is not None else None,
            "latestStatusDate": carbon(update.date) if update is not None else None,
            "latestStatusText": _excerpt(update.text) if update is not None else None,
            "isStale": update is None or update.date is None
            or update.date < ctx.now - STALE_AFTER,
        }  # fmt: skip
    return result
