"""Logged time over the API: the same-day rule, who logs for whom, limits, deleting."""

from __future__ import annotations

import concurrent.futures
import datetime as dt

import pytest

from tests.conftest import RpcError, Server

DAY = "2027-05-04"


def _log(server: Server, ticket: int, key: str | None = None, **params: object) -> object:
    params.setdefault("hours", 1)
    params.setdefault("date", DAY)
    params.setdefault("kind", "DEVELOPMENT")
    return server.call(
        "Timesheets.Timesheets.logTime", {"ticketId": ticket, "params": params}, key=key
    )


def _entries(server: Server, ticket: int) -> list[dict[str, object]]:
    return list(
        server.call("Timesheets.Timesheets.getTimesheetEntriesForTicket", {"ticketId": ticket})
    )


def _sum(server: Server, ticket: int, key: str | None = None) -> object:
    return server.call("timesheets.getSumLoggedHoursForTicket", {"ticketId": ticket}, key=key)


def test_the_same_day_and_kind_adds_up(server: Server) -> None:
    ticket = server.add_ticket()
    editor = server.make_key("editor", [1])
    assert _log(server, ticket, editor, hours=1.5, description="morning") is True
    assert (
        _log(server, ticket, editor, hours="1h 30m", date=f"{DAY} 17:45:00", description="evening")
        is True
    )
    assert _log(server, ticket, editor, hours=2, kind="TESTING") is True
    entries = _entries(server, ticket)
    assert sorted((e["kind"], e["hours"]) for e in entries) == [("DEVELOPMENT", 3), ("TESTING", 2)]
    development = next(e for e in entries if e["kind"] == "DEVELOPMENT")
    assert development["workDate"] == f"{DAY} 00:00:00"
    assert development["description"] == "evening\n--\n\nmorning"
    assert _sum(server, ticket, editor) == 5


def test_hours_by_day_fill_the_month(server: Server) -> None:
    ticket = server.add_ticket()
    empty = server.call("timesheets.getLoggedHoursForTicketByDate", {"ticketId": ticket})
    assert [row["summe"] for row in empty.values()] == [0]
    _log(server, ticket, hours=2, date="2027-05-04")
    _log(server, ticket, hours=1, date="2027-06-02", kind="TESTING")
    days = server.call("timesheets.getLoggedHoursForTicketByDate", {"ticketId": ticket})
    assert next(iter(days)) == "2027-05-01"
    assert list(days)[-1] == "2027-06-30"
    assert len(days) == 61
    assert days["2027-05-04"] == {"utc": "2027-05-04", "summe": 2}
    assert days["2027-06-02"]["summe"] == 1
    assert days["2027-05-05"]["summe"] == 0


def test_people_below_manager_log_for_themselves(server: Server) -> None:
    ticket = server.add_ticket()
    editor = server.make_key("editor", [1])
    me = server.call("Auth.Auth.getUserId", key=editor)
    _log(server, ticket, editor, userId=3)
    assert [e["userId"] for e in _entries(server, ticket)] == [me]
    manager = server.make_key("manager", [1])
    _log(server, ticket, manager, userId=3, kind="TESTING")
    assert sorted(e["userId"] for e in _entries(server, ticket)) == sorted([me, 3])
    with pytest.raises(RpcError) as error:
        _log(server, ticket, manager, userId=99_999_999)
    assert error.value.data["param"] == "params.userId"


def test_commenters_cannot_log_time(server: Server) -> None:
    ticket = server.add_ticket()
    with pytest.raises(RpcError) as error:
        _log(server, ticket, server.make_key("commenter", [1]))
    assert error.value.code == -32001
    assert _entries(server, ticket) == []


def test_hidden_tickets_are_not_found(server: Server) -> None:
    hidden = server.add_ticket(projectId=3)
    key = server.make_key("editor", [1])
    for call in (lambda: _log(server, hidden, key), lambda: _sum(server, hidden, key)):
        with pytest.raises(RpcError) as error:
            call()
        assert error.value.code == -32002


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"hours": 0}, "params.hours"),
        ({"hours": "lots"}, "params.hours"),
        ({"hours": 25}, "params.hours"),
        ({"kind": "NAPPING"}, "params.kind"),
        ({"date": "someday"}, "params.date"),
        ({"date": ""}, "params.date"),
    ],
)
def test_bad_entries_are_named(server: Server, params: dict[str, object], param: str) -> None:
    ticket = server.add_ticket()
    with pytest.raises(RpcError) as error:
        _log(server, ticket, **params)
    assert error.value.code == -32602
    assert error.value.data["param"] == param


def test_a_day_holds_at_most_24_hours_per_entry(server: Server) -> None:
    ticket = server.add_ticket()
    _log(server, ticket, hours=20)
    with pytest.raises(RpcError) as error:
        _log(server, ticket, hours=5)
    assert error.value.code == -32602
    assert _sum(server, ticket) == 20


def test_concurrent_logs_of_one_entry_all_count(server: Server) -> None:
    ticket = server.add_ticket()
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: _log(server, ticket, hours=0.5), range(16)))
    assert results == [True] * 16
    assert [e["hours"] for e in _entries(server, ticket)] == [8]


def test_deleting_time(server: Server) -> None:
    ticket = server.add_ticket()
    author, other, manager = (
        server.make_key(role, [1]) for role in ("editor", "editor", "manager")
    )
    _log(server, ticket, author, kind="TESTING")
    _log(server, ticket, author, kind="DEVELOPMENT")
    first, second = (e["id"] for e in _entries(server, ticket))
    with pytest.raises(RpcError) as refused:
        server.call("timesheets.deleteTime", {"id": first}, key=other)
    assert refused.value.code == -32001
    assert server.call("timesheets.deleteTime", {"id": first}, key=author) is True
    assert server.call("timesheets.deleteTime", {"id": second}, key=manager) is True
    assert _entries(server, ticket) == []
    with pytest.raises(RpcError) as gone:
        server.call("timesheets.deleteTime", {"id": first})
    assert gone.value.code == -32002


def test_the_kinds_of_time(server: Server) -> None:
    kinds = server.call("timesheets.getLoggableHourTypes", key=server.make_key("readonly", [1]))
    assert list(kinds) == [
        "GENERAL_BILLABLE",
        "GENERAL_NOT_BILLABLE",
        "PROJECTMANAGEMENT",
        "DEVELOPMENT",
        "BUGFIXING_NOT_BILLABLE",
        "TESTING",
    ]
    assert kinds["TESTING"] == "label.testing"


def test_the_default_kind_and_a_unix_timestamp(server: Server) -> None:
    ticket = server.add_ticket()
    stamp = int(dt.datetime(2027, 7, 9, 15, 30, tzinfo=dt.UTC).timestamp())
    server.call(
        "timesheets.logTime", {"ticketId": ticket, "params": {"hours": 1, "timestamp": stamp}}
    )
    entry = _entries(server, ticket)[0]
    assert entry["kind"] == "GENERAL_BILLABLE"
    assert entry["workDate"] == "2027-07-09 00:00:00"
