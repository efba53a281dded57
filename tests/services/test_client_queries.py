"""Clients beyond get/create/edit/delete over real HTTP (client_queries.py): their people,
projects and page, and Leantime 3.9's createClient, updateClient, patch and removeUser.
Every method needs an admin (clients.* are admin permissions)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Server
from tests.services import BOOKKEEPING, Api, api_for, changed, unique


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def keys(api: Api) -> dict[str, tuple[int, str]]:
    return {role: api.new_key(role, [1]) for role in ("manager", "admin")}


def new_client(api: Api, **values: Any) -> int:
    values.setdefault("name", unique("client"))
    return int(api.call("clients.createClient", {"values": values}))


def client(api: Api, id: int) -> dict[str, Any]:
    found = api.call("clients.get", {"id": id})
    assert isinstance(found, dict), f"client {id}: {found!r}"
    return found


def person(api: Api, client_id: int | None) -> int:
    email = f"{unique('contact')}@example.com"
    return int(api.call("users.addUser", {"values": {"username": email, "clientId": client_id}}))


def test_create_client_refuses_a_name_in_use(api: Api) -> None:
    name = unique("Acme")
    id = new_client(api, name=name, city="Oslo")

    error = api.error("clients.createClient", {"values": {"name": f"  {name.upper()} "}})
    missing = api.error("clients.createClient", {"values": {"city": "x"}})

    assert client(api, id)["city"] == "Oslo"
    assert (error.code, error.data["reason"]) == (-32005, "duplicate_name")
    assert (missing.code, missing.data["param"]) == (-32602, "values.name")
    assert api.call("clients.isClient", {"values": {"name": name.lower()}}) is True
    assert api.call("clients.isClient", {"values": {"name": unique("none")}}) is False


def test_update_client_and_patch_round_trip(api: Api) -> None:
    id = new_client(api, city="Rome")
    read = client(api, id)

    assert api.call("clients.updateClient", {"values": {**read, "phone": "42"}}) is True
    assert api.call("clients.patch", {"id": id, "params": {"zip": "00100"}}) is True

    after = client(api, id)
    assert changed(read, after) - BOOKKEEPING == {"phone", "zip"}
    assert after["version"] == read["version"] + 2
    stale = api.error("clients.patch", {"id": id, "params": {"zip": "1"}, "expectedVersion": 1})
    missing = api.error("clients.patch", {"id": 987654, "params": {"zip": "1"}})
    assert (stale.code, missing.code) == (-32005, -32002)


def test_people_projects_and_tickets_of_a_client(api: Api) -> None:
    id = new_client(api)
    contact = person(api, id)
    project = api.call("projects.addProject", {"values": {"name": unique("cp"), "clientId": id}})

    users = api.call("clients.getClientsUsers", {"clientId": id})
    projects = api.call("clients.getClientProjects", {"clientId": id})
    before = api.call("clients.hasTickets", {"id": id})
    api.add_ticket(projectId=project)

    assert [row["id"] for row in users] == [contact]
    assert [row["id"] for row in projects] == [project]
    assert before is False and api.call("clients.hasTickets", {"id": id}) is True
    assert api.call("clients.getClientsUsers", {"clientId": 987654}) is False
    assert api.call("clients.getUserClients", {"userId": contact})[0]["id"] == id
    assert api.call("clients.getUserClients", {"userId": 3}) == []


def test_client_page_data(api: Api) -> None:
    id = new_client(api, email="hello@example.com")
    contact = person(api, id)

    page = api.call("clients.getClientPageData", {"id": id})

    assert page["client"] == client(api, id)
    assert [row["id"] for row in page["users"]] == [contact] and page["projects"] == []
    assert api.error("clients.getClientPageData", {"id": 987654}).code == -32002


def test_remove_user_detaches_only_the_clients_people(api: Api) -> None:
    id = new_client(api)
    contact, stranger = person(api, id), person(api, None)

    assert api.call("clients.removeUser", {"clientId": id, "userId": contact}) is True
    assert api.call("clients.removeUser", {"clientId": id, "userId": stranger}) is False

    assert api.call("users.getUser", {"id": contact})["clientId"] is None
    assert api.call("clients.getClientsUsers", {"clientId": id}) == []
    assert api.error("clients.removeUser", {"clientId": 987654, "userId": contact}).code == -32002


def test_clients_need_an_admin(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    id = new_client(api)
    manager = keys["manager"][1]

    for method, params in (
        ("clients.createClient", {"values": {"name": unique("x")}}),
        ("clients.updateClient", {"values": {"id": id, "city": "x"}}),
        ("clients.patch", {"id": id, "params": {"city": "x"}}),
        ("clients.removeUser", {"clientId": id, "userId": 3}),
        ("clients.getClientPageData", {"id": id}),
        ("clients.isClient", {"values": {"name": "x"}}),
        ("clients.hasTickets", {"id": id}),
    ):
        assert api.error(method, params, manager).code == -32001, method
    assert client(api, id)["city"] == ""
    assert api.call("clients.getClientsUsers", {"clientId": id}, keys["admin"][1]) == []


def test_client_params_are_checked(api: Api) -> None:
    assert api.error("clients.patch", {"id": "x", "params": {}}).data["param"] == "id"
    assert (
        api.error("clients.patch", {"id": 1}).data["detail"] == "Required Parameter Missing: params"
    )
    assert api.error("clients.removeUser", {"clientId": 1}).data["param"] == "userId"
