"""Idempotency-Key on writes: a retry answers the first result and stores nothing twice."""

from __future__ import annotations

import secrets
from typing import Any

from tests.conftest import Server


def _add(server: Server, key: str, headline: str, request_id: int = 1) -> dict[str, Any]:
    body = {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "leantime.rpc.Tickets.addTicket",
        "params": {"values": {"headline": headline, "projectId": 1}},
    }
    response = server.post(body, key=server.owner_key, headers={"Idempotency-Key": key})
    assert response.status_code == 200
    answer: dict[str, Any] = response.json()
    return answer


def _count(server: Server, headline: str) -> int:
    rows = server.call(
        "tickets.getAll",
        {"searchCriteria": {"currentProject": 1, "status": "all", "term": headline}},
    )
    return sum(1 for row in rows if row["headline"] == headline)


def test_same_key_and_body_replays_the_first_result(server: Server) -> None:
    key, headline = secrets.token_hex(8), f"idem-{secrets.token_hex(4)}"
    first = _add(server, key, headline)
    second = _add(server, key, headline, request_id=2)
    assert first["result"] == second["result"]
    assert second["id"] == 2
    assert _count(server, headline) == 1


def test_same_key_with_another_body_is_a_conflict(server: Server) -> None:
    key = secrets.token_hex(8)
    _add(server, key, f"idem-{secrets.token_hex(4)}")
    answer = _add(server, key, "something else")
    assert answer["error"]["code"] == -32005
    assert answer["error"]["data"]["reason"] == "idempotency_key_reused"


def test_without_a_key_each_call_creates(server: Server) -> None:
    headline = f"idem-{secrets.token_hex(4)}"
    server.add_ticket(headline=headline)
    server.add_ticket(headline=headline)
    assert _count(server, headline) == 2


def test_keys_are_scoped_to_the_principal(server: Server) -> None:
    other = server.make_key("editor", [1])
    key, headline = secrets.token_hex(8), f"idem-{secrets.token_hex(4)}"
    _add(server, key, headline)
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "leantime.rpc.Tickets.addTicket",
        "params": {"values": {"headline": headline, "projectId": 1}},
    }
    response = server.post(body, key=other, headers={"Idempotency-Key": key}).json()
    assert "result" in response
    assert _count(server, headline) == 2


def test_batch_members_get_keys_of_their_own(server: Server) -> None:
    key, headline = secrets.token_hex(8), f"idem-{secrets.token_hex(4)}"
    batch = [
        {
            "jsonrpc": "2.0",
            "id": n,
            "method": "leantime.rpc.Tickets.addTicket",
            "params": {"values": {"headline": headline, "projectId": 1}},
        }
        for n in range(3)
    ]
    first = server.post(batch, key=server.owner_key, headers={"Idempotency-Key": key}).json()
    again = server.post(batch, key=server.owner_key, headers={"Idempotency-Key": key}).json()
    assert [a["result"] for a in first] == [a["result"] for a in again]
    assert len({a["result"] for a in first}) == 3
    assert _count(server, headline) == 3


def test_reads_ignore_the_key(server: Server) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "leantime.rpc.Tickets.getTicket", "params": [1]}
    key = secrets.token_hex(8)
    server.post(body, key=server.owner_key, headers={"Idempotency-Key": key})
    body["params"] = [2]
    answer = server.post(body, key=server.owner_key, headers={"Idempotency-Key": key}).json()
    assert answer["result"]["id"] == 2
