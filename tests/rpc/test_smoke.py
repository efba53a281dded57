from __future__ import annotations

from tests.conftest import Server


def test_get_ticket_answers_the_demo_ticket(server: Server) -> None:
    ticket = server.call("tickets.getTicket", {"id": 1})
    assert ticket["id"] == 1
    assert ticket["projectId"] == 1
