"""Reports over real HTTP: the report of the moment, the daily history rebuilt from the
tickets, the report page's sprint burndown, and the report engine over project sets and
periods, with projects the caller cannot see left out or refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Server
from tests.services import Api, api_for, unique

ROLES = ("readonly", "commenter", "editor", "manager")
REPORT_FIELDS = [
    "sprintId", "projectId", "date", "sum_todos", "sum_open_todos", "sum_progres_todos",
    "sum_closed_todos", "sum_planned_hours", "sum_estremaining_hours", "sum_logged_hours",
    "sum_points", "sum_points_done", "sum_points_progress", "sum_points_open", "sum_todos_xs",
    "sum_todos_s", "sum_todos_m", "sum_todos_l", "sum_todos_xl", "sum_todos_xxl",
    "sum_todos_none", "tickets", "daily_avg_hours_booked_todo", "daily_avg_hours_booked_point",
    "daily_avg_hours_planned_todo", "daily_avg_hours_planned_point",
    "daily_avg_hours_remaining_point", "daily_avg_hours_remaining_todo", "sum_teammembers",
]  # fmt: skip


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def keys(api: Api) -> dict[str, str]:
    """A key of each role, limited to project 1."""
    return {role: api.new_key(role, [1])[1] for role in ROLES}


def day(offset: int = 0) -> dt.date:
    return dt.datetime.now(dt.UTC).date() + dt.timedelta(days=offset)


def new_project(api: Api) -> int:
    return int(api.call("projects.addProject", {"values": {"name": unique("reports")}}))


def log(api: Api, ticket: int, hours: float, when: dt.date) -> None:
    api.call(
        "Timesheets.Timesheets.logTime",
        {"ticketId": ticket, "params": {"hours": hours, "date": when.isoformat()}},
    )


@pytest.fixture
def work(api: Api) -> dict[str, int]:
    """A project with four tickets of each state and size, a milestone, a subtask (the
    last two left out of reports) and 3.5 logged hours."""
    pid = new_project(api)
    made = {
        "project": pid,
        "new": api.add_ticket(projectId=pid, storypoints=1, planHours=2, hourRemaining=1),
        "busy": api.add_ticket(projectId=pid, storypoints=3, planHours=4, status=4),
        "done": api.add_ticket(projectId=pid, storypoints=13, planHours=1, status=0),
        "unsized": api.add_ticket(projectId=pid),
    }
    made["milestone"] = api.call(
        "tickets.quickAddMilestone", {"params": {"headline": "m", "projectId": pid}}
    )
    api.add_ticket(projectId=pid, type="subtask", dependingTicketId=made["new"], storypoints=8)
    log(api, made["done"], 2, day())
    log(api, made["new"], 1.5, day())
    return made


# -- Reports.Reports -----------------------------------------------------------------


def test_realtime_report_sums_the_project_now(api: Api, work: dict[str, int]) -> None:
    row = api.call("reports.getRealtimeReport", {"projectId": work["project"], "sprintId": ""})

    assert list(row) == REPORT_FIELDS
    ids = sorted(work[name] for name in ("new", "busy", "done", "unsized"))
    assert row["tickets"] == ",".join(map(str, ids))
    assert (row["sprintId"], row["projectId"], row["date"]) == (
        -1,
        work["project"],
        f"{day().isoformat()} 00:00:00",
    )
    counts = [
        row[f"sum_{name}"] for name in ("todos", "open_todos", "progres_todos", "closed_todos")
    ]
    assert counts == [4, 2, 1, 1]
    hours = [row[f"sum_{name}"] for name in ("planned_hours", "estremaining_hours", "logged_hours")]
    assert hours == [7, 1, 3.5]
    points = [row[f"sum_points{name}"] for name in ("", "_done", "_progress", "_open")]
    assert points == [17, 13, 3, 1]
    sizes = [row[f"sum_todos_{size}"] for size in ("xs", "s", "m", "l", "xl", "xxl", "none")]
    assert sizes == [1, 0, 1, 0, 0, 1, 1]
    assert (row["daily_avg_hours_planned_todo"], row["daily_avg_hours_booked_todo"]) == (1.75, 0.88)
    assert (row["daily_avg_hours_planned_point"], row["daily_avg_hours_remaining_todo"]) == (
        0.41,
        0.25,
    )
    assert row["sum_teammembers"] == 1


def test_realtime_report_of_a_sprint(api: Api, work: dict[str, int]) -> None:
    pid = work["project"]
    sprint = api.call(
        "sprints.addSprint",
        {
            "params": {
                "name": "s",
                "projectId": pid,
                "startDate": day(-1).isoformat(),
                "endDate": day(5).isoformat(),
            }
        },
    )
    for name in ("new", "busy"):
        api.call("tickets.patchTicket", {"id": work[name], "values": {"sprint": sprint}})
    other = api.call(
        "sprints.addSprint",
        {
            "params": {
                "name": "o",
                "projectId": 1,
                "startDate": "2027-01-01",
                "endDate": "2027-01-02",
            }
        },
    )

    row = api.call("reports.getRealtimeReport", {"projectId": pid, "sprintId": sprint})

    assert (row["sprintId"], row["sum_todos"], row["sum_points"], row["sum_logged_hours"]) == (
        sprint,
        2,
        4,
        1.5,
    )
    assert api.call("reports.getRealtimeReport", {"projectId": pid, "sprintId": str(sprint)}) == row
    assert api.call("reports.getRealtimeReport", {"projectId": pid, "sprintId": other}) is False
    assert api.call("reports.getRealtimeReport", {"projectId": pid, "sprintId": "next"}) is False
    huge = {"projectId": pid, "sprintId": "9" * 30}
    assert api.call("reports.getRealtimeReport", huge) is False
    assert api.call("reports.getRealtimeReport", {"projectId": new_project(api)}) is False


def test_full_report_rebuilds_each_day_newest_first(api: Api) -> None:
    pid = new_project(api)
    old = api.add_ticket(projectId=pid, date=f"{day(-5).isoformat()} 09:00:00", storypoints=2)
    recent = api.add_ticket(projectId=pid, date=f"{day(-2).isoformat()} 09:00:00", storypoints=5)
    api.call("tickets.markTicketDone", {"id": recent})
    log(api, old, 1, day(-4))
    log(api, recent, 2, day(-1))

    rows = api.call("reports.getFullReport", {"projectId": pid})

    assert [row["date"][:10] for row in rows] == [day(-n).isoformat() for n in range(6)]
    by_day = {row["date"][:10]: row for row in rows}
    state = {
        n: tuple(
            by_day[day(-n).isoformat()][f"sum_{k}"]
            for k in ("open_todos", "progres_todos", "closed_todos")
        )
        for n in range(6)
    }
    assert state == {
        5: (1, 0, 0),
        4: (1, 0, 0),
        3: (1, 0, 0),
        2: (1, 1, 0),
        1: (1, 1, 0),
        0: (1, 0, 1),
    }
    logged = [by_day[day(-n).isoformat()]["sum_logged_hours"] for n in (5, 4, 1, 0)]
    assert logged == [0, 1, 3, 3]
    assert all(list(row) == REPORT_FIELDS and row["tickets"] is None for row in rows)
    assert api.call("reports.getFullReport", {"projectId": new_project(api)}) == []


def test_full_report_of_the_demo_project_reaches_today(api: Api) -> None:
    rows = api.call("reports.getFullReport", {"projectId": 1})

    assert rows[0]["date"] == f"{day().isoformat()} 00:00:00" and len(rows) <= 120
    assert rows[0]["sum_todos"] >= 90


def test_sprint_burndown_for_report_picks_the_sprint(api: Api) -> None:
    pid = new_project(api)
    assert api.call("reports.getSprintBurndownForReport", {"projectId": pid}) == {
        "chart": False,
        "currentSprintId": False,
    }

    def sprint(start: int, end: int, project: int = pid) -> int:
        values = {
            "name": "s",
            "projectId": project,
            "startDate": day(start).isoformat(),
            "endDate": day(end).isoformat(),
        }
        return int(api.call("sprints.addSprint", {"params": values}))

    past = sprint(-20, -10)
    future = sprint(10, 12)
    chart = api.call("reports.getSprintBurndownForReport", {"projectId": pid})
    assert chart["currentSprintId"] == future and len(chart["chart"]) == 3
    running = sprint(-1, 1)
    chosen = api.call(
        "reports.getSprintBurndownForReport", {"projectId": pid, "requestedSprintId": None}
    )
    assert chosen["currentSprintId"] == running
    assert chosen["chart"] == api.call("sprints.getSprintBurndown", {"sprint": running})
    asked = api.call(
        "reports.getSprintBurndownForReport", {"projectId": pid, "requestedSprintId": past}
    )
    assert asked["currentSprintId"] == past and len(asked["chart"]) == 11
    foreign = sprint(0, 1, project=1)
    elsewhere = api.call(
        "reports.getSprintBurndownForReport", {"projectId": pid, "requestedSprintId": foreign}
    )
    assert elsewhere == {"chart": False, "currentSprintId": foreign}


def test_report_params_are_checked(api: Api) -> None:
    assert (
        api.error("reports.getFullReport", {}).data["detail"]
        == "Required Parameter Missing: projectId"
    )
    wrong = api.error("reports.getRealtimeReport", {"projectId": "one"})
    assert wrong.code == -32602 and wrong.data["param"] == "projectId"
    listed = api.error(
        "reports.getSprintBurndownForReport", {"projectId": 1, "requestedSprintId": [1]}
    )
    assert listed.code == -32602 and listed.data["param"] == "requestedSprintId"


# -- Reports.ReportEngine ------------------------------------------------------------


ENGINE = "Reports.ReportEngine."
AROUND_TODAY = {"from": day(-1).isoformat(), "to": day(1).isoformat()}


@pytest.mark.parametrize(
    ("period", "preset"),
    [
        ("month", "month"),
        ("lastQuarter", "lastQuarter"),
        ("thisQuarter", "thisQuarter"),
        ({"preset": "year"}, "year"),
        ({"from": "2027-01-05", "to": "2027-01-07"}, "custom"),
        ({"start": "2027-01-05", "end": "2027-01-07"}, "custom"),
        (None, "thisQuarter"),
        ({"from": "0001-01-01", "to": "9999-12-31"}, "custom"),
    ],
)
def test_periods_are_words_or_ranges(api: Api, period: Any, preset: str) -> None:
    params: dict[str, Any] = {"projectIds": [1]}
    if period is not None:
        params["period"] = period

    report = api.call(ENGINE + "buildReport", params)

    assert report["period"]["preset"] == preset
    if preset == "custom" and "2027-01-05" in period.values():
        assert (report["period"]["start"], report["period"]["end"]) == (
            "2027-01-05 00:00:00",
            "2027-01-07 23:59:59",
        )
        assert report["deltas"]["priorPeriodLabel"] == "01/02/2027 \u2013 01/04/2027"
    if preset == "thisQuarter":
        assert report["period"]["label"].startswith("Q")


@pytest.mark.parametrize(
    ("period", "param"),
    [
        ("fortnight", "period"),
        ({"from": "2027-02-01", "to": "2027-01-01"}, "period"),
        ({"from": "soon", "to": "2027-01-01"}, "period.from"),
        ({"preset": "decade"}, "period.preset"),
        (5, "period"),
    ],
)
def test_bad_periods_are_named(api: Api, period: Any, param: str) -> None:
    error = api.error(ENGINE + "getEffortForProjects", {"projectIds": [1], "period": period})

    assert error.code == -32602 and error.data["param"] == param


def test_effort_counts_the_hours_of_the_period(api: Api, work: dict[str, int]) -> None:
    pid = work["project"]
    api.call(
        "tickets.patchTicket", {"id": work["busy"], "values": {"milestoneid": work["milestone"]}}
    )
    log(api, work["busy"], 4, day())
    log(api, work["busy"], 8, day(-30))

    effort = api.call(
        ENGINE + "getEffortForProjects", {"projectIds": [pid], "period": AROUND_TODAY}
    )

    assert effort == {
        "total": 7.5,
        "byProject": {str(pid): 7.5},
        "byMilestone": {str(work["milestone"]): 4},
    }


def test_summaries_show_progress_and_the_latest_status(api: Api, work: dict[str, int]) -> None:
    pid = work["project"]
    quiet = new_project(api)
    for text, status in (("<p>Shaky</p>", "yellow"), ("<p>All <b>good</b></p>", "green")):
        api.call(
            "comments.addComment",
            {"values": {"text": text, "status": status}, "module": "project", "entityId": pid},
        )

    summaries = api.call(ENGINE + "getProjectSummaries", {"projectIds": [pid, quiet]})

    summary = summaries[str(pid)]
    assert (summary["latestStatus"], summary["latestStatusText"], summary["isStale"]) == (
        "green",
        "All good",
        False,
    )
    assert summary["progress"]["allTickets"] == 5 and summary["progress"]["doneTickets"] == 1
    assert (
        summaries[str(quiet)]["isStale"] is True and summaries[str(quiet)]["latestStatus"] is None
    )
    updates = api.call(
        ENGINE + "getStatusUpdatesForProjects",
        {"projectIds": [pid], "period": "month", "limitPerProject": 1},
    )
    assert [u["status"] for u in updates[str(pid)]] == ["green"]
    every = api.call(
        ENGINE + "getStatusUpdatesForProjects", {"projectIds": [pid], "period": "month"}
    )
    assert [u["status"] for u in every[str(pid)]] == ["green", "yellow"]


def test_goal_report_counts_goal_states(api: Api) -> None:
    pid = new_project(api)
    board = int(
        api.call("goalcanvas.createGoalboard", {"values": {"projectId": pid, "title": "g"}})
    )
    for status in ("status_ontrack", "status_ontrack", "status_atrisk", ""):
        api.call(
            "goalcanvas.createGoal",
            {
                "values": {
                    "canvasId": board,
                    "title": status or "none",
                    "status": status,
                    "startValue": 0,
                    "currentValue": 5,
                    "endValue": 10,
                }
            },
        )

    report = api.call(ENGINE + "getGoalReportForProjects", {"projectIds": [pid]})

    assert report["counts"] == {"ontrack": 2, "atrisk": 1, "miss": 0}
    assert len(report["goals"]) == 4 and list(report["byProject"]) == [str(pid)]
    assert {goal["goalProgress"] for goal in report["goals"]} == {50}


def test_milestone_report_sorts_milestones_into_buckets(api: Api) -> None:
    pid = new_project(api)

    def milestone(**params: Any) -> int:
        return int(
            api.call(
                "tickets.quickAddMilestone",
                {"params": {"headline": unique("m"), "projectId": pid, **params}},
            )
        )

    done = milestone(status=0)
    overdue = milestone(editFrom=day(-20).isoformat(), editTo=day(-2).isoformat())
    active = milestone(editFrom=day(-1).isoformat(), editTo=day(10).isoformat())
    upcoming = milestone(editFrom=day(30).isoformat(), editTo=day(40).isoformat())
    api.add_ticket(projectId=pid, milestoneid=active, status=0, storypoints=1, priority="1")
    api.add_ticket(projectId=pid, milestoneid=active, status=3, storypoints=1, priority="5")

    report = api.call(
        ENGINE + "getMilestoneReportForProjects", {"projectIds": [pid], "period": AROUND_TODAY}
    )

    def ids(bucket: str) -> list[int]:
        return [m["id"] for m in report[bucket]]

    assert (ids("completed"), ids("allDone"), ids("overdue")) == ([done], [done], [overdue])
    assert (ids("inProgress"), ids("upcoming")) == ([active], [upcoming])
    assert set(m["id"] for m in report["slippage"]["addedMidPeriod"]) == {
        done,
        overdue,
        active,
        upcoming,
    }
    assert report["slippage"]["pushedOut"] == []
    shown = report["inProgress"][0]
    assert shown["taskStats"] == {"done": 1, "total": 2} and shown["keyTasks"][0]["isDone"] is True
    assert shown["percentDone"] == pytest.approx(2 / 3 * 100, abs=0.01)
    assert report["completed"][0]["percentDone"] == 100 and report["completed"][0]["completedOn"]
    quarter = report["upcoming"][0]["quarterLabel"]
    assert list(report["upcomingByQuarter"]) == [quarter] and quarter.startswith("Q")


def test_build_report_puts_it_all_together(api: Api, work: dict[str, int]) -> None:
    report = api.call(
        ENGINE + "buildReport", {"projectIds": [work["project"]], "period": AROUND_TODAY}
    )

    assert list(report) == [
        "period", "projectIds", "summaries", "milestones", "goals", "statusUpdates", "effort",
        "deltas", "needsAttention", "stats",
    ]  # fmt: skip
    assert report["projectIds"] == [work["project"]]
    assert report["stats"]["hoursLogged"] == 3.5 and report["deltas"]["hoursPrior"] == 0
    assert report["stats"]["inFlight"] == 1
    assert [p["id"] for p in report["needsAttention"]["staleProjects"]] == [work["project"]]


@pytest.mark.parametrize("role", ROLES)
def test_projects_the_caller_cannot_see_are_left_out(
    api: Api, keys: dict[str, str], role: str, work: dict[str, int]
) -> None:
    key = keys[role]
    hidden = [3, work["project"], 99_999_999]

    report = api.call(ENGINE + "buildReport", {"projectIds": [1, *hidden]}, key=key)

    assert report["projectIds"] == [1] and list(report["summaries"]) == ["1"]
    assert api.call(ENGINE + "getProjectSummaries", {"projectIds": hidden}, key=key) == {}
    effort = api.call(
        ENGINE + "getEffortForProjects", {"projectIds": hidden, "period": "year"}, key=key
    )
    assert effort == {"total": 0, "byProject": {}, "byMilestone": {}}
    goals = api.call(ENGINE + "getGoalReportForProjects", {"projectIds": hidden}, key=key)
    assert goals["goals"] == []
    assert api.call(ENGINE + "getStatusUpdatesForProjects", {"projectIds": hidden}, key=key) == {}
    milestones = api.call(ENGINE + "getMilestoneReportForProjects", {"projectIds": hidden}, key=key)
    assert milestones["allDone"] == [] and milestones["overdue"] == []


@pytest.mark.parametrize("role", ROLES)
def test_project_reports_outside_the_callers_projects_are_refused(
    api: Api, keys: dict[str, str], role: str
) -> None:
    key = keys[role]

    for method, params in (
        ("reports.getFullReport", {"projectId": 3}),
        ("reports.getRealtimeReport", {"projectId": 3, "sprintId": ""}),
        ("reports.getSprintBurndownForReport", {"projectId": 3}),
    ):
        assert api.error(method, params, key=key).code == -32001, method
    assert api.call("reports.getRealtimeReport", {"projectId": 1}, key=key)["projectId"] == 1
    assert isinstance(api.call("reports.getFullReport", {"projectId": 1}, key=key), list)


@pytest.mark.parametrize(
    "method",
    [
        "dailyIngestion",
        "cronDailyIngestion",
        "getAnonymousTelemetry",
        "sendAnonymousTelemetry",
        "optOutTelemetry",
        "getProjectStatusReport",
        "generateTicketReactionsReport",
    ],
)
def test_leantimes_cron_and_telemetry_methods_are_not_supported(api: Api, method: str) -> None:
    error = api.error(f"Reports.Reports.{method}")

    assert error.code == -32601 and error.data["reason"] == "not_supported"
    assert error.data["detail"]
