"""Project reports (Leantime's `Reports.Reports` service): the sprint burndown of the
report page, the daily report history and the report of the moment.

Every method needs reports.view in the project asked for (any role with access to it);
another project is -32001. Leantime reads these from nightly snapshots (`zp_stats`);
Milepost computes them live from the tickets and logged time (see `analytics.py` for how
a past day is rebuilt). The telemetry and ingestion methods Leantime keeps in this
service (3.8 and older) are cron and telemetry internals: they answer -32601 with
reason not_supported.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from sqlalchemy import select

from milepost.services import analytics, sprints
from milepost.services.analytics import BurndownDay, ReportRow
from milepost.services.boards import whole
from milepost.services.errors import InvalidParams, NotSupported
from milepost.services.operations import Context, operation
from milepost.storage import tables as t

sc = t.sprints.c


class SprintChart(TypedDict):
    """The burndown shown on the report page and the sprint it is of."""

    chart: list[BurndownDay] | Literal[False]
    currentSprintId: int | Literal[False]


@operation(
    "Reports.Reports.getSprintBurndownForReport", permission="reports.view", project="projectId"
)
def get_sprint_burndown_for_report(
    ctx: Context, projectId: int, requestedSprintId: int | None = None
) -> SprintChart:
    """The burndown of `requestedSprintId` (false as chart when it is not a sprint of the
    project), else of the sprint running now, else of the latest-starting sprint.
    `currentSprintId` is the sprint shown; both are false when the project has no
    sprints."""
    latest = ctx.conn.execute(
        select(t.sprints)
        .where(sc.projectId == projectId)
        .order_by(sc.startDate.desc().nulls_last(), sc.id.desc())
        .limit(1)
    ).first()
    if latest is None:
        return {"chart": False, "currentSprintId": False}
    if requestedSprintId is not None:
        requested = ctx.conn.execute(
            select(t.sprints).where(sc.id == requestedSprintId, sc.projectId == projectId)
        ).first()
        if requested is None:
            return {"chart": False, "currentSprintId": requestedSprintId}
        return {
            "chart": analytics.sprint_burndown(ctx, requested),
            "currentSprintId": requestedSprintId,
        }
    shown = sprints.current_sprint(ctx, projectId) or latest
    return {"chart": analytics.sprint_burndown(ctx, shown), "currentSprintId": int(shown.id)}


@operation("Reports.Reports.getFullReport", permission="reports.view", project="projectId")
def get_full_report(ctx: Context, projectId: int) -> list[ReportRow]:
    """One report row per day of the project's history (at most the last 120 days, from
    its first ticket on), newest first: ticket counts by state, planned, remaining and
    logged hours, effort, ticket sizes and averages. Empty without tickets."""
    return analytics.daily_reports(ctx, projectId)


@operation("Reports.Reports.getRealtimeReport", permission="reports.view", project="projectId")
def get_realtime_report(
    ctx: Context, projectId: int, sprintId: int | str | None = ""
) -> ReportRow | Literal[False]:
    """The report row of the project as it stands now (`sprintId` '' or null), or of one
    of its sprints; `tickets` lists the ticket ids counted. False when nothing is
    counted (no tickets, or a sprint that is not the project's)."""
    sprint: int | None = None
    if sprintId not in (None, ""):
        try:
            sprint = whole(sprintId, "sprintId")
        except InvalidParams:
            return False
        owned = ctx.conn.execute(
            select(sc.id).where(sc.id == sprint, sc.projectId == projectId)
        ).first()
        if owned is None:
            return False
    return analytics.realtime_report(ctx, projectId, sprint) or False


# -- Leantime 3.8's cron and telemetry methods ---------------------------------------

_TELEMETRY = (
    "Leantime's anonymous usage telemetry is not part of Milepost, which sends no telemetry"
)
_INGESTION = (
    "Milepost keeps no nightly report snapshots: reports are computed live from the tickets"
    " and logged time, so there is nothing to ingest"
)


@operation("Reports.Reports.dailyIngestion", legacy=True)
def daily_ingestion(ctx: Context) -> None:
    """Not supported: Leantime's nightly snapshot of the session's project; Milepost
    computes reports live instead."""
    raise NotSupported(_INGESTION)


@operation("Reports.Reports.cronDailyIngestion", legacy=True)
def cron_daily_ingestion(ctx: Context) -> None:
    """Not supported: Leantime's nightly snapshot of every project (a cron internal);
    Milepost computes reports live instead."""
    raise NotSupported(_INGESTION)


@operation("Reports.Reports.getAnonymousTelemetry", legacy=True)
def get_anonymous_telemetry(ctx: Context) -> None:
    """Not supported: part of Leantime's anonymous usage telemetry."""
    raise NotSupported(_TELEMETRY)


@operation("Reports.Reports.sendAnonymousTelemetry", legacy=True)
def send_anonymous_telemetry(ctx: Context) -> None:
    """Not supported: part of Leantime's anonymous usage telemetry."""
    raise NotSupported(_TELEMETRY)


@operation("Reports.Reports.optOutTelemetry", legacy=True)
def opt_out_telemetry(ctx: Context) -> None:
    """Not supported: part of Leantime's anonymous usage telemetry."""
    raise NotSupported(_TELEMETRY)


@operation("Reports.Reports.getProjectStatusReport", legacy=True)
def get_project_status_report(ctx: Context) -> None:
    """Not supported: an instance-wide count of projects by status for Leantime's
    telemetry. The status of projects the caller can see is in
    Reports.ReportEngine.getProjectSummaries."""
    raise NotSupported(_TELEMETRY)


@operation("Reports.Reports.generateTicketReactionsReport", legacy=True)
def generate_ticket_reactions_report(ctx: Context) -> None:
    """Not supported: an instance-wide count of ticket reactions for Leantime's telemetry."""
    raise NotSupported(_TELEMETRY)
