"""Time entries beyond logTime over real HTTP (timesheet_entries.py, punch_clock.py): one
entry, editing and replacing, the lists and the weekly grid, invoicing, remaining hours,
and the punch clock.

Who sees what: lists across tickets show a person's own entries unless they hold
timesheets.manage (managers and above); a timer is made to have run for hours by moving
its start back in the database, the only way to test clocking out without waiting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import update

from milepost.storage import tables as t
from milepost.storage.database import Database
from tests.conftest import Server
from tests.services import BOOKKEEPING, Api, api_for, changed, leading

ENTRY_FIELDS = [
    "id", "userId", "ticketId", "workDate", "hours", "description", "kind", "name",
    "projectId", "clientName", "clientId", "invoicedEmpl", "invoicedComp", "invoicedEmplDate",
    "invoicedCompDate", "paid", "paidDate", "firstname", "lastname", "headline", "planHours",
    "tags", "milestone", "modified",
]  # fmt: skip


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def keys(api: Api) -> dict[str, tuple[int, str]]:
    made = {role: api.new_key(role, [1]) for role in ("readonly", "editor", "manager")}
    made["editor2"] = api.new_key("editor", [1])
    return made


def log(api: Api, ticket: int, key: str | None = None, **params: Any) -> None:
    params.setdefault("hours", 1)
    params.setdefault("date", "2030-05-06")
    api.call("timesheets.logTime", {"ticketId": ticket, "params": params}, key)


def entries(api: Api, ticket: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = api.call(
        "timesheets.getTimesheetEntriesForTicket", {"ticketId": ticket}
    )
    return rows


def entry(api: Api, id: int, key: str | None = None) -> dict[str, Any]:
    found = api.call("timesheets.getTimesheet", {"id": id}, key)
    assert isinstance(found, dict), f"entry {id}: {found!r}"
    return found


def all_entries(api: Api, key: str | None = None, **params: Any) -> list[dict[str, Any]]:
    params = {"dateFrom": "2030-01-01", "dateTo": "2030-12-31", **params}
    rows: list[dict[str, Any]] = api.call("timesheets.getAll", params, key)
    return rows


# -- one entry ---------------------------------------------------------------------------------


def test_get_timesheet_answers_the_entry_with_its_names(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    ticket = api.add_ticket(planHours=5, tags="t")
    log(api, ticket, hours=2, description="setup", kind="DEVELOPMENT")
    id = entries(api, ticket)[0]["id"]

    found = entry(api, id)

    assert leading(found, ENTRY_FIELDS) == ENTRY_FIELDS
    assert (found["ticketId"], found["hours"], found["kind"]) == (ticket, 2, "DEVELOPMENT")
    assert (found["name"], found["projectId"], found["clientId"]) == ("Website relaunch", 1, 1)
    assert found["workDate"] == "2030-05-06 00:00:00" and found["planHours"] == 5
    assert api.call("timesheets.getTimesheet", {"id": 987654}) is False


def test_get_timesheet_hides_entries_out_of_reach(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    hidden = api.add_ticket(projectId=3)
    log(api, hidden)

    id = entries(api, hidden)[0]["id"]

    assert api.call("timesheets.getTimesheet", {"id": id}, keys["editor"][1]) is False
    assert api.error("timesheets.getTimesheet", {"id": id}, keys["readonly"][1]).code == -32001


# -- lists -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def logged(api: Api, keys: dict[str, tuple[int, str]]) -> dict[str, Any]:
    """Entries by the editor key and by the owner key on two tickets of project 1."""
    first, second = api.add_ticket(), api.add_ticket()
    key = keys["editor"][1]
    log(api, first, key, hours=1, date="2030-06-03", kind="TESTING")
    log(api, first, key, hours=2, date="2030-06-04")
    log(api, second, hours=3, date="2030-06-05")
    ids = {row["ticketId"]: row for row in all_entries(api, ticketFilter=str(second))}
    return {"first": first, "second": second, "owner_entry": ids[second]["id"]}


def test_get_all_filters(
    api: Api, logged: dict[str, Any], keys: dict[str, tuple[int, str]]
) -> None:
    first, second = logged["first"], logged["second"]
    user = keys["editor"][0]

    by_ticket = all_entries(api, ticketFilter=str(first))
    by_kind = all_entries(api, ticketFilter=str(first), kind="TESTING")
    by_user = all_entries(api, userId=user, projectId=1)
    in_range = all_entries(api, dateFrom="2030-06-04", dateTo="2030-06-04", ticketFilter=str(first))
    elsewhere = all_entries(api, projectId=2, ticketFilter=str(first))

    assert [row["workDate"][:10] for row in by_ticket] == ["2030-06-04", "2030-06-03"]
    assert [row["hours"] for row in by_kind] == [1]
    assert {row["ticketId"] for row in by_user} == {first} and all(
        row["userId"] == user for row in by_user
    )
    assert [row["hours"] for row in in_range] == [2]
    assert elsewhere == [] and second not in {row["ticketId"] for row in by_ticket}


def test_get_all_shows_others_only_to_managers(
    api: Api, logged: dict[str, Any], keys: dict[str, tuple[int, str]]
) -> None:
    mine = all_entries(api, keys["editor"][1])
    as_manager = all_entries(api, keys["manager"][1], ticketFilter=str(logged["second"]))
    other = api.error(
        "timesheets.getAll",
        {"dateFrom": "2030-01-01", "dateTo": "2030-12-31", "userId": 1},
        keys["editor"][1],
    )

    assert {row["userId"] for row in mine} == {keys["editor"][0]}
    assert [row["id"] for row in as_manager] == [logged["owner_entry"]]
    assert other.code == -32001


def test_get_all_invoice_flags(api: Api, logged: dict[str, Any]) -> None:
    id = logged["owner_entry"]
    api.call("timesheets.updateInvoices", {"invEmpl": [id], "paid": [id]})

    invoiced = all_entries(api, invEmpl="1", ticketFilter=str(logged["second"]))
    not_invoiced = all_entries(api, invEmpl="0", ticketFilter=str(logged["second"]))
    unpaid = all_entries(api, paid="0", ticketFilter=str(logged["second"]))

    assert [row["id"] for row in invoiced] == [id]
    assert not_invoiced == [] and unpaid == []


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"dateFrom": "soon"}, "dateFrom"),
        ({"dateTo": "2029-01-01"}, "dateTo"),  # ends before it starts
        ({"invEmpl": "yes"}, "invEmpl"),
        ({"kind": "NAPPING"}, "params.kind"),
        ({"ticketFilter": "x"}, "ticketFilter"),
        ({"projectId": "x"}, "projectId"),
    ],
)
def test_get_all_checks_its_params(api: Api, params: dict[str, Any], param: str) -> None:
    error = api.error(
        "timesheets.getAll", {"dateFrom": "2030-01-01", "dateTo": "2030-12-31", **params}
    )

    assert (error.code, error.data["param"]) == (-32602, param)


def test_get_all_needs_dates(api: Api) -> None:
    error = api.error("timesheets.getAll", {"dateTo": "2030-12-31"})

    assert error.data["detail"] == "Required Parameter Missing: dateFrom"


def test_weekly_grid(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    ticket = api.add_ticket()
    key = keys["editor2"][1]
    log(api, ticket, key, hours=2, date="2030-07-01", description="mon")
    log(api, ticket, key, hours=3, date="2030-07-03")
    log(api, ticket, key, hours=1, date="2030-07-08")  # the next week

    grid = api.call(
        "timesheets.getWeeklyTimesheets", {"projectId": 1, "fromDate": "2030-07-01"}, key
    )

    row = grid[f"{ticket}-GENERAL_BILLABLE-00:00:00"]
    assert list(grid) == [f"{ticket}-GENERAL_BILLABLE-00:00:00"]
    assert (row["day1"]["hours"], row["day2"]["hours"], row["day3"]["hours"]) == (2, 0, 3)
    assert row["day1"]["description"] == "mon" and row["day1"]["id"] is not None
    assert row["day7"]["start"] == "2030-07-07 00:00:00" and row["rowSum"] == 5
    other = api.error(
        "timesheets.getWeeklyTimesheets",
        {"projectId": 1, "fromDate": "2030-07-01", "userId": 1},
        key,
    )
    assert other.code == -32001
    as_manager = api.call(
        "timesheets.getWeeklyTimesheets",
        {"projectId": 0, "fromDate": "2030-07-01", "userId": keys["editor2"][0]},
        keys["manager"][1],
    )
    assert list(as_manager) == list(grid)


def test_users_tickets_and_hours(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    user, key = keys["editor2"]
    ticket, hidden = api.add_ticket(), api.add_ticket(projectId=3)
    log(api, ticket, key, hours=1.5, date="2031-01-02")
    log(api, ticket, key, hours=1, date="2031-01-03")

    booked = api.call("timesheets.getUsersTickets", {"userId": user, "limit": 1}, key)
    hours = api.call("timesheets.getUsersTicketHours", {"ticketId": ticket, "userId": user})

    assert booked == [
        {"id": ticket, "headline": "test ticket", "projectId": 1,
         "projectName": "Website relaunch", "clientName": "Acme Corporation",
         "bookedHours": 2.5, "lastWorkDate": "2031-01-03 00:00:00"}
    ]  # fmt: skip
    assert hours == 2.5
    assert api.call("timesheets.getUsersTicketHours", {"ticketId": ticket, "userId": 4}) == 0
    hidden_hours = api.error(
        "timesheets.getUsersTicketHours", {"ticketId": hidden, "userId": user}, key
    )
    assert hidden_hours.code == -32002
    assert api.error("timesheets.getUsersTickets", {"userId": 1}, key).code == -32001


def test_remaining_hours_takes_an_id_or_a_ticket(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    ticket, over = api.add_ticket(planHours=10), api.add_ticket(planHours=1)
    log(api, ticket, hours=3)
    log(api, over, hours=2)

    assert api.call("timesheets.getRemainingHours", {"ticketOrId": ticket}) == 7
    assert (
        api.call(
            "timesheets.getRemainingHours",
            {"ticketOrId": api.call("tickets.getTicket", {"id": ticket})},
        )
        == 7
    )
    assert api.call("timesheets.getRemainingHours", [str(over)]) == 0
    hidden = api.add_ticket(projectId=3, planHours=4)
    assert (
        api.error("timesheets.getRemainingHours", {"ticketOrId": hidden}, keys["editor"][1]).code
        == -32002
    )
    assert (
        api.error("timesheets.getRemainingHours", {"ticketOrId": {"headline": "x"}}).code == -32602
    )


def test_booked_hour_types_are_the_kinds(api: Api) -> None:
    assert api.call("timesheets.getBookedHourTypes") == api.call("timesheets.getLoggableHourTypes")


# -- writing -----------------------------------------------------------------------------------


def test_upsert_time_replaces_the_hours_of_the_day(api: Api) -> None:
    ticket = api.add_ticket()
    log(api, ticket, hours=2, date="2030-08-01", description="kept")

    assert api.call(
        "timesheets.upsertTime", {"ticketId": ticket, "params": {"hours": 5, "date": "2030-08-01"}}
    )
    replaced = entries(api, ticket)
    api.call(
        "timesheets.upsertTime",
        {"ticketId": ticket, "params": {"hours": "1h 30m", "date": "2030-08-02"}},
    )
    added = entries(api, ticket)
    api.call(
        "timesheets.upsertTime", {"ticketId": ticket, "params": {"hours": 0, "date": "2030-08-01"}}
    )

    assert [(row["hours"], row["description"]) for row in replaced] == [(5, "kept")]
    assert [row["hours"] for row in added] == [1.5, 5]
    assert [row["workDate"][:10] for row in entries(api, ticket)] == ["2030-08-02"]


def test_upsert_time_checks_its_params(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    ticket, hidden = api.add_ticket(), api.add_ticket(projectId=3)

    no_hours = api.error(
        "timesheets.upsertTime", {"ticketId": ticket, "params": {"date": "2030-01-01"}}
    )
    too_many = api.error(
        "timesheets.upsertTime", {"ticketId": ticket, "params": {"hours": 25, "date": "2030-01-01"}}
    )
    no_date = api.error("timesheets.upsertTime", {"ticketId": ticket, "params": {"hours": 2}})
    outside = api.error(
        "timesheets.upsertTime", {"ticketId": hidden, "params": {"hours": 2, "date": "2030-01-01"}},
        keys["editor"][1],
    )  # fmt: skip
    readonly = api.error(
        "timesheets.upsertTime", {"ticketId": ticket, "params": {"hours": 2, "date": "2030-01-01"}},
        keys["readonly"][1],
    )  # fmt: skip

    assert [e.data["param"] for e in (no_hours, too_many, no_date)] == ["params.hours"] * 2 + [
        "params.date"
    ]
    assert (outside.code, readonly.code) == (-32002, -32001)
    assert entries(api, ticket) == []


def test_add_time_is_log_time_with_the_ticket_inside(api: Api) -> None:
    ticket = api.add_ticket()

    assert (
        api.call(
            "timesheets.addTime",
            {"values": {"ticketId": ticket, "hours": 2, "workDate": "2030-09-01"}},
        )
        is None
    )
    api.call("timesheets.addTime", {"values": {"ticket": ticket, "hours": 1, "date": "2030-09-01"}})

    assert [row["hours"] for row in entries(api, ticket)] == [3]  # the same day and kind add up
    missing = api.error("timesheets.addTime", {"values": {"hours": 1, "date": "2030-09-01"}})
    assert (missing.code, missing.data["param"]) == (-32602, "values.ticketId")


def test_update_time_round_trip(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    key = keys["editor"][1]
    ticket, other_ticket = api.add_ticket(), api.add_ticket()
    log(api, ticket, key, hours=2, date="2030-10-01")
    id = entries(api, ticket)[0]["id"]
    read = entry(api, id, key)

    assert (
        api.call(
            "timesheets.updateTime", {"values": {**read, "hours": 4, "description": "more"}}, key
        )
        is None
    )

    after = entry(api, id, key)
    assert changed(read, after) - BOOKKEEPING == {"hours", "description"}
    api.call(
        "timesheets.updateTime",
        {"values": {"id": id, "ticketId": other_ticket, "date": "2030-10-02"}},
        key,
    )
    moved = entry(api, id, key)
    assert (moved["ticketId"], moved["workDate"], moved["hours"]) == (
        other_ticket,
        "2030-10-02 00:00:00",
        4,
    )
    stale = api.error(
        "timesheets.updateTime",
        {"values": {"id": id, "hours": 1}, "expectedVersion": read["version"]},
        key,
    )
    assert stale.code == -32005


def test_update_time_guards_others_entries_flags_and_clashes(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    key = keys["editor"][1]
    ticket = api.add_ticket()
    log(api, ticket, hours=1, date="2030-11-01")  # the owner's
    log(api, ticket, key, hours=1, date="2030-11-02")
    log(api, ticket, key, hours=1, date="2030-11-03")
    by_day = {row["workDate"][:10]: row["id"] for row in entries(api, ticket)}

    others = api.error(
        "timesheets.updateTime", {"values": {"id": by_day["2030-11-01"], "hours": 5}}, key
    )
    flag = api.error(
        "timesheets.updateTime", {"values": {"id": by_day["2030-11-02"], "paid": 1}}, key
    )
    clash = api.error(
        "timesheets.updateTime", {"values": {"id": by_day["2030-11-02"], "date": "2030-11-03"}}, key
    )
    missing = api.error("timesheets.updateTime", {"values": {"id": 987654, "hours": 1}})
    as_manager = api.call(
        "timesheets.updateTime",
        {"values": {"id": by_day["2030-11-01"], "invoicedComp": 1}},
        keys["manager"][1],
    )

    assert (others.code, flag.code, missing.code) == (-32001, -32001, -32002)
    assert (clash.code, clash.data["reason"]) == (-32005, "duplicate_entry")
    assert as_manager is None and entry(api, by_day["2030-11-01"])["invoicedComp"] == 1
    assert entry(api, by_day["2030-11-01"])["invoicedCompDate"] is not None
    assert [row["hours"] for row in entries(api, ticket)] == [1, 1, 1]


def test_update_invoices_is_all_or_nothing_and_for_managers(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    ticket = api.add_ticket()
    log(api, ticket, hours=1, date="2030-12-01")
    id = entries(api, ticket)[0]["id"]

    missing = api.error("timesheets.updateInvoices", {"invEmpl": [id], "invComp": [987654]})
    editor = api.error("timesheets.updateInvoices", {"invEmpl": [id]}, keys["editor"][1])
    api.call("timesheets.updateInvoices", {"invEmpl": [], "invComp": [id]}, keys["manager"][1])

    marked = entry(api, id)
    assert (missing.code, editor.code) == (-32002, -32001)
    assert (marked["invoicedEmpl"], marked["invoicedComp"], marked["paid"]) == (0, 1, 0)
    assert marked["invoicedCompDate"] is not None
    assert api.error("timesheets.updateInvoices", {"invEmpl": "all"}).data["param"] == "invEmpl"


# -- the punch clock -----------------------------------------------------------------------------


def started(server: Api, user_id: int, hours_ago: float) -> None:
    """Move the start of a person's running timer back."""
    database = Database(server.database_url)
    when = dt.datetime.now(dt.UTC).timestamp() - hours_ago * 3600
    try:
        with database.transaction(write=True) as conn:
            conn.execute(
                update(t.punch_clock)
                .where(t.punch_clock.c.userId == user_id)
                .values(punchIn=int(when))
            )
    finally:
        database.dispose()


@pytest.fixture
def clock(api: Api) -> tuple[int, str]:
    """An editor key of its own, so that no other test's timer is in the way."""
    return api.new_key("editor", [1])


def test_punch_in_and_out_under_a_minute_logs_nothing(api: Api, clock: tuple[int, str]) -> None:
    user, key = clock
    ticket = api.add_ticket(headline="timed")

    assert api.call("timesheets.punchIn", {"ticketId": ticket}, key) is True
    state = api.call("timesheets.isClocked", {"sessionId": user}, key)
    again = api.error("timesheets.punchIn", {"ticketId": api.add_ticket()}, key)
    out = api.call("timesheets.punchOut", {"ticketId": ticket}, key)

    assert (state["id"], state["ticketId"], state["headline"]) == (ticket, ticket, "timed")
    assert state["totalTime"] == "0:00" and isinstance(state["since"], int)
    assert (again.code, again.data["reason"]) == (-32005, "clocked_in")
    assert out == 0 and entries(api, ticket) == []
    assert api.call("timesheets.isClocked", {"sessionId": user}, key) is False
    assert api.call("timesheets.punchOut", {"ticketId": ticket}, key) is False


def test_punch_out_logs_the_time_the_timer_ran(api: Api, clock: tuple[int, str]) -> None:
    user, key = clock
    ticket = api.add_ticket()
    api.call("timesheets.punchIn", {"ticketId": ticket}, key)
    started(api, user, hours_ago=3)

    assert api.call("timesheets.isClocked", {"sessionId": user}, key)["totalTime"] == "3:00"
    hours = api.call("timesheets.punchOut", {"ticketId": ticket}, key)

    logged = entries(api, ticket)
    assert 2.99 <= hours <= 3.01
    assert 2.99 <= sum(row["hours"] for row in logged) <= 3.01
    assert {row["userId"] for row in logged} == {user}
    assert {row["kind"] for row in logged} == {"GENERAL_BILLABLE"}


def test_stop_active_timer_splits_a_long_timer_over_days(api: Api, clock: tuple[int, str]) -> None:
    user, key = clock
    ticket = api.add_ticket()
    assert api.call("timesheets.stopActiveTimer", key=key) is False
    api.call("timesheets.punchIn", [ticket], key)
    started(api, user, hours_ago=30)

    hours = api.call("timesheets.stopActiveTimer", key=key)

    logged = entries(api, ticket)
    assert 29.99 <= hours <= 30.01
    assert len(logged) in (2, 3) and all(row["hours"] <= 24 for row in logged)
    assert 29.99 <= sum(row["hours"] for row in logged) <= 30.01


def test_punch_clock_rights_and_reach(
    api: Api, clock: tuple[int, str], keys: dict[str, tuple[int, str]]
) -> None:
    user, key = clock
    hidden = api.add_ticket(projectId=3)

    outside = api.error("timesheets.punchIn", {"ticketId": hidden}, key)
    readonly = api.error("timesheets.punchIn", {"ticketId": api.add_ticket()}, keys["readonly"][1])
    others = api.error("timesheets.isClocked", {"sessionId": 1}, key)

    assert (outside.code, readonly.code, others.code) == (-32002, -32001, -32001)
    assert api.call("timesheets.isClocked", {"sessionId": user}, keys["manager"][1]) is False
    assert api.error("timesheets.punchIn", {"ticketId": "x"}, key).data["param"] == "ticketId"
