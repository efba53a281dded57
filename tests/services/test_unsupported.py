"""Leantime methods for features Milepost lacks (unsupported.py) over real HTTP: each is
listed, answers -32601 with `data.reason` "not_supported" and a reason for every caller
and any params, and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from milepost.services import unsupported
from milepost.services.operations import collect
from tests.conftest import Server
from tests.services import Api, api_for

OPERATIONS = {op.wire: op for op in collect([unsupported])}
WIRES = sorted(OPERATIONS)


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def readonly(api: Api) -> str:
    return api.new_key("readonly", [])[1]


def test_the_module_covers_the_three_groups() -> None:
    assert len(WIRES) == 56
    for wire in (
        "Users.Users.fetchLdapMembers",  # a feature Milepost lacks
        "Projects.Projects.changeCurrentSessionProject",  # session state
        "Tickets.Tickets.getLastTicketViewUrl",  # a view model
        "Users.Users.createUserInvite",  # outgoing e-mail
        "Api.Api.setTourActive",  # web-UI state
        "Menu.Menu.getProjectSelectorViewData",  # a view model
    ):
        assert wire in WIRES


@pytest.mark.parametrize("wire", WIRES)
def test_each_answers_not_supported_with_a_reason(api: Api, readonly: str, wire: str) -> None:
    # By position, as many values as the method has params (more is a binding error).
    count = len(OPERATIONS[wire].signature.parameters) - 1
    positional = [1, "x", {"a": 1}, None, True, 2][:count]
    for params, key in (
        ({}, None),
        ({"projectId": 1, "values": {"x": 1}}, readonly),
        (positional, None),
    ):
        error = api.error(wire, params, key=key)
        assert (error.code, error.message) == (-32601, "Method not found"), wire
        assert error.data["reason"] == "not_supported"
        assert len(error.data["detail"]) > 20


def test_they_are_listed_in_discovery_as_not_supported(api: Api, readonly: str) -> None:
    methods = {m["name"]: m for m in api.call("rpc.discover", key=readonly)["methods"]}

    for wire in WIRES:
        entry = methods["leantime.rpc." + wire]
        assert entry["summary"].startswith("Not supported"), wire
        assert entry["x-permission"] is None


def test_a_refused_call_changes_nothing(api: Api) -> None:
    before = api.call("projects.getProject", {"id": 1})

    api.error("projects.editProjectAndNotify", {"values": {"name": "x"}, "projectId": 1})
    api.error("projects.saveSlackWebhook", {"projectId": 1, "webhookUrl": "https://x"})

    assert api.call("projects.getProject", {"id": 1}) == before


def test_leantime_spellings_reach_them(api: Api) -> None:
    for name in (
        "users.fetch_ldap_members",
        "Users.Users.FetchLdapMembers",
        "users.fetchLdapMembers",
    ):
        assert api.error(name).data["reason"] == "not_supported"


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("leantime.rpc.api.randomStr", {"length": 8}),
        ("leantime.rpc.Api.Api.setTourActive", {"tourActive": True}),
        ("leantime.rpc.Menu.Menu.getProjectSelectorViewData", {"userId": 1}),
    ],
)
def test_web_ui_helpers_of_api_and_menu_are_not_supported(
    api: Api, method: str, params: dict[str, object]
) -> None:
    response = api.post(
        {"jsonrpc": "2.0", "id": 11, "method": method, "params": params}, key=api.owner_key
    )

    assert response.status_code == 200
    answer = response.json()
    assert answer["id"] == 11 and "result" not in answer
    assert answer["error"]["code"] == -32601
    assert answer["error"]["data"]["reason"] == "not_supported"
    assert "Leantime's web pages" in answer["error"]["data"]["detail"]
