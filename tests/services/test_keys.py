"""API keys over real HTTP (the Api domain), and Api.Config.getSystemInfo."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Server
from tests.services import Api, api_for, unique

NEW_KEY_FIELDS = [
    "id", "name", "firstname", "role", "user", "passwordClean", "apiKey", "allProjects",
    "projects", "expires",
]  # fmt: skip
KEY_INFO_FIELDS = [
    "id", "name", "firstname", "username", "role", "status", "allProjects", "projects",
    "resultFormat", "expires", "created", "lastUsed", "revoked",
]  # fmt: skip
ALNUM_32 = re.compile(r"[A-Za-z0-9]{32}")


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def admin(api: Api) -> str:
    """An admin key restricted to project 1."""
    return api.new_key("admin", [1])[1]


def create(
    api: Api, key: str | None = None, projects: list[int] | None = None, **values: Any
) -> dict[str, Any]:
    values.setdefault("name", unique("key"))
    values.setdefault("role", "editor")
    params = {"values": values, "projects": projects if projects is not None else [1]}
    result = api.call("Api.Api.createApiKeyWithProjects", params, key=key)
    assert isinstance(result, dict)
    return result


def info(api: Api, id: int) -> dict[str, Any]:
    return next(row for row in api.call("Api.Api.getAPIKeys") if row["id"] == id)


def rejected(api: Api, key: str) -> dict[str, Any]:
    """The HTTP 401 error a call with `key` gets."""
    body = {"jsonrpc": "2.0", "id": 1, "method": "leantime.rpc.Auth.getUserId"}
    response = api.post(body, key=key)
    assert response.status_code == 401, response.text
    error: dict[str, Any] = response.json()["error"]
    return error


# -- creating ---------------------------------------------------------------------------


def test_create_api_key_returns_the_secret_once_in_leantimes_shape(api: Api) -> None:
    name = unique("plain")

    created = api.call("Api.Api.createAPIKey", {"values": {"name": name, "role": "readonly"}})

    assert [field for field in created if field in NEW_KEY_FIELDS] == NEW_KEY_FIELDS
    assert (created["name"], created["firstname"], created["role"]) == (name, name, "5")
    assert ALNUM_32.fullmatch(created["user"]) and ALNUM_32.fullmatch(created["passwordClean"])
    assert created["apiKey"] == f"lt_{created['user']}_{created['passwordClean']}"
    assert (created["allProjects"], created["projects"], created["expires"]) == (False, [], None)
    assert api.call("Auth.getUserId", {}, key=created["apiKey"]) == created["id"]
    assert api.call("projects.getAll", {}, key=created["apiKey"]) == []


def test_create_api_key_with_projects_gives_exactly_those(api: Api) -> None:
    created = create(api, projects=[2, 1, 2], firstname=unique("leantime-name"), name=None)

    assert created["projects"] == [1, 2] and created["name"].startswith("leantime-name")
    assert api.call("Api.Api.getProjectRelationIds", {"id": created["id"]}) == [1, 2]
    seen = {row["id"] for row in api.call("projects.getAll", {}, key=created["apiKey"])}
    assert seen == {1, 2}


def test_a_key_made_for_old_integrations_wraps_results(api: Api) -> None:
    created = create(api, resultFormat="3.7")

    assert api.call("Auth.getUserId", {}, key=created["apiKey"]) == [created["id"]]
    assert info(api, created["id"])["resultFormat"] == "3.7"


@pytest.mark.parametrize(
    ("values", "projects", "param"),
    [
        ({"name": ""}, [1], "values.name"),
        ({"name": "x" * 101}, [1], "values.name"),
        ({"role": "wizard"}, [1], "values.role"),
        ({"resultFormat": "2.0"}, [1], "values.resultFormat"),
        ({"expires": "tomorrow-ish"}, [1], "values.expires"),
        ({}, [987654], "projects"),
        ({}, ["one"], "projects[0]"),
    ],
)
def test_create_rejects_bad_values_and_creates_nothing(
    api: Api, values: dict[str, Any], projects: list[Any], param: str
) -> None:
    name = unique("bad")
    params = {"values": {"name": name, "role": "editor", **values}, "projects": projects}

    error = api.error("Api.Api.createApiKeyWithProjects", params)

    assert error.code == -32602 and error.data["param"] == param
    assert name not in {row["name"] for row in api.call("Api.Api.getAPIKeys")}


def test_create_refuses_a_taken_name(api: Api) -> None:
    name = create(api)["name"]

    error = api.error("Api.Api.createAPIKey", {"values": {"name": name}})

    assert error.code == -32005 and error.data["reason"] == "duplicate_name"
    missing = api.error("Api.Api.createAPIKey", {})
    assert missing.data["detail"] == "Required Parameter Missing: values"


def test_a_restricted_admin_cannot_hand_out_more_than_it_has(api: Api, admin: str) -> None:
    names = [unique("escalate") for _ in range(3)]
    attempts = [
        ({"name": names[0], "role": "editor"}, [3]),
        ({"name": names[1], "role": "editor", "allProjects": True}, []),
        ({"name": names[2], "role": "owner"}, [1]),
    ]

    for values, projects in attempts:
        error = api.error(
            "Api.Api.createApiKeyWithProjects", {"values": values, "projects": projects}, admin
        )
        assert error.code == -32001, values

    assert not set(names) & {row["name"] for row in api.call("Api.Api.getAPIKeys")}
    assert create(api, admin, role="admin")["projects"] == [1]


# -- listing ----------------------------------------------------------------------------


def test_get_api_keys_lists_keys_without_secrets(api: Api, admin: str) -> None:
    created = create(api, projects=[2])

    rows = api.call("Api.Api.getAPIKeys", {}, key=admin)

    row = next(row for row in rows if row["id"] == created["id"])
    assert [field for field in row if field in KEY_INFO_FIELDS] == KEY_INFO_FIELDS
    assert row["username"] == created["user"][:5]
    assert (row["role"], row["status"], row["projects"], row["allProjects"]) == (
        "20",
        "a",
        [2],
        False,
    )
    assert row["revoked"] is None and row["created"] is not None
    assert created["passwordClean"] not in str(rows) and created["user"] not in str(rows)
    assert [row["id"] for row in rows] == sorted(row["id"] for row in rows)


def test_get_project_relation_ids_checks_the_key(api: Api) -> None:
    assert api.error("Api.Api.getProjectRelationIds", {"id": 987654}).code == -32002
    assert api.error("Api.Api.getProjectRelationIds", {"id": 3}).code == -32002  # Grace, a person
    assert api.error("Api.Api.getProjectRelationIds", {"id": "x"}).data["param"] == "id"


# -- updating ----------------------------------------------------------------------------


def test_update_api_key_changes_name_role_projects_and_expiry(api: Api) -> None:
    created = create(api, projects=[1])
    name = unique("renamed")
    values = {"name": name, "role": "manager", "expires": "2099-01-01"}

    assert api.call("Api.Api.updateApiKey", {"id": created["id"], "postValues": values,
                                              "projects": [2, 3]}) is True  # fmt: skip

    row = info(api, created["id"])
    assert (row["name"], row["role"], row["projects"]) == (name, "30", [2, 3])
    assert row["expires"] == "2099-01-01 00:00:00"
    seen = {p["id"] for p in api.call("projects.getAll", {}, key=created["apiKey"])}
    assert seen == {2, 3}


def test_update_api_key_without_projects_keeps_them(api: Api) -> None:
    created = create(api, projects=[1, 2])

    assert api.call("Api.Api.updateApiKey", {"id": created["id"], "postValues": {}})

    assert info(api, created["id"])["projects"] == [1, 2]


def test_a_deactivated_key_is_refused_and_can_come_back(api: Api) -> None:
    created = create(api)

    api.call("Api.Api.updateApiKey", {"id": created["id"], "postValues": {"status": ""}})
    assert rejected(api, created["apiKey"])["data"]["reason"] == "deactivated"

    api.call("Api.Api.updateApiKey", {"id": created["id"], "postValues": {"status": "a"}})
    assert api.call("Auth.getUserId", {}, key=created["apiKey"]) == created["id"]


def test_an_expired_key_is_refused(api: Api) -> None:
    created = create(api)

    api.call("Api.Api.updateApiKey", {"id": created["id"], "postValues": {"expires": "2001-01-01"}})

    assert rejected(api, created["apiKey"])["data"]["reason"] == "expired"


@pytest.mark.parametrize(
    ("params", "code", "param"),
    [
        ({"id": 987654, "postValues": {}}, -32002, None),
        ({"id": "x", "postValues": {}}, -32602, "id"),
        ({"postValues": {"status": "z"}}, -32602, "postValues.status"),
        ({"postValues": {"role": "wizard"}}, -32602, "postValues.role"),
        ({"postValues": {}, "projects": [987654]}, -32602, "projects"),
    ],
)
def test_update_api_key_checks_its_params_and_changes_nothing(
    api: Api, params: dict[str, Any], code: int, param: str | None
) -> None:
    created = create(api)
    before = info(api, created["id"])

    error = api.error("Api.Api.updateApiKey", {"id": created["id"], **params})

    assert error.code == code and error.data.get("param") == param
    assert info(api, created["id"]) == before


def test_a_restricted_admin_cannot_change_a_key_that_reaches_further(api: Api, admin: str) -> None:
    targets = [
        create(api, role="owner", projects=[1]),  # a role above the admin's
        create(api, role="readonly", projects=[1, 3]),  # a project the admin cannot see
        create(api, role="readonly", projects=[], allProjects=True),  # every project
    ]

    for target in targets:
        before = info(api, target["id"])
        for params in ({"postValues": {"role": "admin"}}, {"postValues": {}, "projects": [1]}):
            error = api.error("Api.Api.updateApiKey", {"id": target["id"], **params}, admin)
            assert error.code == -32001, (target["role"], params)
        assert api.error("Api.Api.revokeAPIKey", {"id": target["id"]}, admin).code == -32001
        assert info(api, target["id"]) == before


def test_a_restricted_admin_manages_keys_within_its_reach(api: Api, admin: str) -> None:
    target = create(api, role="readonly", projects=[1])

    assert api.call("Api.Api.updateApiKey", {"id": target["id"], "postValues": {"role": "admin"}},
                    key=admin)  # fmt: skip
    grant = api.error(
        "Api.Api.updateApiKey", {"id": target["id"], "postValues": {}, "projects": [3]}, admin
    )
    assert grant.code == -32001
    everything = api.error(
        "Api.Api.updateApiKey", {"id": target["id"], "postValues": {"allProjects": True}}, admin
    )
    assert everything.code == -32001
    assert info(api, target["id"])["role"] == "40"
    assert api.call("Api.Api.revokeAPIKey", {"id": target["id"]}, key=admin) is True


# -- revoking ---------------------------------------------------------------------------


def test_revoke_api_key_locks_the_key_out_for_good(api: Api) -> None:
    created = create(api)

    assert api.call("Api.Api.revokeAPIKey", {"id": created["id"]}) is True

    assert rejected(api, created["apiKey"])["data"]["reason"] == "revoked"
    assert info(api, created["id"])["revoked"] is not None
    assert api.call("Api.Api.revokeAPIKey", {"id": created["id"]}) is True
    api.call("Api.Api.updateApiKey", {"id": created["id"], "postValues": {"status": "a"}})
    assert rejected(api, created["apiKey"])["data"]["reason"] == "revoked"


def test_revoke_api_key_checks_its_param(api: Api) -> None:
    assert api.error("Api.Api.revokeAPIKey", {"id": 987654}).code == -32002
    assert api.error("Api.Api.revokeAPIKey", {}).data["detail"] == "Required Parameter Missing: id"
    missing = api.error("Api.Api.updateApiKey", {"postValues": {}})
    assert missing.data["detail"] == "Required Parameter Missing: id"


# -- getSystemInfo ----------------------------------------------------------------------


def test_get_system_info_names_the_leantime_api_version(api: Api) -> None:
    readonly = api.new_key("readonly", [])[1]

    result = api.call("Api.Config.getSystemInfo", None, key=readonly)

    assert list(result) == ["version", "enabledPlugins", "milepostVersion"]
    assert result["version"] == "3.9.8" and result["enabledPlugins"] == []
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", result["milepostVersion"])
