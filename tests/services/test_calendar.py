"""The personal calendar over real HTTP: events owned by their user, the calendar view
with from/until, external calendar links, and what Milepost does not support."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Server
from tests.services import BOOKKEEPING, Api, api_for, changed

EVENT_FIELDS = ["id", "userId", "dateFrom", "dateTo", "description", "kind", "allDay"]
ENTRY_FIELDS = [
    "title", "allDay", "description", "dateFrom", "dateTo", "id", "projectId", "eventType",
    "dateContext", "backgroundColor", "borderColor", "url",
]  # fmt: skip


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture
def person(api: Api) -> tuple[int, str]:
    """A fresh editor key with project 1: an empty calendar of its own."""
    return api.new_key("editor", [1])


@pytest.fixture(scope="module")
def readonly(api: Api) -> tuple[int, str]:
    return api.new_key("readonly", [1])


def add_event(api: Api, key: str, **values: Any) -> int:
    values.setdefault("description", "Dentist")
    values.setdefault("dateFrom", "2027-03-01 09:00:00")
    values.setdefault("dateTo", "2027-03-01 10:00:00")
    id = api.call("Calendar.Calendar.addEvent", {"values": values}, key)
    assert isinstance(id, int)
    return id


def event(api: Api, id: int, key: str) -> dict[str, Any]:
    found = api.call("Calendar.Calendar.getEvent", {"eventId": id}, key)
    assert isinstance(found, dict), found
    return found


def test_add_event_and_get_event(api: Api, person: tuple[int, str]) -> None:
    user_id, key = person

    id = add_event(
        api,
        key,
        dateFrom="03/02/2027",
        timeFrom="14:30",
        dateTo="2027-03-02",
        timeTo="15:00",
        allDay="false",
        kind="meeting",
    )

    found = event(api, id, key)
    assert list(found)[: len(EVENT_FIELDS)] == EVENT_FIELDS
    assert (found["userId"], found["description"], found["kind"], found["allDay"]) == (
        user_id,
        "Dentist",
        "meeting",
        "false",
    )
    assert (found["dateFrom"], found["dateTo"]) == ("2027-03-02 14:30:00", "2027-03-02 15:00:00")
    all_day = add_event(api, key, allDay=True, dateTo=None)
    assert event(api, all_day, key)["allDay"] == "true"
    assert event(api, all_day, key)["dateTo"] == "2027-03-01 09:00:00"


@pytest.mark.parametrize(
    ("values", "param"),
    [
        ({"description": ""}, "values.description"),
        ({"dateFrom": None}, "values.dateFrom"),
        ({"dateFrom": "someday"}, "values.dateFrom"),
        ({"dateTo": "2027-02-01"}, "values.dateTo"),
        ({"timeFrom": "25"}, "values.timeFrom"),
        ({"description": ["x"]}, "values.description"),
    ],
)
def test_add_event_rejects_bad_values(
    api: Api, person: tuple[int, str], values: dict[str, Any], param: str
) -> None:
    full = {"description": "x", "dateFrom": "2027-03-01 09:00", **values}

    error = api.error("Calendar.Calendar.addEvent", {"values": full}, person[1])

    assert error.code == -32602 and error.data["param"] == param
    assert api.call("Calendar.Calendar.getMyCalendar", {}, person[1]) == []


def test_events_belong_to_their_user(
    api: Api, person: tuple[int, str], readonly: tuple[int, str]
) -> None:
    key = person[1]
    id = add_event(api, key)
    other = api.new_key("editor", [1])[1]

    assert api.call("Calendar.Calendar.getEvent", {"eventId": id}, other) is False
    assert (
        api.error(
            "Calendar.Calendar.editEvent", {"values": {"id": id, "description": "x"}}, other
        ).code
        == -32002
    )
    assert (
        api.error("Calendar.Calendar.patch", {"id": id, "params": {"description": "x"}}, other).code
        == -32002
    )
    assert api.error("Calendar.Calendar.delEvent", {"id": id}, other).code == -32002
    assert event(api, id, key)["description"] == "Dentist"
    assert (
        api.call("Calendar.Calendar.getEvent", {"eventId": id})["id"] == id
    )  # calendar.manage (owner)
    assert api.call("Calendar.Calendar.getEvent", {"eventId": 987654}, key) is False


def test_readonly_people_read_but_do_not_write(api: Api, readonly: tuple[int, str]) -> None:
    key = readonly[1]

    assert api.call("Calendar.Calendar.getMyCalendar", {}, key) == []
    assert (
        api.error(
            "Calendar.Calendar.addEvent",
            {"values": {"description": "x", "dateFrom": "2027-01-01"}},
            key,
        ).code
        == -32001
    )
    assert (
        api.error(
            "Calendar.Calendar.addExternalCalendarUrl",
            {"values": {"url": "https://x.example/c.ics"}},
            key,
        ).code
        == -32001
    )


def test_edit_event_round_trip(api: Api, person: tuple[int, str]) -> None:
    key = person[1]
    id = add_event(api, key)
    before = event(api, id, key)

    assert (
        api.call(
            "Calendar.Calendar.editEvent", {"values": {**before, "description": "Doctor"}}, key
        )
        is True
    )

    after = event(api, id, key)
    assert (
        changed(before, after) <= {"description", *BOOKKEEPING} and after["description"] == "Doctor"
    )
    assert (
        api.call(
            "Calendar.Calendar.editEvent", {"values": {"id": id, "dateTo": "2027-03-01 12:00"}}, key
        )
        is True
    )
    assert event(api, id, key)["dateTo"] == "2027-03-01 12:00:00"
    stale = api.error(
        "Calendar.Calendar.editEvent",
        {"values": {"id": id, "description": "x"}, "expectedVersion": before["version"]},
        key,
    )
    assert stale.code == -32005
    assert (
        api.error("Calendar.Calendar.editEvent", {"values": {"description": "x"}}, key).data[
            "param"
        ]
        == "values.id"
    )
    assert (
        api.error(
            "Calendar.Calendar.editEvent", {"values": {"id": id, "dateTo": "2020-01-01"}}, key
        ).data["param"]
        == "values.dateTo"
    )


def test_patch_changes_only_known_fields(api: Api, person: tuple[int, str]) -> None:
    key = person[1]
    id = add_event(api, key)

    assert (
        api.call(
            "Calendar.Calendar.patch", {"id": id, "params": {"allDay": "true", "userId": 1}}, key
        )
        is True
    )
    assert api.call("Calendar.Calendar.patch", {"id": id, "params": {"unknown": 1}}, key) is False

    found = event(api, id, key)
    assert found["allDay"] == "true" and found["userId"] == person[0]
    assert (
        api.error("Calendar.Calendar.patch", {"id": id, "params": {"description": ""}}, key).code
        == -32602
    )
    assert (
        api.error("Calendar.Calendar.patch", {"id": "x", "params": {}}, key).data["param"] == "id"
    )


def test_del_event_answers_the_count(api: Api, person: tuple[int, str]) -> None:
    key = person[1]
    id = add_event(api, key)

    assert api.call("Calendar.Calendar.delEvent", {"id": id}, key) == 1

    assert api.call("Calendar.Calendar.getEvent", {"eventId": id}, key) is False
    assert api.error("Calendar.Calendar.delEvent", {"id": id}, key).code == -32002
    assert (
        api.error("Calendar.Calendar.delEvent", {}, key).data["detail"]
        == "Required Parameter Missing: id"
    )


def test_my_calendar_takes_from_and_until(api: Api, person: tuple[int, str]) -> None:
    user_id, key = person
    march = add_event(
        api, key, description="March", dateFrom="2027-03-10", dateTo="2027-03-10 23:00"
    )
    april = add_event(
        api, key, description="April", dateFrom="2027-04-10", dateTo="2027-04-11", allDay=True
    )
    due = api.add_ticket(headline="Report", editorId=str(user_id), dateToFinish="2027-03-20 17:00")
    planned = api.add_ticket(
        headline="Build", editorId=str(user_id), editFrom="2027-04-01", editTo="2027-04-05"
    )
    api.add_ticket(headline="Done", editorId=str(user_id), dateToFinish="2027-03-21", status=0)

    everything = api.call("Calendar.Calendar.getMyCalendar", {}, key)
    in_march = api.call(
        "Calendar.Calendar.getMyCalendar",
        {"from": "2027-03-01", "until": "2027-03-31T23:59:59Z"},
        key,
    )

    assert [(e["eventType"], e["id"]) for e in everything] == [
        ("calendar", march), ("calendar", april), ("ticket", due), ("ticket", planned),
    ]  # fmt: skip
    assert all(list(entry) == ENTRY_FIELDS for entry in everything)
    assert [(e["eventType"], e["id"]) for e in in_march] == [("calendar", march), ("ticket", due)]
    entry = {e["id"]: e for e in everything}
    assert entry[april]["allDay"] is True and entry[march]["allDay"] is False
    assert entry[april]["projectId"] == "" and entry[april]["dateContext"] == "plan"
    assert (entry[due]["dateContext"], entry[due]["projectId"], entry[due]["dateFrom"]) == (
        "due",
        1,
        "2027-03-20 17:00:00",
    )
    assert entry[due]["title"] == "Report (New)"
    assert entry[planned]["dateContext"] == "edit" and entry[planned]["allDay"] is True
    only_until = api.call("Calendar.Calendar.getMyCalendar", {"until": "2027-03-15"}, key)
    assert [e["id"] for e in only_until] == [march]
    assert api.call("Calendar.Calendar.getMyCalendar", ["2027-04-01", None], key)[0]["id"] == april


def test_my_calendar_checks_its_range(api: Api, person: tuple[int, str]) -> None:
    key = person[1]

    assert (
        api.error("Calendar.Calendar.getMyCalendar", {"from": "soon"}, key).data["param"] == "from"
    )
    assert (
        api.error(
            "Calendar.Calendar.getMyCalendar", {"from": "2027-02-01", "until": "2027-01-01"}, key
        ).data["param"]
        == "until"
    )
    assert (
        api.error("Calendar.Calendar.getMyCalendar", {"until": ["x"]}, key).data["param"] == "until"
    )
    assert api.call("Calendar.Calendar.getMyCalendar", {"from": None, "until": None}, key) == []


def test_external_calendar_links_round_trip(api: Api, person: tuple[int, str]) -> None:
    user_id, key = person

    assert (
        api.call(
            "Calendar.Calendar.addExternalCalendarUrl",
            {"values": {"url": "https://cal.example/a.ics", "name": "Team", "colorClass": "blue"}},
            key,
        )
        is None
    )

    links = api.call("Calendar.Calendar.getMyExternalCalendars", {"userId": user_id}, key)
    assert [(link["url"], link["name"], link["colorClass"]) for link in links] == [
        ("https://cal.example/a.ics", "Team", "blue")
    ]
    link = api.call(
        "Calendar.Calendar.getExternalCalendar", {"id": links[0]["id"], "userId": user_id}, key
    )
    assert link == links[0] and list(link)[:4] == ["id", "url", "name", "colorClass"]
    assert (
        api.call(
            "Calendar.Calendar.editExternalCalendar",
            {"values": {**link, "name": "Crew"}, "id": link["id"]},
            key,
        )
        is None
    )
    after = api.call(
        "Calendar.Calendar.getExternalCalendar", {"id": link["id"], "userId": user_id}, key
    )
    assert changed(link, after) == {"name", "version"} and after["name"] == "Crew"
    assert api.call("Calendar.Calendar.deleteGCal", {"id": link["id"]}, key) is True
    assert api.call("Calendar.Calendar.getMyExternalCalendars", {"userId": user_id}, key) == []
    assert api.error("Calendar.Calendar.deleteGCal", {"id": link["id"]}, key).code == -32002


def test_external_calendar_links_are_private_and_checked(api: Api, person: tuple[int, str]) -> None:
    user_id, key = person
    api.call(
        "Calendar.Calendar.addExternalCalendarUrl",
        {"values": {"url": "webcal://cal.example/b"}},
        key,
    )
    link = api.call("Calendar.Calendar.getMyExternalCalendars", {"userId": user_id}, key)[0]
    other_id, other = api.new_key("editor", [1])

    assert api.call("Calendar.Calendar.getMyExternalCalendars", {"userId": user_id}, other) is False
    assert (
        api.call(
            "Calendar.Calendar.getExternalCalendar", {"id": link["id"], "userId": other_id}, other
        )
        is False
    )
    assert (
        api.error(
            "Calendar.Calendar.editExternalCalendar",
            {"values": {"name": "x"}, "id": link["id"]},
            other,
        ).code
        == -32002
    )
    assert api.error("Calendar.Calendar.deleteGCal", {"id": link["id"]}, other).code == -32002
    for url in ("file:///etc/passwd", "javascript:alert(1)", "", "https://x/" + "a" * 2000):
        error = api.error("Calendar.Calendar.addExternalCalendarUrl", {"values": {"url": url}}, key)
        assert error.code == -32602 and error.data["param"] == "values.url"
    assert (
        api.error(
            "Calendar.Calendar.editExternalCalendar",
            {"values": {"url": "ftp://x"}, "id": link["id"]},
            key,
        ).data["param"]
        == "values.url"
    )


def test_feeds_and_ical_are_not_supported(api: Api, person: tuple[int, str]) -> None:
    user_id, key = person
    for method, params in (
        ("getICalUrl", {}),
        ("getCachedExternalCalendarContent", {"calId": 1, "userId": user_id}),
        ("getExternalCalendarEvents", {"from": "2027-01-01", "until": "2027-02-01"}),
    ):
        error = api.error(f"Calendar.Calendar.{method}", params, key)
        assert error.code == -32601 and error.data["reason"] == "not_supported"
