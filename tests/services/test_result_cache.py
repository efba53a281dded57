"""Cached getAll answers: never stale, never shown to a caller who may not see them.

A second server process on the same database makes the changes, so that the first
process's cache can only notice them through the database (the data version), as it
would behind a load balancer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Server, start_server, stop

GET_ALL = "leantime.rpc.Tickets.getAll"
DATES = {"startDate": "2027-05-03", "endDate": "2027-05-17"}


@pytest.fixture(scope="module")
def other(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A second server process on the session server's database."""
    process, url = start_server(server.database_url, tmp_path_factory.mktemp("cache"))
    fields = {field.name: getattr(server, field.name) for field in dataclasses.fields(Server)}
    try:
        yield dataclasses.replace(Server(**fields), url=url, process=process, _http=None)
    finally:
        stop(process)


@pytest.fixture(scope="module")
def project(server: Server) -> int:
    """A project of its own, so that other tests' tickets do not move the answers."""
    created = server.call(
        "Projects.Projects.addProject", {"values": {"name": "cache project", "clientId": 1}}
    )
    return int(created)


def get_all(server: Server, project: int, key: str | None = None) -> list[dict[str, Any]]:
    criteria = {"currentProject": project, "status": "all"}
    return list(server.call(GET_ALL, {"searchCriteria": criteria}, key=key))


def headlines(rows: list[dict[str, Any]]) -> set[str]:
    return {row["headline"] for row in rows}


def test_a_repeated_answer_is_byte_for_byte_the_first(server: Server, project: int) -> None:
    server.add_ticket(headline="cached one", projectId=project)
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": GET_ALL,
        "params": {"searchCriteria": {"currentProject": project}},
    }

    first = server.post(body, key=server.owner_key)
    second = server.post(body, key=server.owner_key)

    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert "cached one" in headlines(first.json()["result"])


def test_changes_made_by_another_process_are_seen_at_once(
    server: Server, other: Server, project: int
) -> None:
    ticket = server.add_ticket(headline="before", projectId=project)
    assert "before" in headlines(get_all(server, project))
    assert "before" in headlines(get_all(server, project))  # now answered from the cache

    other.call("tickets.patchTicket", {"id": ticket, "values": {"headline": "after"}})
    assert {"after"} <= headlines(get_all(server, project)) and "before" not in headlines(
        get_all(server, project)
    )

    added = other.add_ticket(headline="added elsewhere", projectId=project)
    assert "added elsewhere" in headlines(get_all(server, project))

    other.call(
        "Timesheets.Timesheets.logTime",
        {"ticketId": added, "params": {"hours": 2.5, "date": "2027-05-04", "kind": "DEVELOPMENT"}},
    )
    row = next(r for r in get_all(server, project) if r["id"] == added)
    assert row["bookedHours"] == 2.5

    other.call("tickets.delete", {"id": added})
    assert added not in {r["id"] for r in get_all(server, project)}


def test_names_joined_in_from_other_tables_follow_their_changes(
    server: Server, other: Server, project: int
) -> None:
    sprint = int(
        other.call(
            "Sprints.Sprints.addSprint",
            {"params": {"name": "sprint one", "projectId": project, **DATES}},
        )
    )
    ticket = server.add_ticket(headline="in a sprint", projectId=project, sprint=sprint)
    assert next(r for r in get_all(server, project) if r["id"] == ticket)["sprintName"] == (
        "sprint one"
    )

    other.call("Sprints.Sprints.editSprint", {"params": {"id": sprint, "name": "sprint two"}})

    assert next(r for r in get_all(server, project) if r["id"] == ticket)["sprintName"] == (
        "sprint two"
    )


def test_callers_who_see_different_projects_never_share_an_answer(server: Server) -> None:
    one = server.make_key("editor", [1])
    two = server.make_key("editor", [2])
    server.add_ticket(headline="cache scope one", projectId=1)
    server.add_ticket(headline="cache scope two", projectId=2)
    criteria = {"searchCriteria": {"term": "cache scope"}}

    seen_by_one = server.call(GET_ALL, criteria, key=one)
    seen_by_two = server.call(GET_ALL, criteria, key=two)
    again_by_one = server.call(GET_ALL, criteria, key=one)

    assert headlines(seen_by_one) == headlines(again_by_one) == {"cache scope one"}
    assert headlines(seen_by_two) == {"cache scope two"}


def test_pages_and_projections_are_kept_apart(server: Server, project: int) -> None:
    for n in range(3):
        server.add_ticket(headline=f"paged {n}", projectId=project)
    criteria = {"currentProject": project, "status": "all"}

    page = server.call(GET_ALL, {"searchCriteria": criteria, "pageSize": 2})
    narrow = server.call(GET_ALL, {"searchCriteria": criteria, "fields": ["headline"]})
    whole = server.call(GET_ALL, {"searchCriteria": criteria})

    assert len(page["items"]) == 2 and page["nextCursor"]
    assert all(set(row) == {"id", "headline"} for row in narrow)
    assert len(whole) >= 3 and "sprintName" in whole[0]
