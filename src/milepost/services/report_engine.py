"""Reports over a set of projects for a period (Leantime's `Reports.ReportEngine`):
milestones, goals, status updates, effort and project summaries, and all of them at once
(`buildReport`).

Every method takes `projectIds` and keeps only the projects in which the caller holds
reports.view (any role with access to the project); the others are left out without an
error, as in Leantime. Keyed results (by project or milestone id) are JSON objects with
string keys. `period` is described in report_period.py.

Milepost keeps no history of status or due-date changes (Leantime's zp_tickethistory),
so a done milestone counts as completed when it was last changed, and `slippage.pushedOut`
is always empty.
"""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from milepost.services.operations import Context, operation
from milepost.services.report_period import PeriodInfo, PeriodSpec, period_of
from milepost.services.report_sections import (
    Effort,
    GoalReport,
    MilestoneReport,
    ProjectSummary,
    ReportGoal,
    ReportMilestone,
    StatusUpdate,
    authorized,
    effort,
    goal_report,
    milestone_report,
    status_updates,
    summaries,
)
from milepost.services.values import num


class Deltas(TypedDict):
    """The change from the period before: milestones completed and hours logged."""

    completedPrior: int
    completedDelta: int
    hoursPrior: float
    hoursDelta: float
    priorPeriodLabel: str


class NeedsAttention(TypedDict):
    """What needs a look: red or yellow projects, projects without a status update in 30
    days, overdue milestones, goals at risk or missed."""

    statusAlerts: list[ProjectSummary]
    staleProjects: list[ProjectSummary]
    overdueMilestones: list[ReportMilestone]
    goalsAtRisk: list[ReportGoal]


class ReportStats(TypedDict):
    """The headline numbers of a report."""

    completed: int
    inFlight: int
    overdue: int
    upcoming: int
    goalsOnTrack: int
    goalsTotal: int
    hoursLogged: float


class Report(TypedDict):
    """Everything the report screens show, for the projects and period asked for."""

    period: PeriodInfo
    projectIds: list[int]
    summaries: dict[str, ProjectSummary]
    milestones: MilestoneReport
    goals: GoalReport
    statusUpdates: dict[str, list[StatusUpdate]]
    effort: Effort
    deltas: Deltas
    needsAttention: NeedsAttention
    stats: ReportStats


@operation("Reports.ReportEngine.getMilestoneReportForProjects", permission="reports.view")
def get_milestone_report_for_projects(
    ctx: Context, projectIds: list[int], period: str | PeriodSpec | None = None
) -> MilestoneReport:
    """The projects' milestones sorted into buckets for the period: completed in it (a done
    milestone counts as completed when it was last changed), in progress, overdue,
    upcoming (starting within two quarters after it, also by quarter), every done one,
    and those added during the period. Each has its tickets' progress (weighted by
    effort and priority) and up to five key tickets."""
    return milestone_report(ctx, authorized(ctx, projectIds), period_of(period, ctx.now))


@operation("Reports.ReportEngine.getGoalReportForProjects", permission="reports.view")
def get_goal_report_for_projects(ctx: Context, projectIds: list[int]) -> GoalReport:
    """The projects' goals with their metric progress (roll-ups resolved), by project,
    and how many are on track, at risk and missed."""
    return goal_report(ctx, authorized(ctx, projectIds))


@operation("Reports.ReportEngine.getStatusUpdatesForProjects", permission="reports.view")
def get_status_updates_for_projects(
    ctx: Context,
    projectIds: list[int],
    period: str | PeriodSpec | None = None,
    limitPerProject: int = 0,
) -> dict[str, list[StatusUpdate]]:
    """The status updates (project comments) posted in the period, by project, newest
    first; at most `limitPerProject` each (0: all)."""
    return status_updates(
        ctx, authorized(ctx, projectIds), period_of(period, ctx.now), limitPerProject
    )


@operation("Reports.ReportEngine.getProjectSummaries", permission="reports.view")
def get_project_summaries(ctx: Context, projectIds: list[int]) -> dict[str, ProjectSummary]:
    """Each project's report header, keyed by id: name, an excerpt of its description,
    progress, its latest status update, and whether none came in 30 days (`isStale`)."""
    return summaries(ctx, authorized(ctx, projectIds))


@operation("Reports.ReportEngine.getEffortForProjects", permission="reports.view")
def get_effort_for_projects(
    ctx: Context, projectIds: list[int], period: str | PeriodSpec | None = None
) -> Effort:
    """Hours logged on the projects' tickets in the period: the total, by project, and by
    milestone (of the ticket)."""
    return effort(ctx, authorized(ctx, projectIds), period_of(period, ctx.now))


@operation("Reports.ReportEngine.buildReport", permission="reports.view")
def build_report(
    ctx: Context, projectIds: list[int], period: str | PeriodSpec | None = None
) -> Report:
    """Everything at once for the projects and period: summaries, milestones, goals,
    status updates, effort, the change from the period before (`deltas`), what needs
    attention (red or yellow projects, stale ones, overdue milestones, goals at risk or
    missed) and headline numbers (`stats`)."""
    ids = authorized(ctx, projectIds)
    span = period_of(period, ctx.now)
    heads = summaries(ctx, ids)
    milestones = milestone_report(ctx, ids, span)
    goals = goal_report(ctx, ids)
    spent = effort(ctx, ids, span)
    prior = span.prior()
    spent_before = effort(ctx, ids, prior)
    done_before = sum(
        1
        for milestone in milestones["allDone"]
        if milestone["completedOn"] and prior.contains(_moment(milestone["completedOn"]))
    )
    open_heads = [head for head in heads.values() if head["state"] != -1]
    return {
        "period": span.info(),
        "projectIds": ids,
        "summaries": heads,
        "milestones": milestones,
        "goals": goals,
        "statusUpdates": status_updates(ctx, ids, span, 0),
        "effort": spent,
        "deltas": {
            "completedPrior": done_before,
            "completedDelta": len(milestones["completed"]) - done_before,
            "hoursPrior": spent_before["total"],
            "hoursDelta": num(round(spent["total"] - spent_before["total"], 2)) or 0,
            "priorPeriodLabel": prior.label(),
        },
        "needsAttention": {
            "statusAlerts": [h for h in open_heads if h["latestStatus"] in ("red", "yellow")],
            "staleProjects": [h for h in open_heads if h["isStale"]],
            "overdueMilestones": milestones["overdue"],
            "goalsAtRisk": [
                g for g in goals["goals"] if g["status"] in ("status_atrisk", "status_miss")
            ],
        },
        "stats": {
            "completed": len(milestones["completed"]),
            "inFlight": len(milestones["inProgress"]),
            "overdue": len(milestones["overdue"]),
            "upcoming": len(milestones["upcoming"]),
            "goalsOnTrack": goals["counts"]["ontrack"],
            "goalsTotal": len(goals["goals"]),
            "hoursLogged": spent["total"],
        },
    }


def _moment(carbon_text: str) -> dt.datetime:
    return dt.datetime.strptime(carbon_text, "%Y-%m-%dT%H:%M:%S.000000Z")
