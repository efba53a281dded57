"""People beyond the directory basics over real HTTP (user_queries.py): counts, searches,
partial edits, and a person's own profile, password and settings (called with the
person's own token).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import Server
from tests.services import BOOKKEEPING, Api, RpcError, api_for, changed, unique

PASSWORD = "first-password-1"


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def keys(api: Api) -> dict[str, tuple[int, str]]:
    return {role: api.new_key(role, [1]) for role in ("readonly", "editor", "admin")}


def add_user(api: Api, **values: Any) -> int:
    values.setdefault("username", f"{unique('person')}@example.com")
    values.setdefault("role", "editor")
    return int(api.call("users.addUser", {"values": values}))


def user(api: Api, id: int) -> dict[str, Any]:
    found = api.call("users.getUser", {"id": id})
    assert isinstance(found, dict), f"user {id}: {found!r}"
    return found


@dataclass
class Me:
    """A person made for one test, with a token of their own."""

    api: Api
    id: int
    email: str
    token: str

    def call(self, method: str, params: Any = None) -> Any:
        return self.api.call_bearer(method, params, self.token)

    def error(self, method: str, params: Any = None) -> RpcError:
        try:
            result = self.call(method, params)
        except RpcError as error:
            return error
        raise AssertionError(f"{method} succeeded with {result!r}; an error was expected")


@pytest.fixture
def me(api: Api) -> Me:
    email = f"{unique('me')}@example.com"
    id = add_user(api, username=email, password=PASSWORD, firstname="Me")
    return Me(api, id, email, api.person_token(email))


# -- the directory ----------------------------------------------------------------------------


def test_number_of_users(api: Api) -> None:
    before = api.call("users.getNumberOfUsers")
    people = api.call("users.getNumberOfUsers", {"includeApi": False})
    add_user(api, status="")

    assert api.call("users.getNumberOfUsers") == before + 1
    assert api.call("users.getNumberOfUsers", [True, False]) < people + 1
    assert people < before  # the keys are users too


def test_users_by_source(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    people = {row["id"] for row in api.call("users.getAllBySource", {"source": ""})}
    key_rows = api.call("users.getAllBySource", {"source": "api"})

    assert {1, 2, 3, 4, 5, 6} <= people
    assert keys["editor"][0] in {row["id"] for row in key_rows}
    assert all(len(row["username"]) == 5 for row in key_rows)  # never a whole key id
    assert api.call("users.getAllBySource", {"source": "api"}, keys["readonly"][1]) == []


def test_username_exist_ignores_case_and_one_user(api: Api) -> None:
    assert api.call("users.usernameExist", {"username": "GRACE@example.com"}) is True
    assert (
        api.call("users.usernameExist", {"username": "grace@example.com", "notUserId": 3}) is False
    )
    assert api.call("users.usernameExist", ["grace@example.com", "3"]) is False
    assert api.call("users.usernameExist", {"username": "nobody@example.com"}) is False
    error = api.error("users.usernameExist", {"username": "x", "notUserId": "me"})
    assert (error.code, error.data["param"]) == (-32602, "notUserId")


def test_search_project_users(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    in_project = api.call("users.searchProjectUsers", {"projectId": 1, "query": "GRACE"})
    by_mail = api.call("users.searchProjectUsers", {"query": "ada@"})
    outside = api.call(
        "users.searchProjectUsers", {"projectId": 3, "query": ""}, keys["readonly"][1]
    )
    full_name = api.call("users.searchProjectUsers", {"projectId": 3, "query": "grace hopper"})

    assert [row["id"] for row in in_project] == [3]
    assert [row["id"] for row in by_mail] == [2]
    assert outside == []
    assert [row["id"] for row in full_name] == [3]
    assert "password" not in in_project[0]


def test_people_visible_to_the_caller(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    loner = add_user(api)

    as_key = {row["id"] for row in api.call("users.getAllVisibleToUser", key=keys["readonly"][1])}
    as_owner = {row["id"] for row in api.call("users.getAllVisibleToUser")}

    assert {1, 2, 3, 4, 5, 6} <= as_key and loner not in as_key
    assert loner in as_owner
    assert keys["readonly"][0] not in as_key


def test_project_ids_of_a_user(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    assert set(api.call("users.getUserProjectIds", {"userId": 3})) >= {1, 2, 3}
    assert api.call("users.getUserProjectIds", {"userId": 3}, keys["readonly"][1]) == [1]


# -- editing others --------------------------------------------------------------------------


def test_patch_user_round_trip(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    id = add_user(api, jobTitle="Intern")
    before = user(api, id)

    assert api.call("users.patchUser", {"id": id, "params": {"jobTitle": "Lead"}}, keys["admin"][1])

    after = user(api, id)
    assert changed(before, after) - BOOKKEEPING == {"jobTitle"}
    stale = api.error(
        "users.patchUser",
        {"id": id, "params": {"jobTitle": "x"}, "expectedVersion": before["version"]},
    )
    assert stale.code == -32005
    editor = api.error(
        "users.patchUser", {"id": id, "params": {"jobTitle": "x"}}, keys["editor"][1]
    )
    assert editor.code == -32001
    assert user(api, id)["jobTitle"] == "Lead"


def test_patch_user_lets_people_change_their_own_profile_only(me: Me) -> None:
    assert me.call("Users.Users.patchUser", {"id": me.id, "params": {"lastname": "Self"}})

    role = me.error("Users.Users.patchUser", {"id": me.id, "params": {"role": "admin"}})
    other = me.error("Users.Users.patchUser", {"id": 3, "params": {"lastname": "x"}})

    assert user(me.api, me.id)["lastname"] == "Self"
    assert (role.code, other.code) == (-32001, -32001)
    assert user(me.api, me.id)["role"] == "20"


def test_update_user_sets_fields_and_projects(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    id = add_user(api)

    assert (
        api.call(
            "users.updateUser", {"values": {"department": "Ops"}, "id": id, "projects": [1, 2]}
        )
        is None
    )

    assert user(api, id)["department"] == "Ops"
    assert sorted(api.call("users.getUserProjectIds", {"userId": id})) == [1, 2]
    outside = api.error(
        "users.updateUser", {"values": {}, "id": id, "projects": [3]}, keys["admin"][1]
    )
    assert outside.code == -32001
    editor = api.error(
        "users.updateUser", {"values": {"department": "x"}, "id": id}, keys["editor"][1]
    )
    assert editor.code == -32001 and user(api, id)["department"] == "Ops"


# -- one's own profile -----------------------------------------------------------------------


def test_own_profile_and_settings(me: Me) -> None:
    assert me.call(
        "Users.Users.updateUserSettings",
        {"category": "board", "setting": "view", "value": "kanban"},
    )
    me.call("Users.Users.updateUserSettings", ["board", "columns", {"done": False}])

    profile = me.call("Users.Users.getOwnProfileSettings", {"userId": me.id})

    assert profile["user"]["id"] == me.id and "password" not in profile["user"]
    assert profile["settings"] == {"board": {"view": "kanban", "columns": {"done": False}}}
    me.call(
        "Users.Users.updateUserSettings", {"category": "board", "setting": "view", "value": None}
    )
    again = me.call("Users.Users.getOwnProfileSettings", {"userId": me.id})
    assert again["settings"] == {"board": {"columns": {"done": False}}}


def test_settings_are_checked(me: Me, keys: dict[str, tuple[int, str]]) -> None:
    bad_name = me.error(
        "Users.Users.updateUserSettings", {"category": "a.b", "setting": "x", "value": 1}
    )
    too_big = me.error(
        "Users.Users.updateUserSettings", {"category": "a", "setting": "x", "value": "x" * 20_000}
    )
    as_key = me.api.error(
        "users.updateUserSettings", {"category": "a", "setting": "b", "value": 1}, keys["editor"][1]
    )

    assert (bad_name.code, bad_name.data["param"]) == (-32602, "category")
    assert (too_big.code, too_big.data["param"]) == (-32602, "value")
    assert as_key.code == -32001


def test_own_profile_is_only_ones_own(me: Me, keys: dict[str, tuple[int, str]]) -> None:
    other = me.error("Users.Users.getOwnProfileSettings", {"userId": 3})
    key_user, key = keys["editor"]
    as_key = me.api.error("users.getOwnProfileSettings", {"userId": key_user}, key)

    assert (other.code, as_key.code) == (-32001, -32001)


def test_save_own_profile_round_trip(me: Me) -> None:
    before = user(me.api, me.id)

    answer = me.call(
        "Users.Users.saveOwnProfile",
        {"userId": me.id, "post": {"lastname": "Updated", "jobTitle": "Tester", "role": "50"}},
    )

    after = user(me.api, me.id)
    assert answer == "notifications.profile_edited"
    assert changed(before, after) - BOOKKEEPING == {"lastname", "jobTitle"}
    taken = me.error(
        "Users.Users.saveOwnProfile", {"userId": me.id, "post": {"username": "grace@example.com"}}
    )
    bad = me.error("Users.Users.saveOwnProfile", {"userId": me.id, "post": {"username": "no-at"}})
    assert (taken.code, bad.code, bad.data["param"]) == (-32005, -32602, "post.username")
    assert me.call("Users.Users.editOwn", {"values": {"phone": "123"}, "id": me.id}) is None
    assert user(me.api, me.id)["phone"] == "123"


def test_change_own_password(me: Me) -> None:
    wrong = me.error(
        "Users.Users.changeOwnPassword", [me.id, "nope", "second-password", "second-password"]
    )
    differ = me.error(
        "Users.Users.changeOwnPassword", [me.id, PASSWORD, "second-password", "other-password"]
    )
    short = me.error("Users.Users.changeOwnPassword", [me.id, PASSWORD, "short", "short"])

    assert me.call(
        "Users.Users.changeOwnPassword", [me.id, PASSWORD, "second-password", "second-password"]
    ) == ("notifications.password_changed")
    assert (wrong.data["param"], wrong.data["detail"]) == (
        "currentPassword",
        "notifications.password_incorrect",
    )
    assert differ.data["param"] == "confirmPassword"
    assert (short.code, short.data["param"]) == (-32602, "newPassword")
    # The new password is the current one now.
    again = me.error(
        "Users.Users.changeOwnPassword", [me.id, PASSWORD, "third-password", "third-password"]
    )
    assert again.data["param"] == "currentPassword"
    assert me.call(
        "Users.Users.changeOwnPassword",
        [me.id, "second-password", "third-password", "third-password"],
    )


def test_password_strength_follows_the_password_rule(api: Api) -> None:
    assert api.call("users.checkPasswordStrength", {"password": "long-enough"}) is True
    assert api.call("users.checkPasswordStrength", {"password": "short"}) is False
