"""Sprints over real HTTP: reading, writing, round trips, the burndown and the cumulative
flow, and every method called by keys of each role limited to project 1 on project 3."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Server
from tests.services import BOOKKEEPING, Api, api_for, changed, leading, unique

DATETIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
SPRINT_FIELDS = ["id", "name", "startDate", "endDate", "projectId", "modified"]
ROLES = ("readonly", "commenter", "editor", "manager")
WRITERS = ("editor", "manager")


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def keys(api: Api) -> dict[str, str]:
    """A key of each role, limited to project 1."""
    return {role: api.new_key(role, [1])[1] for role in ROLES}


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def days(offset: int) -> str:
    return (today() + dt.timedelta(days=offset)).isoformat()


def add(api: Api, key: str | None = None, **params: Any) -> int:
    params.setdefault("name", unique("sprint")[:40])
    params.setdefault("projectId", 1)
    params.setdefault("startDate", days(-3))
    params.setdefault("endDate", days(10))
    return int(api.call("sprints.addSprint", {"params": params}, key=key))


def sprint(api: Api, id: int) -> dict[str, Any]:
    found = api.call("sprints.getSprint", {"id": id})
    assert isinstance(found, dict), f"sprint {id} is gone: {found!r}"
    return found


def project(api: Api) -> int:
    return int(api.call("projects.addProject", {"values": {"name": unique("sprints")}}))


# -- reading -------------------------------------------------------------------------


def test_get_sprint_answers_leantimes_model(api: Api) -> None:
    id = add(api, name="Sprint A", startDate="2027-01-04", endDate="2027-01-17T10:00:00Z")

    found = sprint(api, id)

    assert leading(found, SPRINT_FIELDS) == SPRINT_FIELDS
    assert found["name"] == "Sprint A" and found["projectId"] == 1 and found["id"] == id
    assert (found["startDate"], found["endDate"]) == ("2027-01-04 00:00:00", "2027-01-17 23:59:59")
    assert DATETIME.fullmatch(found["modified"])
    assert found["isInherited"] is False and found["ownerProgramId"] is None
    assert isinstance(found["version"], int)


def test_get_sprint_takes_a_string_id_and_is_false_when_missing(api: Api) -> None:
    id = add(api)

    assert api.call("sprints.getSprint", {"id": str(id)})["id"] == id
    assert api.call("sprints.getSprint", {"id": 99_999_999}) is False
    assert api.call("leantime.rpc.Sprints.Sprints.getSprint", [id])["id"] == id


def test_get_sprint_checks_its_param(api: Api) -> None:
    assert api.error("sprints.getSprint", {}).data["detail"] == "Required Parameter Missing: id"
    wrong = api.error("sprints.getSprint", {"id": "abc"})
    assert wrong.code == -32602 and wrong.data["param"] == "id"


def test_get_all_sprints_lists_a_project_latest_start_first(api: Api) -> None:
    pid = project(api)
    early = add(api, projectId=pid, startDate="2027-01-01", endDate="2027-01-14")
    late = add(api, projectId=pid, startDate="2027-03-01", endDate="2027-03-14")

    rows = api.call("sprints.getAllSprints", {"projectId": pid})

    assert [row["id"] for row in rows] == [late, early]
    assert all(leading(row, SPRINT_FIELDS) == SPRINT_FIELDS for row in rows)
    assert api.call("sprints.getAllSprints", {"projectId": project(api)}) == []


def test_get_all_sprints_without_a_project_answers_the_callers_projects(
    api: Api, keys: dict[str, str]
) -> None:
    hidden = add(api, projectId=3)
    shown = add(api, projectId=1)

    ids = {row["id"] for row in api.call("sprints.getAllSprints", {}, key=keys["readonly"])}

    assert shown in ids and hidden not in ids
    assert hidden in {row["id"] for row in api.call("sprints.getAllSprints")}


def test_current_and_upcoming_sprints(api: Api) -> None:
    pid = project(api)
    assert api.call("sprints.getCurrentSprintId", {"projectId": pid}) is False
    assert api.call("sprints.getUpcomingSprint", {"projectId": pid}) is False
    assert api.call("sprints.getAllFutureSprints", {"projectId": pid}) is False
    add(api, projectId=pid, startDate=days(-30), endDate=days(-20))
    running = add(api, projectId=pid, startDate=days(-1), endDate=days(5))
    later = add(api, projectId=pid, startDate=days(20), endDate=days(30))
    latest = add(api, projectId=pid, startDate=days(40), endDate=days(50))

    assert api.call("sprints.getCurrentSprintId", {"projectId": pid}) == running
    assert api.call("sprints.getUpcomingSprint", {"projectId": pid})["id"] == later
    future = api.call("sprints.getAllFutureSprints", {"projectId": pid})
    assert [row["id"] for row in future] == [latest, later, running]


def test_sprint_lists_page(api: Api) -> None:
    pid = project(api)
    ids = sorted(add(api, projectId=pid) for _ in range(3))

    page = api.call("sprints.getAllSprints", {"projectId": pid, "pageSize": 2, "withTotal": True})
    rest = api.call(
        "sprints.getAllSprints", {"projectId": pid, "pageSize": 2, "cursor": page["nextCursor"]}
    )

    assert page["total"] == 3
    assert [row["id"] for row in page["items"] + rest["items"]] == ids


# -- writing -------------------------------------------------------------------------


def test_edit_sprint_round_trip_changes_only_the_changed_field(api: Api) -> None:
    id = add(api, startDate="2027-02-01", endDate="2027-02-14")
    before = sprint(api, id)

    answer = api.call("sprints.editSprint", {"params": {**before, "name": "Renamed"}})

    after = sprint(api, id)
    assert answer == after
    assert changed(before, after) <= {"name", *BOOKKEEPING}
    assert after["name"] == "Renamed" and after["version"] == before["version"] + 1


def test_edit_sprint_keeps_fields_it_is_not_sent(api: Api) -> None:
    id = add(api, name="Keep me", startDate="2027-02-01", endDate="2027-02-14")

    api.call("sprints.editSprint", {"params": {"id": id, "endDate": "2027-02-21"}})

    after = sprint(api, id)
    assert after["name"] == "Keep me" and after["startDate"] == "2027-02-01 00:00:00"
    assert after["endDate"] == "2027-02-21 23:59:59"


def test_edit_sprint_checks_version_project_and_dates(api: Api) -> None:
    id = add(api, startDate="2027-02-01", endDate="2027-02-14")
    before = sprint(api, id)
    api.call("sprints.editSprint", {"params": {"id": id, "name": "first"}})

    stale = api.error(
        "sprints.editSprint",
        {"params": {**before, "name": "second"}, "expectedVersion": before["version"]},
    )
    moved = api.error("sprints.editSprint", {"params": {"id": id, "projectId": 2}})
    backwards = api.error("sprints.editSprint", {"params": {"id": id, "endDate": "2027-01-01"}})

    assert stale.code == -32005 and stale.data["reason"] == "stale_version"
    assert moved.code == -32602 and moved.data["param"] == "params.projectId"
    assert backwards.code == -32602 and backwards.data["param"] == "params.endDate"
    assert sprint(api, id)["name"] == "first"
    assert api.error("sprints.editSprint", {"params": {"name": "x"}}).data["param"] == "params.id"
    assert api.error("sprints.editSprint", {"params": {"id": 99_999_999}}).code == -32002


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"name": ""}, "params.name"),
        ({"name": "x" * 46}, "params.name"),
        ({"name": ["list"]}, "params.name"),
        ({"startDate": "someday"}, "params.startDate"),
        ({"startDate": ""}, "params.startDate"),
        ({"endDate": None}, "params.endDate"),
        ({"startDate": "2027-05-02", "endDate": "2027-05-01"}, "params.endDate"),
        ({"projectId": "abc"}, "params.projectId"),
        ({"projectId": 0}, "params.projectId"),
    ],
)
def test_add_sprint_names_bad_fields(api: Api, params: dict[str, Any], param: str) -> None:
    values = {"name": "ok", "projectId": 1, "startDate": "2027-05-01", "endDate": "2027-05-09"}
    error = api.error("sprints.addSprint", {"params": {**values, **params}})

    assert error.code == -32602 and error.data["param"] == param


def test_add_sprint_needs_its_wrapper(api: Api) -> None:
    missing = api.error("sprints.addSprint", {})
    wrong = api.error("sprints.addSprint", {"params": "a sprint"})

    assert missing.data["detail"] == "Required Parameter Missing: params"
    assert wrong.code == -32602 and wrong.data["param"] == "params"
    nowhere = api.error("sprints.addSprint", {"params": {"name": "x", "projectId": 99_999}})
    assert nowhere.code == -32602 and nowhere.data["param"] == "params.projectId"


def test_add_sprint_accepts_leantimes_default_date_format(api: Api) -> None:
    id = add(api, startDate="03/01/2027", endDate="03/14/2027")

    assert sprint(api, id)["startDate"] == "2027-03-01 00:00:00"


def test_delete_sprint_sends_its_tickets_to_the_backlog(api: Api) -> None:
    id = add(api)
    ticket = api.add_ticket(sprint=id)

    assert api.call("sprints.deleteSprint", {"id": id}) is None

    assert api.call("sprints.getSprint", {"id": id}) is False
    assert api.call("tickets.getTicket", {"id": ticket})["sprint"] is None
    assert api.error("sprints.deleteSprint", {"id": id}).code == -32002


# -- charts --------------------------------------------------------------------------


def _burndown_plan(api: Api) -> tuple[int, dict[str, int]]:
    pid = project(api)
    id = add(api, projectId=pid, startDate=days(-2), endDate=days(2))
    made = {
        "done": api.add_ticket(
            projectId=pid, sprint=id, storypoints=3, planHours=4, hourRemaining=0
        ),
        "busy": api.add_ticket(
            projectId=pid, sprint=id, storypoints=5, planHours=6, hourRemaining=2, status=4
        ),
        "new": api.add_ticket(
            projectId=pid, sprint=id, storypoints=2, planHours=2, hourRemaining=1.5
        ),
    }
    api.add_ticket(projectId=pid, storypoints=8)  # not in the sprint
    api.call("tickets.markTicketDone", {"id": made["done"]})
    return id, made


def test_burndown_has_a_day_per_sprint_day_with_ideal_and_actual_lines(api: Api) -> None:
    id, _ = _burndown_plan(api)

    chart = api.call("sprints.getSprintBurndown", {"sprint": id})

    assert [day["date"] for day in chart] == [days(n) for n in range(-2, 3)]
    first = chart[0]
    assert (first["plannedHours"], first["plannedNum"], first["plannedEffort"]) == (12, 3, 10)
    assert chart[1]["plannedHours"] == pytest.approx(12 - 12 / 5)
    assert chart[4]["plannedNum"] == pytest.approx(3 / 5)
    # Tickets were created today: before today nothing existed yet; today two are open.
    assert (chart[0]["actualNum"], chart[0]["actualEffort"]) == (0, 0)
    assert (chart[2]["actualNum"], chart[2]["actualEffort"], chart[2]["actualHours"]) == (2, 7, 3.5)
    assert [chart[n]["actualNum"] for n in (3, 4)] == ["", ""]
    assert list(first) == [
        "date", "plannedHours", "plannedNum", "plannedEffort", "actualHours", "actualNum",
        "actualEffort",
    ]  # fmt: skip


def test_burndown_takes_a_sprint_object_as_leantime_does(api: Api) -> None:
    id, _ = _burndown_plan(api)
    by_id = api.call("sprints.getSprintBurndown", {"sprint": id})

    by_object = api.call("sprints.getSprintBurndown", {"sprint": sprint(api, id)})

    assert by_object == by_id
    assert api.call("sprints.getSprintBurndown", {"sprint": str(id)}) == by_id


def test_burndown_checks_its_param(api: Api) -> None:
    no_id = api.error("sprints.getSprintBurndown", {"sprint": {"name": "x"}})
    wrong = api.error("sprints.getSprintBurndown", {"sprint": "soon"})

    assert no_id.code == -32602 and no_id.data["param"] == "sprint"
    assert wrong.code == -32602 and wrong.data["param"] == "sprint"
    assert api.call("sprints.getSprintBurndown", {"sprint": 99_999_999}) is False


def test_cumulative_report_counts_open_progress_and_done(api: Api) -> None:
    id, made = _burndown_plan(api)
    pid = sprint(api, id)["projectId"]
    api.call(
        "Timesheets.Timesheets.logTime",
        {"ticketId": made["done"], "params": {"hours": 2.5, "date": days(0)}},
    )

    flow = api.call("sprints.getCummulativeReport", {"project": pid})

    assert [day["date"] for day in flow] == [days(0)]
    last = flow[-1]
    assert last["open"] == {"actualHours": 1.5, "actualNum": 2, "actualEffort": 10}
    assert last["progress"] == {"actualHours": 0, "actualNum": 1, "actualEffort": 5}
    assert last["done"] == {"actualHours": 2.5, "actualNum": 1, "actualEffort": 3}
    assert api.call("sprints.getCummulativeReport", {"project": project(api)}) == []


def test_cumulative_report_covers_the_demo_project(api: Api) -> None:
    flow = api.call("sprints.getCummulativeReport", {"project": 1})

    assert flow and flow[-1]["date"] == days(0)
    total = sum(flow[-1][state]["actualNum"] for state in ("open", "progress", "done"))
    assert total >= 90


# -- roles and projects --------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_writes_follow_the_role(api: Api, keys: dict[str, str], role: str) -> None:
    key = keys[role]
    values = {"name": "r", "projectId": 1, "startDate": "2027-05-01", "endDate": "2027-05-09"}
    target = add(api)

    if role in WRITERS:
        created = api.call("sprints.addSprint", {"params": values}, key=key)
        assert api.call("sprints.editSprint", {"params": {"id": target, "name": "e"}}, key=key)
        assert api.call("sprints.deleteSprint", {"id": created}, key=key) is None
        return
    for method, params in (
        ("sprints.addSprint", {"params": values}),
        ("sprints.editSprint", {"params": {"id": target, "name": "e"}}),
        ("sprints.deleteSprint", {"id": target}),
    ):
        assert api.error(method, params, key=key).code == -32001, method
    assert sprint(api, target)["name"] != "e"


@pytest.mark.parametrize("role", ROLES)
def test_project_3_is_out_of_reach(api: Api, keys: dict[str, str], role: str) -> None:
    key = keys[role]
    hidden = add(api, projectId=3)
    before = sprint(api, hidden)
    values = {"name": "r", "projectId": 3, "startDate": "2027-05-01", "endDate": "2027-05-09"}

    assert api.call("sprints.getSprint", {"id": hidden}, key=key) is False
    assert api.call("sprints.getSprintBurndown", {"sprint": hidden}, key=key) is False
    for method, params in (
        ("sprints.getAllSprints", {"projectId": 3}),
        ("sprints.getCurrentSprintId", {"projectId": 3}),
        ("sprints.getUpcomingSprint", {"projectId": 3}),
        ("sprints.getAllFutureSprints", {"projectId": 3}),
        ("sprints.getCummulativeReport", {"project": 3}),
        ("sprints.addSprint", {"params": values}),
    ):
        assert api.error(method, params, key=key).code == -32001, method
    for method, params in (
        ("sprints.editSprint", {"params": {"id": hidden, "name": "x"}}),
        ("sprints.deleteSprint", {"id": hidden}),
    ):
        assert api.error(method, params, key=key).code == -32002, method
    assert sprint(api, hidden) == before


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_its_own_project(api: Api, keys: dict[str, str], role: str) -> None:
    key = keys[role]
    id = add(api)

    assert api.call("sprints.getSprint", {"id": id}, key=key)["id"] == id
    assert id in {row["id"] for row in api.call("sprints.getAllSprints", {"projectId": 1}, key=key)}
    assert isinstance(api.call("sprints.getSprintBurndown", {"sprint": id}, key=key), list)
    assert isinstance(api.call("sprints.getCummulativeReport", {"project": 1}, key=key), list)
