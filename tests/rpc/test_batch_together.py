"""Batch members that call getTicket are answered together (one transaction, one query).

What a client sees must not change: each member's answer is exactly what the same call
sent alone answers, in the batch's order, with notifications unanswered and faulty
members answered with their own errors. Each test compares a batch with the calls sent
one at a time over real HTTP.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Server

GET_TICKET = "leantime.rpc.Tickets.getTicket"


def get(ticket_id: Any, id_: Any = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"jsonrpc": "2.0", "method": GET_TICKET, "params": {"id": ticket_id}}
    if id_ is not None:
        body["id"] = id_
    return {**body, **extra}


def alone(server: Server, member: dict[str, Any], key: str) -> Any:
    response = server.post(member, key=key)
    assert response.status_code in (200, 204), response.text
    return response.json() if response.status_code == 200 else None


def batch(server: Server, members: list[dict[str, Any]], key: str) -> list[Any]:
    response = server.post(members, key=key)
    assert response.status_code == 200, response.text
    answers = response.json()
    assert isinstance(answers, list)
    return answers


@pytest.fixture(scope="module")
def tickets(server: Server) -> dict[str, int]:
    milestone = server.add_ticket(headline="batch milestone", type="milestone", projectId=1)
    parent = server.add_ticket(
        headline="batch parent", projectId=1, milestoneid=milestone, collaborators=[4, 2]
    )
    child = server.add_ticket(headline="batch child", projectId=1, dependingTicketId=parent)
    elsewhere = server.add_ticket(headline="batch elsewhere", projectId=2)
    return {"milestone": milestone, "parent": parent, "child": child, "elsewhere": elsewhere}


def test_members_answer_as_single_calls_do(server: Server, tickets: dict[str, int]) -> None:
    key = server.make_key("editor", [1])
    members = [
        get(tickets["parent"], 1),
        get(tickets["milestone"], "two"),
        get(tickets["elsewhere"], 3),  # outside the key's projects: false
        get(2_000_000_000, 4),  # no such ticket: false
        get(tickets["child"], 5),
        get(tickets["parent"], 6),  # the same ticket twice
        get(tickets["child"]),  # a notification: no answer
        {"jsonrpc": "2.0", "id": 7, "method": GET_TICKET, "params": {"id": "abc"}},
        {"jsonrpc": "2.0", "id": 8, "method": GET_TICKET, "params": {}},
        {"jsonrpc": "2.0", "id": 9, "method": "leantime.rpc.tickets.getPriorityLabels"},
        get(tickets["child"], None, jsonrpc="1.0", id=10),
    ]
    expected = [answer for member in members if (answer := alone(server, member, key))]

    answers = batch(server, members, key)

    assert answers == expected
    assert [answer["id"] for answer in answers] == [1, "two", 3, 4, 5, 6, 7, 8, 9, 10]
    parent = answers[0]["result"]
    assert parent["children"] == [tickets["child"]]
    assert parent["collaborators"] == [2, 4]
    assert answers[1]["result"]["allTickets"] == 1
    assert answers[2]["result"] is False and answers[3]["result"] is False
    assert answers[7]["error"]["code"] == -32602
    assert answers[9]["error"]["data"]["reason"] == "bad_version"


def test_a_large_batch_of_gets_matches_single_calls(
    server: Server, tickets: dict[str, int]
) -> None:
    ids = [tickets[name] for name in ("parent", "child", "milestone", "elsewhere")] * 25
    members = [get(ticket_id, n) for n, ticket_id in enumerate(ids)]
    singles = {ticket_id: alone(server, get(ticket_id, 0), server.owner_key) for ticket_id in ids}

    answers = batch(server, members, server.owner_key)

    assert len(answers) == 100
    for n, (answer, ticket_id) in enumerate(zip(answers, ids, strict=True)):
        assert answer == {**singles[ticket_id], "id": n}


def test_legacy_keys_get_each_result_wrapped(server: Server, tickets: dict[str, int]) -> None:
    key = server.make_key("owner", all_projects=True, resultFormat="3.7")
    members = [get(tickets["parent"], 1), get(tickets["child"], 2)]

    answers = batch(server, members, key)

    assert answers == [alone(server, member, key) for member in members]
    assert (
        isinstance(answers[0]["result"], list)
        and answers[0]["result"][0]["id"] == (tickets["parent"])
    )
