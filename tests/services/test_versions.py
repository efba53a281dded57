"""Optimistic concurrency: an expected version is checked, a version inside values is not."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.conftest import RpcError, Server


def test_every_editable_entity_exposes_a_version(server: Server) -> None:
    ticket = server.add_ticket(headline="versioned")
    assert server.call("tickets.getTicket", {"id": ticket})["version"] == 1
    assert isinstance(server.call("projects.getProject", {"id": 1})["version"], int)
    assert isinstance(server.call("users.getUser", {"id": 1})["version"], int)
    client = server.call("clients.create", {"values": {"name": "Versioned Ltd"}})
    assert server.call("clients.get", {"id": client})["version"] == 1


def test_each_change_bumps_the_version(server: Server) -> None:
    ticket = server.add_ticket(headline="bump")
    server.call("tickets.patchTicket", {"id": ticket, "values": {"status": 4}})
    server.call("tickets.markTicketDone", {"id": ticket})
    assert server.call("tickets.getTicket", {"id": ticket})["version"] == 3


def test_a_stale_expected_version_is_a_conflict_and_changes_nothing(server: Server) -> None:
    ticket = server.add_ticket(headline="stale")
    server.call("tickets.patchTicket", {"id": ticket, "values": {"headline": "first"}})
    with pytest.raises(RpcError) as error:
        server.call(
            "tickets.patchTicket",
            {"id": ticket, "values": {"headline": "second"}, "expectedVersion": 1},
        )
    assert error.value.code == -32005
    assert error.value.data["reason"] == "stale_version"
    assert server.call("tickets.getTicket", {"id": ticket})["headline"] == "first"


def test_a_version_inside_values_is_not_checked(server: Server) -> None:
    """A Leantime client reads a ticket and writes it back whole, old version included."""
    ticket = server.add_ticket(headline="round trip")
    old = server.call("tickets.getTicket", {"id": ticket})
    server.call("tickets.patchTicket", {"id": ticket, "values": {"status": 4}})
    old["headline"] = "changed"
    assert server.call("tickets.updateTicket", {"values": old}) is True
    assert server.call("tickets.getTicket", {"id": ticket})["headline"] == "changed"


def test_two_concurrent_edits_with_the_same_expected_version_one_wins(server: Server) -> None:
    for _ in range(5):
        ticket = server.add_ticket(headline="race")
        version = server.call("tickets.getTicket", {"id": ticket})["version"]

        def edit(headline: str, ticket: int = ticket, version: int = version) -> Any:
            try:
                return server.call(
                    "tickets.patchTicket",
                    {"id": ticket, "values": {"headline": headline}, "expectedVersion": version},
                )
            except RpcError as error:
                return error.code

        with ThreadPoolExecutor(2) as pool:
            outcomes = list(pool.map(edit, ["left", "right"]))
        assert sorted(outcomes, key=str) == sorted([True, -32005], key=str)
        assert server.call("tickets.getTicket", {"id": ticket})["version"] == version + 1


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("projects.patch", {"id": 2, "params": {"details": "x"}}),
        ("users.editUser", {"id": 4, "values": {"jobTitle": "x"}}),
    ],
)
def test_other_entities_check_expected_versions(
    server: Server, method: str, params: dict[str, Any]
) -> None:
    with pytest.raises(RpcError) as error:
        server.call(method, {**params, "expectedVersion": 10_000})
    assert error.value.code == -32005
    assert server.call(method, params) is True


def test_clients_check_expected_versions(server: Server) -> None:
    client = server.call("clients.create", {"values": {"name": "Checked Ltd"}})
    with pytest.raises(RpcError):
        server.call(
            "clients.editClient", {"values": {"id": client, "city": "Oslo"}, "expectedVersion": 7}
        )
    assert server.call(
        "clients.editClient", {"values": {"id": client, "city": "Oslo"}, "expectedVersion": 1}
    )
