"""Sprints: time boxes of a project's tickets (Leantime's `Sprints` domain).

A sprint runs from the start of its first day to the end of its last (UTC). Reading
needs sprints.view in the sprint's project, writing sprints.create / edit / delete
(editor and above). A sprint outside the caller's projects reads as missing.

Deliberate differences from Leantime:
- `addSprint` and `editSprint` need `params.projectId` (Leantime falls back to the web
  session's project, which API calls do not have) and check their input: a name of 1 to
  45 characters, dates, and an end not before the start.
- `editSprint` keeps the fields it is not sent instead of blanking them, and a sprint
  cannot move to another project (its tickets would point into the wrong project).
- `getCurrentSprintId` answers the sprint running now; Leantime 3.9 reads a web-session
  value and so always answers false over the API.
- `getSprintBurndown` and `getCummulativeReport` are computed live from the tickets
  (see `analytics.py`) instead of from Leantime's nightly snapshots.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, TypedDict

from sqlalchemy import delete, insert, select, update

from milepost.services import analytics, tickets, webhooks
from milepost.services.boards import project_for_write
from milepost.services.errors import InvalidParams, NotFound
from milepost.services.operations import Context, operation
from milepost.services.scope import visible_projects
from milepost.services.values import fmt_date, parse_date
from milepost.services.versions import checked_update
from milepost.storage import tables as t
from milepost.storage.database import insert_id

sc = t.sprints.c
MAX_NAME = 45


class Sprint(TypedDict):
    """A sprint as Leantime's sprint model has it, dates as `Y-m-d H:i:s` (UTC)."""

    id: int
    name: str
    startDate: str | None
    endDate: str | None
    projectId: int
    modified: str | None
    isInherited: bool
    ownerProgramId: int | None
    version: int


class SprintValues(TypedDict, total=False):
    """A sprint's fields: `name` (1 to 45 characters), `startDate` and `endDate` (dates;
    the start is taken from the start of its day, the end to the end of its day) and
    `projectId`. `id` names the sprint to edit."""

    id: int
    name: str
    startDate: str | None
    endDate: str | None
    projectId: int


def _sprint(row: Any) -> Sprint:
    return {
        "id": row.id,
        "name": row.name,
        "startDate": fmt_date(row.startDate),
        "endDate": fmt_date(row.endDate),
        "projectId": row.projectId,
        "modified": fmt_date(row.modified),
        "isInherited": False,
        "ownerProgramId": None,
        "version": row.version,
    }


def _row(ctx: Context, sprint_id: int) -> Any:
    return ctx.conn.execute(select(t.sprints).where(sc.id == sprint_id)).first()


def load_visible(ctx: Context, sprint_id: int) -> Any:
    """The sprint row when it exists and the caller may view it, else None."""
    row = _row(ctx, sprint_id)
    if row is None or not ctx.can("sprints.view", row.projectId):
        return None
    return row


def _in_project(ctx: Context, project_id: int, *where: Any) -> list[Sprint]:
    query = select(t.sprints).where(sc.projectId == project_id, *where)
    query = query.order_by(sc.startDate.desc().nulls_last(), sc.id.desc())
    return [_sprint(row) for row in ctx.conn.execute(ctx.page_query(query, sc.id, sc.modified))]


# -- reading -------------------------------------------------------------------------


@operation("Sprints.Sprints.getSprint")
def get_sprint(ctx: Context, id: int) -> Sprint | Literal[False]:
    """One sprint, or false when it does not exist or lies outside the caller's projects."""
    row = load_visible(ctx, id)
    return False if row is None else _sprint(row)


def current_sprint(ctx: Context, project_id: int) -> Any:
    """The sprint of the project running now (the earliest started, if several)."""
    return ctx.conn.execute(
        select(t.sprints)
        .where(sc.projectId == project_id, sc.startDate <= ctx.now, sc.endDate >= ctx.now)
        .order_by(sc.startDate, sc.id)
        .limit(1)
    ).first()


@operation("Sprints.Sprints.getCurrentSprintId", permission="sprints.view", project="projectId")
def get_current_sprint_id(ctx: Context, projectId: int) -> int | Literal[False]:
    """The id of the project's sprint running now, or false when none runs."""
    row = current_sprint(ctx, projectId)
    return False if row is None else int(row.id)


@operation("Sprints.Sprints.getUpcomingSprint", permission="sprints.view", project="projectId")
def get_upcoming_sprint(ctx: Context, projectId: int) -> Sprint | Literal[False]:
    """The project's next sprint to start, or false when none is planned."""
    row = ctx.conn.execute(
        select(t.sprints)
        .where(sc.projectId == projectId, sc.startDate > ctx.now)
        .order_by(sc.startDate, sc.id)
        .limit(1)
    ).first()
    return False if row is None else _sprint(row)


@operation("Sprints.Sprints.getAllSprints", permission="sprints.view", project="projectId")
def get_all_sprints(ctx: Context, projectId: int | None = None) -> list[Sprint]:
    """A project's sprints, latest start first. Without `projectId`, the sprints of every
    project the caller can see."""
    if projectId is not None:
        return _in_project(ctx, projectId)
    query = (
        select(t.sprints)
        .join(t.projects, t.projects.c.id == sc.projectId)
        .where(visible_projects(ctx.principal))
        .order_by(sc.startDate.desc().nulls_last(), sc.id.desc())
    )
    return [_sprint(row) for row in ctx.conn.execute(ctx.page_query(query, sc.id, sc.modified))]


@operation("Sprints.Sprints.getAllFutureSprints", permission="sprints.view", project="projectId")
def get_all_future_sprints(ctx: Context, projectId: int) -> list[Sprint] | Literal[False]:
    """The project's sprints that have not ended yet, latest start first; false when
    there are none (as Leantime answers)."""
    sprints = _in_project(ctx, projectId, sc.endDate > ctx.now)
    return sprints or False


# -- writing -------------------------------------------------------------------------


def _name(value: Any, param: str) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not name or len(name) > MAX_NAME:
        raise InvalidParams(
            f"param `{param}`: expected a name of 1 to {MAX_NAME} characters, got {value!r}",
            param=param,
            expected=f"a name of 1 to {MAX_NAME} characters",
        )
    return name


def _day(value: Any, param: str, *, end: bool) -> dt.datetime:
    date = parse_date(value, param)
    if date is None:
        raise InvalidParams(
            f"param `{param}`: a sprint needs a date", param=param, expected="a date"
        )
    start = date.replace(hour=0, minute=0, second=0, microsecond=0)
    return start.replace(hour=23, minute=59, second=59) if end else start


def _columns(ctx: Context, values: dict[str, Any], current: Any) -> dict[str, Any]:
    """The columns to write, from `values` over the `current` row (None for a new one)."""
    columns: dict[str, Any] = {"modified": ctx.now}
    if current is None or "name" in values:
        columns["name"] = _name(values.get("name"), "params.name")
    if current is None or "startDate" in values:
        columns["startDate"] = _day(values.get("startDate"), "params.startDate", end=False)
    if current is None or "endDate" in values:
        columns["endDate"] = _day(values.get("endDate"), "params.endDate", end=True)
    start = columns.get("startDate", current.startDate if current is not None else None)
    finish = columns.get("endDate", current.endDate if current is not None else None)
    if start is not None and finish is not None and finish < start:
        raise InvalidParams(
            "param `params.endDate`: the sprint ends before it starts",
            param="params.endDate",
            expected="a date on or after startDate",
        )
    return columns


def _emit(ctx: Context, sprint_id: int, action: str, project_id: int) -> None:
    def data() -> Sprint | None:
        row = _row(ctx, sprint_id)
        return None if row is None else _sprint(row)

    webhooks.emit(ctx, "sprint", action, sprint_id, project_id=project_id, data=data)


def _emit_ticket(ctx: Context, ticket_id: int, ticket_type: str, project_id: int) -> None:
    """A ticket sent back to the backlog changed: tell webhook listeners."""
    entity = "milestone" if ticket_type == "milestone" else "ticket"
    webhooks.emit(
        ctx,
        entity,
        "updated",
        ticket_id,
        project_id=project_id,
        data=lambda: tickets.get_ticket(ctx, ticket_id),
    )


@operation("Sprints.Sprints.addSprint", writes=True)
def add_sprint(ctx: Context, params: SprintValues) -> int:
    """Create a sprint in `params.projectId` from `name`, `startDate` and `endDate`, and
    return its id. Needs sprints.create in that project (-32001 without it); a missing
    or bad field is -32602 naming it."""
    values: dict[str, Any] = dict(params)
    project_id = project_for_write(
        ctx, values.get("projectId"), "sprints.create", "params.projectId"
    )
    columns = _columns(ctx, values, None)
    sprint_id = insert_id(ctx.conn, insert(t.sprints).values(projectId=project_id, **columns))
    _emit(ctx, sprint_id, "created", project_id)
    return sprint_id


def _writable(ctx: Context, sprint_id: Any, permission: str, param: str) -> Any:
    if sprint_id is None:
        raise InvalidParams(
            f"Required Parameter Missing: {param}", param=param, expected="a sprint id"
        )
    row = _row(ctx, sprint_id)
    if row is None or not ctx.can_access_project(row.projectId):
        raise NotFound(f"no sprint {sprint_id}")
    ctx.authorize(permission, row.projectId)
    return row


@operation("Sprints.Sprints.editSprint", writes=True)
def edit_sprint(ctx: Context, params: SprintValues, expectedVersion: int | None = None) -> Sprint:
    """Change the sprint `params.id` and answer it as getSprint does. Send what getSprint
    returned, changed; fields left out keep their values. -32002 for a sprint the caller
    cannot see, -32001 without sprints.edit, -32005 when `expectedVersion` is stale; a
    different `projectId` is -32602 (sprints do not move between projects)."""
    values: dict[str, Any] = dict(params)
    row = _writable(ctx, values.get("id"), "sprints.edit", "params.id")
    if values.get("projectId") not in (None, "", 0, row.projectId):
        raise InvalidParams(
            f"param `params.projectId`: sprint {row.id} belongs to project {row.projectId}",
            param="params.projectId",
            expected="the sprint's own project",
        )
    columns = _columns(ctx, values, row)
    checked_update(ctx, t.sprints, row.id, columns, expected_version=expectedVersion, what="sprint")
    _emit(ctx, row.id, "updated", row.projectId)
    return _sprint(_row(ctx, row.id))


@operation("Sprints.Sprints.deleteSprint", writes=True)
def delete_sprint(ctx: Context, id: int) -> None:
    """Delete a sprint; its tickets go back to the backlog (and are reported to webhooks as
    updated). Answers null, as Leantime.
    -32002 for a sprint the caller cannot see, -32001 without sprints.delete."""
    row = _writable(ctx, id, "sprints.delete", "id")
    tc = t.tickets.c
    planned = ctx.conn.execute(select(tc.id, tc.type).where(tc.sprint == row.id)).all()
    ctx.conn.execute(
        update(t.tickets)
        .where(tc.sprint == row.id)
        .values(sprint=None, modified=ctx.now, version=tc.version + 1)
    )
    ctx.conn.execute(delete(t.sprints).where(sc.id == row.id))
    _emit(ctx, row.id, "deleted", row.projectId)
    for ticket in planned:
        _emit_ticket(ctx, ticket.id, ticket.type, row.projectId)


# -- charts --------------------------------------------------------------------------


@operation("Sprints.Sprints.getSprintBurndown", permission="sprints.view")
def get_sprint_burndown(
    ctx: Context, sprint: SprintValues | int
) -> list[analytics.BurndownDay] | Literal[False]:
    """The burndown of a sprint, one entry per day from its first to its last: the ideal
    line (`planned*`, from the sprint's totals down in equal steps) and the work still
    open at the end of each day (`actual*`: remaining hours, open tickets, open effort;
    empty strings for days still to come). `sprint` is a sprint object (as getSprint
    answers it) or a sprint id. False for a sprint the caller cannot see."""
    sprint_id = sprint if isinstance(sprint, int) else sprint.get("id")
    if sprint_id is None:
        raise InvalidParams(
            "param `sprint`: expected a sprint object with an id, or a sprint id",
            param="sprint",
            expected="a sprint object or id",
        )
    row = load_visible(ctx, int(sprint_id))
    if row is None:
        return False
    return analytics.sprint_burndown(ctx, row)


@operation("Sprints.Sprints.getCummulativeReport", permission="sprints.view", project="project")
def get_cummulative_report(ctx: Context, project: int) -> list[analytics.FlowDay] | Literal[False]:
    """The cumulative flow of a project's tickets: for each day (at most the last 120,
    from the first ticket on), the open, in-progress and done tickets with their hours
    and effort. Empty when the project has no tickets."""
    return analytics.cumulative_flow(ctx, project)
