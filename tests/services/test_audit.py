"""The audit log: every mutating call recorded, readable by admins only."""

from __future__ import annotations

import pytest

from tests.conftest import RpcError, Server


def test_a_write_is_recorded_with_key_method_target_and_outcome(server: Server) -> None:
    created = server.call(
        "Api.Api.createApiKeyWithProjects",
        {"values": {"name": "audited", "role": "editor"}, "projects": [1]},
    )
    ticket = server.add_ticket(key=created["apiKey"], headline="audited write")
    entries = server.call("Audit.Audit.getEntries", {"userId": created["id"]})
    assert entries[0]["method"] == "leantime.rpc.Tickets.Tickets.addTicket"
    assert entries[0]["outcome"] == "ok"
    assert f"result={ticket}" in entries[0]["targets"]
    assert entries[0]["principalKind"] == "key"
    assert entries[0]["keyId"] is not None
    assert entries[0]["address"] == "127.0.0.1"


def test_a_refused_write_is_recorded_with_its_error(server: Server) -> None:
    key = server.make_key("readonly", [1])
    user_id = server.call("Auth.getUserId", key=key)
    with pytest.raises(RpcError):
        server.add_ticket(key=key, headline="not allowed")
    entries = server.call("Audit.Audit.getEntries", {"userId": user_id})
    assert entries[0]["outcome"].startswith("-32001")


def test_reads_are_not_recorded(server: Server) -> None:
    key = server.make_key("editor", [1])
    user_id = server.call("Auth.getUserId", key=key)
    server.call("tickets.getTicket", {"id": 1}, key=key)
    assert server.call("Audit.Audit.getEntries", {"userId": user_id}) == []


def test_only_admins_read_the_log(server: Server) -> None:
    with pytest.raises(RpcError) as error:
        server.call("Audit.Audit.getEntries", key=server.make_key("manager", [1]))
    assert error.value.code == -32001
    assert isinstance(
        server.call("Audit.Audit.getEntries", key=server.make_key("admin", [1])), list
    )
