"""People over real HTTP: the directory, whoami (Users.getUser, Auth.getUserId), and the
admin methods that add, edit and delete users."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Server
from tests.services import BOOKKEEPING, Api, RpcError, api_for, changed, leading, unique

USER_FIELDS = [
    "id", "username", "firstname", "lastname", "phone", "profileId", "role", "status",
    "clientId", "clientName", "jobTitle", "jobLevel", "department", "description",
    "notifications", "twoFAEnabled", "source", "lastlogin", "createdOn", "modified",
]  # fmt: skip
SECRETS = {"password", "session", "sessiontime", "twoFASecret", "pwReset", "pwResetExpiration"}


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def keys(api: Api) -> dict[str, tuple[int, str]]:
    return {role: api.new_key(role, [1]) for role in ("readonly", "manager", "admin")}


def add_user(api: Api, key: str | None = None, **values: Any) -> int:
    values.setdefault("username", f"{unique('user')}@example.com")
    values.setdefault("role", "readonly")
    return int(api.call("users.addUser", {"values": values}, key=key))


def user(api: Api, id: int) -> dict[str, Any]:
    result = api.call("users.getUser", {"id": id})
    assert isinstance(result, dict), f"user {id}: {result!r}"
    return result


# -- getUser, Auth.getUserId ---------------------------------------------------------------


def test_get_user_answers_a_person_without_secrets(api: Api) -> None:
    grace = user(api, 3)

    assert leading(grace, USER_FIELDS) == USER_FIELDS
    assert not SECRETS & set(grace)
    assert (grace["username"], grace["firstname"], grace["lastname"]) == (
        "grace@example.com", "Grace", "Hopper",
    )  # fmt: skip
    assert (grace["role"], grace["status"], grace["source"]) == ("20", "a", "")
    assert grace["twoFAEnabled"] is False and isinstance(grace["notifications"], int)


def test_get_user_without_id_is_the_caller(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    key_user, key = keys["readonly"]

    me = api.call("users.getUser", {}, key=key)

    assert (me["id"], me["source"], me["role"]) == (key_user, "api", "5")
    assert api.call("Auth.getUserId", {}, key=key) == key_user
    assert api.call("users.getUser", {"id": None}, key=key)["id"] == key_user


def test_whoami_for_a_person_token(api: Api) -> None:
    token = api.person_token("grace@example.com")

    assert api.call_bearer("Auth.getUserId", None, token) == 3
    assert api.call_bearer("users.getUser", {}, token)["username"] == "grace@example.com"


def test_get_user_is_false_for_missing_users_and_other_keys(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    readonly = keys["readonly"][1]

    assert api.call("users.getUser", {"id": 987654}) is False
    # Another key's row would show its key id; keys are not people.
    assert api.call("users.getUser", {"id": keys["admin"][0]}, key=readonly) is False
    assert api.call("users.getUser", {"id": 3}, key=readonly)["id"] == 3


def test_get_user_checks_its_param(api: Api) -> None:
    error = api.error("users.getUser", {"id": "abc"})

    assert error.code == -32602 and error.data["param"] == "id"


# -- getAll, getUserByEmail ----------------------------------------------------------------


def test_get_all_lists_people_and_leaves_keys_out(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    rows = api.call("users.getAll", {}, key=keys["readonly"][1])

    found = {row["id"] for row in rows}
    assert {1, 2, 3, 4, 5, 6} <= found
    assert not {key_user for key_user, _ in keys.values()} & found
    assert all(row["source"] != "api" and not SECRETS & set(row) for row in rows)
    names = [(row["lastname"], row["firstname"], row["id"]) for row in rows]
    assert names == sorted(names)


def test_get_all_active_only_leaves_deactivated_people_out(api: Api) -> None:
    id = add_user(api, status="")

    every = {row["id"] for row in api.call("users.getAll")}
    active = {row["id"] for row in api.call("users.getAll", {"activeOnly": True})}

    assert id in every and id not in active
    assert api.error("users.getAll", {"activeOnly": "maybe"}).data["param"] == "activeOnly"


def test_get_user_by_email_is_case_insensitive_and_filters_status(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    email = f"{unique('Invited')}@Example.com"
    id = add_user(api, username=email, status="i")

    assert api.call("users.getUserByEmail", {"email": "GRACE@example.com"})["id"] == 3
    assert api.call("users.getUserByEmail", {"email": email}) is False  # status 'a' by default
    assert api.call("users.getUserByEmail", {"email": email.lower(), "status": "i"})["id"] == id
    assert api.call("users.getUserByEmail", {"email": email, "status": ""})["id"] == id
    key_name = api.call("users.getUser", {}, key=keys["readonly"][1])["username"]
    assert api.call("users.getUserByEmail", {"email": key_name, "status": ""}) is False


def test_get_user_by_email_needs_an_email(api: Api) -> None:
    error = api.error("users.getUserByEmail", {})

    assert error.code == -32602 and error.data["detail"] == "Required Parameter Missing: email"


# -- addUser -------------------------------------------------------------------------------


def test_add_user_returns_the_id_with_defaults(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    email = f"{unique('new')}@example.com"

    id = api.call(
        "users.addUser",
        {"values": {"user": email, "firstname": "New", "password": "long enough pw"}},
        key=keys["manager"][1],
    )

    assert isinstance(id, int)
    created = user(api, id)
    assert (created["username"], created["firstname"], created["role"]) == (email, "New", "20")
    assert (created["status"], created["source"]) == ("a", "")


@pytest.mark.parametrize(
    ("values", "param"),
    [
        ({"username": "not-an-email"}, "values.username"),
        ({"role": "emperor"}, "values.role"),
        ({"status": "x"}, "values.status"),
        ({"password": "short"}, "values.password"),
        ({"clientId": 987654}, "values.clientId"),
        ({"firstname": "x" * 101}, "values.firstname"),
    ],
)
def test_add_user_rejects_bad_values_and_creates_nothing(
    api: Api, values: dict[str, Any], param: str
) -> None:
    email = f"{unique('bad')}@example.com"

    error = api.error("users.addUser", {"values": {"username": email, **values}})

    assert error.code == -32602 and error.data["param"] == param
    assert api.call("users.getUserByEmail", {"email": email, "status": ""}) is False


def test_add_user_needs_a_unique_email(api: Api) -> None:
    missing = api.error("users.addUser", {"values": {"firstname": "x"}})
    assert missing.code == -32602
    assert missing.data["detail"] == "Required Parameter Missing: values.username"
    taken = api.error("users.addUser", {"values": {"username": "GRACE@example.com"}})
    assert taken.code == -32005
    assert api.error("users.addUser", {}).data["detail"] == "Required Parameter Missing: values"


def test_nobody_adds_a_user_above_their_own_role(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    email = f"{unique('boss')}@example.com"

    error = api.error(
        "users.addUser", {"values": {"username": email, "role": "admin"}}, keys["manager"][1]
    )

    assert error.code == -32001
    assert api.call("users.getUserByEmail", {"email": email, "status": ""}) is False
    assert add_user(api, keys["manager"][1], role="manager") > 0


# -- editUser ------------------------------------------------------------------------------


def test_edit_user_round_trip_changes_only_the_changed_field(api: Api) -> None:
    id = add_user(api, firstname="Round", lastname="Trip", phone="123", clientId=1,
                  jobTitle="Engineer", department="R&D", description="<p>x</p>")  # fmt: skip
    before = user(api, id)

    assert api.call("users.editUser", {"id": id, "values": {**before, "jobLevel": "Senior"}})

    after = user(api, id)
    assert changed(before, after) <= {"jobLevel", *BOOKKEEPING}
    assert after["jobLevel"] == "Senior" and after["clientName"] == "Acme Corporation"


def test_edit_user_changes_role_status_and_email(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    id = add_user(api)
    email = f"{unique('moved')}@example.com"

    params = {"id": id, "values": {"role": "admin", "status": "", "username": email}}
    assert api.call("users.editUser", params, key=keys["admin"][1]) is True

    after = user(api, id)
    assert (after["role"], after["status"], after["username"]) == ("40", "", email)


def test_nobody_edits_or_grants_above_their_own_role(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    admin = keys["admin"][1]
    id = add_user(api)
    owner = user(api, 1)

    raise_to_owner = api.error("users.editUser", {"id": id, "values": {"role": "50"}}, admin)
    edit_owner = api.error("users.editUser", {"id": 1, "values": {"firstname": "X"}}, admin)

    assert (raise_to_owner.code, edit_owner.code) == (-32001, -32001)
    assert user(api, id)["role"] == "5" and user(api, 1) == owner


def test_edit_user_checks_target_and_values(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    id = add_user(api)
    before = user(api, id)

    assert api.error("users.editUser", {"id": 987654, "values": {}}).code == -32002
    assert api.error("users.editUser", {"id": keys["admin"][0], "values": {}}).code == -32002
    taken = api.error("users.editUser", {"id": id, "values": {"username": "ada@example.com"}})
    assert taken.code == -32005
    bad = api.error("users.editUser", {"id": id, "values": {"clientId": 987654}})
    assert bad.code == -32602 and bad.data["param"] == "values.clientId"
    assert api.error("users.editUser", {"values": {}}).data["detail"] == (
        "Required Parameter Missing: id"
    )
    assert api.error("users.editUser", {"id": "x", "values": {}}).data["param"] == "id"
    assert user(api, id) == before


def test_a_changed_password_is_never_shown(api: Api) -> None:
    id = add_user(api)

    assert api.call("users.editUser", {"id": id, "values": {"password": "a new secret pw"}})

    assert not SECRETS & set(user(api, id))


# -- deleteUser ----------------------------------------------------------------------------


def test_delete_user_removes_the_person_and_their_assignments(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    id = add_user(api, role="editor")
    api.call("projects.editUserProjectRelations", {"id": id, "projects": [1]})
    ticket = api.add_ticket(editorId=str(id))

    assert api.call("users.deleteUser", {"id": id}, key=keys["admin"][1]) is True

    assert api.call("users.getUser", {"id": id}) is False
    assert api.call("tickets.getTicket", {"id": ticket})["editorId"] == ""
    members = api.call("projects.getUsersAssignedToProject", {"projectId": 1})
    assert id not in {row["id"] for row in members}
    assert api.error("users.deleteUser", {"id": id}).code == -32002


def test_delete_user_protects_owners_and_the_caller(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    assert api.error("users.deleteUser", {"id": 1}, key=keys["admin"][1]).code == -32001
    last_owner = api.error("users.deleteUser", {"id": 1})
    assert last_owner.code == -32005 and last_owner.data["reason"] == "last_owner"
    owner_token = api.person_token("owner@example.com")
    with pytest.raises(RpcError) as themselves:
        api.call_bearer("users.deleteUser", {"id": 1}, owner_token)
    assert themselves.value.code == -32602 and themselves.value.data["param"] == "id"
    assert user(api, 1)["role"] == "50"
    assert api.error("users.deleteUser", {"id": "x"}).data["param"] == "id"
