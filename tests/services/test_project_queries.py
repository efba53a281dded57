"""Projects beyond getProject/getAll over real HTTP: readers (project_queries.py), the
full edit, delete, duplicate and board order (project_changes.py), and membership
(project_members.py).

Demo data: projects 1 and 2 have every person as a member, project 3 only the owner,
Ada (2) and Grace (3).
"""

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
    return {role: api.new_key(role, [1]) for role in ("readonly", "editor", "manager")}


def add_project(api: Api, **values: Any) -> int:
    values.setdefault("name", unique("proj"))
    return int(api.call("projects.addProject", {"values": values}))


def project(api: Api, id: int) -> dict[str, Any]:
    found = api.call("projects.getProject", {"id": id})
    assert isinstance(found, dict), f"project {id}: {found!r}"
    return found


def person(api: Api, **values: Any) -> int:
    values.setdefault("username", f"{unique('member')}@example.com")
    values.setdefault("role", "editor")
    return int(api.call("users.addUser", {"values": values}))


def ids(rows: list[dict[str, Any]]) -> set[int]:
    return {row["id"] for row in rows}


# -- readers -----------------------------------------------------------------------------------


def test_projects_by_type(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    program = add_project(api, type="program")
    strategy = add_project(api, type="strategy")
    plain = add_project(api)

    assert program in ids(api.call("projects.getAllPrograms"))
    assert strategy in ids(api.call("projects.getAllStrategies"))
    every = ids(api.call("projects.getAllProjects"))
    assert {program, strategy, plain, 1, 2, 3} <= every
    assert ids(api.call("projects.getAllProjects", key=keys["readonly"][1])) == {1}
    assert set(api.call("projects.getProjectTypes")) == {"project", "program", "strategy"}


def test_project_name_and_tickets(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    empty = add_project(api, name="Empty one")

    assert api.call("projects.getProjectName", {"projectId": empty}) == "Empty one"
    assert api.call("projects.hasTickets", {"id": empty}) is False
    assert api.call("projects.hasTickets", {"id": 1}) is True
    assert api.call("projects.getProjectName", {"projectId": 987654}) is None
    assert (
        api.error("projects.getProjectName", {"projectId": 3}, keys["readonly"][1]).code == -32001
    )
    assert api.error("projects.hasTickets", {"id": "x"}).data["param"] == "id"


def test_hierarchy_of_a_users_projects(api: Api) -> None:
    user = person(api)
    program = add_project(api, type="program")
    child = add_project(api, parent=program, assignedUsers=[user])
    orphan = add_project(api, parent=program)
    api.call("projects.editUserProjectRelations", {"id": user, "projects": [child, orphan]})
    api.call("projects.patch", {"id": orphan, "params": {"state": -1}})

    assigned = api.call("projects.getProjectHierarchyAssignedToUser", {"userId": user})
    every = api.call("projects.getProjectHierarchyAssignedToUser", [user, "all"])

    assert ids(assigned["allAssignedProjects"]) == {child}
    assert assigned["favoriteProjects"] == []
    tree = assigned["allAssignedProjectsHierarchy"]
    assert [(node["id"], node["parent"], node["children"]) for node in tree] == [(child, None, [])]
    assert ids(every["allAssignedProjects"]) == {child, orphan}


def test_hierarchy_available_to_a_user_nests_children(api: Api) -> None:
    user = person(api)
    program = add_project(api, type="program")
    child = add_project(api, parent=program)
    api.call("projects.editUserProjectRelations", {"id": user, "projects": [program, child]})

    available = api.call("projects.getProjectHierarchyAvailableToUser", {"userId": user})

    top = [node for node in available["allAvailableProjectsHierarchy"] if node["id"] == program]
    assert [kid["id"] for kid in top[0]["children"]] == [child]
    assert {program, child} <= ids(available["allAvailableProjects"])
    assert available["clients"] == api.call(
        "projects.getAllClientsAvailableToUser", {"userId": user}
    )


def test_clients_available_and_client_manager_projects(api: Api) -> None:
    clients = api.call("projects.getAllClientsAvailableToUser", {"userId": 6})
    managed = api.call("projects.getClientManagerProjects", {"userId": 6, "clientId": 1})

    assert {"id": 1, "name": "Acme Corporation"} in clients
    assert 3 not in ids(managed) and ids(managed) <= {1, 2} | ids(managed)
    assert all(row["clientId"] == 1 for row in managed)


def test_tree_helpers_work_on_the_given_list(api: Api) -> None:
    given = [{"id": 1, "parent": None}, {"id": 2, "parent": 1}, {"id": 3, "parent": 2},
             {"id": 4, "parent": 9}]  # fmt: skip

    tree = api.call("projects.findMyChildren", {"currentParentId": 1, "projects": given})
    cleaned = api.call("projects.cleanParentRelationship", {"projects": given})
    loop = api.call(
        "projects.findMyChildren",
        {"currentParentId": 1, "projects": [{"id": 1, "parent": 2}, {"id": 2, "parent": 1}]},
    )

    assert tree == [{"id": 2, "parent": 1, "children": [{"id": 3, "parent": 2, "children": []}]}]
    assert cleaned[3] == {"id": 4, "parent": None} and cleaned[1]["parent"] == 1
    assert loop == [{"id": 2, "parent": 1, "children": [{"id": 1, "parent": 2, "children": []}]}]
    error = api.error("projects.findMyChildren", {"currentParentId": 0, "projects": [{"x": 1}]})
    assert (error.code, error.data["param"]) == (-32602, "projects[0]")


def test_project_id_by_name(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    assert (
        api.call("projects.getProjectIdbyName", {"allProjects": None, "projectName": "MOBILE APP"})
        == 2
    )
    given = [{"id": 7, "name": "Seven"}]
    assert api.call("projects.getProjectIdbyName", [given, "seven"]) == 7
    assert api.call(
        "projects.getProjectIdbyName", {"allProjects": None, "projectName": "Data platform"},
        keys["readonly"][1],
    ) is False  # fmt: skip


def test_projects_by_activity_put_projects_with_work_first(api: Api) -> None:
    busy, quiet = add_project(api, name="zzz-busy"), add_project(api, name="aaa-quiet")
    api.add_ticket(projectId=busy)

    order = [row["id"] for row in api.call("projects.getProjectsByUserActivity")]

    assert order.index(busy) < order.index(quiet)


def test_form_vocabularies_and_defaults(api: Api) -> None:
    program = add_project(api, type="program")

    defaults = api.call("projects.getNewProjectDefaults", {"parent": str(program)})

    assert defaults["parent"] == program and defaults["psettings"] == "restricted"
    assert api.call("projects.getNewProjectDefaults")["parent"] is None
    assert "default" in api.call("projects.getMenuTypes")
    assert api.error("projects.getNewProjectDefaults", {"parent": "x"}).data["param"] == "parent"


def test_clients_of_a_project_list(api: Api) -> None:
    rows = api.call("projects.getAll")

    clients = api.call("projects.getClientsFromProjectList", {"projects": rows})

    assert clients["1"] == {"id": 1, "name": "Acme Corporation"}


# -- editing -------------------------------------------------------------------------------------


def test_patch_project_changes_the_given_fields(api: Api) -> None:
    id = add_project(api, details="old")
    before = project(api, id)

    assert api.call("projects.patchProject", {"id": id, "values": {"details": "new"}}) is True

    after = project(api, id)
    assert changed(before, after) - BOOKKEEPING == {"details"}
    assert after["version"] == before["version"] + 1
    stale = api.error(
        "projects.patchProject",
        {"id": id, "values": {"details": "x"}, "expectedVersion": before["version"]},
    )
    assert stale.code == -32005
    bad = api.error("projects.patchProject", {"id": id, "values": {"psettings": "everyone"}})
    assert (bad.code, bad.data["param"]) == (-32602, "values.psettings")


def test_edit_project_round_trip_keeps_what_is_sent_back(api: Api) -> None:
    id = add_project(api, details="keep me", psettings="all", hourBudget="12")
    read = project(api, id)

    api.call("projects.editProject", {"values": {**read, "name": read["name"] + "!"}, "id": id})

    after = project(api, id)
    assert changed(read, after) - BOOKKEEPING == {"name"}
    assert after["details"] == "keep me" and after["psettings"] == "all"


def test_edit_project_is_a_full_replace(api: Api) -> None:
    id = add_project(api, details="gone soon", psettings="all")

    api.call("projects.editProject", {"values": {"name": "Renamed"}, "id": id})

    after = project(api, id)
    assert (after["name"], after["details"], after["psettings"]) == ("Renamed", "", "restricted")
    error = api.error("projects.editProject", {"values": {"details": "x"}, "id": id})
    assert (error.code, error.data["param"]) == (-32602, "values.name")


def test_editing_needs_the_role_and_the_project(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    editor = api.error(
        "projects.patchProject", {"id": 1, "values": {"details": "x"}}, keys["editor"][1]
    )
    outside = api.error(
        "projects.patchProject", {"id": 3, "values": {"details": "x"}}, keys["manager"][1]
    )
    edit_outside = api.error(
        "projects.editProject", {"values": {"name": "x"}, "id": 3}, keys["manager"][1]
    )

    assert (editor.code, outside.code, edit_outside.code) == (-32001, -32002, -32002)
    assert project(api, 3)["name"] == "Data platform"


def test_delete_project_removes_an_empty_project(api: Api) -> None:
    parent = add_project(api, type="program")
    id = add_project(api, parent=parent)
    child = add_project(api, parent=id)

    assert api.call("projects.deleteProject", {"id": id}) is True

    assert api.call("projects.getProject", {"id": id}) is False
    assert project(api, child)["parent"] is None


def test_delete_project_refuses_one_with_work(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    busy = add_project(api)
    api.add_ticket(projectId=busy)

    error = api.error("projects.deleteProject", {"id": busy})
    outside = api.error("projects.deleteProject", {"id": 3}, keys["manager"][1])
    editor = api.error("projects.deleteProject", {"id": 1}, keys["editor"][1])

    assert (error.code, error.data["reason"]) == (-32005, "has_tickets")
    assert (outside.code, editor.code) == (-32002, -32001)
    assert project(api, busy)["id"] == busy


def test_duplicate_project_copies_settings_members_and_work(api: Api) -> None:
    source = add_project(api, details="copy me", psettings="all", start="2030-01-01")
    user = person(api)
    api.call(
        "projects.addUserToProject", {"userId": user, "projectId": source, "projectRole": "10"}
    )
    milestone = api.call(
        "tickets.quickAddMilestone",
        {"params": {"headline": "M", "projectId": source, "editFrom": "2030-01-10"}},
    )
    parent = api.add_ticket(projectId=source, milestoneid=milestone, dateToFinish="2030-01-20")
    api.add_ticket(projectId=source, dependingTicketId=parent, type="subtask")

    copy = api.call(
        "projects.duplicateProject",
        {"projectId": source, "clientId": 0, "projectName": "The copy",
         "userStartDate": "2030-02-01", "assignSameUsers": True},
    )  # fmt: skip

    new = project(api, copy)
    assert (new["name"], new["details"], new["psettings"]) == ("The copy", "copy me", "all")
    assert new["start"] == "2030-02-01 00:00:00" and new["clientId"] is None
    assert api.call("projects.getProjectRole", {"userId": user, "projectId": copy}) == "10"
    rows = api.call("tickets.getAll", {"searchCriteria": {"currentProject": copy, "status": "all"}})
    by_type = {row["type"]: row for row in rows}
    copied_milestone = by_type["milestone"]
    assert copied_milestone["editFrom"] == "2030-02-10 00:00:00"  # moved with the start
    assert by_type["task"]["milestoneid"] == copied_milestone["id"]
    assert by_type["task"]["dateToFinish"] == "2030-02-20 00:00:00"
    assert by_type["subtask"]["dependingTicketId"] == by_type["task"]["id"]
    assert len(rows) == 3


def test_duplicate_project_checks_its_params(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    base = {"projectId": 1, "clientId": 0, "projectName": "x", "userStartDate": "2030-01-01",
            "assignSameUsers": False}  # fmt: skip

    for params, param in (
        ({**base, "projectName": " "}, "projectName"),
        ({**base, "userStartDate": "someday"}, "userStartDate"),
        ({**base, "clientId": 987654}, "clientId"),
        ({**base, "assignSameUsers": "maybe"}, "assignSameUsers"),
    ):
        error = api.error("projects.duplicateProject", params)
        assert (error.code, error.data["param"]) == (-32602, param)
    assert (
        api.error("projects.duplicateProject", {**base, "projectId": 3}, keys["manager"][1]).code
        == -32002
    )


def test_sort_projects_and_board_columns(api: Api) -> None:
    a, b = add_project(api), add_project(api)

    api.call("projects.sortProjects", {"params": [b, a]})
    sorted_ = (project(api, b)["sortIndex"], project(api, a)["sortIndex"])
    api.call(
        "projects.patchProjectStatusAndSorting",
        {"params": {"closed": [a], "0": f"project[]={b}"}},
    )
    api.call("projects.updateProjectSorting", {"params": {str(a): 5}})

    assert sorted_ == (100, 200)
    assert (project(api, a)["state"], project(api, b)["state"]) == (-1, 0)
    assert project(api, a)["sortIndex"] == 5
    error = api.error("projects.patchProjectStatusAndSorting", {"params": {"someday": [a]}})
    assert (error.code, error.data["param"]) == (-32602, "params")
    api.call("projects.updateProjectStatusAndSorting", {"params": {"open": [a]}, "handler": "x"})
    assert (project(api, a)["state"], project(api, a)["sortIndex"]) == (0, 100)


def test_board_order_is_all_or_nothing(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    before = project(api, 1)

    error = api.error("projects.sortProjects", {"params": [1, 3]}, keys["manager"][1])

    assert error.code == -32002
    assert project(api, 1)["version"] == before["version"]


# -- membership ----------------------------------------------------------------------------------


def test_add_user_to_project_with_a_role(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    id, user = add_project(api), person(api)

    assert api.call(
        "projects.addUserToProject", {"userId": user, "projectId": id, "projectRole": "commenter"}
    )
    again = api.call("projects.addUserToProject", {"userId": user, "projectId": id})

    assert again is False
    assert api.call("projects.isUserMemberOfProject", {"userId": user, "projectId": id}) is True
    assert api.call("projects.getProjectRole", {"userId": user, "projectId": id}) == "10"
    relation = api.call("projects.getUserProjectRelation", {"userId": user, "projectId": id})
    assert [(r["projectId"], r["projectRole"]) for r in relation] == [(id, "10")]
    members = api.call("projects.getUsersAssignedToProject", {"projectId": id})
    assert user in ids(members)


def test_add_user_to_project_checks_people_roles_and_access(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    user = person(api)
    key_user = keys["readonly"][0]

    for params, param in (
        ({"userId": key_user, "projectId": 1}, "userId"),
        ({"userId": user, "projectId": 1, "projectRole": "chief"}, "projectRole"),
    ):
        error = api.error("projects.addUserToProject", params)
        assert (error.code, error.data["param"]) == (-32602, param)
    above = api.error(
        "projects.addUserToProject", {"userId": user, "projectId": 1, "projectRole": "owner"},
        keys["manager"][1],
    )  # fmt: skip
    outside = api.error(
        "projects.addUserToProject", {"userId": user, "projectId": 3}, keys["manager"][1]
    )
    editor = api.error(
        "projects.addUserToProject", {"userId": user, "projectId": 1}, keys["editor"][1]
    )

    assert (above.code, outside.code, editor.code) == (-32001, -32002, -32001)
    assert api.call("projects.getUserProjectRelation", {"userId": user}) == []


def test_delete_all_relations_only_where_the_caller_reaches(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    user = person(api)
    api.call("projects.editUserProjectRelations", {"id": user, "projects": [1, 3]})

    assert (
        api.call("projects.deleteAllUserProjectRelations", {"userId": user}, keys["manager"][1])
        is None
    )

    assert api.call("projects.getProjectIdAssignedToUser", {"userId": user}) == [3]
    api.call("projects.deleteAllUserProjectRelations", {"userId": user})
    assert api.call("projects.getProjectIdAssignedToUser", {"userId": user}) == []
    assert api.call("projects.getProjectIdAssignedToUser", {"userId": 987654}) is False


def test_access_follows_leantimes_rule(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    open_project = add_project(api, psettings="all")
    user = person(api)

    assert api.call("projects.isUserAssignedToProject", {"userId": user, "projectId": open_project})
    assert (
        api.call("projects.isUserMemberOfProject", {"userId": user, "projectId": open_project})
        is False
    )
    assert api.call("projects.isUserAssignedToProject", {"userId": 4, "projectId": 3}) is False
    assert api.call("projects.isUserAssignedToProject", {"userId": 1, "projectId": 3}) is True
    with_access = ids(api.call("projects.getUsersWithAccessToProject", {"projectId": open_project}))
    assert user in with_access and 6 in with_access
    legacy = api.call("users.getUsersWithProjectAccess", {"projectId": 3})
    assert ids(legacy) == ids(api.call("projects.getUsersWithAccessToProject", {"projectId": 3}))
    assert {1, 2, 3} <= ids(legacy) and 4 not in ids(legacy)


def test_membership_answers_nothing_about_projects_of_others(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    key = keys["readonly"][1]

    assert api.call("projects.isUserMemberOfProject", {"userId": 2, "projectId": 3}, key) is False
    assert api.call("projects.getProjectRole", {"userId": 2, "projectId": 3}, key) == ""
    assert api.call("projects.getProjectIdAssignedToUser", {"userId": 2}, key) == [1]
    assert api.call("users.getUsersWithProjectAccess", {"projectId": 3}, key) == []
    assert api.error("projects.getUsersWithAccessToProject", {"projectId": 3}, key).code == -32001


def test_people_to_notify_are_active_members_with_notifications_on(api: Api) -> None:
    id = add_project(api)
    on, off, gone = person(api), person(api, notifications=0), person(api, status="")
    for user in (on, off, gone):
        api.call("projects.addUserToProject", {"userId": user, "projectId": id})

    notified = api.call("projects.getUsersToNotify", {"projectId": id})
    info = api.call("projects.getAllUserInfoToNotify", {"projectId": id})

    assert on in notified and off not in notified and gone not in notified
    assert [row["id"] for row in info] == notified


def test_directory_as_projects_lists_it(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    client_person = person(api, clientId=1)

    every = ids(api.call("projects.getAllUsers", key=keys["readonly"][1]))
    employees = ids(api.call("projects.getEmployees"))

    assert {1, 2, 3, 4, 5, 6, client_person} <= every
    assert keys["readonly"][0] not in every
    assert client_person not in employees and 2 in employees
