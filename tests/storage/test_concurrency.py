"""Concurrent writers on SQLite: 16 clients creating tickets at once, no "database is locked"."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.conftest import Server

CLIENTS = 16
TICKETS_PER_CLIENT = 25


def _create_many(server: Server, key: str, client: int) -> list[int]:
    ids = []
    with httpx.Client(timeout=60) as http:
        for number in range(TICKETS_PER_CLIENT):
            body = {
                "jsonrpc": "2.0",
                "id": number,
                "method": "leantime.rpc.Tickets.addTicket",
                "params": {"values": {"headline": f"c{client}-{number}", "projectId": 2}},
            }
            answer = http.post(server.rpc_url, json=body, headers={"x-api-key": key}).json()
            assert "result" in answer, answer
            ids.append(answer["result"])
    return ids


def test_sixteen_concurrent_writers_store_every_ticket(server: Server) -> None:
    key = server.make_key("editor", [2])
    with ThreadPoolExecutor(CLIENTS) as pool:
        batches = list(pool.map(lambda c: _create_many(server, key, c), range(CLIENTS)))
    ids = [ticket_id for batch in batches for ticket_id in batch]
    assert len(ids) == len(set(ids)) == CLIENTS * TICKETS_PER_CLIENT
    stored = server.call(
        "tickets.getAll",
        {"searchCriteria": {"currentProject": 2, "status": "all", "term": "c"}},
    )
    headlines = {row["headline"] for row in stored}
    expected = {f"c{c}-{n}" for c in range(CLIENTS) for n in range(TICKETS_PER_CLIENT)}
    assert expected <= headlines
