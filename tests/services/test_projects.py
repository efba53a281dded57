"""Projects over real HTTP: reading, visibility for keys and people, creating, patching,
memberships and progress."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Server
from tests.services import BOOKKEEPING, Api, api_for, changed, leading, unique

PROJECT_FIELDS = [
    "id", "name", "clientId", "details", "state", "hourBudget", "dollarBudget", "active",
    "menuType", "psettings", "parent", "type", "start", "end", "sortIndex", "created",
    "modified", "clientName", "isFavorite",
]  # fmt: skip
MEMBER_FIELDS = [
    "id", "firstname", "lastname", "username", "role", "profileId", "status", "jobTitle",
    "projectRole",
]  # fmt: skip
ALAN = 4  # editor, member of projects 1 and 2 only


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def keys(api: Api) -> dict[str, tuple[int, str]]:
    """Keys for project 1 by role, and one for every project."""
    made = {role: api.new_key(role, [1]) for role in ("editor", "manager")}
    made["all"] = api.new_key("readonly", [], allProjects=True)
    return made


@pytest.fixture(scope="module")
def alan(api: Api) -> str:
    """A personal access token of Alan, an editor in projects 1 and 2."""
    return api.person_token("alan@example.com")


@pytest.fixture(scope="module")
def open_project(api: Api) -> int:
    """A project open to every person (psettings 'all') with no members but the owner."""
    return int(
        api.call("projects.addProject", {"values": {"name": unique("open"), "psettings": "all"}})
    )


@pytest.fixture
def person(api: Api) -> int:
    """A new person who belongs to projects 1 and 3."""
    values = {"username": f"{unique('member')}@example.com", "role": "editor"}
    user = int(api.call("users.addUser", {"values": values}))
    api.call("projects.editUserProjectRelations", {"id": user, "projects": [1, 3]})
    return user


def memberships(api: Api, user: int) -> set[int]:
    rows = api.call("projects.getProjectsAssignedToUser", {"userId": user, "projectStatus": "all"})
    return ids(rows)


def project(api: Api, id: int, key: str | None = None) -> dict[str, Any]:
    result = api.call("projects.getProject", {"id": id}, key=key)
    assert isinstance(result, dict), f"project {id}: {result!r}"
    return result


def ids(rows: list[dict[str, Any]]) -> set[int]:
    return {row["id"] for row in rows}


# -- getProject ------------------------------------------------------------------------


def test_get_project_answers_the_row_with_client_name(api: Api) -> None:
    result = project(api, 1)

    assert leading(result, PROJECT_FIELDS) == PROJECT_FIELDS
    assert (result["id"], result["name"], result["clientId"]) == (1, "Website relaunch", 1)
    assert result["clientName"] == "Acme Corporation" and result["isFavorite"] is False
    assert isinstance(result["hourBudget"], str) and isinstance(result["dollarBudget"], int)
    assert result["psettings"] == "restricted" and result["type"] == "project"


def test_get_project_is_false_for_a_missing_project(api: Api) -> None:
    assert api.call("projects.getProject", {"id": 987654}) is False


def test_get_project_checks_its_param(api: Api) -> None:
    assert api.error("projects.getProject", {"id": "abc"}).data["param"] == "id"
    missing = api.error("projects.getProject", {})
    assert missing.data["detail"] == "Required Parameter Missing: id"


def test_get_project_outside_a_keys_projects_is_refused(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    error = api.error("projects.getProject", {"id": 3}, key=keys["editor"][1])

    assert error.code == -32001  # Leantime 3.9's gate on view[P:id]


# -- getAll and visibility ---------------------------------------------------------------


def test_get_all_answers_a_keys_projects_only(
    api: Api, keys: dict[str, tuple[int, str]], open_project: int
) -> None:
    rows = api.call("projects.getAll", {}, key=keys["editor"][1])

    assert ids(rows) == {1}
    assert leading(rows[0], PROJECT_FIELDS) == PROJECT_FIELDS


def test_an_all_projects_key_sees_projects_created_after_it(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    later = api.call("projects.addProject", {"values": {"name": unique("later")}})

    seen = ids(api.call("projects.getAll", {}, key=keys["all"][1]))

    assert {1, 2, 3, later} <= seen
    assert project(api, later, key=keys["all"][1])["id"] == later


def test_a_person_sees_projects_open_to_all_and_a_key_never_does(
    api: Api, keys: dict[str, tuple[int, str]], alan: str, open_project: int
) -> None:
    person = ids(api.call_bearer("projects.getAll", {}, alan))
    key = ids(api.call("projects.getAll", {}, key=keys["editor"][1]))

    assert {1, 2, open_project} <= person and 3 not in person
    assert open_project not in key
    assert api.call_bearer("projects.getProject", {"id": open_project}, alan)["id"] == open_project
    assert api.error("projects.getProject", {"id": open_project}, key=keys["editor"][1]).code == (
        -32001
    )


def test_a_person_may_work_in_a_project_open_to_all(
    api: Api, keys: dict[str, tuple[int, str]], alan: str, open_project: int
) -> None:
    values = {"headline": "open work", "projectId": open_project}
    id = api.call_bearer("tickets.addTicket", {"values": values}, alan)

    assert api.call_bearer("tickets.getTicket", {"id": id}, alan)["projectId"] == open_project
    assert api.call("tickets.getTicket", {"id": id}, key=keys["editor"][1]) is False
    error = api.error("tickets.addTicket", {"values": values}, key=keys["editor"][1])
    assert error.code == -32001


def test_get_all_includes_closed_projects(api: Api) -> None:
    closed = api.call("projects.addProject", {"values": {"name": unique("shut"), "state": -1}})

    assert closed in ids(api.call("projects.getAll", {"showClosedProjects": False}))


def test_get_all_leaves_programs_out(api: Api) -> None:
    program = api.call("projects.addProject", {"values": {"name": unique("p"), "type": "program"}})

    assert program not in ids(api.call("projects.getAll"))


# -- getProjectsAssignedToUser, getProjectsUserHasAccessTo, findProject ------------------


def test_get_projects_assigned_to_user_lists_memberships(
    api: Api, keys: dict[str, tuple[int, str]], person: int
) -> None:
    closed = api.call("projects.addProject", {"values": {"name": unique("c"), "state": -1}})
    api.call("projects.editUserProjectRelations", {"id": person, "projects": [1, 2, closed]})

    def assigned(key: str | None = None, **params: Any) -> set[int]:
        rows = api.call("projects.getProjectsAssignedToUser", {"userId": person, **params}, key)
        return ids(rows)

    assert assigned() == {1, 2}
    assert assigned(projectStatus="closed") == {closed}
    assert assigned(projectStatus="all") == {1, 2, closed}
    assert assigned(key=keys["editor"][1], projectStatus="all") == {1}
    assert api.error("projects.getProjectsAssignedToUser", {}).data["param"] == "userId"
    assert api.error("projects.getProjectsAssignedToUser", {"userId": "x"}).code == -32602


def test_get_projects_user_has_access_to_follows_each_principals_rules(
    api: Api, keys: dict[str, tuple[int, str]], open_project: int
) -> None:
    key_user, key = keys["editor"]

    def access(user: int | None, caller: str | None = None) -> set[int]:
        params = {} if user is None else {"userId": user}
        return ids(api.call("projects.getProjectsUserHasAccessTo", params, key=caller))

    assert {1, 2, open_project} <= access(ALAN) and 3 not in access(ALAN)
    assert access(key_user) == {1}  # a key never reaches projects open to all
    assert access(None, key) == {1}
    assert access(ALAN, key) == {1}  # only what the caller may see itself
    assert access(987654) == set()


def test_find_project_searches_the_callers_projects(
    api: Api, keys: dict[str, tuple[int, str]], alan: str, open_project: int
) -> None:
    name = project(api, open_project)["name"]

    assert ids(api.call("projects.findProject", {"term": "data PLATFORM"})) == {3}
    assert api.call("projects.findProject", {"term": "Data platform"}, key=keys["editor"][1]) == []
    assert ids(api.call_bearer("projects.findProject", {"term": name}, alan)) == {open_project}
    assert api.call("projects.findProject", {"term": name}, key=keys["editor"][1]) == []
    assert api.call("projects.findProject", {"term": "100%_"}) == []


# -- getUsersAssignedToProject, getProjectProgress ---------------------------------------


def test_get_users_assigned_to_project_lists_people_not_keys(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    rows = api.call("projects.getUsersAssignedToProject", {"projectId": 3})

    # The demo's members of project 3; other tests may add people, never keys.
    assert {1, 2, 3} <= ids(rows)
    assert not ids(rows) & {key_id for key_id, _ in keys.values()}
    assert all(leading(row, MEMBER_FIELDS) == MEMBER_FIELDS for row in rows)
    grace = next(row for row in rows if row["id"] == 3)
    assert (grace["username"], grace["role"], grace["projectRole"]) == (
        "grace@example.com", "20", "",
    )  # fmt: skip
    in_1 = ids(api.call("projects.getUsersAssignedToProject", {"projectId": 1}))
    assert keys["editor"][0] not in in_1 and {1, 2, 3, 4, 5, 6} <= in_1
    missing = api.error("projects.getUsersAssignedToProject", {})
    assert missing.data["detail"] == "Required Parameter Missing: projectId"


def test_get_project_progress_counts_done_tickets(api: Api) -> None:
    id = api.call(
        "projects.addProject", {"values": {"name": unique("progress"), "end": "2027-12-31"}}
    )
    for status in (0, 3, 4, 1, -1):
        api.add_ticket(projectId=id, status=status)
    api.call("tickets.quickAddMilestone", {"params": {"headline": "m", "projectId": id}})

    progress = api.call("projects.getProjectProgress", {"projectId": id})

    assert progress == {
        "percent": 25, "doneTickets": 1, "allTickets": 4, "estimatedCompletionDate": None,
        "plannedCompletionDate": "2027-12-31 00:00:00",
    }  # fmt: skip
    empty = api.call("projects.addProject", {"values": {"name": unique("empty")}})
    assert api.call("projects.getProjectProgress", {"projectId": empty})["percent"] == 0
    assert api.error("projects.getProjectProgress", {"projectId": "x"}).data["param"] == (
        "projectId"
    )


# -- addProject ----------------------------------------------------------------------------


def test_add_project_makes_the_creator_and_assigned_users_members(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    manager_id, manager = keys["manager"]
    values = {
        "name": unique("new"), "details": "<p>d</p>", "clientId": 1, "psettings": "clients",
        "start": "2027-01-01", "end": "2027-06-30", "hourBudget": "120", "dollarBudget": 5000,
        "assignedUsers": [3, 5],
    }  # fmt: skip

    id = api.call("projects.addProject", {"values": values}, key=manager)

    assert isinstance(id, int)
    created = project(api, id, key=manager)
    assert (created["name"], created["clientName"], created["psettings"]) == (
        values["name"], "Acme Corporation", "clients",
    )  # fmt: skip
    assert (created["start"], created["end"]) == ("2027-01-01 00:00:00", "2027-06-30 00:00:00")
    assert (created["hourBudget"], created["dollarBudget"]) == ("120", 5000)
    assert created["state"] in (0, None) and created["type"] == "project"
    assert ids(api.call("projects.getUsersAssignedToProject", {"projectId": id})) == {3, 5}
    assert id in ids(api.call("projects.getAll", {}, key=manager))
    assert manager_id not in ids(api.call("projects.getUsersAssignedToProject", {"projectId": id}))


@pytest.mark.parametrize(
    ("values", "param"),
    [
        ({"name": ""}, "values.name"),
        ({"name": "   "}, "values.name"),
        ({"name": "x" * 101}, "values.name"),
        ({"psettings": "everyone"}, "values.psettings"),
        ({"clientId": 987654}, "values.clientId"),
        ({"start": "soon"}, "values.start"),
        ({"assignedUsers": [987654]}, "values.assignedUsers"),
        ({"dollarBudget": "lots"}, "values.dollarBudget"),
        ({"type": "epic"}, "values.type"),
        ({"parent": 987654}, "values.parent"),
    ],
)
def test_add_project_rejects_bad_values_and_creates_nothing(
    api: Api, values: dict[str, Any], param: str
) -> None:
    name = unique("rejected")

    error = api.error("projects.addProject", {"values": {"name": name, **values}})

    assert error.code == -32602 and error.data["param"] == param
    assert api.call("projects.findProject", {"term": name}) == []


def test_add_project_takes_a_parent_only_from_the_callers_projects(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    manager = keys["manager"][1]
    values = {"name": unique("child"), "type": "program"}

    hidden = api.error("projects.addProject", {"values": {**values, "parent": 3}}, manager)
    child = api.call("projects.addProject", {"values": {**values, "parent": 1}}, manager)

    assert hidden.code == -32602 and hidden.data["param"] == "values.parent"
    assert project(api, child)["parent"] == 1 and project(api, child)["type"] == "program"


def test_add_project_does_not_hand_projects_to_api_keys(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    key_user = keys["editor"][0]
    name = unique("nokeys")

    error = api.error(
        "projects.addProject", {"values": {"name": name, "assignedUsers": [key_user]}}
    )

    assert error.code == -32602 and error.data["param"] == "values.assignedUsers"
    assert api.call("Api.Api.getProjectRelationIds", {"id": key_user}) == [1]
    assert api.error("projects.addProject", {}).data["detail"] == (
        "Required Parameter Missing: values"
    )


# -- patch --------------------------------------------------------------------------------


def test_patch_round_trip_changes_only_the_changed_field(api: Api) -> None:
    id = api.call(
        "projects.addProject",
        {"values": {"name": unique("rt"), "clientId": 1, "start": "2027-01-01 08:09:10",
                    "end": "2027-03-01", "details": "<p>x</p>", "hourBudget": "10"}},
    )  # fmt: skip
    before = project(api, id)

    assert api.call("projects.patch", {"id": id, "params": {**before, "details": "<p>y</p>"}})

    after = project(api, id)
    assert changed(before, after) <= {"details", *BOOKKEEPING}
    assert after["details"] == "<p>y</p>"


def test_patch_changes_the_given_fields(api: Api) -> None:
    id = api.call("projects.addProject", {"values": {"name": unique("patch")}})

    assert api.call("projects.patch", {"id": id, "params": {"psettings": "all", "state": -1}})

    after = project(api, id)
    assert (after["psettings"], after["state"]) == ("all", -1)
    assert api.call("projects.patch", {"id": id, "params": {"colour": "red"}}) is False


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"name": ""}, "params.name"),
        ({"name": "  "}, "params.name"),
        ({"psettings": "public"}, "params.psettings"),
        ({"clientId": 987654}, "params.clientId"),
        ({"end": "never"}, "params.end"),
    ],
)
def test_patch_rejects_bad_values_and_changes_nothing(
    api: Api, params: dict[str, Any], param: str
) -> None:
    id = api.call("projects.addProject", {"values": {"name": unique("stable")}})
    before = project(api, id)

    error = api.error("projects.patch", {"id": id, "params": params})

    assert error.code == -32602 and error.data["param"] == param
    assert project(api, id) == before


def test_patch_checks_the_project(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    assert api.error("projects.patch", {"id": 987654, "params": {"name": "x"}}).code == -32002
    assert api.error("projects.patch", {"id": "x", "params": {}}).data["param"] == "id"
    missing = api.error("projects.patch", {"id": 1})
    assert missing.data["detail"] == "Required Parameter Missing: params"
    outside = api.error("projects.patch", {"id": 3, "params": {"name": "x"}}, keys["manager"][1])
    assert outside.code == -32002
    assert project(api, 3)["name"] == "Data platform"


# -- editUserProjectRelations ------------------------------------------------------------


def test_edit_user_project_relations_sets_the_memberships(api: Api, person: int) -> None:
    assert memberships(api, person) == {1, 3}

    assert api.call("projects.editUserProjectRelations", {"id": person, "projects": [2]}) is True

    assert memberships(api, person) == {2}
    assert api.call("projects.editUserProjectRelations", {"id": person, "projects": []})
    assert memberships(api, person) == set()


def test_edit_user_project_relations_keeps_memberships_the_caller_cannot_see(
    api: Api, keys: dict[str, tuple[int, str]], person: int
) -> None:
    manager = keys["manager"][1]

    assert api.call("projects.editUserProjectRelations", {"id": person, "projects": []}, manager)

    assert memberships(api, person) == {3}


def test_edit_user_project_relations_refuses_projects_outside(
    api: Api, keys: dict[str, tuple[int, str]], person: int
) -> None:
    params = {"id": person, "projects": [1, 2]}

    error = api.error("projects.editUserProjectRelations", params, key=keys["manager"][1])

    assert error.code == -32001
    assert memberships(api, person) == {1, 3}


def test_edit_user_project_relations_is_for_people_not_keys(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    key_user = keys["editor"][0]

    error = api.error("projects.editUserProjectRelations", {"id": key_user, "projects": [1, 2, 3]})

    assert error.code == -32602 and error.data["param"] == "id"
    assert api.call("Api.Api.getProjectRelationIds", {"id": key_user}) == [1]


def test_edit_user_project_relations_checks_its_params(api: Api) -> None:
    assert (
        api.error("projects.editUserProjectRelations", {"id": 987654, "projects": []}).data["param"]
        == "id"
    )
    missing = api.error("projects.editUserProjectRelations", {"id": ALAN})
    assert missing.data["detail"] == "Required Parameter Missing: projects"
    bad = api.error("projects.editUserProjectRelations", {"id": ALAN, "projects": ["one"]})
    assert bad.code == -32602 and bad.data["param"] == "projects[0]"
