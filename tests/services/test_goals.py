"""Goals and goal boards over real HTTP: Leantime's shapes (metrics as decimal strings),
round trips, KPI roll-ups, milestones tracking goals, polling, and every method called by
keys of each role limited to project 1 on project 3."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Server
from tests.services import BOOKKEEPING, Api, api_for, changed, leading, unique

ZULU = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
ROLES = ("readonly", "commenter", "editor", "manager")
WRITERS = ("editor", "manager")

# The columns Leantime's board query selects, in its order (Blueprints::getCanvasItemsById),
# then what the service adds.
GOAL_FIELDS = [
    "id", "description", "assumptions", "data", "conclusion", "box", "author", "created",
    "modified", "canvasId", "sortindex", "status", "relates", "milestoneId", "parent", "title",
    "tags", "kpi", "data1", "data2", "data3", "data4", "data5", "startDate", "endDate",
    "setting", "metricType", "startValue", "currentValue", "endValue", "impact", "effort",
    "probability", "action", "assignedTo", "authorFirstname", "authorLastname",
    "authorProfileId", "milestoneHeadline", "milestoneEditTo", "commentCount", "percentDone",
    "milestones", "goalProgress",
]  # fmt: skip
POLL_FIELDS = [
    "id", "description", "title", "assumptions", "data", "conclusion", "box", "author",
    "created", "modified", "canvasId", "sortindex", "status", "relates", "milestoneId", "kpi",
    "data1", "data2", "data3", "data4", "data5", "startDate", "endDate", "setting",
    "metricType", "startValue", "currentValue", "endValue", "impact", "effort", "probability",
    "action", "assignedTo", "parent", "tags", "projectId",
]  # fmt: skip


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def keys(api: Api) -> dict[str, str]:
    """A key of each role, limited to project 1."""
    return {role: api.new_key(role, [1])[1] for role in ROLES}


def new_board(api: Api, project: int = 1, key: str | None = None, **values: Any) -> int:
    values.setdefault("title", unique("goals"))
    created = api.call(
        "goalcanvas.createGoalboard", {"values": {"projectId": project, **values}}, key=key
    )
    assert isinstance(created, str), created
    return int(created)


def new_goal(api: Api, board: int, key: str | None = None, **values: Any) -> int:
    values.setdefault("title", unique("goal"))
    created = api.call("goalcanvas.createGoal", {"values": {"canvasId": board, **values}}, key=key)
    assert isinstance(created, str), created
    return int(created)


def goal(api: Api, id: int) -> dict[str, Any]:
    found = api.call("goalcanvas.getGoal", {"id": id})
    assert isinstance(found, dict), f"goal {id} is gone: {found!r}"
    return found


def milestone(api: Api, project: int = 1, **params: Any) -> int:
    params.setdefault("headline", unique("milestone"))
    return int(api.call("tickets.quickAddMilestone", {"params": {"projectId": project, **params}}))


# -- boards --------------------------------------------------------------------------


def test_goalboards_are_created_read_renamed_and_deleted(api: Api) -> None:
    board = new_board(api, title="Q3 goals", description="<p>why</p>")

    found = api.call("goalcanvas.getSingleCanvas", {"id": board})
    assert leading(found, ["id", "title", "author", "description", "created", "projectId"]) == [
        "id", "title", "author", "description", "created", "projectId",
    ]  # fmt: skip
    assert (found["title"], found["description"], found["projectId"]) == (
        "Q3 goals",
        "<p>why</p>",
        1,
    )
    assert found["authorFirstname"] is not None

    assert api.call("goalcanvas.updateGoalboard", {"values": {**found, "title": "Q4"}}) is True
    after = api.call("goalcanvas.getSingleCanvas", {"id": board})
    assert changed(found, after) <= {"title", *BOOKKEEPING} and after["title"] == "Q4"
    assert after["description"] == "<p>why</p>"

    goal_id = new_goal(api, board)
    assert api.call("goalcanvas.deleteGoalboard", {"id": board}) is True
    assert api.call("goalcanvas.getSingleCanvas", {"id": board}) is False
    assert api.call("goalcanvas.getGoal", {"id": goal_id}) is False


def test_goalboard_writes_check_their_input(api: Api) -> None:
    board = new_board(api)
    before = api.call("goalcanvas.getSingleCanvas", {"id": board})

    untitled = api.error("goalcanvas.createGoalboard", {"values": {"projectId": 1, "title": " "}})
    no_project = api.error("goalcanvas.createGoalboard", {"values": {"title": "x"}})
    stale = api.error(
        "goalcanvas.updateGoalboard",
        {"values": {"id": board, "title": "x"}, "expectedVersion": before["version"] + 5},
    )
    missing = api.error("goalcanvas.updateGoalboard", {"values": {"id": 99_999_999, "title": "x"}})

    assert untitled.code == -32602 and untitled.data["param"] == "values.title"
    assert no_project.code == -32602 and no_project.data["param"] == "values.projectId"
    assert stale.code == -32005
    assert missing.code == -32002
    assert api.call("goalcanvas.getSingleCanvas", {"id": board}) == before


# -- goals ---------------------------------------------------------------------------


def test_create_goal_answers_a_string_id_and_leantimes_row(api: Api) -> None:
    board = new_board(api)
    id = new_goal(
        api, board, title="Revenue", description="<p>more</p>", metricType="currency",
        startValue=100, currentValue="150.5", endValue="300", status="status_ontrack",
        setting="linkonly", startDate="2027-01-01", endDate="2027-12-31", tags="a,b",
        assignedTo=3, impact=2,
    )  # fmt: skip

    rows = api.call("goalcanvas.getCanvasItemsById", {"id": board})

    assert [row["id"] for row in rows] == [id]
    row = rows[0]
    assert leading(row, GOAL_FIELDS) == GOAL_FIELDS
    assert (row["startValue"], row["currentValue"], row["endValue"]) == (
        "100.00",
        "150.50",
        "300.00",
    )
    assert row["goalProgress"] == 25
    assert (row["box"], row["canvasId"], row["status"], row["setting"]) == (
        "goal",
        board,
        "status_ontrack",
        "linkonly",
    )
    assert (row["startDate"], row["endDate"]) == ("2027-01-01 00:00:00", "2027-12-31 00:00:00")
    assert (row["assignedTo"], row["impact"], row["kpi"], row["milestones"]) == (3, 2, None, [])
    assert row["milestoneId"] == "" and row["commentCount"] == 0 and row["percentDone"] == 0
    assert row["projectId"] == 1 and goal(api, id) == row


def test_goal_progress_is_clamped_and_zero_without_a_range(api: Api) -> None:
    board = new_board(api)
    over = new_goal(api, board, startValue=0, currentValue=500, endValue=100)
    flat = new_goal(api, board, startValue=5, currentValue=9, endValue=5)
    empty = new_goal(api, board)

    assert goal(api, over)["goalProgress"] == 100
    assert goal(api, flat)["goalProgress"] == 0
    found = goal(api, empty)
    assert (found["startValue"], found["currentValue"], found["goalProgress"]) == (None, None, 0)


def test_edit_goal_round_trip_changes_only_the_changed_field(api: Api) -> None:
    board = new_board(api)
    id = new_goal(
        api, board, description="d", startValue=0, currentValue=10, endValue=40,
        status="status_atrisk", milestoneId=milestone(api), metricType="percent",
    )  # fmt: skip
    before = goal(api, id)

    assert api.call("goalcanvas.editGoal", {"values": {**before, "title": "Renamed"}}) is True

    after = goal(api, id)
    assert changed(before, after) <= {"title", *BOOKKEEPING}
    assert after["title"] == "Renamed" and after["milestones"] == before["milestones"]


def test_edit_goal_moves_the_metric_and_records_history(api: Api) -> None:
    board = new_board(api)
    id = new_goal(api, board, startValue=0, currentValue=10, endValue=40)
    before = goal(api, id)

    api.call("goalcanvas.editGoal", {"values": {**before, "currentValue": "30"}})
    api.call("goalcanvas.editGoal", {"values": {"id": id, "title": "no metric change"}})

    after = goal(api, id)
    assert changed(before, after) <= {"currentValue", "goalProgress", "title", *BOOKKEEPING}
    assert (after["currentValue"], after["goalProgress"]) == ("30.00", 75)
    history = api.call("goalcanvas.getGoalHistory", {"goalId": id})
    assert [entry["value"] for entry in history] == [10, 30]
    assert all(entry["itemId"] == id and entry["userId"] for entry in history)


@pytest.mark.parametrize(
    ("values", "param"),
    [
        ({"startValue": "lots"}, "values.startValue"),
        ({"endValue": 1e12}, "values.endValue"),
        ({"currentValue": [1]}, "values.currentValue"),
        ({"status": "status_great"}, "values.status"),
        ({"setting": "always"}, "values.setting"),
        ({"startDate": "someday"}, "values.startDate"),
        ({"kpi": 99_999_999}, "values.kpi"),
        ({"parent": "x"}, "values.parent"),
        ({"impact": "99999999999"}, "values.impact"),
        ({"sortindex": 2**40}, "values.sortindex"),
        ({"assignedTo": 99_999_999}, "values.assignedTo"),
        ({"milestoneId": 99_999_999}, "values.milestoneId"),
        ({"milestoneId": [99_999_999]}, "values.milestoneId[0]"),
        ({"box": "idea"}, "values.box"),
        ({"title": "x" * 256}, "values.title"),
        ({"title": "", "description": ""}, "values.title"),
    ],
)
def test_create_goal_names_bad_fields(api: Api, values: dict[str, Any], param: str) -> None:
    board = new_board(api)

    error = api.error(
        "goalcanvas.createGoal", {"values": {"canvasId": board, "title": "g", **values}}
    )

    assert error.code == -32602 and error.data["param"] == param
    assert api.call("goalcanvas.getCanvasItemsById", {"id": board}) == []


def test_create_goal_needs_a_goal_board(api: Api) -> None:
    ideas = api.call("ideas.createBoard", {"title": "ideas", "projectId": 1})

    assert (
        api.error("goalcanvas.createGoal", {"values": {"canvasId": ideas, "title": "g"}}).code
        == -32002
    )
    assert (
        api.error("goalcanvas.createGoal", {"values": {"title": "g"}}).data["param"]
        == "values.canvasId"
    )
    assert (
        api.error("goalcanvas.createGoal", {}).data["detail"]
        == "Required Parameter Missing: values"
    )
    assert api.error("goalcanvas.createGoal", {"values": "g"}).data["param"] == "values"


def test_edit_goal_checks_version_and_target(api: Api) -> None:
    board = new_board(api)
    id = new_goal(api, board)
    before = goal(api, id)
    api.call("goalcanvas.editGoal", {"values": {"id": id, "title": "first"}})

    stale = api.error(
        "goalcanvas.editGoal",
        {"values": {**before, "title": "second"}, "expectedVersion": before["version"]},
    )

    assert stale.code == -32005 and goal(api, id)["title"] == "first"
    assert api.error("goalcanvas.editGoal", {"values": {"title": "x"}}).data["param"] == "values.id"
    assert api.error("goalcanvas.editGoal", {"values": {"id": 99_999_999}}).code == -32002
    itself = api.error("goalcanvas.editGoal", {"values": {"id": id, "kpi": id}})
    assert itself.code == -32602 and itself.data["param"] == "values.kpi"


def test_delete_goal_unlinks_the_goals_reporting_into_it(api: Api) -> None:
    board = new_board(api)
    parent = new_goal(api, board, setting="linkAndReport")
    child = new_goal(api, board, kpi=parent, currentValue=3)

    assert api.call("goalcanvas.deleteGoal", {"id": parent}) is True

    assert api.call("goalcanvas.getGoal", {"id": parent}) is False
    assert goal(api, child)["kpi"] is None
    assert api.error("goalcanvas.deleteGoal", {"id": parent}).code == -32002


# -- KPI roll-ups --------------------------------------------------------------------


def test_link_and_report_goals_sum_what_reports_into_them(api: Api) -> None:
    board = new_board(api)
    top = new_goal(api, board, setting="linkAndReport", startValue=0, endValue=100)
    middle = new_goal(api, board, setting="linkAndReport", kpi=top, currentValue=999)
    new_goal(api, board, kpi=top, currentValue=10.25, setting="linkonly")
    new_goal(api, board, kpi=middle, currentValue=20)
    new_goal(api, board, kpi=middle, currentValue=5)

    assert api.call("goalcanvas.getChildGoalsForReporting", {"parentId": top}) == 35.25
    assert api.call("goalcanvas.getChildGoalsForReporting", {"parentId": middle}) == 25
    shown = goal(api, top)
    assert (shown["currentValue"], shown["goalProgress"]) == ("35.25", 35)
    family = api.call("goalcanvas.getChildrenbyKPI", {"parentId": top})
    assert len(family) == 4 and family[str(middle)]["currentValue"] == "999.00"
    assert set(family[str(middle)]) == {
        "id", "title", "startValue", "endValue", "currentValue", "metricType", "boardTitle",
        "canvasId", "projectName",
    }  # fmt: skip
    assert len(api.call("goalcanvas.getChildrenbyKPI", {"parentId": middle})) == 2


def test_parent_kpis_come_from_the_parent_programs_boards(api: Api) -> None:
    program = api.call(
        "projects.addProject", {"values": {"name": unique("program"), "type": "program"}}
    )
    child = api.call(
        "projects.addProject", {"values": {"name": unique("child"), "parent": program}}
    )
    board = new_board(api, program, title="Program goals")
    linked = new_goal(api, board, description="Grow", setting="linkonly")
    new_goal(api, board, description="Private", setting="nolink")

    kpis = api.call("goalcanvas.getParentKPIs", {"projectId": child})

    assert list(kpis) == [str(linked)]
    name = api.call("projects.getProject", {"id": program})["name"]
    assert kpis[str(linked)] == {
        "id": linked, "description": "Grow", "project": name, "board": "Program goals",
    }  # fmt: skip
    assert api.call("goalcanvas.getParentKPIs", {"projectId": program}) == {}


# -- milestones ----------------------------------------------------------------------


def test_milestones_track_goals(api: Api) -> None:
    board = new_board(api)
    id = new_goal(api, board)
    late = milestone(api, editFrom="2027-01-01", editTo="2027-06-30", tags="#ff0000")
    done = milestone(api, editFrom="2026-01-01", editTo="2026-02-01", status=0)
    api.add_ticket(milestoneid=late, status=0, storypoints=1)
    api.add_ticket(milestoneid=late, status=3, storypoints=0)

    for added in (late, done, late):
        assert (
            api.call("goalcanvas.addMilestoneToGoal", {"goalId": id, "milestoneId": added}) is True
        )

    chips = api.call("goalcanvas.getMilestonesByGoal", {"goalId": id})
    assert [chip["id"] for chip in chips] == [late, done]
    assert chips[0] == {
        "id": late, "headline": chips[0]["headline"], "color": "#ff0000",
        "editTo": "2027-06-30 00:00:00", "status": 3, "statusType": "NEW", "percentDone": 25,
    }  # fmt: skip
    summary = api.call("goalcanvas.getGoalMilestones", {"goalId": id})
    assert summary["summary"] == {"total": 2, "done": 1, "inProgress": 0, "notStarted": 1}
    rollup = api.call("goalcanvas.getGoalRollup", {"goalId": id})
    assert rollup == {
        "goalId": id, "total": 2, "done": 1, "inProgress": 0, "notStarted": 1,
        "percentComplete": 13, "startDate": "2026-01-01 00:00:00",
        "endDate": "2027-06-30 00:00:00", "currentMilestoneId": late,
    }  # fmt: skip
    assert goal(api, id)["milestones"] == chips
    assert [g["id"] for g in api.call("goalcanvas.getGoalsByMilestone", {"milestoneId": late})] == [
        id
    ]

    assert (
        api.call("goalcanvas.removeMilestoneFromGoal", {"goalId": id, "milestoneId": late}) is True
    )
    assert (
        api.call("goalcanvas.removeMilestoneFromGoal", {"goalId": id, "milestoneId": late}) is False
    )
    assert [chip["id"] for chip in api.call("goalcanvas.getMilestonesByGoal", {"goalId": id})] == [
        done
    ]


def test_milestones_for_many_goals_are_keyed_by_goal(api: Api) -> None:
    board = new_board(api)
    first, second = new_goal(api, board), new_goal(api, board)
    ms = milestone(api)
    new_with = new_goal(api, board, milestoneId=[ms, ms])
    api.call("goalcanvas.addMilestoneToGoal", {"goalId": first, "milestoneId": ms})
    hidden_board = new_board(api, 3)
    hidden = new_goal(api, hidden_board)

    keyed = api.call(
        "goalcanvas.getMilestonesForGoals", {"goalIds": [first, second, new_with, hidden]}
    )

    assert set(keyed) == {str(first), str(second), str(new_with), str(hidden)}
    assert [c["id"] for c in keyed[str(first)]] == [ms] and keyed[str(second)] == []
    assert goal(api, new_with)["milestoneId"] == str(ms)
    key = api.new_key("editor", [1])[1]
    limited = api.call("goalcanvas.getMilestonesForGoals", {"goalIds": [first, hidden]}, key=key)
    assert set(limited) == {str(first)}
    too_many = api.error("goalcanvas.getMilestonesForGoals", {"goalIds": list(range(1, 1002))})
    assert too_many.code == -32602 and too_many.data["param"] == "goalIds"


def test_only_milestones_of_the_goals_project_can_track_it(api: Api) -> None:
    id = new_goal(api, new_board(api))
    plain = api.add_ticket()

    for wrong in (milestone(api, 2), plain, 99_999_999):
        error = api.error("goalcanvas.addMilestoneToGoal", {"goalId": id, "milestoneId": wrong})
        assert error.code == -32602 and error.data["param"] == "milestoneId"
    assert api.call("goalcanvas.getMilestonesByGoal", {"goalId": id}) == []
    assert api.error("goalcanvas.addMilestoneToGoal", {"goalId": id}).data["param"] == "milestoneId"


def test_edit_goal_replaces_the_tracking_milestones(api: Api) -> None:
    id = new_goal(api, new_board(api))
    one, two = milestone(api), milestone(api)
    api.call("goalcanvas.addMilestoneToGoal", {"goalId": id, "milestoneId": one})

    api.call("goalcanvas.editGoal", {"values": {"id": id, "milestoneId": [two]}})
    assert [c["id"] for c in api.call("goalcanvas.getMilestonesByGoal", {"goalId": id})] == [two]
    api.call("goalcanvas.editGoal", {"values": {"id": id, "milestoneId": ""}})
    assert api.call("goalcanvas.getMilestonesByGoal", {"goalId": id}) == []
    assert goal(api, id)["milestoneId"] == ""


# -- polling -------------------------------------------------------------------------


def test_poll_goals_answers_iso_dates_and_project(api: Api) -> None:
    pid = api.call("projects.addProject", {"values": {"name": unique("poll")}})
    board = new_board(api, pid)
    id = new_goal(api, board, startDate="2027-01-01", currentValue=1)

    rows = api.call("goalcanvas.pollGoals", {"projectId": pid})
    assert [row["id"] for row in rows] == [id]
    row = rows[0]
    assert list(row) == POLL_FIELDS
    assert ZULU.fullmatch(row["created"]) and row["startDate"] == "2027-01-01T00:00:00Z"
    assert row["endDate"] is None and row["projectId"] == pid and row["currentValue"] == "1.00"
    assert api.call("goalcanvas.pollGoals", {"board": board}) == rows

    updated = api.call("goalcanvas.pollForUpdatedGoals", {"projectId": pid})
    modified = goal(api, id)["modified"]
    assert updated[0]["id"] == f"{id}-{modified}"


def test_poll_goals_pages(api: Api) -> None:
    pid = api.call("projects.addProject", {"values": {"name": unique("poll")}})
    board = new_board(api, pid)
    ids = [new_goal(api, board) for _ in range(3)]

    page = api.call("goalcanvas.pollGoals", {"projectId": pid, "pageSize": 2, "withTotal": True})

    assert [row["id"] for row in page["items"]] == ids[:2] and page["total"] == 3


def test_poll_for_updated_goals_pages(api: Api) -> None:
    """The rows' ids are strings ("{id}-{modified}"), so the cursor counts rows instead."""
    pid = api.call("projects.addProject", {"values": {"name": unique("poll")}})
    board = new_board(api, pid)
    for _ in range(3):
        new_goal(api, board)

    page = api.call("goalcanvas.pollForUpdatedGoals", {"projectId": pid, "pageSize": 2})
    rest = api.call(
        "goalcanvas.pollForUpdatedGoals",
        {"projectId": pid, "pageSize": 2, "cursor": page["nextCursor"]},
    )

    assert len(page["items"]) == 2 and page["nextCursor"]
    assert len(rest["items"]) == 1 and rest["nextCursor"] is None
    assert not {row["id"] for row in page["items"]} & {row["id"] for row in rest["items"]}


def test_poll_goals_leaves_out_projects_the_caller_cannot_see(
    api: Api, keys: dict[str, str]
) -> None:
    hidden = new_goal(api, new_board(api, 3))
    shown = new_goal(api, new_board(api, 1))

    ids = {row["id"] for row in api.call("goalcanvas.pollGoals", key=keys["readonly"])}

    assert shown in ids and hidden not in ids


# -- roles and projects --------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_writes_follow_the_role(api: Api, keys: dict[str, str], role: str) -> None:
    key = keys[role]
    board = new_board(api)
    target = new_goal(api, board)
    ms = milestone(api)
    writes: list[tuple[str, dict[str, Any]]] = [
        ("goalcanvas.createGoal", {"values": {"canvasId": board, "title": "r"}}),
        ("goalcanvas.editGoal", {"values": {"id": target, "title": "r"}}),
        ("goalcanvas.addMilestoneToGoal", {"goalId": target, "milestoneId": ms}),
        ("goalcanvas.removeMilestoneFromGoal", {"goalId": target, "milestoneId": ms}),
        ("goalcanvas.createGoalboard", {"values": {"projectId": 1, "title": "r"}}),
        ("goalcanvas.updateGoalboard", {"values": {"id": board, "title": "r"}}),
        ("goalcanvas.deleteGoal", {"id": target}),
        ("goalcanvas.deleteGoalboard", {"id": board}),
    ]

    for method, params in writes:
        if role in WRITERS:
            assert api.call(method, params, key=key) not in (None, False), method
        else:
            assert api.error(method, params, key=key).code == -32001, method
    if role not in WRITERS:
        assert goal(api, target)["title"] != "r"


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_goals_of_its_project(api: Api, keys: dict[str, str], role: str) -> None:
    key = keys[role]
    board = new_board(api)
    id = new_goal(api, board)

    assert [g["id"] for g in api.call("goalcanvas.getCanvasItemsById", {"id": board}, key=key)] == [
        id
    ]
    assert api.call("goalcanvas.getGoal", {"id": id}, key=key)["id"] == id
    assert api.call("goalcanvas.getSingleCanvas", {"id": board}, key=key)["id"] == board
    assert api.call("goalcanvas.getParentKPIs", {"projectId": 1}, key=key) == {}


@pytest.mark.parametrize("role", ROLES)
def test_project_3_is_out_of_reach(api: Api, keys: dict[str, str], role: str) -> None:
    key = keys[role]
    board = new_board(api, 3)
    id = new_goal(api, board, setting="linkAndReport")
    new_goal(api, board, kpi=id, currentValue=4)
    ms = milestone(api, 3)
    api.call("goalcanvas.addMilestoneToGoal", {"goalId": id, "milestoneId": ms})
    before = goal(api, id)

    reads: list[tuple[str, dict[str, Any], Any]] = [
        ("goalcanvas.getCanvasItemsById", {"id": board}, []),
        ("goalcanvas.getGoal", {"id": id}, False),
        ("goalcanvas.getChildGoalsForReporting", {"parentId": id}, 0),
        ("goalcanvas.getChildrenbyKPI", {"parentId": id}, {}),
        ("goalcanvas.getGoalsByMilestone", {"milestoneId": ms}, []),
        ("goalcanvas.getMilestonesByGoal", {"goalId": id}, []),
        ("goalcanvas.getMilestonesForGoals", {"goalIds": [id]}, {}),
        ("goalcanvas.getGoalHistory", {"goalId": id}, False),
        ("goalcanvas.getSingleCanvas", {"id": board}, False),
    ]
    for method, params, answer in reads:
        assert api.call(method, params, key=key) == answer, method
    assert api.call("goalcanvas.getGoalMilestones", {"goalId": id}, key=key)["milestones"] == []
    assert api.call("goalcanvas.getGoalRollup", {"goalId": id}, key=key)["total"] == 0
    for method, params in (
        ("goalcanvas.getParentKPIs", {"projectId": 3}),
        ("goalcanvas.pollGoals", {"projectId": 3}),
        ("goalcanvas.pollForUpdatedGoals", {"projectId": 3}),
        ("goalcanvas.createGoalboard", {"values": {"projectId": 3, "title": "x"}}),
    ):
        assert api.error(method, params, key=key).code == -32001, method
    for method, params in (
        ("goalcanvas.createGoal", {"values": {"canvasId": board, "title": "x"}}),
        ("goalcanvas.editGoal", {"values": {"id": id, "title": "x"}}),
        ("goalcanvas.deleteGoal", {"id": id}),
        ("goalcanvas.addMilestoneToGoal", {"goalId": id, "milestoneId": ms}),
        ("goalcanvas.removeMilestoneFromGoal", {"goalId": id, "milestoneId": ms}),
        ("goalcanvas.updateGoalboard", {"values": {"id": board, "title": "x"}}),
        ("goalcanvas.deleteGoalboard", {"id": board}),
    ):
        assert api.error(method, params, key=key).code == -32002, method
    assert goal(api, id) == before
