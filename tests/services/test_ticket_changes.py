"""Ticket changes over real HTTP (ticket_changes.py): status by kind, reopening, status
labels, subtasks, the board's sorting and quick adds, and the milestone dialogs.

Status labels are changed only on projects made here; project 1 keeps Leantime's default
labels, which other modules rely on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Server
from tests.services import Api, api_for, unique


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def keys(api: Api) -> dict[str, tuple[int, str]]:
    return {role: api.new_key(role, [1]) for role in ("readonly", "editor", "manager")}


def ticket(api: Api, id: int) -> dict[str, Any]:
    found = api.call("tickets.getTicket", {"id": id})
    assert isinstance(found, dict), f"ticket {id}: {found!r}"
    return found


def new_project(api: Api) -> int:
    return int(api.call("projects.addProject", {"values": {"name": unique("labels")}}))


CUSTOM = {
    "10": {"name": "Todo", "class": "label-info", "statusType": "NEW", "kanbanCol": True,
           "sortKey": 1},
    "11": {"name": "Review", "class": "label-warning", "statusType": "INPROGRESS",
           "kanbanCol": True, "sortKey": 2},
    "12": {"name": "Shipped", "class": "label-success", "statusType": "DONE", "kanbanCol": True,
           "sortKey": 3},
}  # fmt: skip


# -- status by kind ----------------------------------------------------------------------------


def test_reopen_sets_the_first_new_status(api: Api) -> None:
    id = api.add_ticket(status=0)

    assert api.call("tickets.markTicketReopen", {"id": id}) is True
    assert ticket(api, id)["status"] == 3


def test_status_by_type_uses_the_projects_labels(api: Api) -> None:
    project = new_project(api)
    api.call("tickets.saveStatusLabels", {"params": {"projectId": project, "labels": CUSTOM}})
    id = api.add_ticket(projectId=project)

    api.call("tickets.setTicketStatusByType", {"ticketId": id, "statusType": "inprogress"})
    review = ticket(api, id)["status"]
    api.call("tickets.setTicketStatusByType", [id, "DONE"])
    shipped = ticket(api, id)["status"]
    api.call("tickets.markTicketReopen", [id])

    assert (review, shipped, ticket(api, id)["status"]) == (11, 12, 10)


def test_status_by_type_checks_the_type(api: Api) -> None:
    id = api.add_ticket()

    error = api.error("tickets.setTicketStatusByType", {"ticketId": id, "statusType": "later"})

    assert (error.code, error.data["param"]) == (-32602, "statusType")


def test_status_changes_respect_roles_and_projects(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    inside, outside = api.add_ticket(status=0), api.add_ticket(projectId=3, status=0)

    readonly = api.error("tickets.markTicketReopen", {"id": inside}, keys["readonly"][1])
    hidden = api.error("tickets.markTicketReopen", {"id": outside}, keys["editor"][1])
    by_type = api.error(
        "tickets.setTicketStatusByType", {"ticketId": outside, "statusType": "NEW"},
        keys["editor"][1],
    )  # fmt: skip

    assert (readonly.code, hidden.code, by_type.code) == (-32001, -32002, -32002)
    assert ticket(api, inside)["status"] == 0 and ticket(api, outside)["status"] == 0


# -- status labels -------------------------------------------------------------------------------


def test_status_labels_round_trip_in_the_json_form(api: Api) -> None:
    project = new_project(api)
    labels = api.call("tickets.getStatusLabels", {"projectId": project})
    labels["4"]["name"] = "Doing"
    labels["7"] = {"name": "Review", "class": "label-warning", "statusType": "INPROGRESS",
                   "kanbanCol": True, "sortKey": 4}  # fmt: skip
    labels["0"]["sortKey"] = 5

    assert api.call(
        "tickets.saveStatusLabels", {"params": {"projectId": project, "labels": labels}}
    )

    again = api.call("tickets.getStatusLabels", {"projectId": project})
    assert again == {key: labels[key] for key in again}
    assert list(again) == ["3", "1", "4", "2", "7", "0", "-1"]  # ties keep the order sent
    assert api.call("tickets.getStatusLabels", {"projectId": 1})["4"]["name"] == "In Progress"
    id = api.add_ticket(projectId=project, status=7)
    assert ticket(api, id)["status"] == 7


def test_status_labels_in_leantimes_form_style(api: Api) -> None:
    project = new_project(api)
    params: dict[str, Any] = {"projectId": project, "labelKeys": ["3", "5", "0"]}
    for key, name, kind in (
        ("3", "Open", "NEW"),
        ("5", "Busy", "INPROGRESS"),
        ("0", "Closed", "DONE"),
    ):
        params.update({f"label-{key}": name, f"labelClass-{key}": "label-info",
                       f"labelType-{key}": kind, f"labelKanbanCol-{key}": "on"})  # fmt: skip
    params["labelKanbanCol-0"] = "false"

    api.call("tickets.saveStatusLabels", {"params": params})

    labels = api.call("tickets.getStatusLabels", {"projectId": project})
    assert list(labels) == ["3", "5", "0", "-1"]  # -1 Archived is kept
    assert labels["5"] == {"name": "Busy", "class": "label-info", "statusType": "INPROGRESS",
                           "kanbanCol": True, "sortKey": 2}  # fmt: skip
    assert labels["0"]["kanbanCol"] is False


def test_status_labels_refuse_to_drop_a_status_in_use(api: Api) -> None:
    project = new_project(api)
    api.add_ticket(projectId=project, status=4)
    before = api.call("tickets.getStatusLabels", {"projectId": project})

    error = api.error(
        "tickets.saveStatusLabels", {"params": {"projectId": project, "labels": CUSTOM}}
    )

    assert (error.code, error.data["reason"]) == (-32005, "status_in_use")
    assert api.call("tickets.getStatusLabels", {"projectId": project}) == before


@pytest.mark.parametrize(
    ("labels", "param"),
    [
        ({"3": {"name": "x", "statusType": "SOON"}}, "params.labels.3.statusType"),
        ({"3": {"name": "", "statusType": "NEW"}}, "params.labels.3.name"),
        ({"3": {"name": "<b>x</b>", "statusType": "NEW"}}, "params.labels.3.name"),
        ({"3": {"name": "x", "statusType": "NEW", "class": "a;b"}}, "params.labels.3.class"),
        ({"x": {"name": "x", "statusType": "NEW"}}, "params.labels"),
        ({"0": {"name": "Done", "statusType": "DONE"}}, "params.labels"),  # no NEW status
        ({}, "params.labels"),
    ],
)
def test_status_labels_are_checked(api: Api, labels: dict[str, Any], param: str) -> None:
    project = new_project(api)

    error = api.error(
        "tickets.saveStatusLabels", {"params": {"projectId": project, "labels": labels}}
    )

    assert (error.code, error.data["param"]) == (-32602, param)


def test_status_labels_need_a_project_and_the_right(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    missing = api.error("tickets.saveStatusLabels", {"params": {"labels": CUSTOM}})
    editor = api.error(
        "tickets.saveStatusLabels", {"params": {"projectId": 1, "labels": CUSTOM}},
        keys["editor"][1],
    )  # fmt: skip
    outside = api.error(
        "tickets.saveStatusLabels", {"params": {"projectId": 3, "labels": CUSTOM}},
        keys["manager"][1],
    )  # fmt: skip

    assert (missing.code, missing.data["param"]) == (-32602, "params.projectId")
    assert (editor.code, outside.code) == (-32001, -32001)
    assert api.call("tickets.getStatusLabels", {"projectId": 1})["3"]["name"] == "New"


# -- subtasks ---------------------------------------------------------------------------------


def test_upsert_subtask_adds_under_the_parent(api: Api) -> None:
    milestone = api.call("tickets.quickAddMilestone", {"params": {"headline": "m", "projectId": 2}})
    parent = api.add_ticket(projectId=2, milestoneid=milestone)

    assert api.call(
        "tickets.upsertSubtask",
        {"values": {"headline": "step one", "subtaskId": "new", "planHours": 2},
         "parentTicket": parent},
    ) is True  # fmt: skip
    api.call(
        "tickets.upsertSubtask",
        {"values": {"headline": "step two"}, "parentTicket": ticket(api, parent)},
    )

    children = ticket(api, parent)["children"]
    assert len(children) == 2
    first = ticket(api, children[0])
    assert (first["type"], first["projectId"], first["milestoneid"]) == ("subtask", 2, milestone)
    assert first["headline"] == "step one" and first["planHours"] == 2


def test_upsert_subtask_changes_a_subtask_of_the_parent(api: Api) -> None:
    parent = api.add_ticket()
    api.call("tickets.upsertSubtask", {"values": {"headline": "draft"}, "parentTicket": parent})
    child = ticket(api, parent)["children"][0]
    before = ticket(api, child)

    api.call(
        "tickets.upsertSubtask",
        {"values": {"subtaskId": child, "headline": "final", "status": 0}, "parentTicket": parent},
    )

    after = ticket(api, child)
    assert (after["headline"], after["status"]) == ("final", 0)
    assert after["planHours"] == before["planHours"] and after["version"] == before["version"] + 1
    stranger = api.add_ticket()
    error = api.error(
        "tickets.upsertSubtask",
        {"values": {"subtaskId": stranger, "headline": "x"}, "parentTicket": parent},
    )
    assert error.code == -32002


def test_upsert_subtask_checks_its_params(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    parent, hidden = api.add_ticket(), api.add_ticket(projectId=3)

    no_headline = api.error("tickets.upsertSubtask", {"values": {}, "parentTicket": parent})
    bad_parent = api.error(
        "tickets.upsertSubtask", {"values": {"headline": "x"}, "parentTicket": "x"}
    )
    outside = api.error(
        "tickets.upsertSubtask", {"values": {"headline": "x"}, "parentTicket": hidden},
        keys["editor"][1],
    )  # fmt: skip

    assert (no_headline.code, no_headline.data["param"]) == (-32602, "values.headline")
    assert (bad_parent.code, bad_parent.data["param"]) == (-32602, "parentTicket")
    assert outside.code == -32002
    assert ticket(api, hidden)["children"] == []


# -- sorting ----------------------------------------------------------------------------------


def test_sort_tickets_in_each_form(api: Api) -> None:
    a, b, c = (api.add_ticket() for _ in range(3))

    api.call("tickets.sortTickets", {"params": [c, a, b]})
    listed = [ticket(api, id)["sortIndex"] for id in (c, a, b)]
    api.call("tickets.sortTickets", {"params": {str(a): 7, str(b): 8}})
    keyed = [ticket(api, id)["sortIndex"] for id in (a, b)]
    api.call("tickets.updateTicketSorting", {"params": [{"id": c, "sortIndex": 1}]})

    assert listed == [100, 200, 300]
    assert keyed == [7, 8]
    assert ticket(api, c)["sortIndex"] == 1


def test_sort_tickets_is_all_or_nothing(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    mine, hidden = api.add_ticket(), api.add_ticket(projectId=3)

    error = api.error("tickets.sortTickets", {"params": [mine, hidden]}, keys["editor"][1])
    bad = api.error("tickets.sortTickets", {"params": {str(mine): "first"}})

    assert error.code == -32002 and ticket(api, mine)["sortIndex"] is None
    assert (bad.code, bad.data["param"]) == (-32602, "params.sortIndex")


def test_board_columns_set_status_and_place(api: Api) -> None:
    a, b, c = (api.add_ticket(status=3) for _ in range(3))

    assert (
        api.call(
            "tickets.updateTicketStatusAndSorting",
            {"params": {"0": [b, a], "4": f"ticket[]={c}"}, "handler": "kanban"},
        )
        is True
    )

    states = {id: (ticket(api, id)["status"], ticket(api, id)["sortIndex"]) for id in (a, b, c)}
    rows = api.call("tickets.getAll", {"searchCriteria": {"term": str(c), "status": "all"}})
    assert {id: state[0] for id, state in states.items()} == {a: 0, b: 0, c: 4}
    assert next(row for row in rows if row["id"] == c)["kanbanSortIndex"] == 100


def test_board_columns_refuse_an_unknown_status_and_change_nothing(api: Api) -> None:
    a, b = api.add_ticket(status=3), api.add_ticket(status=3)

    error = api.error("tickets.updateTicketStatusAndSorting", {"params": {"0": [a], "99": [b]}})

    assert error.code == -32602
    assert (ticket(api, a)["status"], ticket(api, b)["status"]) == (3, 3)


# -- milestone dialogs --------------------------------------------------------------------------


def test_milestone_dialog_round_trip(api: Api) -> None:
    parent = api.call(
        "tickets.createMilestoneFromDialog", {"params": {"headline": "phase", "projectId": 1}}
    )
    id = api.call(
        "tickets.createMilestoneFromDialog",
        {"params": {"headline": unique("dialog"), "projectId": 1, "editFrom": "2030-01-01"}},
    )
    read = api.call("tickets.getMilestone", {"id": id})

    api.call(
        "tickets.updateMilestoneFromDialog",
        {"params": {"id": id, "headline": read["headline"] + "!", "tags": "#ff0000",
                    "dependentMilestone": parent, "editTo": "2030-02-01"}},
    )  # fmt: skip

    after = api.call("tickets.getMilestone", {"id": id})
    assert after["headline"] == read["headline"] + "!" and after["tags"] == "#ff0000"
    assert after["milestoneid"] == parent and after["editTo"] == "2030-02-01 00:00:00"
    assert after["editFrom"] == read["editFrom"] and after["version"] == read["version"] + 1


def test_quick_update_milestone_checks_kind_and_version(api: Api) -> None:
    id = api.call("tickets.quickAddMilestone", {"params": {"headline": "v", "projectId": 1}})
    version = api.call("tickets.getMilestone", {"id": id})["version"]
    plain = api.add_ticket()

    api.call("tickets.quickUpdateMilestone", {"params": {"id": id, "headline": "v2"},
                                              "expectedVersion": version})  # fmt: skip
    stale = api.error("tickets.quickUpdateMilestone", {"params": {"id": id, "headline": "v3"},
                                                       "expectedVersion": version})  # fmt: skip
    not_one = api.error("tickets.quickUpdateMilestone", {"params": {"id": plain, "headline": "x"}})
    no_id = api.error("tickets.quickUpdateMilestone", {"params": {"headline": "x"}})

    assert api.call("tickets.getMilestone", {"id": id})["headline"] == "v2"
    assert (stale.code, not_one.code, no_id.data["param"]) == (-32005, -32602, "params.id")


def test_milestone_comments(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    id = api.call("tickets.quickAddMilestone", {"params": {"headline": "c", "projectId": 1}})
    hidden = api.call("tickets.quickAddMilestone", {"params": {"headline": "c", "projectId": 3}})

    assert api.call(
        "tickets.addMilestoneComment", {"params": {"text": "on track"}, "milestone": {"id": id}}
    )
    comments = api.call("comments.getComments", {"module": "ticket", "entityId": id})
    readonly = api.error(
        "tickets.addMilestoneComment",
        {"params": {"text": "x"}, "milestone": id},
        keys["readonly"][1],
    )
    outside = api.error(
        "tickets.addMilestoneComment",
        {"params": {"text": "x"}, "milestone": hidden},
        keys["editor"][1],
    )
    plain = api.error(
        "tickets.addMilestoneComment", {"params": {"text": "x"}, "milestone": api.add_ticket()}
    )

    assert [comment["text"] for comment in comments] == ["on track"]
    assert (readonly.code, outside.code, plain.code) == (-32001, -32002, -32602)


# -- quick adds on boards -------------------------------------------------------------------------


def test_quick_add_from_a_board_lane(api: Api) -> None:
    milestone = api.call(
        "tickets.quickAddMilestone", {"params": {"headline": "lane", "projectId": 1}}
    )

    by_status = api.call(
        "tickets.quickAddTicketFromKanban",
        {"formParams": {"headline": "in lane", "projectId": 1}, "swimlane": "4",
         "groupBy": "status", "stayOpen": True},
    )  # fmt: skip
    by_milestone = api.call(
        "tickets.quickAddTicketFromKanban",
        [{"headline": "in milestone", "projectId": 1}, str(milestone), "milestone"],
    )
    backlog = api.call(
        "tickets.quickAddTicketFromKanban",
        {
            "formParams": {"headline": "b", "projectId": 1},
            "swimlane": "backlog",
            "groupBy": "sprint",
        },
    )

    assert by_status["success"] is True and by_status["stayOpen"] is True
    assert ticket(api, by_status["ticketId"])["status"] == 4
    assert ticket(api, by_milestone["ticketId"])["milestoneid"] == milestone
    assert ticket(api, backlog["ticketId"])["sprint"] is None


def test_quick_add_from_a_board_checks_its_input(api: Api) -> None:
    no_headline = api.error("tickets.quickAddTicketFromKanban", {"formParams": {"projectId": 1}})
    bad_lane = api.error(
        "tickets.quickAddTicketFromKanban",
        {"formParams": {"headline": "x", "projectId": 1}, "swimlane": "x", "groupBy": "status"},
    )
    bad_group = api.error(
        "tickets.quickAddTicketFromKanban",
        {"formParams": {"headline": "x", "projectId": 1}, "swimlane": "1", "groupBy": "mood"},
    )

    assert (no_headline.code, no_headline.data["param"]) == (-32602, "params.headline")
    assert (bad_lane.data["param"], bad_group.data["param"]) == ("swimlane", "groupBy")


def test_quick_add_program_ticket_takes_the_status_of_a_type(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    params = {"formParams": {"headline": "prog"}, "swimlane": None, "groupBy": None,
              "stayOpen": False, "projectId": 2, "statusType": "DONE"}  # fmt: skip

    added = api.call("tickets.quickAddProgramTicket", params)
    outside = api.error(
        "tickets.quickAddProgramTicket", {**params, "projectId": 3}, keys["editor"][1]
    )
    bad = api.error("tickets.quickAddProgramTicket", {**params, "statusType": "SOMEDAY"})

    created = ticket(api, added["ticketId"])
    assert (created["projectId"], created["status"]) == (2, 0)
    assert (outside.code, bad.code, bad.data["param"]) == (-32001, -32602, "statusType")
