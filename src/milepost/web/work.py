"""Work pages: my open tickets, the project list, the board, tickets and milestones.

Every read and every change is one service operation called as the signed-in person;
a refusal comes back from the service and is shown as a message.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from starlette.responses import Response
from starlette.routing import Route

from milepost.services import comments, projects, tickets, timesheets
from milepost.services.errors import NotFound

if TYPE_CHECKING:
    from milepost.web.site import Site, Visit

BOARD_HIDDEN_TYPES = "milestone,subtask"
TEXT_FIELDS = ("headline", "type", "priority", "editorId", "tags", "description",
               "acceptanceCriteria")  # fmt: skip
NUMBER_FIELDS: dict[str, type[int] | type[float]] = {
    "status": int,
    "storypoints": float,
    "planHours": float,
    "hourRemaining": float,
    "milestoneid": int,
    "dependingTicketId": int,
    "sprint": int,
}
DATE_FIELDS = ("dateToFinish", "editFrom", "editTo")


def dashboard(visit: Visit) -> Response:
    return visit.render(
        "dashboard.html",
        tickets=visit.run(tickets.get_all_open_user_tickets),
        projects=visit.run(projects.get_all),
    )


def project_list(visit: Visit) -> Response:
    rows = visit.run(projects.get_all)
    progress = {
        row["id"]: visit.run_or(None, projects.get_project_progress, projectId=row["id"])
        for row in rows
    }
    return visit.render("projects.html", projects=rows, progress=progress)


def _project(visit: Visit, project_id: int) -> Any:
    project = visit.run(projects.get_project, id=project_id)
    if not project:
        raise NotFound(f"no project {project_id}")
    return project


def _columns(visit: Visit, project_id: int) -> list[dict[str, Any]]:
    labels = visit.run(tickets.get_status_labels, projectId=project_id)
    return [
        {"status": int(code), "name": label["name"], "class": label["class"], "tickets": []}
        for code, label in labels.items()
        if label["kanbanCol"]
    ]


def board(visit: Visit) -> Response:
    project_id = visit.param("id")
    project = _project(visit, project_id)
    columns = _columns(visit, project_id)
    by_status = {column["status"]: column for column in columns}
    criteria = {
        "currentProject": project_id,
        "excludeType": BOARD_HIDDEN_TYPES,
        "orderBy": "kanbansort",
    }
    for row in visit.run(tickets.get_all, searchCriteria=criteria):
        if row["status"] in by_status:
            by_status[row["status"]]["tickets"].append(row)
    choices = [(column["status"], column["name"]) for column in columns]
    return visit.render("board.html", project=project, columns=columns, choices=choices)


def quick_add(visit: Visit) -> Response:
    project_id = visit.param("id")
    new_id = visit.run(
        tickets.quick_add_ticket,
        params={"headline": visit.field("headline"), "projectId": project_id},
    )
    return visit.redirect(f"/projects/{project_id}/board", notice=f"Added ticket #{new_id}.")


def milestones(visit: Visit) -> Response:
    project_id = visit.param("id")
    project = _project(visit, project_id)
    rows = visit.run(tickets.get_all_milestones, searchCriteria={"currentProject": project_id})
    return visit.render("milestones.html", project=project, milestones=rows)


def _ticket(visit: Visit, ticket_id: int) -> Any:
    ticket = visit.run(tickets.get_ticket, id=ticket_id)
    if not ticket:
        raise NotFound(f"no ticket {ticket_id}")
    return ticket


def _thread(visit: Visit, ticket_id: int) -> list[dict[str, Any]]:
    """The ticket's comments, oldest first, each with its replies."""
    top = visit.run(comments.get_comments, module="ticket", entityId=ticket_id, commentOrder=1)
    return [
        {
            **comment,
            "replies": visit.run(
                comments.get_comments,
                module="ticket",
                entityId=ticket_id,
                commentOrder=1,
                parent=comment["id"],
            ),
        }
        for comment in top or []
    ]


def ticket_page(visit: Visit) -> Response:
    ticket_id = visit.param("id")
    ticket = _ticket(visit, ticket_id)
    project_id = ticket["projectId"]
    return visit.render(
        "ticket.html",
        ticket=ticket,
        statuses=visit.run(tickets.get_status_labels, projectId=project_id),
        types=_types(visit, ticket),
        priorities=visit.run(tickets.get_priority_labels),
        efforts=visit.run(tickets.get_effort_labels),
        members=visit.run(projects.get_users_assigned_to_project, projectId=project_id),
        milestones=visit.run(
            tickets.get_all_milestones, searchCriteria={"currentProject": project_id}
        ),
        subtasks=visit.run(tickets.get_all_subtasks, ticketId=ticket_id) or [],
        comments=_thread(visit, ticket_id),
        hours=visit.run(timesheets.get_sum_logged_hours_for_ticket, ticketId=ticket_id),
        entries=visit.run_or(None, timesheets.get_timesheet_entries_for_ticket, ticketId=ticket_id),
        kinds=visit.run(timesheets.get_loggable_hour_types),
        today=dt.datetime.now(dt.UTC).date().isoformat(),
    )


def _types(visit: Visit, ticket: Any) -> list[str]:
    kinds = list(visit.run(tickets.get_ticket_types))
    if ticket["type"] not in kinds:
        kinds.append(ticket["type"])
    return kinds


def _edited_values(visit: Visit) -> dict[str, Any]:
    values: dict[str, Any] = {name: visit.field(name) for name in TEXT_FIELDS}
    for name, kind in NUMBER_FIELDS.items():
        values[name] = visit.number(name, kind)
    for name in ("storypoints", "planHours", "hourRemaining", "milestoneid",
                 "dependingTicketId"):  # fmt: skip
        values[name] = values[name] or 0
    for name in DATE_FIELDS:
        values[name] = visit.field(name) or None
    if visit.field("collaborators_shown"):
        values["collaborators"] = [int(value) for value in visit.fields("collaborators")]
    if values["status"] is None:
        del values["status"]
    return values


def edit_ticket(visit: Visit) -> Response:
    ticket_id = visit.param("id")
    visit.run(tickets.patch_ticket, id=ticket_id, values=_edited_values(visit))
    return visit.redirect(f"/tickets/{ticket_id}", notice="Saved.")


def move_ticket(visit: Visit) -> Response:
    """The board's move menu without JavaScript (with it, the page calls the API)."""
    ticket_id = visit.param("id")
    visit.run(tickets.patch_ticket, id=ticket_id, values={"status": visit.number("status")})
    return visit.redirect(notice=f"Moved ticket #{ticket_id}.")


def add_subtask(visit: Visit) -> Response:
    ticket_id = visit.param("id")
    ticket = _ticket(visit, ticket_id)
    visit.run(
        tickets.quick_add_ticket,
        params={
            "headline": visit.field("headline"),
            "projectId": ticket["projectId"],
            "dependingTicketId": ticket_id,
            "type": "subtask",
        },
    )
    return visit.redirect(f"/tickets/{ticket_id}", notice="Added the subtask.")


def add_comment(visit: Visit) -> Response:
    ticket_id = visit.param("id")
    values: dict[str, Any] = {"text": visit.field("text")}
    if visit.number("father"):
        values["father"] = visit.number("father")
    visit.run(comments.add_comment, values=values, module="ticket", entityId=ticket_id)
    return visit.redirect(f"/tickets/{ticket_id}", notice="Comment added.")


def edit_comment(visit: Visit) -> Response:
    visit.run(comments.edit_comment, values={"text": visit.field("text")}, id=visit.param("id"))
    return visit.redirect(notice="Comment saved.")


def delete_comment(visit: Visit) -> Response:
    visit.run(comments.delete_comment, commentId=visit.param("id"))
    return visit.redirect(notice="Comment deleted.")


def log_time(visit: Visit) -> Response:
    ticket_id = visit.param("id")
    params = {
        "hours": visit.field("hours"),
        "kind": visit.field("kind"),
        "date": visit.field("date"),
        "description": visit.field("description"),
    }
    visit.run(timesheets.log_time, ticketId=ticket_id, params=params)
    return visit.redirect(f"/tickets/{ticket_id}", notice="Time logged.")


def delete_time(visit: Visit) -> Response:
    visit.run(timesheets.delete_time, id=visit.param("id"))
    return visit.redirect(notice="Time entry deleted.")


def routes(site: Site) -> list[Route]:
    get, post = ["GET"], ["POST"]
    return [
        Route("/projects", site.page(project_list), methods=get),
        Route("/projects/{id:int}/board", site.page(board), methods=get),
        Route("/projects/{id:int}/tickets", site.page(quick_add), methods=post),
        Route("/projects/{id:int}/milestones", site.page(milestones), methods=get),
        Route("/tickets/{id:int}", site.page(ticket_page), methods=get),
        Route("/tickets/{id:int}", site.page(edit_ticket), methods=post),
        Route("/tickets/{id:int}/status", site.page(move_ticket), methods=post),
        Route("/tickets/{id:int}/subtasks", site.page(add_subtask), methods=post),
        Route("/tickets/{id:int}/comments", site.page(add_comment), methods=post),
        Route("/tickets/{id:int}/time", site.page(log_time), methods=post),
        Route("/comments/{id:int}/edit", site.page(edit_comment), methods=post),
        Route("/comments/{id:int}/delete", site.page(delete_comment), methods=post),
        Route("/time/{id:int}/delete", site.page(delete_time), methods=post),
    ]
