"""SQL injection through search criteria, sort fields and search terms.

Every value is bound as a parameter or checked against a list of known words, so text
holding SQL is answered with -32602 or with the rows that match it literally (usually
none), never with an internal error; and the tables are all still there afterwards.
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from milepost.storage import tables as t
from tests.conftest import Server
from tests.security.snapshot import engine_for

# Without commas: list criteria split on commas, and a part such as "1" would rightly
# match tickets of priority 1.
PAYLOADS = [
    "' OR '1'='1",
    "1 OR 1=1",
    "1); DROP TABLE zp_tickets; --",
    "date; DELETE FROM zp_user; --",
    "(SELECT password FROM zp_user LIMIT 1)",
    "' UNION SELECT password FROM zp_user --",
    "%' OR headline LIKE '%",
    "\\'; DROP TABLE zp_projects; --",
]
WITH_COMMAS = ["id DESC, (SELECT password FROM zp_user)", "1,2) OR (1=1"]
# Filters that keep what matches: text holding SQL matches nothing. (`excludeType` keeps
# what does not match, so it keeps everything, and is checked with the list filters.)
CRITERIA = ["term", "orderBy", "status", "users", "projects", "milestone", "sprint", "type",
            "priority", "dateFrom", "dateTo"]  # fmt: skip


def _counts(server: Server) -> dict[str, int]:
    engine = engine_for(server.database_url)
    try:
        with engine.connect() as conn:
            return {
                table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for table in (t.tickets, t.users, t.projects, t.api_keys)
            }
    finally:
        engine.dispose()


def _answers(server: Server, calls: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    batch = [
        {"jsonrpc": "2.0", "id": n, "method": "leantime.rpc." + method, "params": params}
        for n, (method, params) in enumerate(calls)
    ]
    response = httpx.post(
        server.rpc_url, json=batch, headers={"x-api-key": server.owner_key}, timeout=60
    )
    assert response.status_code == 200, response.text[:300]
    return sorted(response.json(), key=lambda answer: answer["id"])


def test_search_criteria_holding_sql_are_errors_or_literal_matches(server: Server) -> None:
    before = _counts(server)
    calls = [
        ("Tickets.getAll", {"searchCriteria": {name: payload}})
        for name in CRITERIA
        for payload in PAYLOADS
    ]
    calls += [("Tickets.findTicket", {"term": payload, "projectId": 1}) for payload in PAYLOADS]
    calls += [("Projects.findProject", {"term": payload}) for payload in PAYLOADS]
    calls += [("Users.getUserByEmail", {"email": payload}) for payload in PAYLOADS]
    for (method, params), answer in zip(calls, _answers(server, calls), strict=True):
        if "error" in answer:
            assert answer["error"]["code"] == -32602, f"{method} {params}: {answer['error']}"
        else:
            assert answer["result"] in ([], False), f"{method} {params} matched {answer!s:.300}"
    listed = [
        ("Tickets.getAll", {"searchCriteria": {name: text}})
        for name in [*CRITERIA, "excludeType"]
        for text in WITH_COMMAS + PAYLOADS
    ]
    # An unknown sortBy sorts as "standard", as Leantime does.
    listed += [("Tickets.getAllMilestones", {"sortBy": payload}) for payload in PAYLOADS]
    for (_, params), answer in zip(listed, _answers(server, listed), strict=True):
        assert answer.get("error", {}).get("code", -32602) == -32602, f"{params}: {answer!s:.300}"
        assert isinstance(answer.get("result", []), list)
    assert _counts(server) == before
    assert server.call("tickets.getTicket", {"id": 1})["id"] == 1


def test_like_wildcards_in_a_term_match_themselves(server: Server) -> None:
    marker = secrets.token_hex(4)
    literal = server.add_ticket(headline=f"{marker} 100%_done")
    other = server.add_ticket(headline=f"{marker} 100 percent done")
    for term in ("%", "_", "100%_"):
        found = server.call(
            "tickets.findTicket", {"term": f"{marker} {term}".strip(), "projectId": 1}
        )
        ids = {row["id"] for row in found}
        assert other not in ids, f"{term!r} acted as a wildcard"
    assert literal in {row["id"] for row in server.call("tickets.findTicket",
                       {"term": f"{marker} 100%_", "projectId": 1})}  # fmt: skip


@pytest.mark.parametrize("field", ["orderBy", "status"])
def test_unknown_words_are_named_in_the_error(server: Server, field: str) -> None:
    answer = _answers(
        server, [("Tickets.getAll", {"searchCriteria": {field: "id; DROP TABLE x"}})]
    )[0]
    assert answer["error"]["code"] == -32602
    assert answer["error"]["data"]["param"] == f"searchCriteria.{field}"
