"""Notifications over real HTTP: each caller's own inbox, adding with the recipient's
access checked, mentions, and the methods Milepost does not support."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Server
from tests.services import Api, api_for

ROW_FIELDS = [
    "id", "userId", "read", "type", "module", "moduleId", "datetime", "url", "message",
    "authorId", "firstname", "lastname",
]  # fmt: skip


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture
def person(api: Api) -> tuple[int, str]:
    """A fresh editor key with project 1: an empty inbox of its own."""
    return api.new_key("editor", [1])


@pytest.fixture(scope="module")
def owner_id(api: Api) -> int:
    return int(api.call("Auth.Auth.getUserId", {}))


@pytest.fixture(scope="module")
def outsider(api: Api) -> tuple[int, str]:
    return api.new_key("editor", [2])


def notify(api: Api, user_id: int, key: str | None = None, **values: Any) -> Any:
    values = {"userId": user_id, "type": "note", "message": "hello", "url": "/tickets/1", **values}
    return api.call(
        "Notifications.Notifications.addNotifications", {"notifications": [values]}, key
    )


def inbox(api: Api, key: str, **params: Any) -> list[dict[str, Any]]:
    rows = api.call("Notifications.Notifications.getInbox", params, key)
    assert isinstance(rows, list)
    return rows


def test_added_notifications_land_in_the_recipients_inbox(
    api: Api, person: tuple[int, str], owner_id: int
) -> None:
    user_id, key = person
    ticket = api.add_ticket()

    assert notify(api, user_id, module="ticket", moduleId=ticket, message="look") is True

    rows = inbox(api, key)
    assert len(rows) == 1 and list(rows[0]) == ROW_FIELDS
    row = rows[0]
    assert (row["userId"], row["read"], row["type"], row["module"]) == (
        user_id,
        0,
        "note",
        "ticket",
    )
    assert (row["moduleId"], row["message"], row["url"], row["authorId"]) == (
        ticket,
        "look",
        "/tickets/1",
        owner_id,
    )
    assert isinstance(row["datetime"], str) and isinstance(row["firstname"], str)
    assert api.call("Notifications.Notifications.getUnreadCount", {}, key) == 1
    assert inbox(api, api.owner_key) == [] or all(
        r["userId"] != user_id for r in inbox(api, api.owner_key)
    )


def test_inbox_orders_windows_and_filters(api: Api, person: tuple[int, str]) -> None:
    user_id, key = person
    for number in range(3):
        notify(api, user_id, key, message=f"m{number}")
    newest = inbox(api, key)
    assert [row["message"] for row in newest] == ["m2", "m1", "m0"]
    api.call("Notifications.Notifications.markRead", {"id": newest[0]["id"]}, key)

    assert [row["message"] for row in inbox(api, key, showNewOnly=1)] == ["m1", "m0"]
    assert [row["message"] for row in inbox(api, key, limitStart=1, limitEnd=1)] == ["m1"]
    page = api.call("Notifications.Notifications.getInbox", {"pageSize": 2}, key)
    assert [row["message"] for row in page["items"]] == ["m0", "m1"] and page["nextCursor"]
    assert (
        api.error("Notifications.Notifications.getInbox", {"showNewOnly": "maybe"}, key).data[
            "param"
        ]
        == "showNewOnly"
    )


def test_mark_read_unread_and_all(api: Api, person: tuple[int, str]) -> None:
    user_id, key = person
    notify(api, user_id, key)
    notify(api, user_id, key)
    first = inbox(api, key)[0]["id"]

    assert api.call("Notifications.Notifications.markRead", {"id": first}, key) is True
    assert api.call("Notifications.Notifications.getUnreadCount", {}, key) == 1
    assert (
        api.call("Notifications.Notifications.markNotificationUnread", {"id": first}, key) is True
    )
    assert api.call("Notifications.Notifications.getUnreadCount", {}, key) == 2
    assert api.call("notifications.markRead", {"id": "all"}, key) is True
    assert api.call("Notifications.Notifications.getUnreadCount", {}, key) == 0
    assert all(row["read"] == 1 for row in inbox(api, key))


def test_nobody_marks_anyone_elses_notifications(
    api: Api, person: tuple[int, str], outsider: tuple[int, str]
) -> None:
    user_id, key = person
    notify(api, user_id, key)
    theirs = inbox(api, key)[0]["id"]

    assert (
        api.error("Notifications.Notifications.markRead", {"id": theirs}, outsider[1]).code
        == -32002
    )
    assert (
        api.error("Notifications.Notifications.markNotificationUnread", {"id": theirs}).code
        == -32002
    )
    api.call("Notifications.Notifications.markRead", {"id": "all"}, outsider[1])
    assert inbox(api, key)[0]["read"] == 0
    assert (
        api.error("Notifications.Notifications.markRead", {"id": "some"}, key).data["param"] == "id"
    )
    assert (
        api.error("Notifications.Notifications.markRead", {}, key).data["detail"]
        == "Required Parameter Missing: id"
    )


def test_legacy_methods_act_on_the_callers_own_notifications(
    api: Api, person: tuple[int, str]
) -> None:
    user_id, key = person
    notify(api, user_id, key, type="mention", module="project", moduleId=1)
    notify(api, user_id, key, type="note")

    rows = api.call(
        "Notifications.Notifications.getAllNotifications",
        {"userId": user_id, "filterOptions": {"type": "mention"}},
        key,
    )

    assert [row["type"] for row in rows] == ["mention"]
    assert len(api.call("notifications.getAllNotifications", {"userId": user_id}, key)) == 2
    assert (
        api.error("Notifications.Notifications.getAllNotifications", {"userId": 1}, key).code
        == -32001
    )
    bad_filter = api.error(
        "Notifications.Notifications.getAllNotifications",
        {"userId": user_id, "filterOptions": {"userId": 1}},
        key,
    )
    assert bad_filter.code == -32602 and bad_filter.data["param"] == "filterOptions.userId"
    assert (
        api.call(
            "Notifications.Notifications.markNotificationRead",
            {"id": rows[0]["id"], "userId": user_id},
            key,
        )
        is True
    )
    assert (
        api.error(
            "Notifications.Notifications.markNotificationRead",
            {"id": rows[0]["id"], "userId": 1},
            key,
        ).code
        == -32001
    )
    assert api.call("Notifications.Notifications.getUnreadCount", {}, key) == 1


def test_notifying_others_needs_a_shared_entity(
    api: Api, person: tuple[int, str], outsider: tuple[int, str]
) -> None:
    user_id, key = person
    ticket = api.add_ticket()  # project 1: the person's, not the outsider's

    no_entity = api.error(
        "Notifications.Notifications.addNotifications",
        {"notifications": [{"userId": outsider[0], "message": "x"}]},
        key,
    )
    assert no_entity.code == -32001 and no_entity.data["reason"] == "recipient_without_access"
    assert (
        api.error(
            "Notifications.Notifications.addNotifications",
            {"notifications": [{"userId": outsider[0], "module": "ticket", "moduleId": ticket}]},
            key,
        ).code
        == -32001
    )
    hidden = api.error(
        "Notifications.Notifications.addNotifications",
        {"notifications": [{"userId": user_id, "module": "ticket", "moduleId": ticket}]},
        outsider[1],
    )
    assert hidden.code == -32002
    assert inbox(api, outsider[1]) == []

    assert notify(api, 6, key, module="ticket", moduleId=ticket) is True  # Linus is in project 1
    assert api.call("Notifications.Notifications.getInbox", {}, key) == []  # not the sender's


@pytest.mark.parametrize(
    ("notification", "param"),
    [
        ({"message": "no recipient"}, "notifications[0].userId"),
        ({"userId": 987654, "module": "project", "moduleId": 1}, "notifications[0].userId"),
        ({"userId": 1, "module": "ticket"}, "notifications[0]"),
        ({"userId": 1, "url": "x" * 256}, "notifications[0].url"),
        ({"userId": "one"}, "notifications[0].userId"),
    ],
)
def test_add_notifications_rejects_bad_values(
    api: Api, notification: dict[str, Any], param: str
) -> None:
    error = api.error(
        "Notifications.Notifications.addNotifications", {"notifications": [notification]}
    )

    assert error.code == -32602 and error.data["param"] == param


def test_add_notifications_edge_cases(api: Api) -> None:
    assert api.call("Notifications.Notifications.addNotifications", {"notifications": []}) is None
    too_many = [{"userId": 1}] * 1001
    assert (
        api.error("Notifications.Notifications.addNotifications", {"notifications": too_many}).data[
            "param"
        ]
        == "notifications"
    )
    assert (
        api.error("Notifications.Notifications.addNotifications", {}).data["detail"]
        == "Required Parameter Missing: notifications"
    )


def test_process_mentions_notifies_people_who_can_see_the_entity(
    api: Api, person: tuple[int, str], outsider: tuple[int, str], owner_id: int
) -> None:
    user_id, key = person
    ticket = api.add_ticket()
    content = (
        f'<p>Hi <a data-tagged-user-id="{user_id}">@me</a> and'
        f' <a data-tagged-user-id="{outsider[0]}">@out</a> <a href="/x">link</a></p>'
    )
    params = {
        "content": content,
        "module": "ticket",
        "moduleId": ticket,
        "authorId": 999,
        "url": f"/tickets/{ticket}",
    }

    assert api.call("Notifications.Notifications.processMentions", params) is None
    assert (
        api.call("Notifications.Notifications.processMentions", params) is None
    )  # once per entity

    rows = inbox(api, key)
    assert len(rows) == 1 and rows[0]["type"] == "mention" and rows[0]["authorId"] == owner_id
    assert rows[0]["message"].endswith("mentioned you") and rows[0]["moduleId"] == ticket
    assert inbox(api, outsider[1]) == []
    hidden = api.error("Notifications.Notifications.processMentions", params, outsider[1])
    assert hidden.code == -32002
    assert (
        api.error("Notifications.Notifications.processMentions", {**params, "moduleId": "x"}).data[
            "param"
        ]
        == "moduleId"
    )


def test_flash_and_push_tokens(api: Api) -> None:
    assert api.call("Notifications.Notifications.consumeFlashNotification", {}) is None
    for method, params in (
        ("registerPushToken", {"token": "t", "platform": "ios"}),
        ("unregisterPushToken", {"token": "t"}),
    ):
        error = api.error(f"Notifications.Notifications.{method}", params)
        assert error.code == -32601 and error.data["reason"] == "not_supported"
