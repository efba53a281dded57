"""The vocabularies behind Leantime's ticket board: type icons, the options for grouping,
sorting and creating, status labels across projects, and small lookups.

These describe what the other ticket methods accept (the groupBy values of
`getAllGrouped`, the orderBy values of `getAll`), so a client can build its own board.
"""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import select

from milepost.services import labels, projects
from milepost.services.operations import Context, operation
from milepost.services.ticket_rows import tk
from milepost.storage import tables as t

TYPE_ICONS: dict[str, str] = {
    "story": "fa-book",
    "task": "fa-check-square",
    "subtask": "fa-diagram-successor",
    "bug": "fa-bug",
    "milestone": "fa-flag",
}


class FieldOption(TypedDict):
    """One choice of the board's menus: the value to send (`id`), the ticket field it
    concerns, and Leantime's label key."""

    id: str
    field: str
    label: str


class NewOption(TypedDict):
    """Something the board can create, and the method that creates it."""

    id: str
    label: str
    method: str


def _option(id: str, field: str, label: str) -> FieldOption:
    return {"id": id, "field": field, "label": label}


@operation("Tickets.Tickets.getTypeIcons", permission="tickets.view")
def get_type_icons(ctx: Context) -> dict[str, str]:
    """The Font Awesome icon of each ticket type, milestone included."""
    return dict(TYPE_ICONS)


@operation("Tickets.Tickets.getGroupByFieldOptions", permission="tickets.view")
def get_group_by_field_options(ctx: Context) -> dict[str, FieldOption]:
    """The values getAllGrouped accepts as `searchCriteria.groupBy`, keyed by value."""
    options = [
        _option("all", "all", "label.no_group"),
        _option("type", "type", "label.type"),
        _option("status", "status", "label.todo_status"),
        _option("effort", "storypoints", "label.effort"),
        _option("priority", "priority", "label.priority"),
        _option("milestone", "milestoneid", "label.milestone"),
        _option("user", "editorId", "label.user"),
        _option("sprint", "sprint", "label.sprint"),
    ]
    return {option["id"]: option for option in options}


@operation("Tickets.Tickets.getSortByFieldOptions", permission="tickets.view")
def get_sort_by_field_options(ctx: Context) -> dict[str, FieldOption]:
    """The values getAll accepts as `searchCriteria.orderBy`, keyed by value."""
    options = [
        _option("standard", "sortindex", "label.manual_sort"),
        _option("kanbansort", "kanbanSortIndex", "label.board_sort"),
        _option("date", "date", "label.date_created"),
        _option("duedate", "dateToFinish", "label.due_date"),
        _option("priority", "priority", "label.priority"),
        _option("id", "id", "label.id"),
    ]
    return {option["id"]: option for option in options}


@operation("Tickets.Tickets.getNewFieldOptions", permission="tickets.view")
def get_new_field_options(ctx: Context) -> dict[str, NewOption]:
    """What the board's "new" menu creates, each with the Milepost method to call."""
    options: list[NewOption] = [
        {"id": "ticket", "label": "links.add_todo", "method": "Tickets.Tickets.addTicket"},
        {
            "id": "milestone",
            "label": "links.add_milestone",
            "method": "Tickets.Tickets.quickAddMilestone",
        },
        {"id": "sprint", "label": "links.add_sprint", "method": "Sprints.Sprints.addSprint"},
    ]
    return {option["id"]: option for option in options}


def client_visible(ctx: Context, client_id: int) -> bool:
    """Whether the caller sees the client: with clients.view, or through a project."""
    if ctx.can("clients.view"):
        return True
    pc = t.projects.c
    project_ids = ctx.conn.execute(select(pc.id).where(pc.clientId == client_id)).scalars()
    return any(ctx.can_access_project(project_id) for project_id in project_ids)


@operation("Tickets.Tickets.getClientNameById", permission="tickets.view")
def get_client_name_by_id(ctx: Context, clientId: int) -> str:
    """A client's name; '' for a client that does not exist or that the caller sees
    neither through clients.view nor through one of its projects."""
    name = ctx.conn.execute(select(t.clients.c.name).where(t.clients.c.id == clientId)).scalar()
    if name is None or not client_visible(ctx, clientId):
        return ""
    return str(name)


@operation("Tickets.Tickets.getAllStatusLabelsByUserId", permission="tickets.view")
def get_all_status_labels_by_user_id(
    ctx: Context, userId: int
) -> dict[str, dict[str, labels.StatusLabel]]:
    """The status labels of every project a user can access (among the caller's
    projects), keyed by project id, then by status code in board order."""
    visible = projects.get_projects_user_has_access_to(ctx, userId)
    return {
        str(project["id"]): labels.wire_labels(  # type: ignore[misc]
            labels.status_labels(ctx.conn, project["id"])
        )
        for project in sorted(visible, key=lambda p: p["id"])
    }


@operation("Tickets.Tickets.canDelete", legacy=True, checks="tickets.delete")
def can_delete(ctx: Context, id: int) -> bool:
    """(Leantime 3.8) Whether the caller may delete the ticket: false for a ticket that
    does not exist or lies outside the caller's projects."""
    project_id = ctx.conn.execute(select(tk.projectId).where(tk.id == id)).scalar()
    return project_id is not None and ctx.can("tickets.delete", project_id)
