"""Milestones over real HTTP: quickAddMilestone, getAllMilestones, deleteMilestone, and
milestones as getTicket, updateTicket and delete see them."""

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
def editor(api: Api) -> tuple[int, str]:
    return api.new_key("editor", [1])


def milestone(api: Api, key: str | None = None, **params: Any) -> int:
    params.setdefault("headline", unique("milestone"))
    params.setdefault("projectId", 1)
    return int(api.call("tickets.quickAddMilestone", {"params": params}, key=key))


def ticket(api: Api, id: int) -> dict[str, Any]:
    result = api.call("tickets.getTicket", {"id": id})
    assert isinstance(result, dict), f"ticket {id} is gone: {result!r}"
    return result


def test_quick_add_milestone_stores_range_colour_and_owner(
    api: Api, editor: tuple[int, str]
) -> None:
    user_id, key = editor

    id = milestone(api, key, editFrom="2027-04-01", editTo="2027-04-30 18:00", outcomeImpact="x")

    created = ticket(api, id)
    assert created["type"] == "milestone" and created["projectId"] == 1
    assert (created["editFrom"], created["editTo"]) == (
        "2027-04-01 00:00:00",
        "2027-04-30 18:00:00",
    )
    assert created["tags"] == "#1b75bb"  # Leantime's default colour
    assert created["editorId"] == str(user_id) and created["userId"] == user_id
    assert created["outcomeImpact"] == "x" and created["status"] == 3


def test_quick_add_milestone_links_a_parent_milestone(api: Api) -> None:
    parent = milestone(api, tags="#00ff00")

    child = milestone(api, dependentMilestone=parent, editorId="3")

    created = ticket(api, child)
    assert created["milestoneid"] == parent and created["editorId"] == "3"
    assert created["milestoneHeadline"] == ticket(api, parent)["headline"]
    assert created["milestoneColor"] == "#00ff00"


def test_quick_add_milestone_refuses_a_parent_that_is_no_milestone_here(api: Api) -> None:
    plain = api.add_ticket()
    elsewhere = milestone(api, projectId=2)

    for parent in (plain, elsewhere):
        error = api.error(
            "tickets.quickAddMilestone",
            {"params": {"headline": "x", "projectId": 1, "dependentMilestone": parent}},
        )
        assert error.code == -32602
        assert error.data["param"] == "params.dependentMilestone"


def test_quick_add_ticket_names_its_own_milestone_param(api: Api) -> None:
    error = api.error(
        "tickets.quickAddTicket",
        {"params": {"headline": "x", "projectId": 1, "milestone": api.add_ticket()}},
    )

    assert error.code == -32602 and error.data["param"] == "params.milestone"


def test_quick_add_milestone_without_headline_is_leantimes_error(api: Api) -> None:
    error = api.error("tickets.quickAddMilestone", {"params": {"projectId": 1, "headline": ""}})

    assert error.code == -32602 and error.data["detail"] == "Headline Missing"
    missing = api.error("tickets.quickAddMilestone", {})
    assert missing.data["detail"] == "Required Parameter Missing: params"
    bad = api.error(
        "tickets.quickAddMilestone", {"params": {"headline": "x", "projectId": 1, "editTo": "?"}}
    )
    assert bad.code == -32602 and bad.data["param"] == "params.editTo"


def test_milestone_progress_counts_its_tickets(api: Api) -> None:
    id = milestone(api)
    for status in (0, 3, 4, 0):
        api.add_ticket(milestoneid=id, status=status)

    shown = ticket(api, id)

    assert (shown["doneTickets"], shown["allTickets"], shown["percentDone"]) == (2, 4, 50)
    rows = api.call("tickets.getAll", {"searchCriteria": {"milestone": str(id)}})
    assert len(rows) == 4 and all(row["milestoneHeadline"] == shown["headline"] for row in rows)


def test_get_all_milestones_lists_only_milestones_with_progress(api: Api) -> None:
    project = api.call("projects.addProject", {"values": {"name": unique("milestones")}})
    first = milestone(api, projectId=project, editTo="2027-06-01")
    second = milestone(api, projectId=project, editTo="2027-05-01")
    api.add_ticket(projectId=project, milestoneid=first, status=0)
    api.add_ticket(projectId=project, milestoneid=first, status=3, type="bug")

    rows = api.call("tickets.getAllMilestones", {"searchCriteria": {"currentProject": project}})

    assert {row["id"] for row in rows} == {first, second}
    by_id = {row["id"]: row for row in rows}
    assert (by_id[first]["doneTickets"], by_id[first]["allTickets"]) == (1, 2)
    assert by_id[first]["percentDone"] == 50
    assert (by_id[second]["allTickets"], by_id[second]["percentDone"]) == (0, 0)
    assert all(row["type"] == "milestone" and row["projectId"] == project for row in rows)


def test_get_all_milestones_includes_done_ones_and_sorts_by_due_date(api: Api) -> None:
    project = api.call("projects.addProject", {"values": {"name": unique("milestones")}})
    late = milestone(api, projectId=project, editTo="2027-09-01")
    done = milestone(api, projectId=project, editTo="2027-08-01", status=0)
    api.call("tickets.patchTicket", {"id": late, "values": {"dateToFinish": "2027-09-01"}})
    api.call("tickets.patchTicket", {"id": done, "values": {"dateToFinish": "2027-08-01"}})

    rows = api.call(
        "tickets.getAllMilestones",
        {"searchCriteria": {"currentProject": project}, "sortBy": "duedate"},
    )

    assert [row["id"] for row in rows] == [done, late]


def test_get_all_milestones_checks_its_params(api: Api) -> None:
    error = api.error("tickets.getAllMilestones", {"searchCriteria": ["not", "an", "object"]})

    assert error.code == -32602 and error.data["param"] == "searchCriteria"
    assert api.error("tickets.getAllMilestones", {"sortBy": []}).data["param"] == "sortBy"


def test_update_ticket_round_trip_on_a_milestone(api: Api) -> None:
    id = milestone(api, editFrom="2027-04-01 09:10:11", editTo="2027-04-30", editorId="2")
    before = ticket(api, id)

    assert api.call("tickets.updateTicket", {"values": {**before, "tags": "#123456"}}) is True

    after = ticket(api, id)
    assert changed(before, after) <= {"tags", *BOOKKEEPING}
    assert after["tags"] == "#123456"


def test_delete_milestone_unlinks_its_tickets(api: Api) -> None:
    id = milestone(api)
    linked = [api.add_ticket(milestoneid=id) for _ in range(2)]

    assert api.call("tickets.deleteMilestone", {"id": id}) is True

    assert api.call("tickets.getTicket", {"id": id}) is False
    assert [ticket(api, t)["milestoneid"] for t in linked] == [0, 0]


def test_delete_on_a_milestone_deletes_it_as_a_milestone(api: Api) -> None:
    id = milestone(api)
    linked = api.add_ticket(milestoneid=id)

    assert api.call("tickets.delete", {"id": id}) is True

    assert api.call("tickets.getTicket", {"id": id}) is False
    assert ticket(api, linked)["milestoneid"] == 0


def test_delete_milestone_refuses_a_plain_ticket_and_missing_ids(api: Api) -> None:
    plain = api.add_ticket()

    error = api.error("tickets.deleteMilestone", {"id": plain})
    assert error.code == -32602 and error.data["param"] == "id"
    assert ticket(api, plain)["id"] == plain
    assert api.error("tickets.deleteMilestone", {"id": 987654321}).code == -32002
    assert api.error("tickets.deleteMilestone", {"id": "m"}).data["param"] == "id"
    missing = api.error("tickets.deleteMilestone", {})
    assert missing.data["detail"] == "Required Parameter Missing: id"


def test_an_editor_key_manages_milestones_in_its_project(api: Api, editor: tuple[int, str]) -> None:
    key = editor[1]
    id = milestone(api, key)

    rows = api.call("tickets.getAllMilestones", {"searchCriteria": {"currentProject": 1}}, key)
    assert id in {row["id"] for row in rows}
    assert api.call("tickets.deleteMilestone", {"id": id}, key=key) is True
