"""The work pages change tickets through the same operations as the API: what a form
sends is what getTicket, getComments and the timesheet methods then answer."""

from __future__ import annotations

import datetime as dt

from tests.conftest import Server
from tests.web.pages import make_person, sign_in, submit


def test_the_dashboard_lists_my_open_tickets(server: Server) -> None:
    person = make_person(server, "editor", projects=(1,))
    mine = server.add_ticket(headline="dashboard ticket for me", editorId=str(person.id))
    html = sign_in(server, person.email, person.password).get("/").text
    assert f'href="/tickets/{mine}"' in html
    assert "dashboard ticket for me" in html


def test_the_project_list_and_board_show_the_projects_tickets(server: Server) -> None:
    ticket_id = server.add_ticket(headline="board card", status=4)
    client = sign_in(server)
    assert "Website relaunch" in client.get("/projects").text
    board = client.get("/projects/1/board").text
    for label in ("New", "Blocked", "In Progress", "Waiting for Approval", "Done"):
        assert f'aria-label="{label}"' in board
    assert "Archived" not in board
    assert f'data-ticket="{ticket_id}" data-status="4"' in board


def test_the_board_adds_and_moves_tickets_without_javascript(server: Server) -> None:
    client = sign_in(server)
    added = submit(client, "/projects/1/tickets", {"headline": "quick one"}, "/projects/1/board")
    assert added.status_code == 303
    assert added.headers["location"] == "/projects/1/board"
    page = client.get("/projects/1/board").text
    assert "Added ticket #" in page
    new_id = int(page.split("Added ticket #")[1].split(".")[0])
    assert server.call("tickets.getTicket", {"id": new_id})["headline"] == "quick one"
    moved = submit(client, f"/tickets/{new_id}/status", {"status": "2"}, "/projects/1/board")
    assert moved.headers["location"] == "/projects/1/board"
    assert server.call("tickets.getTicket", {"id": new_id})["status"] == 2


def test_the_ticket_form_edits_every_field(server: Server) -> None:
    ticket_id = server.add_ticket(headline="before")
    milestone = server.call(
        "tickets.quickAddMilestone", {"params": {"headline": "web milestone", "projectId": 1}}
    )
    parent = server.add_ticket(headline="the parent")
    client = sign_in(server)
    page = f"/tickets/{ticket_id}"
    response = submit(
        client,
        page,
        {
            "headline": "after",
            "type": "bug",
            "status": "4",
            "priority": "2",
            "editorId": "3",
            "milestoneid": str(milestone),
            "storypoints": "5",
            "dateToFinish": "2027-03-04",
            "editFrom": "2027-03-01",
            "editTo": "2027-03-05",
            "planHours": "6.5",
            "hourRemaining": "2",
            "sprint": "",
            "dependingTicketId": str(parent),
            "tags": "web,form",
            "description": "new description",
            "acceptanceCriteria": "it works",
            "collaborators_shown": "1",
            "collaborators": ["2", "4"],
        },
        page,
    )
    assert response.status_code == 303
    assert "Saved." in client.get(page).text
    ticket = server.call("tickets.getTicket", {"id": ticket_id})
    assert ticket["headline"] == "after"
    assert ticket["type"] == "bug"
    assert ticket["status"] == 4
    assert ticket["priority"] == "2"
    assert ticket["editorId"] == "3"
    assert ticket["milestoneid"] == milestone
    assert ticket["storypoints"] == 5
    assert ticket["dateToFinish"].startswith("2027-03-04")
    assert ticket["editFrom"].startswith("2027-03-01")
    assert ticket["editTo"].startswith("2027-03-05")
    assert ticket["planHours"] == 6.5
    assert ticket["hourRemaining"] == 2
    assert ticket["dependingTicketId"] == parent
    assert ticket["tags"] == "web,form"
    assert ticket["description"] == "new description"
    assert ticket["acceptanceCriteria"] == "it works"
    assert ticket["collaborators"] == [2, 4]


def test_a_refused_edit_shows_the_services_reason(server: Server) -> None:
    ticket_id = server.add_ticket(headline="keep me")
    client = sign_in(server)
    page = f"/tickets/{ticket_id}"
    response = submit(client, page, {"headline": "", "status": "3"}, page)
    assert response.status_code == 303
    assert "notifications.ticket_save_error_no_headline" in client.get(page).text
    reader = make_person(server, "readonly", projects=(1,))
    readonly = sign_in(server, reader.email, reader.password)
    submit(readonly, page, {"headline": "hijacked", "status": "3"}, page)
    assert "ticket_save_error_no_access" in readonly.get(page).text
    assert server.call("tickets.getTicket", {"id": ticket_id})["headline"] == "keep me"


def test_a_hidden_ticket_is_not_found(server: Server) -> None:
    outside = server.add_ticket(projectId=3)
    person = make_person(server, "editor", projects=(1,))
    response = sign_in(server, person.email, person.password).get(f"/tickets/{outside}")
    assert response.status_code == 404


def test_subtasks_comments_and_time_on_the_ticket_page(server: Server) -> None:
    ticket_id = server.add_ticket(headline="with parts")
    person = make_person(server, "editor", projects=(1,))
    client = sign_in(server, person.email, person.password)
    page = f"/tickets/{ticket_id}"
    submit(client, f"{page}/subtasks", {"headline": "a subtask"}, page)
    subtasks = server.call("tickets.getAllSubtasks", {"ticketId": ticket_id})
    assert [s["headline"] for s in subtasks] == ["a subtask"]
    assert subtasks[0]["type"] == "subtask"

    submit(client, f"{page}/comments", {"text": "first comment"}, page)
    top = server.call("Comments.Comments.getComments", {"module": "ticket", "entityId": ticket_id})
    submit(client, f"{page}/comments", {"text": "a reply", "father": str(top[0]["id"])}, page)
    replies = server.call(
        "Comments.Comments.getComments",
        {"module": "ticket", "entityId": ticket_id, "parent": top[0]["id"]},
    )
    assert [r["text"] for r in replies] == ["a reply"]
    submit(client, f"/comments/{top[0]['id']}/edit", {"text": "edited comment"}, page)
    html = client.get(page).text
    assert "edited comment" in html
    assert "a reply" in html

    today = dt.date.today().isoformat()
    for hours in ("1.5", "1h 30m"):
        submit(
            client,
            f"{page}/time",
            {"hours": hours, "date": today, "kind": "DEVELOPMENT", "description": "coding"},
            page,
        )
    assert (
        server.call("Timesheets.Timesheets.getSumLoggedHoursForTicket", {"ticketId": ticket_id})
        == 3
    )
    entries = server.call(
        "Timesheets.Timesheets.getTimesheetEntriesForTicket", {"ticketId": ticket_id}
    )
    assert len(entries) == 1
    assert "3 h" in client.get(page).text
    submit(client, f"/time/{entries[0]['id']}/delete", {}, page)
    assert (
        server.call("Timesheets.Timesheets.getSumLoggedHoursForTicket", {"ticketId": ticket_id})
        == 0
    )

    submit(client, f"/comments/{top[0]['id']}/delete", {}, page)
    assert (
        server.call("Comments.Comments.getComments", {"module": "ticket", "entityId": ticket_id})
        == []
    )


def test_milestones_show_their_progress(server: Server) -> None:
    milestone = server.call(
        "tickets.quickAddMilestone", {"params": {"headline": "progress stone", "projectId": 2}}
    )
    server.add_ticket(projectId=2, milestoneid=milestone, status=0)
    server.add_ticket(projectId=2, milestoneid=milestone, status=3)
    html = sign_in(server).get("/projects/2/milestones").text
    card = html.split(">progress stone</a>")[1].split("</li>")[0]
    assert 'value="50"' in card
    assert "1 of 2 tickets done" in card
