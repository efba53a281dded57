"""Ticket lists, board vocabularies and milestone readers over real HTTP (ticket_queries,
ticket_views, milestone_queries): a person's work grouped, the grouped board, scheduled
and closed tickets, possible parents, milestone progress and overviews.

Each test works on tickets assigned to a person created for this module, so rows made by
other tests never count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Server
from tests.services import Api, api_for, unique

TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def keys(api: Api) -> dict[str, tuple[int, str]]:
    """Keys restricted to project 1, and one without projects."""
    made = {role: api.new_key(role, [1]) for role in ("readonly", "editor")}
    made["none"] = api.new_key("editor", [])
    return made


def person(api: Api) -> int:
    """A fresh person to assign tickets to."""
    email = f"{unique('worker')}@example.com"
    return int(api.call("users.addUser", {"values": {"username": email, "role": "editor"}}))


def ids(rows: list[dict[str, Any]]) -> set[int]:
    return {row["id"] for row in rows}


def day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


# -- a person's open work -----------------------------------------------------------------


@pytest.fixture(scope="module")
def work(api: Api) -> dict[str, Any]:
    """Tickets of one fresh person: overdue, due this week, later, undated, done,
    archived, in project 2, in project 3, and a milestone they own."""
    user = str(person(api))
    sunday = 6 - TODAY.weekday()

    def make(**values: Any) -> int:
        return api.add_ticket(editorId=user, headline=unique("work"), **values)

    made = {
        "overdue": make(dateToFinish=day(-3), priority="1"),
        "week": make(dateToFinish=f"{day(sunday)} 12:00:00", priority="2"),
        "later": make(dateToFinish=day(sunday + 10)),
        "undated": make(),
        "done": make(status=0, dateToFinish=day(-1)),
        "archived": make(status=-1),
        "other": make(projectId=2),
        "hidden": make(projectId=3),
    }
    made["milestone"] = api.call(
        "tickets.quickAddMilestone",
        {"params": {"headline": unique("owned"), "projectId": 1, "editorId": user}},
    )
    return {"user": int(user), **made}


def grouped_ids(groups: dict[str, Any]) -> dict[str, set[int]]:
    return {key: ids(group["tickets"]) for key, group in groups.items()}


def test_this_week_and_later_groups_by_due_date(api: Api, work: dict[str, Any]) -> None:
    groups = api.call("tickets.getOpenUserTicketsThisWeekAndLater", {"userId": work["user"]})

    assert list(groups) == ["overdue", "thisWeek", "later"]
    assert grouped_ids(groups) == {
        "overdue": {work["overdue"]},
        "thisWeek": {work["week"]},
        "later": {work["later"], work["undated"], work["other"], work["hidden"]},
    }
    assert groups["overdue"]["labelName"] == "subtitles.overdue"
    assert groups["later"]["groupValue"] == "later"


def test_this_week_and_later_takes_done_tickets_and_milestones_on_request(
    api: Api, work: dict[str, Any]
) -> None:
    groups = api.call(
        "tickets.getOpenUserTicketsThisWeekAndLater",
        {"userId": work["user"], "includeDoneTickets": True, "includeMilestones": "true"},
    )

    found = set().union(*grouped_ids(groups).values())
    assert {work["done"], work["milestone"]} <= found
    assert work["archived"] not in found


def test_this_week_and_later_pages_and_picks_a_group(api: Api, work: dict[str, Any]) -> None:
    params = {"userId": work["user"], "projectId": 1}
    every = api.call("tickets.getOpenUserTicketsThisWeekAndLater", params)
    flat = [row["id"] for group in every.values() for row in group["tickets"]]

    page = api.call(
        "tickets.getOpenUserTicketsThisWeekAndLater", {**params, "limit": 2, "offset": 1}
    )
    later = api.call("tickets.getOpenUserTicketsThisWeekAndLater", {**params, "group": "later"})

    assert [row["id"] for group in page.values() for row in group["tickets"]] == flat[1:3]
    assert list(later) == ["later"]


def test_open_work_by_project_priority_and_sprint(api: Api, work: dict[str, Any]) -> None:
    user = work["user"]
    by_project = api.call("tickets.getOpenUserTicketsByProject", {"userId": user})
    by_priority = api.call("tickets.getOpenUserTicketsByPriority", [user, 1])
    by_sprint = api.call("tickets.getOpenUserTicketsBySprint", {"userId": user, "projectId": 2})

    assert set(by_project) == {"1", "2", "3"}
    assert by_project["2"] == {
        "labelName": "Mobile app",
        "groupValue": "2",
        "tickets": by_project["2"]["tickets"],
    }
    assert ids(by_project["2"]["tickets"]) == {work["other"]}
    assert ids(by_priority["1"]["tickets"]) == {work["overdue"]}
    assert by_priority["1"]["labelName"] == "Critical"
    assert work["undated"] in ids(by_priority["999"]["tickets"])
    assert grouped_ids(by_sprint) == {"backlog": {work["other"]}}


def test_open_work_outside_the_callers_projects(
    api: Api, work: dict[str, Any], keys: dict[str, tuple[int, str]]
) -> None:
    key = keys["readonly"][1]
    by_project = api.call("tickets.getOpenUserTicketsByProject", {"userId": work["user"]}, key)

    assert set(by_project) == {"1"}
    error = api.error(
        "tickets.getOpenUserTicketsByProject", {"userId": work["user"], "projectId": 3}, key
    )
    assert error.code == -32001


def test_open_work_checks_its_params(api: Api) -> None:
    for params, param in (
        ({"userId": "me"}, "userId"),
        ({"limit": -1}, "limit"),
        ({"offset": "x"}, "offset"),
    ):
        error = api.error("tickets.getOpenUserTicketsThisWeekAndLater", params)
        assert (error.code, error.data["param"]) == (-32602, param)


# -- done, closed and commented tickets ----------------------------------------------------


def test_done_and_closed_tickets_of_a_person(api: Api, work: dict[str, Any]) -> None:
    user = work["user"]
    done = ids(api.call("tickets.getAllDoneUserTickets", {"userId": user}))
    today = ids(api.call("tickets.getMyClosedTicketsForDate", {"userId": user, "date": day(0)}))
    long_ago = api.call("tickets.getMyClosedTicketsForDate", {"userId": user, "date": "2001-01-01"})
    ranged = api.call("tickets.getMyClosedTicketsForRange", [user, day(-1), day(1)])
    recent = api.call("tickets.getRecentlyCompletedTicketsByUser", {"userId": user})

    assert done == {work["done"], work["archived"]}  # both statuses are of type DONE
    assert today == done and long_ago == []
    assert ids(ranged) == done
    assert ids(recent) == done


def test_closed_for_range_takes_from_by_name_and_refuses_a_backwards_range(
    api: Api, work: dict[str, Any]
) -> None:
    rows = api.call("tickets.getMyClosedTicketsForRange", {"userId": work["user"], "from": day(-2)})
    error = api.error(
        "tickets.getMyClosedTicketsForRange",
        {"userId": work["user"], "from": day(1), "to": day(-1)},
    )

    assert work["done"] in ids(rows)
    assert (error.code, error.data["param"]) == (-32602, "to")


def test_commented_tickets_are_the_callers_by_default(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    _user_id, key = keys["editor"]
    id = api.add_ticket()
    other = api.add_ticket()
    api.call(
        "comments.addComment", {"values": {"text": "seen"}, "module": "ticket", "entityId": id}, key
    )

    rows = api.call("tickets.getMyCommentedTicketsForRange", {"from": day(0)}, key)

    assert id in ids(rows) and other not in ids(rows)


def test_simple_ticket_counter_counts_a_persons_tickets(api: Api, work: dict[str, Any]) -> None:
    count = api.call("tickets.simpleTicketCounter", {"userId": work["user"], "project": 1})
    not_done = api.call(
        "tickets.simpleTicketCounter",
        {"userId": work["user"], "project": 1, "status": "not_done", "types": ["task"]},
    )

    assert count == 6  # archived included; milestone, project 2 and 3 left out
    assert not_done == 4


# -- scheduled tickets ----------------------------------------------------------------------


def test_scheduled_tasks_overlap_the_range(api: Api) -> None:
    user = str(person(api))
    inside = api.add_ticket(editorId=user, editFrom="2031-03-01", editTo="2031-03-10")
    spanning = api.add_ticket(editorId=user, editFrom="2031-02-01", editTo="2031-04-01")
    only_start = api.add_ticket(editorId=user, editFrom="2031-03-05")
    before = api.add_ticket(editorId=user, editFrom="2031-01-01", editTo="2031-01-31")
    api.add_ticket(editorId=user, editFrom="2031-03-02", editTo="2031-03-03", status=0)

    rows = api.call(
        "tickets.getScheduledTasks",
        {"dateFrom": "2031-03-02", "dateTo": "2031-03-06T12:00:00Z", "userId": int(user)},
    )

    assert ids(rows) == {inside, spanning, only_start}
    assert before not in ids(rows)


def test_scheduled_tasks_takes_dates_as_leantime_cannot(api: Api) -> None:
    rows = api.call(
        "tickets.getScheduledTasks", ["03/01/2031", "2031-03-31 23:59:59"]
    )  # m/d/Y and by position

    assert isinstance(rows, list)
    missing = api.error("tickets.getScheduledTasks", {"dateTo": "2031-01-01"})
    bad = api.error("tickets.getScheduledTasks", {"dateFrom": "soon", "dateTo": "2031-01-01"})
    assert missing.data["detail"] == "Required Parameter Missing: dateFrom"
    assert (bad.code, bad.data["param"]) == (-32602, "dateFrom")


# -- the grouped board -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def board(api: Api) -> dict[str, Any]:
    tag = unique("board")
    made = {
        "new": api.add_ticket(tags=tag, status=3, priority="1", editorId="3"),
        "doing": api.add_ticket(tags=tag, status=4, priority="1", editorId="4"),
        "done": api.add_ticket(tags=tag, status=0, priority="3"),
        "hidden": api.add_ticket(tags=tag, projectId=3),
    }
    return {"tag": tag, **made}


def grouped(api: Api, board: dict[str, Any], key: str | None = None, **criteria: Any) -> Any:
    search = {"term": board["tag"], "currentProject": 1, "status": "all", **criteria}
    return api.call("tickets.getAllGrouped", {"searchCriteria": search}, key=key)


def test_all_grouped_by_status_follows_the_board(api: Api, board: dict[str, Any]) -> None:
    groups = grouped(api, board, groupBy="status")

    assert list(groups) == ["3", "4", "0"]  # board order: New, In Progress, Done
    assert groups["3"]["label"] == "New" and groups["3"]["class"] == "label-info"
    assert [row["id"] for row in groups["4"]["items"]] == [board["doing"]]


def test_all_grouped_by_other_fields(api: Api, board: dict[str, Any]) -> None:
    by_priority = grouped(api, board, groupBy="priority")
    by_user = grouped(api, board, groupBy="user")
    plain = grouped(api, board)

    assert by_priority["1"]["label"] == "Critical"
    assert ids(by_priority["1"]["items"]) == {board["new"], board["doing"]}
    assert by_user["3"]["label"] == "Grace Hopper" and by_user[""]["label"] == "Not assigned"
    assert list(plain) == ["all"]
    assert ids(plain["all"]["items"]) == {board["new"], board["doing"], board["done"]}


def test_all_grouped_leaves_out_projects_of_others(
    api: Api, board: dict[str, Any], keys: dict[str, tuple[int, str]]
) -> None:
    groups = grouped(api, board, keys["readonly"][1], currentProject=3)

    assert groups == {"all": {"id": "all", "label": "", "class": "", "moreInfo": "", "items": []}}


def test_every_group_by_option_is_accepted(api: Api, board: dict[str, Any]) -> None:
    options = api.call("tickets.getGroupByFieldOptions")

    for option in options:
        assert isinstance(grouped(api, board, groupBy=option), dict)
    error = api.error("tickets.getAllGrouped", {"searchCriteria": {"groupBy": "colour"}})
    assert (error.code, error.data["param"]) == (-32602, "searchCriteria.groupBy")


def test_every_sort_option_is_an_order_of_get_all(api: Api) -> None:
    options = api.call("tickets.getSortByFieldOptions")

    assert {"standard", "duedate", "priority"} <= set(options)
    for option in options:
        api.call("tickets.getAll", {"searchCriteria": {"orderBy": option}, "limit": 1})


def test_status_breakdown_counts_a_grouped_board(api: Api, board: dict[str, Any]) -> None:
    groups = grouped(api, board, groupBy="priority")
    columns = api.call("tickets.getStatusLabels", {"projectId": 1})

    breakdown = api.call(
        "tickets.getStatusBreakdownBySwimlane",
        {"groupedTickets": groups, "statusColumns": columns},
    )

    assert breakdown["1"] == {**dict.fromkeys(columns, 0), "3": 1, "4": 1}
    assert breakdown["3"]["0"] == 1
    error = api.error(
        "tickets.getStatusBreakdownBySwimlane",
        {"groupedTickets": {"x": {"items": "none"}}, "statusColumns": columns},
    )
    assert (error.code, error.data["param"]) == (-32602, "groupedTickets.x.items")


def test_set_filters_leave_project_grouping_and_order_out(api: Api) -> None:
    criteria = {
        "currentProject": 1, "users": "3", "status": "", "groupBy": "status",
        "orderBy": "date", "type": "bug", "sprint": "all",
    }  # fmt: skip

    assert api.call("tickets.countSetFilters", {"searchCriteria": criteria}) == 2
    assert api.call("tickets.getSetFilters", {"searchCriteria": criteria}) == {
        "users": "3",
        "type": "bug",
    }
    with_group = api.call("tickets.getSetFilters", [criteria, True])
    assert with_group["groupBy"] == "status"
    assert api.error("tickets.countSetFilters", {"searchCriteria": "x"}).code == -32602


def test_vocabularies(api: Api) -> None:
    icons = api.call("tickets.getTypeIcons")
    new = api.call("tickets.getNewFieldOptions")
    names = {m["name"] for m in api.call("rpc.discover")["methods"]}

    assert set(icons) == {"task", "subtask", "story", "bug", "milestone"}
    assert all(f"leantime.rpc.{option['method']}" in names for option in new.values())


# -- possible parents -----------------------------------------------------------------------


def test_possible_parents_leave_out_the_ticket_its_subtasks_and_milestones(api: Api) -> None:
    project = api.call("projects.addProject", {"values": {"name": unique("parents")}})
    ticket = api.add_ticket(projectId=project)
    sub = api.add_ticket(projectId=project, dependingTicketId=ticket, type="subtask")
    other = api.add_ticket(projectId=project)
    api.call("tickets.quickAddMilestone", {"params": {"headline": "m", "projectId": project}})

    rows = api.call("tickets.getAllPossibleParents", {"ticket": {"id": ticket}})
    fresh = api.call("tickets.getAllPossibleParents", {"ticket": {}, "projectId": str(project)})

    assert ids(rows) == {other}
    assert ids(fresh) == {ticket, sub, other}


def test_possible_parents_outside_the_callers_projects(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    hidden = api.add_ticket(projectId=3)

    error = api.error(
        "tickets.getAllPossibleParents", {"ticket": {"id": hidden}}, keys["editor"][1]
    )
    nothing = api.error("tickets.getAllPossibleParents", {"ticket": {}})

    assert error.code == -32001
    assert (nothing.code, nothing.data["param"]) == (-32602, "projectId")


# -- small lookups --------------------------------------------------------------------------


def test_last_tickets_are_the_newest_of_a_project(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    project = api.call("projects.addProject", {"values": {"name": unique("last")}})
    made = [api.add_ticket(projectId=project) for _ in range(3)]

    rows = api.call("tickets.getLastTickets", {"projectId": project, "limit": 2})

    assert [row["id"] for row in rows] == [made[2], made[1]]
    assert api.error("tickets.getLastTickets", {"projectId": 3}, keys["editor"][1]).code == -32001
    assert api.error("tickets.getLastTickets", {"projectId": 1, "limit": -2}).code == -32602


def test_status_labels_of_every_project_of_a_user(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    linus = api.call("tickets.getAllStatusLabelsByUserId", {"userId": 6})
    as_key = api.call("tickets.getAllStatusLabelsByUserId", {"userId": 6}, keys["readonly"][1])

    assert {"1", "2"} <= set(linus) and "3" not in linus
    assert linus["1"]["3"]["name"] == "New"
    assert set(as_key) == {"1"}


def test_client_name_only_for_who_sees_the_client(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    assert api.call("tickets.getClientNameById", {"clientId": 1}) == "Acme Corporation"
    assert api.call("tickets.getClientNameById", {"clientId": 1}, keys["readonly"][1]) != ""
    assert api.call("tickets.getClientNameById", {"clientId": 1}, keys["none"][1]) == ""
    assert api.call("tickets.getClientNameById", {"clientId": 987654}) == ""


def test_can_delete_answers_for_the_caller(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    inside, outside = api.add_ticket(), api.add_ticket(projectId=3)

    assert api.call("tickets.canDelete", {"id": inside}, keys["editor"][1]) is True
    assert api.call("tickets.canDelete", {"id": outside}, keys["editor"][1]) is False
    assert api.call("tickets.canDelete", {"id": inside}, keys["readonly"][1]) is False


# -- milestones -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def milestone(api: Api) -> dict[str, Any]:
    tag = unique("ms")
    id = api.call("tickets.quickAddMilestone", {"params": {"headline": tag, "projectId": 1}})
    done = api.add_ticket(milestoneid=id, status=0)
    open_ = api.add_ticket(milestoneid=id, status=3)
    archived = api.call(
        "tickets.quickAddMilestone", {"params": {"headline": f"{tag}-old", "projectId": 1}}
    )
    api.call("tickets.patchTicket", {"id": archived, "values": {"status": -1}})
    hidden = api.call("tickets.quickAddMilestone", {"params": {"headline": tag, "projectId": 3}})
    return {
        "tag": tag, "id": id, "done": done, "open": open_, "archived": archived,
        "hidden": hidden,
    }  # fmt: skip


def test_get_milestone_answers_only_milestones(
    api: Api, milestone: dict[str, Any], keys: dict[str, tuple[int, str]]
) -> None:
    found = api.call("tickets.getMilestone", {"id": milestone["id"]})

    assert found["type"] == "milestone" and found["percentDone"] == 50
    assert api.call("tickets.getMilestone", {"id": milestone["done"]}) is False
    assert api.call("tickets.getMilestone", {"id": milestone["hidden"]}, keys["editor"][1]) is False


def test_milestone_progress_takes_ids_as_numbers_or_strings(
    api: Api, milestone: dict[str, Any], keys: dict[str, tuple[int, str]]
) -> None:
    assert api.call("tickets.getMilestoneProgress", {"milestoneId": milestone["id"]}) == 50
    assert api.call("tickets.getMilestoneProgress", {"milestoneId": str(milestone["id"])}) == 50
    assert api.error("tickets.getMilestoneProgress", {"milestoneId": "abc"}).code == -32602
    assert api.error("tickets.getMilestoneProgress", {"milestoneId": 987654}).code == -32002
    hidden = api.error(
        "tickets.getMilestoneProgress", {"milestoneId": milestone["hidden"]}, keys["editor"][1]
    )
    assert hidden.code == -32002


def test_bulk_progress_leaves_out_what_the_caller_cannot_see(
    api: Api, milestone: dict[str, Any], keys: dict[str, tuple[int, str]]
) -> None:
    progress = api.call(
        "tickets.getBulkMilestoneProgress",
        {"milestones": [milestone["id"], {"id": milestone["hidden"]}]},
        keys["editor"][1],
    )

    assert progress == {str(milestone["id"]): 50}


def test_milestones_overview_with_progress_tasks_and_filters(
    api: Api, milestone: dict[str, Any]
) -> None:
    criteria = {"term": milestone["tag"]}

    plain = api.call("tickets.getAllMilestonesOverview", {"searchCriteria": criteria})
    full = api.call(
        "tickets.getAllMilestonesOverview",
        {"searchCriteria": criteria, "includeArchived": True, "includeTasks": True},
    )
    other_client = api.call(
        "tickets.getAllMilestonesOverview", {"searchCriteria": criteria, "clientId": 987654}
    )

    assert ids(plain) == {milestone["id"], milestone["hidden"]}
    row = next(row for row in full if row["id"] == milestone["id"])
    assert (row["doneTickets"], row["allTickets"], row["percentDone"]) == (1, 2, 50)
    assert ids(row["tickets"]) == {milestone["done"], milestone["open"]}
    assert milestone["archived"] in ids(full)
    assert other_client == []


def test_milestones_of_a_users_projects(api: Api, milestone: dict[str, Any]) -> None:
    rows = api.call("tickets.getAllMilestonesByUserProjects", {"userId": 6})

    assert milestone["id"] in ids(rows) and milestone["hidden"] not in ids(rows)
    assert all(row["type"] == "milestone" for row in rows)


def test_find_milestone_searches_one_project(
    api: Api, milestone: dict[str, Any], keys: dict[str, tuple[int, str]]
) -> None:
    rows = api.call("tickets.findMilestone", {"term": milestone["tag"], "projectId": 1})

    assert ids(rows) == {milestone["id"], milestone["archived"]}
    assert (
        api.error("tickets.findMilestone", {"term": "x", "projectId": 3}, keys["editor"][1]).code
        == -32001
    )
    assert api.error("tickets.findMilestone", {"term": "x"}).data["param"] == "projectId"
