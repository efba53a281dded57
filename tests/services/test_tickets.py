"""Tickets over real HTTP: reading, searching, the vocabularies, and every write method.

Role limits and calls outside the caller's projects are the matrix in test_permissions;
milestones have their own module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Server
from tests.services import BOOKKEEPING, Api, api_for, changed, leading, unique

DATETIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")

# Every public property of Leantime's ticket model, in its order (reference §10).
TICKET_FIELDS = [
    "id", "headline", "type", "description", "projectId", "projectDescription", "editorId",
    "userId", "priority", "sortIndex", "date", "timelineDate", "timelineDateToFinish",
    "dateToFinish", "timeToFinish", "status", "storypoints", "hourRemaining", "planHours",
    "sprint", "acceptanceCriteria", "outcomeImpact", "tags", "url", "editFrom", "timeFrom",
    "editTo", "timeTo", "dependingTicketId", "parentHeadline", "milestoneid", "projectName",
    "clientName", "userFirstname", "userLastname", "editorFirstname", "editorLastname",
    "doneTickets", "allTickets", "percentDone", "milestoneHeadline", "milestoneColor",
    "editorProfileId", "bookedHours", "children", "collaborators", "modified",
]  # fmt: skip

# The names Leantime's search query joins into each list row (reference §9).
ROW_EXTRAS = [
    "sprintName", "projectName", "clientName", "clientId", "authorFirstname",
    "authorLastname", "authorProfileId", "editorFirstname", "editorLastname",
    "editorProfileId", "milestoneHeadline", "milestoneColor", "parentHeadline", "bookedHours",
    "commentCount", "fileCount", "subtaskCount", "statusLabel",
]  # fmt: skip


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def editor(api: Api) -> tuple[int, str]:
    """An editor key for project 1: (its user id, its secret)."""
    return api.new_key("editor", [1])


@pytest.fixture(scope="module")
def plan(api: Api) -> dict[str, int]:
    """A sprint and a milestone of project 1, and a milestone of project 2."""
    sprint = next(
        row["sprint"]
        for row in api.call("tickets.getAll", {"searchCriteria": {"currentProject": 1}})
        if row["sprint"]
    )
    milestone = api.call(
        "tickets.quickAddMilestone", {"params": {"headline": unique("plan"), "projectId": 1}}
    )
    other = api.call(
        "tickets.quickAddMilestone", {"params": {"headline": unique("plan"), "projectId": 2}}
    )
    return {"sprint": sprint, "milestone": milestone, "other_milestone": other}


def ticket(api: Api, id: int) -> dict[str, Any]:
    result = api.call("tickets.getTicket", {"id": id})
    assert isinstance(result, dict), f"ticket {id} is gone: {result!r}"
    return result


# -- getTicket ---------------------------------------------------------------------


def test_get_ticket_answers_every_field_in_leantime_order_and_types(
    api: Api, plan: dict[str, int]
) -> None:
    parent = api.add_ticket(headline=unique("parent"))
    id = api.add_ticket(
        headline="Shape check",
        description="<p>about</p>",
        type="bug",
        status=4,
        priority="2",
        editorId="3",
        storypoints=5,
        planHours=2.5,
        sprint=plan["sprint"],
        milestoneid=plan["milestone"],
        dependingTicketId=parent,
        tags="red,blue",
        dateToFinish="2027-05-06 07:08:09",
        editFrom="2027-05-01",
        collaborators=[4, 2],
    )

    result = ticket(api, id)

    assert leading(result, TICKET_FIELDS) == TICKET_FIELDS
    assert result["id"] == id and result["projectId"] == 1
    assert result["editorId"] == "3" and result["priority"] == "2"
    assert result["status"] == 4 and isinstance(result["status"], int)
    assert result["type"] == "bug"
    assert result["storypoints"] == 5 and result["planHours"] == 2.5
    assert result["sprint"] == plan["sprint"] and result["milestoneid"] == plan["milestone"]
    assert result["dependingTicketId"] == parent
    assert result["dateToFinish"] == "2027-05-06 07:08:09" and result["timeToFinish"] == "07:08"
    assert result["editFrom"] == "2027-05-01 00:00:00" and result["editTo"] is None
    assert DATETIME.fullmatch(result["date"]) and DATETIME.fullmatch(result["modified"])
    assert result["collaborators"] == [2, 4]
    assert result["editorFirstname"] == "Grace" and result["projectName"] == "Website relaunch"
    assert result["milestoneHeadline"] is not None and result["parentHeadline"] is not None
    assert result["doneTickets"] is None and result["percentDone"] is None
    assert ticket(api, parent)["children"] == [id]
    # Numbers with an integral value go out as integers (`5`, not `5.0`), as PDO gives them.
    assert type(result["storypoints"]) is int and type(result["hourRemaining"]) is int
    assert type(result["planHours"]) is float
    assert result["bookedHours"] is None


def test_get_ticket_sends_text_exactly_as_stored(api: Api) -> None:
    text = 'quote " backslash \\ tab \t line\nbreak <b>&amp;</b> \u00e9\u4e2d \U0001f680 \x01'
    id = api.add_ticket(headline=text, description=text, tags=text, type="")

    result = ticket(api, id)

    assert result["headline"] == result["description"] == result["tags"] == text
    assert result["type"] == "task"  # an empty type reads as Leantime's default


def test_get_ticket_sums_the_hours_booked_on_it(api: Api) -> None:
    id = api.add_ticket(headline=unique("booked"))
    for hours in (1.5, 2, 0.5):
        api.call(
            "timesheets.logTime",
            {
                "ticketId": id,
                "params": {"hours": hours, "date": "2027-05-04", "kind": "DEVELOPMENT"},
            },
        )

    booked = ticket(api, id)["bookedHours"]

    assert booked == 4 and type(booked) is int


def test_get_ticket_author_is_the_calling_key(api: Api, editor: tuple[int, str]) -> None:
    user_id, key = editor

    id = api.add_ticket(key=key, headline=unique("mine"))

    assert ticket(api, id)["userId"] == user_id


def test_get_ticket_takes_a_string_id_as_the_leantime_docs_do(api: Api) -> None:
    id = api.add_ticket()

    assert ticket(api, id) == api.call("tickets.getTicket", {"id": str(id)})


def test_get_ticket_is_false_for_a_missing_ticket(api: Api) -> None:
    assert api.call("tickets.getTicket", {"id": 987654321}) is False


def test_get_ticket_is_false_outside_the_callers_projects(
    api: Api, editor: tuple[int, str]
) -> None:
    id = api.add_ticket(projectId=3)

    assert api.call("tickets.getTicket", {"id": id}, key=editor[1]) is False


def test_get_ticket_rejects_a_non_integer_id(api: Api) -> None:
    error = api.error("tickets.getTicket", {"id": "abc"})

    assert error.code == -32602
    assert error.data["param"] == "id"
    assert "'abc'" in error.data["detail"]


def test_get_ticket_needs_an_id(api: Api) -> None:
    error = api.error("tickets.getTicket", {})

    assert error.code == -32602
    assert error.data["detail"] == "Required Parameter Missing: id"


# -- getAll -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def marked(api: Api, plan: dict[str, int]) -> dict[str, Any]:
    """Five tickets that share a tag no other test uses, spread over projects 1 and 2."""
    tag = unique("tag")

    def make(name: str, **values: Any) -> int:
        return api.add_ticket(headline=f"{tag}-{name}", tags=tag, **values)

    ids = {
        "a": make("a", type="task", status=3, priority="1", editorId="3",
                  sprint=plan["sprint"], milestoneid=plan["milestone"],
                  dateToFinish="2027-02-01"),
        "b": make("b", type="bug", status=0, priority="2", editorId="4", collaborators=[3],
                  dateToFinish="2027-01-01"),
        "c": make("c", type="story", status=-1, priority="3", editorId="3"),
        "d": make("d", projectId=2, type="task", status=4, priority="1", editorId="4"),
        "e": make("e", type="task", status=1, priority="4"),
    }  # fmt: skip
    return {"tag": tag, **ids}


def search(api: Api, marked: dict[str, Any], key: str | None = None, **criteria: Any) -> set[str]:
    """The names of the marked tickets that getAll finds with these criteria."""
    rows = api.call(
        "tickets.getAll", {"searchCriteria": {"term": marked["tag"], **criteria}}, key=key
    )
    names = {id: name for name, id in marked.items() if name != "tag"}
    assert all(row["id"] in names for row in rows), "a ticket without the tag was found"
    return {names[row["id"]] for row in rows}


def test_get_all_rows_have_leantime_fields_and_types(api: Api, marked: dict[str, Any]) -> None:
    rows = api.call("tickets.getAll", {"searchCriteria": {"term": marked["tag"]}})

    row = next(row for row in rows if row["id"] == marked["a"])
    assert set(ROW_EXTRAS) <= set(row)
    assert row["editorId"] == "3" and row["priority"] == "1" and row["status"] == 3
    assert row["statusLabel"] == "New" and row["sprintName"] is not None
    assert row["projectName"] == "Website relaunch" and row["clientId"] == 1
    assert row["editorFirstname"] == "Grace" and row["milestoneHeadline"] is not None
    done = next(row for row in rows if row["id"] == marked["b"])
    assert done["statusLabel"] is None  # set only for statuses that are not done


def test_get_all_leaves_archived_tickets_out_by_default(api: Api, marked: dict[str, Any]) -> None:
    assert search(api, marked) == {"a", "b", "d", "e"}


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("all", {"a", "b", "c", "d", "e"}),
        ("-1", {"c"}),
        ("0,1", {"b", "e"}),
        ("done", {"b", "c"}),
        ("not_done", {"a", "d", "e"}),
    ],
)
def test_get_all_filters_by_status(
    api: Api, marked: dict[str, Any], status: str, expected: set[str]
) -> None:
    assert search(api, marked, status=status) == expected


def test_get_all_filters_by_project(api: Api, marked: dict[str, Any]) -> None:
    assert search(api, marked, currentProject=1) == {"a", "b", "e"}
    assert search(api, marked, projects="2") == {"d"}
    assert search(api, marked, projects="1,2", currentProject=2) == {"a", "b", "d", "e"}


def test_get_all_filters_by_user_as_assignee_or_collaborator(
    api: Api, marked: dict[str, Any]
) -> None:
    assert search(api, marked, users="4") == {"b", "d"}
    assert search(api, marked, users="3") == {"a", "b"}  # b: Grace collaborates
    assert search(api, marked, users="3,4", status="all") == {"a", "b", "c", "d"}


def test_get_all_filters_by_milestone(
    api: Api, marked: dict[str, Any], plan: dict[str, int]
) -> None:
    assert search(api, marked, milestone=str(plan["milestone"])) == {"a"}
    assert search(api, marked, milestone="0") == {"b", "d", "e"}


def test_get_all_filters_by_type_and_excluded_type(api: Api, marked: dict[str, Any]) -> None:
    assert search(api, marked, type="bug") == {"b"}
    assert search(api, marked, type="BUG,Story", status="all") == {"b", "c"}
    assert search(api, marked, excludeType="task") == {"b"}
    assert search(api, marked, type="task", excludeType="task") == {"a", "d", "e"}


def test_get_all_filters_by_priority(api: Api, marked: dict[str, Any]) -> None:
    assert search(api, marked, priority="1") == {"a", "d"}
    assert search(api, marked, priority="2,4") == {"b", "e"}


def test_get_all_filters_by_sprint_and_backlog(
    api: Api, marked: dict[str, Any], plan: dict[str, int]
) -> None:
    assert search(api, marked, sprint=str(plan["sprint"])) == {"a"}
    assert search(api, marked, sprint="backlog") == {"b", "d", "e"}


def test_get_all_term_matches_headline_tag_and_id(api: Api, marked: dict[str, Any]) -> None:
    def ids(term: str) -> set[int]:
        rows = api.call("tickets.getAll", {"searchCriteria": {"term": term, "status": "all"}})
        return {row["id"] for row in rows}

    assert ids(f"{marked['tag']}-c") == {marked["c"]}
    assert ids(marked["tag"].upper()) >= {marked["a"], marked["c"]}
    assert marked["e"] in ids(str(marked["e"]))


def test_get_all_orders_and_limits(api: Api, marked: dict[str, Any]) -> None:
    def order(**extra: Any) -> list[int]:
        criteria = {"term": marked["tag"], "currentProject": 1, **extra.pop("criteria", {})}
        rows = api.call("tickets.getAll", {"searchCriteria": criteria, **extra})
        return [row["id"] for row in rows]

    mine = [marked["a"], marked["b"], marked["e"]]
    assert order() == sorted(mine, reverse=True)  # newest first
    assert order(criteria={"orderBy": "id"}) == sorted(mine)
    assert order(criteria={"orderBy": "duedate"}) == [marked["b"], marked["a"], marked["e"]]
    assert order(criteria={"orderBy": "priority"}) == [marked["a"], marked["b"], marked["e"]]
    assert order(criteria={"orderBy": "id"}, limit=2) == sorted(mine)[:2]


def test_get_all_without_criteria_answers_the_callers_projects(
    api: Api, editor: tuple[int, str]
) -> None:
    rows = api.call("tickets.getAll", {"limit": 500}, key=editor[1])

    assert rows and {row["projectId"] for row in rows} == {1}


def test_get_all_leaves_closed_projects_out_unless_named(api: Api) -> None:
    project = api.call("projects.addProject", {"values": {"name": unique("closed")}})
    tag = unique("closed")
    id = api.add_ticket(projectId=project, tags=tag)
    api.call("projects.patch", {"id": project, "params": {"state": -1}})

    def found(**criteria: Any) -> bool:
        rows = api.call("tickets.getAll", {"searchCriteria": {"term": tag, **criteria}})
        return id in {row["id"] for row in rows}

    assert not found()
    assert found(currentProject=project)
    assert found(projects=str(project))


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"searchCriteria": "abc"}, "searchCriteria"),
        ({"limit": "many"}, "limit"),
        ({"limit": -1}, "limit"),
        ({"searchCriteria": {"orderBy": "random"}}, "searchCriteria.orderBy"),
        ({"searchCriteria": {"projects": "one,two"}}, "searchCriteria.projects"),
        pytest.param({"searchCriteria": {"currentProject": "x"}}, "searchCriteria.currentProject"),
    ],
)
def test_get_all_rejects_bad_criteria(api: Api, params: dict[str, Any], param: str) -> None:
    error = api.error("tickets.getAll", params)

    assert error.code == -32602
    assert error.data["param"] == param


# -- getAllOpenUserTickets, getAllSubtasks, findTicket --------------------------------


def test_get_all_open_user_tickets_lists_open_work_of_a_user(api: Api) -> None:
    tag = unique("open")
    open_1 = api.add_ticket(tags=tag, editorId="4", status=3)
    open_2 = api.add_ticket(tags=tag, editorId="4", status=4, projectId=2)
    api.add_ticket(tags=tag, editorId="4", status=0)
    api.add_ticket(tags=tag, editorId="4", status=-1)
    api.add_ticket(tags=tag, editorId="3", status=3)
    api.call(
        "tickets.quickAddMilestone",
        {"params": {"headline": tag, "projectId": 1, "editorId": "4"}},
    )

    every = {row["id"] for row in api.call("tickets.getAllOpenUserTickets", {"userId": 4})}
    in_2 = api.call("tickets.getAllOpenUserTickets", {"userId": 4, "project": 2})

    assert {open_1, open_2} <= every
    assert {row["id"] for row in in_2} & {open_1, open_2} == {open_2}
    assert all(row["projectId"] == 2 for row in in_2)
    assert all(row["type"] != "milestone" and row["status"] not in (0, -1) for row in in_2)


def test_get_all_open_user_tickets_defaults_to_the_caller(
    api: Api, editor: tuple[int, str]
) -> None:
    user_id, key = editor
    id = api.call("tickets.quickAddTicket", {"params": {"headline": "for me", "projectId": 1}}, key)

    rows = api.call("tickets.getAllOpenUserTickets", {}, key=key)

    assert id in {row["id"] for row in rows}
    assert {row["editorId"] for row in rows} == {str(user_id)}


def test_get_all_subtasks_lists_the_children(api: Api) -> None:
    parent = api.add_ticket(headline=unique("parent"))
    children = [api.add_ticket(dependingTicketId=parent, type="subtask") for _ in range(2)]
    done = api.add_ticket(dependingTicketId=parent, type="subtask", status=-1)

    rows = api.call("tickets.getAllSubtasks", {"ticketId": parent})

    assert [row["id"] for row in rows] == [*children, done]
    assert all(row["parentHeadline"] is not None for row in rows)
    assert api.call("tickets.getAllSubtasks", {"ticketId": children[0]}) == []


def test_get_all_subtasks_is_false_for_a_missing_ticket(api: Api) -> None:
    assert api.call("tickets.getAllSubtasks", {"ticketId": 987654321}) is False


def test_get_all_subtasks_checks_its_param(api: Api) -> None:
    assert api.error("tickets.getAllSubtasks", {"ticketId": "x"}).data["param"] == "ticketId"
    missing = api.error("tickets.getAllSubtasks", {})
    assert missing.data["detail"] == "Required Parameter Missing: ticketId"


def test_find_ticket_searches_one_project(api: Api) -> None:
    tag = unique("find")
    here = api.add_ticket(headline=f"{tag} here", status=-1)
    api.add_ticket(headline=f"{tag} there", projectId=2)

    rows = api.call("tickets.findTicket", {"term": tag, "projectId": 1})

    assert [row["id"] for row in rows] == [here]
    by_id = api.call("tickets.findTicket", {"term": str(here), "projectId": 1})
    assert here in {row["id"] for row in by_id}


def test_find_ticket_needs_term_and_project(api: Api) -> None:
    missing = api.error("tickets.findTicket", {"projectId": 1})
    assert missing.data["detail"] == "Required Parameter Missing: term"
    missing = api.error("tickets.findTicket", {"term": "x"})
    assert missing.data["detail"] == "Required Parameter Missing: projectId"
    assert api.error("tickets.findTicket", {"term": "x", "projectId": "y"}).code == -32602


# -- vocabularies ------------------------------------------------------------------------


def test_status_labels_are_keyed_by_code_in_board_order(api: Api) -> None:
    labels = api.call("tickets.getStatusLabels", {"projectId": 1})

    assert list(labels) == ["3", "1", "4", "2", "0", "-1"]
    assert labels["3"] == {
        "name": "New", "class": "label-info", "statusType": "NEW", "kanbanCol": True,
        "sortKey": 1,
    }  # fmt: skip
    assert labels["-1"]["statusType"] == "DONE" and labels["-1"]["kanbanCol"] is False
    assert api.call("tickets.getStatusLabels") == labels
    assert api.error("tickets.getStatusLabels", {"projectId": "one"}).data["param"] == "projectId"


def test_kanban_columns_are_the_labels_shown_on_the_board(api: Api) -> None:
    columns = api.call("tickets.getKanbanColumns")

    assert list(columns) == ["3", "1", "4", "2", "0"]
    assert all(column["kanbanCol"] is True for column in columns.values())


def test_priority_effort_and_type_vocabularies(api: Api) -> None:
    assert api.call("tickets.getPriorityLabels") == {
        "1": "Critical", "2": "High", "3": "Medium", "4": "Low", "5": "Lowest",
    }  # fmt: skip
    efforts = api.call("tickets.getEffortLabels")
    assert list(efforts) == ["0.5", "1", "2", "3", "5", "8", "13"]
    assert efforts["13"] == "XXL"
    assert api.call("tickets.getTicketTypes") == ["task", "subtask", "story", "bug"]


# -- addTicket, quickAddTicket -------------------------------------------------------


def test_add_ticket_returns_the_new_id_with_leantime_defaults(
    api: Api, editor: tuple[int, str]
) -> None:
    user_id, key = editor

    id = api.call("tickets.addTicket", {"values": {"headline": "New one", "projectId": 1}}, key)

    assert isinstance(id, int)
    created = ticket(api, id)
    assert (created["headline"], created["type"], created["status"]) == ("New one", "task", 3)
    assert created["userId"] == user_id and created["editorId"] == ""
    assert created["priority"] == "" and created["sprint"] is None


def test_add_ticket_ignores_a_userid_sent_by_the_caller(api: Api) -> None:
    id = api.add_ticket(userId=4)

    assert ticket(api, id)["userId"] != 4


@pytest.mark.parametrize("headline", ["", "   "])
def test_add_ticket_without_headline_is_leantimes_error(api: Api, headline: str) -> None:
    error = api.error("tickets.addTicket", {"values": {"headline": headline, "projectId": 1}})

    assert error.code == -32602
    assert error.data["detail"] == "notifications.ticket_save_error_no_headline"
    assert error.data["param"] == "values.headline"


def test_add_ticket_needs_values_and_a_project(api: Api) -> None:
    missing = api.error("tickets.addTicket", {})
    assert missing.code == -32602
    assert missing.data["detail"] == "Required Parameter Missing: values"
    no_project = api.error("tickets.addTicket", {"values": {"headline": "x"}})
    assert no_project.code == -32602 and "project id is not set" in no_project.data["detail"]
    assert no_project.data["param"] == "values.projectId"


@pytest.mark.parametrize(
    ("values", "param"),
    [
        ({"projectId": "one"}, "values.projectId"),
        ({"projectId": 987654}, "values.projectId"),
        ({"status": 99}, "values.status"),
        ({"status": "new"}, "values.status"),
        ({"type": "epic"}, "values.type"),
        ({"editorId": "987654"}, "values.editorId"),
        ({"storypoints": "lots"}, "values.storypoints"),
        ({"dateToFinish": "someday"}, "values.dateToFinish"),
        ({"headline": "x" * 256}, "values.headline"),
        ({"collaborators": [987654]}, "values.collaborators"),
        ({"dependingTicketId": 987654}, "values.dependingTicketId"),
    ],
)
def test_add_ticket_rejects_bad_values(api: Api, values: dict[str, Any], param: str) -> None:
    error = api.error(
        "tickets.addTicket", {"values": {"headline": "bad", "projectId": 1, **values}}
    )

    assert error.code == -32602
    assert error.data["param"] == param


def test_add_ticket_refuses_links_into_another_project(api: Api, plan: dict[str, int]) -> None:
    error = api.error(
        "tickets.addTicket",
        {"values": {"headline": "x", "projectId": 1, "milestoneid": plan["other_milestone"]}},
    )

    assert error.code == -32602 and error.data["param"] == "values.milestoneid"


def test_quick_add_ticket_assigns_the_caller_and_takes_milestone(
    api: Api, editor: tuple[int, str], plan: dict[str, int]
) -> None:
    user_id, key = editor
    params = {"headline": "Quick", "projectId": 1, "milestone": plan["milestone"]}

    id = api.call("tickets.quickAddTicket", {"params": params}, key=key)

    created = ticket(api, id)
    assert isinstance(id, int)
    assert created["editorId"] == str(user_id) and created["milestoneid"] == plan["milestone"]
    assert created["status"] == 3 and created["type"] == "task"


def test_quick_add_ticket_without_headline_is_leantimes_error(api: Api) -> None:
    error = api.error("tickets.quickAddTicket", {"params": {"projectId": 1}})

    assert error.code == -32602 and error.data["detail"] == "Headline Missing"
    missing = api.error("tickets.quickAddTicket", {})
    assert missing.data["detail"] == "Required Parameter Missing: params"


# -- updateTicket ------------------------------------------------------------------------


def test_update_ticket_round_trip_changes_only_the_changed_field(
    api: Api, plan: dict[str, int]
) -> None:
    parent = api.add_ticket()
    id = api.add_ticket(
        headline="Round trip", description="<p>keep</p>", type="story", status=2,
        priority="3", editorId="4", storypoints=8, planHours=3, hourRemaining=1.5,
        sprint=plan["sprint"], milestoneid=plan["milestone"], dependingTicketId=parent,
        tags="t1,t2", acceptanceCriteria="works", dateToFinish="2027-03-04 10:11:12",
        editFrom="2027-03-01T08:00:05Z", editTo="2027-03-09 17:30:45", collaborators=[3, 4],
    )  # fmt: skip
    before = ticket(api, id)

    assert api.call("tickets.updateTicket", {"values": {**before, "planHours": 7}}) is True

    after = ticket(api, id)
    assert changed(before, after) <= {"planHours", *BOOKKEEPING}
    assert after["planHours"] == 7
    assert after["modified"] >= before["modified"]


def test_update_ticket_is_a_full_replace(api: Api, plan: dict[str, int]) -> None:
    id = api.add_ticket(
        description="<p>old</p>", tags="x", editorId="3", priority="1", storypoints=3,
        sprint=plan["sprint"], dateToFinish="2027-01-01", collaborators=[4],
    )  # fmt: skip
    before = ticket(api, id)

    assert api.call("tickets.updateTicket", {"values": {"id": id, "headline": "Only this"}})

    after = ticket(api, id)
    assert after["headline"] == "Only this"
    assert (after["description"], after["tags"], after["editorId"], after["priority"]) == (
        "", "", "", "",
    )  # fmt: skip
    assert (after["storypoints"], after["sprint"], after["dateToFinish"]) == (0, None, None)
    assert after["collaborators"] == []
    # Milepost keeps the creation time, the project, the type and the status.
    assert after["date"] == before["date"] and after["projectId"] == 1
    assert (after["type"], after["status"]) == (before["type"], before["status"])


def test_update_ticket_without_headline_is_leantimes_error(api: Api) -> None:
    id = api.add_ticket(headline="keep me")

    error = api.error("tickets.updateTicket", {"values": {"id": id, "headline": ""}})

    assert error.code == -32602
    assert error.data["detail"] == "notifications.ticket_save_error_no_headline"
    assert ticket(api, id)["headline"] == "keep me"


def test_update_ticket_needs_an_id_and_a_ticket(api: Api) -> None:
    missing = api.error("tickets.updateTicket", {"values": {"headline": "x"}})
    assert missing.code == -32602
    assert missing.data["detail"] == "Required Parameter Missing: values.id"
    bad = api.error("tickets.updateTicket", {"values": {"id": "abc", "headline": "x"}})
    assert bad.code == -32602 and bad.data["param"] == "values.id"
    gone = api.error("tickets.updateTicket", {"values": {"id": 987654321, "headline": "x"}})
    assert gone.code == -32002


def test_update_ticket_rejects_bad_values_and_changes_nothing(api: Api) -> None:
    id = api.add_ticket(headline="stable", status=4)
    before = ticket(api, id)

    error = api.error("tickets.updateTicket", {"values": {**before, "status": 77}})

    assert error.code == -32602 and error.data["param"] == "values.status"
    assert ticket(api, id) == before


# -- patchTicket, patch ------------------------------------------------------------------


@pytest.mark.parametrize(("method", "wrapper"), [("patchTicket", "values"), ("patch", "params")])
def test_patch_changes_only_the_given_fields(api: Api, method: str, wrapper: str) -> None:
    id = api.add_ticket(description="<p>stay</p>", tags="stay", editorId="3", collaborators=[4])
    before = ticket(api, id)

    result = api.call(f"tickets.{method}", {"id": id, wrapper: {"status": 4, "Priority": "1"}})

    after = ticket(api, id)
    assert result is True
    assert changed(before, after) <= {"status", "priority", *BOOKKEEPING}
    assert (after["status"], after["priority"]) == (4, "1")


@pytest.mark.parametrize(("method", "wrapper"), [("patchTicket", "values"), ("patch", "params")])
def test_patch_answers_false_when_nothing_is_patchable(api: Api, method: str, wrapper: str) -> None:
    id = api.add_ticket()
    before = ticket(api, id)

    assert api.call(f"tickets.{method}", {"id": id, wrapper: {"color": "red"}}) is False
    assert ticket(api, id) == before


def test_patch_ticket_sets_collaborators_and_checks_values(api: Api) -> None:
    id = api.add_ticket(collaborators=[2])

    assert api.call("tickets.patchTicket", {"id": id, "values": {"collaborators": [3, 4]}})
    assert ticket(api, id)["collaborators"] == [3, 4]
    empty = api.error("tickets.patchTicket", {"id": id, "values": {"headline": " "}})
    assert empty.data["detail"] == "notifications.ticket_save_error_no_headline"
    bad = api.error("tickets.patchTicket", {"id": id, "values": {"editorId": "987654"}})
    assert bad.code == -32602 and bad.data["param"] == "values.editorId"


@pytest.mark.parametrize(("method", "wrapper"), [("patchTicket", "values"), ("patch", "params")])
def test_patch_checks_its_params(api: Api, method: str, wrapper: str) -> None:
    id = api.add_ticket()

    assert api.error(f"tickets.{method}", {"id": "abc", wrapper: {}}).data["param"] == "id"
    missing = api.error(f"tickets.{method}", {"id": id})
    assert missing.data["detail"] == f"Required Parameter Missing: {wrapper}"
    gone = api.error(f"tickets.{method}", {"id": 987654321, wrapper: {"status": 4}})
    assert gone.code == -32002


# -- markTicketDone, moveTicket, delete --------------------------------------------------


def test_mark_ticket_done_sets_the_done_status(api: Api) -> None:
    id = api.add_ticket(status=4)

    assert api.call("tickets.markTicketDone", {"id": id}) is True
    assert ticket(api, id)["status"] == 0
    assert api.error("tickets.markTicketDone", {"id": 987654321}).code == -32002
    assert api.error("tickets.markTicketDone", {"id": "x"}).data["param"] == "id"


def test_move_ticket_takes_subtasks_along_and_clears_links(api: Api, plan: dict[str, int]) -> None:
    parent = api.add_ticket()
    id = api.add_ticket(
        dependingTicketId=parent, sprint=plan["sprint"], milestoneid=plan["milestone"]
    )
    child = api.add_ticket(dependingTicketId=id, type="subtask", sprint=plan["sprint"])

    assert api.call("tickets.moveTicket", {"id": id, "projectId": 2}) is True

    moved, sub = ticket(api, id), ticket(api, child)
    assert (moved["projectId"], sub["projectId"]) == (2, 2)
    assert (moved["sprint"], moved["milestoneid"], moved["dependingTicketId"]) == (None, 0, 0)
    assert sub["dependingTicketId"] == id and sub["sprint"] is None
    assert ticket(api, parent)["children"] == []


def test_move_ticket_checks_the_target(api: Api) -> None:
    id = api.add_ticket()

    missing = api.error("tickets.moveTicket", {"id": id})
    assert missing.data["detail"] == "Required Parameter Missing: projectId"
    nowhere = api.error("tickets.moveTicket", {"id": id, "projectId": 987654})
    assert nowhere.code == -32602 and nowhere.data["param"] == "projectId"
    assert ticket(api, id)["projectId"] == 1


def test_delete_removes_the_ticket_and_unparents_subtasks(api: Api) -> None:
    id = api.add_ticket()
    child = api.add_ticket(dependingTicketId=id, type="subtask")

    assert api.call("tickets.delete", {"id": id}) is True

    assert api.call("tickets.getTicket", {"id": id}) is False
    assert ticket(api, child)["dependingTicketId"] == 0
    assert api.error("tickets.delete", {"id": id}).code == -32002
    assert api.error("tickets.delete", {"id": "x"}).data["param"] == "id"
    assert api.error("tickets.delete", {}).data["detail"] == "Required Parameter Missing: id"


def test_refused_ticket_writes_carry_leantimes_message_keys(api: Api) -> None:
    readonly = api.new_key("readonly", [1])[1]
    id = api.add_ticket(headline="untouched")
    before = ticket(api, id)

    edit = api.error("tickets.patchTicket", {"id": id, "values": {"status": 0}}, readonly)
    update = api.error("tickets.updateTicket", {"values": {**before, "tags": "x"}}, readonly)
    delete = api.error("tickets.delete", {"id": id}, readonly)

    assert (edit.code, update.code, delete.code) == (-32001, -32001, -32001)
    assert (
        edit.data["detail"]
        == update.data["detail"]
        == ("notifications.ticket_save_error_no_access")
    )
    assert delete.data["detail"] == "notifications.ticket_delete_error"
    assert ticket(api, id) == before


def test_no_write_moves_a_ticket_out_of_the_callers_projects(
    api: Api, editor: tuple[int, str]
) -> None:
    key = editor[1]
    id = api.add_ticket(headline=unique("stays"))
    before = ticket(api, id)

    patched = api.error("tickets.patchTicket", {"id": id, "values": {"projectId": 3}}, key)
    updated = api.error("tickets.updateTicket", {"values": {**before, "projectId": 3}}, key)
    moved = api.error("tickets.moveTicket", {"id": id, "projectId": 3}, key)

    assert (patched.code, updated.code, moved.code) == (-32001, -32001, -32001)
    assert ticket(api, id) == before


def test_an_editor_key_can_do_the_whole_ticket_cycle(api: Api, editor: tuple[int, str]) -> None:
    key = editor[1]
    id = api.call("tickets.addTicket", {"values": {"headline": "cycle", "projectId": 1}}, key)

    assert api.call("tickets.patchTicket", {"id": id, "values": {"status": 4}}, key=key)
    current = api.call("tickets.getTicket", {"id": id}, key=key)
    assert api.call("tickets.updateTicket", {"values": {**current, "tags": "x"}}, key=key)
    assert api.call("tickets.markTicketDone", {"id": id}, key=key)
    assert api.call("tickets.delete", {"id": id}, key=key)
    assert api.call("tickets.getTicket", {"id": id}, key=key) is False


def test_a_failed_call_leaves_no_half_written_ticket(api: Api) -> None:
    tag = unique("atomic")

    error = api.error(
        "tickets.addTicket",
        {"values": {"headline": tag, "projectId": 1, "collaborators": [3, 987654]}},
    )

    assert error.code == -32602
    assert api.call("tickets.findTicket", {"term": tag, "projectId": 1}) == []
