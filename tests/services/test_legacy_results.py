"""Leantime 3.7 result wrapping over real HTTP: a key with `resultFormat` '3.7' gets every
non-null result as a one-element array (`[42]`, `[false]`, `["name"]`, `[[...]]`), null
stays null, and errors are never wrapped. Keys get the format from Api.createAPIKey's
`resultFormat` or from `milepost keys create --legacy-results`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Server, milepost
from tests.services import Api, api_for, unique


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def legacy(api: Api) -> str:
    return api.make_key("owner", all_projects=True, resultFormat="3.7")


@pytest.fixture(scope="module")
def cli_legacy(api: Api) -> str:
    return milepost(
        "keys", "--database", api.database_url, "create", "--name", unique("legacy-cli"),
        "--role", "editor", "--legacy-results",
    ).strip()  # fmt: skip


def envelope(api: Api, key: str, method: str, params: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": 7, "method": "leantime.rpc." + method}
    if params is not None:
        body["params"] = params
    response = api.post(body, key=key)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def result(api: Api, key: str, method: str, params: Any = None) -> Any:
    answer = envelope(api, key, method, params)
    assert "error" not in answer, answer
    return answer["result"]


def test_scalars_come_back_in_a_one_element_array(api: Api, legacy: str) -> None:
    id = result(api, legacy, "tickets.addTicket", {"values": {"headline": "old", "projectId": 1}})

    assert isinstance(id, list) and len(id) == 1 and isinstance(id[0], int)
    assert result(api, legacy, "tickets.patchTicket", {"id": id[0], "values": {"tags": "x"}}) == [
        True
    ]
    assert result(api, legacy, "projects.getProjectName", {"projectId": 1}) == ["Website relaunch"]
    assert result(api, legacy, "timesheets.getSumLoggedHoursForTicket", {"ticketId": id[0]}) == [0]


def test_a_miss_is_false_in_an_array(api: Api, legacy: str) -> None:
    assert result(api, legacy, "tickets.getTicket", {"id": 987654321}) == [False]


def test_objects_and_lists_are_wrapped_whole(api: Api, legacy: str) -> None:
    ticket = result(api, legacy, "tickets.getTicket", {"id": api.add_ticket()})
    rows = result(
        api, legacy, "tickets.getAll", {"searchCriteria": {"currentProject": 1}, "limit": 2}
    )
    page = result(api, legacy, "tickets.getAll", {"limit": 50, "pageSize": 1})

    assert len(ticket) == 1 and ticket[0]["type"] == "task"
    assert len(rows) == 1 and len(rows[0]) == 2
    assert len(page) == 1 and set(page[0]) == {"items", "nextCursor", "total"}


def test_null_stays_null(api: Api, legacy: str) -> None:
    project = api.call("projects.addProject", {"values": {"name": unique("legacy")}})

    answer = envelope(
        api, legacy, "projects.editProject", {"values": {"name": "Renamed"}, "id": project}
    )

    assert answer == {"jsonrpc": "2.0", "result": None, "id": 7}
    assert api.call("projects.getProjectName", {"projectId": project}) == "Renamed"


def test_errors_are_not_wrapped(api: Api, legacy: str) -> None:
    invalid = envelope(api, legacy, "tickets.getTicket", {"id": "abc"})
    unsupported = envelope(api, legacy, "users.fetchLdapMembers")
    missing = envelope(api, legacy, "tickets.nope")

    assert "result" not in invalid and invalid["error"]["code"] == -32602
    assert unsupported["error"]["data"]["reason"] == "not_supported"
    assert missing["error"]["code"] == -32601


def test_each_member_of_a_batch_is_wrapped(api: Api, legacy: str) -> None:
    batch = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "leantime.rpc.tickets.getTicket",
            "params": {"id": 987654321},
        },
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "leantime.rpc.tickets.getTicket",
            "params": {"id": "x"},
        },
        {"jsonrpc": "2.0", "id": 3, "method": "leantime.rpc.Auth.Auth.getUserId"},
    ]

    answers = {answer["id"]: answer for answer in api.post(batch, key=legacy).json()}

    assert answers[1]["result"] == [False]
    assert answers[2]["error"]["code"] == -32602
    assert isinstance(answers[3]["result"], list) and isinstance(answers[3]["result"][0], int)


def test_the_default_format_stays_bare(api: Api) -> None:
    assert api.call("tickets.getTicket", {"id": 987654321}) is False
    assert api.call("projects.getProjectName", {"projectId": 1}) == "Website relaunch"


def test_keys_made_on_the_command_line_can_be_legacy(api: Api, cli_legacy: str) -> None:
    assert result(api, cli_legacy, "tickets.getTicket", {"id": 987654321}) == [False]
    listed = api.call("Api.Api.getAPIKeys")
    assert "3.7" in {key["resultFormat"] for key in listed}


def test_discovery_is_not_a_leantime_result(api: Api, legacy: str) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "rpc.discover"}

    document = api.post(body, key=legacy).json()["result"]

    assert isinstance(document, dict) and document["openrpc"].startswith("1.4")
