"""Reading milestones: one milestone, its progress, and milestones across projects.

A milestone is a ticket of type 'milestone' (reference §10). Its progress is the share
of its tickets that are done, in percent, as `getTicket` reports it in `percentDone`
(Leantime weighs tickets by effort and priority; Milepost counts them). Milestones of
projects outside the caller's read as missing.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired

from sqlalchemy import select

from milepost.services import projects, ticket_rows, tickets
from milepost.services.errors import InvalidParams, NotFound
from milepost.services.operations import Context, operation
from milepost.services.ticket_rows import Ticket, TicketRow, tk
from milepost.services.tickets import SearchCriteria
from milepost.services.values import parse_id
from milepost.storage import tables as t


class MilestoneRow(TicketRow):
    """A milestone as the overview lists it: the ticket row with its progress, and with
    its tickets in `tickets` when they were asked for."""

    doneTickets: int
    allTickets: int
    percentDone: float
    tickets: NotRequired[list[TicketRow]]


def _visible_milestone(ctx: Context, milestone_id: int) -> Any:
    row = ctx.conn.execute(
        select(tk.id, tk.projectId, tk.type).where(tk.id == milestone_id)
    ).first()
    if row is None or row.type != "milestone" or not ctx.can("tickets.view", row.projectId):
        return None
    return row


def _with_progress(ctx: Context, rows: list[TicketRow], with_tickets: bool) -> list[MilestoneRow]:
    result: list[MilestoneRow] = []
    for row in rows:
        done, total = ticket_rows.milestone_progress(ctx.conn, row["id"], row["projectId"])
        entry: dict[str, Any] = dict(row)
        entry.update(
            doneTickets=done, allTickets=total, percentDone=ticket_rows.percent(done, total)
        )
        if with_tickets:
            entry["tickets"] = tickets._search(
                ctx,
                {"currentProject": row["projectId"], "milestone": str(row["id"]), "status": "all"},
                extra=[tk.type != "milestone"],
                default_order="id",
            )
        result.append(entry)  # type: ignore[arg-type]
    return result


@operation("Tickets.Tickets.getMilestone", checks="tickets.view")
def get_milestone(ctx: Context, id: int) -> Ticket | Literal[False]:
    """One milestone as getTicket answers it, or false when there is no milestone with
    this id in the caller's projects."""
    if _visible_milestone(ctx, id) is None:
        return False
    return tickets.get_ticket(ctx, id)


def _milestone_id(value: int | str, param: str) -> int:
    return parse_id(value, param, "a milestone id")


@operation("Tickets.Tickets.getMilestoneProgress", checks="tickets.view")
def get_milestone_progress(ctx: Context, milestoneId: int | str) -> float:
    """How far a milestone is, in percent (0 to 100) of its tickets that are done; 0
    without tickets. -32002 for a milestone the caller cannot see. Unlike Leantime, the
    id can be sent (as a number or a digit string)."""
    row = _visible_milestone(ctx, _milestone_id(milestoneId, "milestoneId"))
    if row is None:
        raise NotFound(f"no milestone {milestoneId}")
    return ticket_rows.percent(*ticket_rows.milestone_progress(ctx.conn, row.id, row.projectId))


@operation("Tickets.Tickets.getBulkMilestoneProgress", legacy=True, checks="tickets.view")
def get_bulk_milestone_progress(ctx: Context, milestones: list[Any]) -> dict[str, float]:
    """(Leantime 3.8) The progress of several milestones (ids, or milestone objects with
    an `id`), keyed by id; milestones the caller cannot see are left out."""
    progress: dict[str, float] = {}
    for index, item in enumerate(milestones):
        value = item.get("id") if isinstance(item, dict) else item
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise InvalidParams(
                f"param `milestones[{index}]`: expected a milestone id or object",
                param=f"milestones[{index}]",
                expected="a milestone id, or an object with an id",
            )
        row = _visible_milestone(ctx, _milestone_id(value, f"milestones[{index}]"))
        if row is not None:
            counts = ticket_rows.milestone_progress(ctx.conn, row.id, row.projectId)
            progress[str(row.id)] = ticket_rows.percent(*counts)
    return progress


@operation("Tickets.Tickets.getAllMilestonesOverview", permission="tickets.view")
def get_all_milestones_overview(  # noqa: PLR0917 - Leantime's signature
    ctx: Context,
    includeArchived: bool = False,
    sortBy: str = "duedate",
    includeTasks: bool = False,
    clientId: int = 0,
    searchCriteria: SearchCriteria | None = None,
) -> list[MilestoneRow]:
    """The milestones of the caller's open projects with their progress, by due date
    (or `sortBy`, one of getAll's orderBy values): archived ones (status -1) too with
    `includeArchived`, only those of client `clientId` when given, each with its
    tickets with `includeTasks`; `searchCriteria` narrows further as in getAll."""
    criteria: SearchCriteria = {**(searchCriteria or {}), "type": "milestone", "orderBy": sortBy}
    if includeArchived:
        criteria["status"] = "all"
    extra = [t.projects.c.clientId == clientId] if clientId else []
    rows = tickets._search(ctx, criteria, extra=extra)
    return _with_progress(ctx, rows, includeTasks)


@operation("Tickets.Tickets.getAllMilestonesByUserProjects", permission="tickets.view")
def get_all_milestones_by_user_projects(ctx: Context, userId: int) -> list[MilestoneRow]:
    """The milestones of every project a user can access (among the caller's projects),
    with their progress, by due date."""
    ids = [p["id"] for p in projects.get_projects_user_has_access_to(ctx, userId)]
    if not ids:
        return []
    criteria: SearchCriteria = {
        "type": "milestone",
        "projects": ",".join(str(i) for i in ids),
        "orderBy": "duedate",
    }
    return _with_progress(ctx, tickets._search(ctx, criteria), with_tickets=False)


@operation("Tickets.Tickets.findMilestone", permission="tickets.view", project="projectId")
def find_milestone(ctx: Context, term: str, projectId: int) -> list[TicketRow]:
    """The milestones of a project whose headline, description or id matches `term`
    (archived ones included), at most 100."""
    criteria: SearchCriteria = {
        "term": term,
        "currentProject": projectId,
        "status": "all",
        "type": "milestone",
    }
    return tickets._search(ctx, criteria, limit=100)
