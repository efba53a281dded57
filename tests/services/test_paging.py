"""Paging, incremental sync and projection on list methods, over HTTP."""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

import pytest

from tests.conftest import RpcError, Server


@pytest.fixture(scope="module")
def project(server: Server) -> int:
    return int(server.call("projects.addProject", {"values": {"name": "paging"}}))


def _criteria(project: int) -> dict[str, Any]:
    return {"currentProject": project, "status": "all"}


def test_a_call_without_paging_params_answers_leantimes_plain_list(
    server: Server, project: int
) -> None:
    server.add_ticket(projectId=project, headline="plain")
    rows = server.call("tickets.getAll", {"searchCriteria": _criteria(project)})
    assert isinstance(rows, list)
    assert "headline" in rows[0] and "projectName" in rows[0]


def test_pages_walk_in_id_order_with_a_total(server: Server, project: int) -> None:
    for number in range(7):
        server.add_ticket(projectId=project, headline=f"walk {number}")
    expected = sorted(
        row["id"] for row in server.call("tickets.getAll", {"searchCriteria": _criteria(project)})
    )
    seen: list[int] = []
    cursor = None
    for _ in range(20):
        page = server.call(
            "tickets.getAll",
            {"searchCriteria": _criteria(project), "pageSize": 3, "withTotal": True,
             **({"cursor": cursor} if cursor else {})},
        )  # fmt: skip
        assert page["total"] == len(expected)
        assert len(page["items"]) <= 3
        seen += [row["id"] for row in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == expected


def test_paging_while_rows_are_inserted_and_deleted_sees_each_survivor_once(
    server: Server,
) -> None:
    project = int(server.call("projects.addProject", {"values": {"name": "churn"}}))
    initial = [server.add_ticket(projectId=project, headline=f"t{n}") for n in range(60)]
    rng = random.Random(3)
    deleted: set[int] = set()
    seen: list[int] = []
    cursor = None
    for _ in range(100):
        params: dict[str, Any] = {"searchCriteria": _criteria(project), "pageSize": 7}
        if cursor:
            params["cursor"] = cursor
        page = server.call("tickets.getAll", params)
        seen += [row["id"] for row in page["items"]]
        # Churn between pages: new rows, and deletions both behind and ahead of the cursor.
        for _ in range(2):
            server.add_ticket(projectId=project, headline="inserted")
        for victim in rng.sample([t for t in initial if t not in deleted], 2):
            server.call("tickets.delete", {"id": victim})
            deleted.add(victim)
        cursor = page["nextCursor"]
        if cursor is None:
            break
    survivors = set(initial) - deleted
    assert len(seen) == len(set(seen)), "a row was returned twice"
    assert survivors <= set(seen), "a surviving row was skipped"


def test_fields_project_rows_and_keep_the_id(server: Server, project: int) -> None:
    rows = server.call(
        "tickets.getAll", {"searchCriteria": _criteria(project), "fields": ["headline"]}
    )
    assert rows and all(set(row) == {"id", "headline"} for row in rows)


def test_modified_since_returns_only_later_changes(server: Server, project: int) -> None:
    old = server.add_ticket(projectId=project, headline="old")
    rows = server.call("tickets.getAll", {"searchCriteria": _criteria(project)})
    newest = max(row["modified"] for row in rows)
    since = (dt.datetime.fromisoformat(newest) + dt.timedelta(seconds=1)).isoformat()
    time.sleep(1.1)
    new = server.add_ticket(projectId=project, headline="new")
    changed = server.call(
        "tickets.getAll", {"searchCriteria": _criteria(project), "modifiedSince": since}
    )
    ids = {row["id"] for row in changed}
    assert new in ids and old not in ids


def test_paging_applies_to_lists_built_in_memory(server: Server) -> None:
    page = server.call("users.getAll", {"pageSize": 2, "withTotal": True})
    assert len(page["items"]) == 2 and page["total"] >= 6
    rest = server.call("users.getAll", {"pageSize": 100, "cursor": page["nextCursor"]})
    assert rest["items"][0]["id"] > page["items"][-1]["id"]


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"pageSize": 0}, "pageSize"),
        ({"pageSize": 1001}, "pageSize"),
        ({"pageSize": "many"}, "pageSize"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"modifiedSince": "yesterday-ish"}, "modifiedSince"),
        ({"fields": 5}, "fields"),
    ],
)
def test_bad_paging_params_are_named(server: Server, params: dict[str, Any], param: str) -> None:
    with pytest.raises(RpcError) as error:
        server.call("tickets.getAll", {"searchCriteria": {"currentProject": 1}, **params})
    assert error.value.code == -32602
    assert error.value.data["param"] == param
