"""The poll methods integrations use instead of webhooks (Leantime's Zapier pattern).

`pollForNew*` answers the whole list of what the caller can see, with dates as ISO 8601
UTC (`2024-05-01T12:00:00Z`) and null for empty dates. `pollForUpdated*` answers the same
rows with `id` made "<id>-<modified>" (the change time as `Y-m-d H:i:s`), so that a row
changed since looks new to an integration that de-duplicates on id. Goals and ideas
poll in goals.py and ideas.py. Like every list, these take `pageSize`/`cursor` (pages in
id order) and `modifiedSince`, which is the cheaper way to poll.

Timesheets follow the list rule of timesheet_entries.py: without timesheets.manage, only
the caller's own entries.
"""

from __future__ import annotations

from typing import Any, TypedDict

from sqlalchemy import case, select

from milepost.services import projects, tickets, timesheet_entries
from milepost.services.operations import Context, operation
from milepost.services.scope import visible_projects
from milepost.services.ticket_rows import TicketRow, tk
from milepost.services.tickets import SearchCriteria
from milepost.services.values import fmt_date
from milepost.storage import tables as t


class PolledTicket(TypedDict):
    """A ticket or milestone as getAll lists it, dates in ISO 8601 UTC; `id` is
    "<id>-<modified>" in the pollForUpdated methods."""

    id: int | str
    headline: str
    type: str
    description: str
    projectId: int
    status: int
    priority: str
    userId: int | None
    editorId: str
    date: str | None
    dateToFinish: str | None
    editFrom: str | None
    editTo: str | None
    planHours: float
    hourRemaining: float
    storypoints: float
    sprint: int | None
    tags: str
    dependingTicketId: int
    milestoneid: int
    acceptanceCriteria: str
    sortIndex: int | None
    kanbanSortIndex: int | None
    modified: str | None
    sprintName: str | None
    projectName: str | None
    clientName: str | None
    clientId: int | None
    authorFirstname: str | None
    authorLastname: str | None
    authorProfileId: str | None
    editorFirstname: str | None
    editorLastname: str | None
    editorProfileId: str | None
    milestoneHeadline: str | None
    milestoneColor: str | None
    parentHeadline: str | None
    bookedHours: float | None
    commentCount: int
    fileCount: int
    subtaskCount: int
    statusLabel: str | None
    version: int


class PolledProject(TypedDict):
    """A project as getProject answers it, dates in ISO 8601 UTC; `id` is
    "<id>-<modified>" in pollForUpdatedProjects."""

    id: int | str
    name: str
    clientId: int | None
    details: str
    state: int | None
    hourBudget: str
    dollarBudget: int
    active: int | None
    menuType: str
    psettings: str
    parent: int | None
    type: str
    start: str | None
    end: str | None
    sortIndex: int | None
    created: str | None
    modified: str | None
    clientName: str | None
    isFavorite: bool
    version: int


class PolledTimesheet(TypedDict):
    """A time entry as Timesheets.getAll lists it, dates in ISO 8601 UTC; `id` is
    "<id>-<modified>" in pollForUpdatedTimesheets."""

    id: int | str
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


class PolledComment(TypedDict):
    """A comment with its author's name and its project, the date in ISO 8601 UTC."""

    id: int
    module: str
    moduleId: int
    projectId: int
    userId: int
    commentParent: int
    date: str | None
    text: str
    status: str
    firstname: str | None
    lastname: str | None
    modified: str | None


def zulu(text: str | None) -> str | None:
    """A `Y-m-d H:i:s` date (as the other methods answer it) as ISO 8601 UTC."""
    return None if not text else text.replace(" ", "T") + "Z"


def _polled(row: Any, dates: tuple[str, ...], updated: bool) -> dict[str, Any]:
    """The row with its dates as ISO 8601 UTC, and `id` as "<id>-<modified>" if updated."""
    polled = dict(row)
    for field in dates:
        polled[field] = zulu(row[field])
    if updated:
        polled["id"] = f"{row['id']}-{row['modified'] or ''}"
    return polled


_TICKET_DATES = ("date", "dateToFinish", "editFrom", "editTo", "modified")


def _tickets(
    ctx: Context, project_id: int | None, user_id: int | None, milestones: bool, updated: bool
) -> list[PolledTicket]:
    criteria: SearchCriteria = {}
    if project_id:
        criteria["currentProject"] = project_id
    if user_id:
        criteria["users"] = str(user_id)
    kind = tk.type == "milestone" if milestones else tk.type != "milestone"
    rows: list[TicketRow] = tickets._search(ctx, criteria, extra=[kind])
    return [_polled(row, _TICKET_DATES, updated) for row in rows]  # type: ignore[misc]


@operation("Tickets.Tickets.pollForNewAccountTodos", permission="tickets.view", project="projectId")
def poll_for_new_account_todos(
    ctx: Context, projectId: int | None = None, userId: int | None = None
) -> list[PolledTicket]:
    """Every ticket the caller can see that is not a milestone (archived ones left out),
    of one project and assigned to one user (or collaborating) when given, newest
    first, dates in ISO 8601 UTC."""
    return _tickets(ctx, projectId, userId, milestones=False, updated=False)


@operation(
    "Tickets.Tickets.pollForUpdatedAccountTodos", permission="tickets.view", project="projectId"
)
def poll_for_updated_account_todos(
    ctx: Context, projectId: int | None = None, userId: int | None = None
) -> list[PolledTicket]:
    """The tickets pollForNewAccountTodos answers, each `id` made "<id>-<modified>"."""
    return _tickets(ctx, projectId, userId, milestones=False, updated=True)


@operation(
    "Tickets.Tickets.pollForNewAccountMilestones", permission="tickets.view", project="projectId"
)
def poll_for_new_account_milestones(
    ctx: Context, projectId: int | None = None, userId: int | None = None
) -> list[PolledTicket]:
    """Every milestone the caller can see (archived ones left out), of one project and
    owned by one user when given, newest first, dates in ISO 8601 UTC."""
    return _tickets(ctx, projectId, userId, milestones=True, updated=False)


@operation(
    "Tickets.Tickets.pollForUpdatedAccountMilestones",
    permission="tickets.view",
    project="projectId",
)
def poll_for_updated_account_milestones(
    ctx: Context, projectId: int | None = None, userId: int | None = None
) -> list[PolledTicket]:
    """The milestones pollForNewAccountMilestones answers, each `id` made
    "<id>-<modified>"."""
    return _tickets(ctx, projectId, userId, milestones=True, updated=True)


_PROJECT_DATES = ("start", "end", "created", "modified")


def _projects(ctx: Context, updated: bool) -> list[PolledProject]:
    pc = t.projects.c
    query = projects._select().where(visible_projects(ctx.principal)).order_by(pc.id)
    rows = ctx.conn.execute(ctx.page_query(query, pc.id, pc.modified))
    return [
        _polled(projects._project(row), _PROJECT_DATES, updated)  # type: ignore[misc]
        for row in rows
    ]


@operation("Projects.Projects.pollForNewProjects")
def poll_for_new_projects(ctx: Context) -> list[PolledProject]:
    """Every project the caller can access, of every type, by id, dates in ISO 8601
    UTC."""
    return _projects(ctx, updated=False)


@operation("Projects.Projects.pollForUpdatedProjects")
def poll_for_updated_projects(ctx: Context) -> list[PolledProject]:
    """The projects pollForNewProjects answers, each `id` made "<id>-<modified>"."""
    return _projects(ctx, updated=True)


_TIMESHEET_DATES = ("workDate", "invoicedEmplDate", "invoicedCompDate", "paidDate", "modified")


def _timesheets(ctx: Context, project_id: int | None, updated: bool) -> list[PolledTimesheet]:
    tc = t.timesheets.c
    query = timesheet_entries.visible(ctx, timesheet_entries.entry_select())
    if project_id:
        query = query.where(t.projects.c.id == project_id)
    query = ctx.page_query(query.order_by(tc.id), tc.id, tc.modified)
    return [
        _polled(timesheet_entries.entry(row), _TIMESHEET_DATES, updated)  # type: ignore[misc]
        for row in ctx.conn.execute(query)
    ]


@operation("Timesheets.Timesheets.pollForNewTimesheets", permission="timesheets.view")
def poll_for_new_timesheets(ctx: Context, projectId: int | None = None) -> list[PolledTimesheet]:
    """Every time entry the caller can see (of one project, when given), by id, dates in
    ISO 8601 UTC. Without timesheets.manage, only the caller's own."""
    return _timesheets(ctx, projectId, updated=False)


@operation("Timesheets.Timesheets.pollForUpdatedTimesheets", permission="timesheets.view")
def poll_for_updated_timesheets(
    ctx: Context, projectId: int | None = None
) -> list[PolledTimesheet]:
    """The entries pollForNewTimesheets answers, each `id` made "<id>-<modified>"."""
    return _timesheets(ctx, projectId, updated=True)


CANVAS_COMMENTS = ("idea", "goalcanvasitem")


@operation("Comments.Comments.pollComments", permission="comments.view", project="projectId")
def poll_comments(
    ctx: Context, projectId: int | None = None, moduleId: int | None = None
) -> list[PolledComment]:
    """Every comment the caller can see (on tickets, milestones, projects, ideas and
    goals), of one project and one commented entity (`moduleId`) when given, by id,
    the date in ISO 8601 UTC."""
    cc, u = t.comments.c, t.users.c
    ticket, item, board = t.tickets.alias("ticket"), t.canvas_items.alias("item"), t.canvas
    project = case(
        (cc.module == "ticket", ticket.c.projectId),
        (cc.module == "project", cc.moduleId),
        (cc.module.in_(CANVAS_COMMENTS), board.c.projectId),
    )
    query = (
        select(t.comments, project.label("projectId"), u.firstname, u.lastname)
        .outerjoin(ticket, (cc.module == "ticket") & (ticket.c.id == cc.moduleId))
        .outerjoin(item, cc.module.in_(CANVAS_COMMENTS) & (item.c.id == cc.moduleId))
        .outerjoin(board, board.c.id == item.c.canvasId)
        .join(t.projects, t.projects.c.id == project)
        .outerjoin(t.users, u.id == cc.userId)
        .where(visible_projects(ctx.principal))
    )
    if projectId:
        query = query.where(project == projectId)
    if moduleId:
        query = query.where(cc.moduleId == moduleId)
    query = ctx.page_query(query.order_by(cc.id), cc.id, cc.modified)
    return [
        {
            "id": row.id,
            "module": row.module,
            "moduleId": row.moduleId,
            "projectId": row.projectId,
            "userId": row.userId,
            "commentParent": row.commentParent,
            "date": zulu(fmt_date(row.date)),
            "text": row.text,
            "status": row.status,
            "firstname": row.firstname,
            "lastname": row.lastname,
            "modified": zulu(fmt_date(row.modified)),
        }
        for row in ctx.conn.execute(query)
    ]
