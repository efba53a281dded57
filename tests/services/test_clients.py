"""Clients over real HTTP: list, get, create, edit, delete (admin and above)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Server
from tests.services import BOOKKEEPING, Api, api_for, changed, leading, unique

CLIENT_FIELDS = [
    "id", "name", "street", "zip", "city", "state", "country", "phone", "internet", "email",
    "published", "modified",
]  # fmt: skip


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def admin(api: Api) -> str:
    """An admin key restricted to project 1: clients are global, so it manages them all."""
    return api.new_key("admin", [1])[1]


def create(api: Api, key: str | None = None, **values: Any) -> int:
    values.setdefault("name", unique("client"))
    return int(api.call("clients.create", {"values": values}, key=key))


def client(api: Api, id: int) -> dict[str, Any]:
    result = api.call("clients.get", {"id": id})
    assert isinstance(result, dict), f"client {id}: {result!r}"
    return result


def test_create_returns_the_id_and_get_answers_the_row(api: Api, admin: str) -> None:
    values = {
        "name": unique("Initech"), "street": "1 Main St", "zip": "12345", "city": "Austin",
        "state": "TX", "country": "US", "phone": "555", "internet": "https://initech.example",
        "email": "info@initech.example",
    }  # fmt: skip

    id = api.call("clients.create", {"values": values}, key=admin)

    assert isinstance(id, int)
    row = client(api, id)
    assert leading(row, CLIENT_FIELDS) == CLIENT_FIELDS
    assert {field: row[field] for field in values} == values
    assert row["published"] == 1 and row["modified"] is not None


def test_get_all_lists_every_client_by_name(api: Api, admin: str) -> None:
    id = create(api, name=unique("Aardvark"))

    rows = api.call("clients.getAll", {}, key=admin)

    assert id in {row["id"] for row in rows} and 1 in {row["id"] for row in rows}
    names = [(row["name"], row["id"]) for row in rows]
    assert names == sorted(names)
    assert all(leading(row, CLIENT_FIELDS) == CLIENT_FIELDS for row in rows)


def test_get_is_false_for_a_missing_client(api: Api) -> None:
    assert api.call("clients.get", {"id": 987654}) is False
    assert api.error("clients.get", {"id": "abc"}).data["param"] == "id"
    assert api.error("clients.get", {}).data["detail"] == "Required Parameter Missing: id"


@pytest.mark.parametrize(
    ("values", "param"),
    [
        ({"name": ""}, "values.name"),
        ({"name": "  "}, "values.name"),
        ({"city": unique("city") * 20}, "values.city"),
    ],
)
def test_create_rejects_bad_values(api: Api, values: dict[str, Any], param: str) -> None:
    values = {"name": unique("rejected"), "city": unique("city"), **values}

    error = api.error("clients.create", {"values": values})

    assert error.code == -32602 and error.data["param"] == param
    assert values["city"] not in {row["city"] for row in api.call("clients.getAll")}
    assert api.error("clients.create", {}).data["detail"] == "Required Parameter Missing: values"


def test_edit_client_round_trip_changes_only_the_changed_field(api: Api, admin: str) -> None:
    id = create(api, street="2 Side St", city="Leeds", phone="0113", email="a@b.example")
    before = client(api, id)

    assert api.call("clients.editClient", {"values": {**before, "city": "York"}}, key=admin)

    after = client(api, id)
    assert changed(before, after) <= {"city", *BOOKKEEPING}
    assert after["city"] == "York"


def test_edit_client_checks_id_and_name(api: Api) -> None:
    id = create(api)
    before = client(api, id)

    missing = api.error("clients.editClient", {"values": {"name": "x"}})
    assert missing.code == -32602
    assert missing.data["detail"] == "Required Parameter Missing: values.id"
    assert api.error("clients.editClient", {"values": {"id": 987654}}).code == -32002
    empty = api.error("clients.editClient", {"values": {"id": id, "name": " "}})
    assert empty.code == -32602 and empty.data["param"] == "values.name"
    bad = api.error("clients.editClient", {"values": {"id": "abc"}})
    assert bad.code == -32602 and bad.data["param"] == "values.id"
    assert client(api, id) == before


def test_delete_removes_a_client_and_detaches_its_users(api: Api, admin: str) -> None:
    id = create(api)
    person = api.call(
        "users.addUser", {"values": {"username": f"{unique('c')}@example.com", "clientId": id}}
    )

    assert api.call("clients.delete", {"id": id}, key=admin) is True

    assert api.call("clients.get", {"id": id}) is False
    assert api.call("users.getUser", {"id": person})["clientId"] is None
    assert api.error("clients.delete", {"id": id}).code == -32002


def test_delete_refuses_a_client_with_projects(api: Api) -> None:
    id = create(api)
    api.call("projects.addProject", {"values": {"name": unique("owned"), "clientId": id}})

    error = api.error("clients.delete", {"id": id})

    assert error.code == -32005 and error.data["reason"] == "has_projects"
    assert client(api, id)["id"] == id
    assert api.error("clients.delete", {"id": "x"}).data["param"] == "id"
