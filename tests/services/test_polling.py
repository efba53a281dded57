"""The poll methods over real HTTP (polling.py): tickets, milestones, projects, time
entries and comments, with ISO 8601 UTC dates, null for empty dates, and
"<id>-<modified>" ids in the pollForUpdated methods. Also the comment reactions of
Leantime 3.9's Comments domain (comment_reactions.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Server
from tests.services import Api, api_for, unique

ZULU = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def keys(api: Api) -> dict[str, tuple[int, str]]:
    return {role: api.new_key(role, [1]) for role in ("readonly", "commenter", "editor")}


@pytest.fixture(scope="module")
def world(api: Api) -> dict[str, Any]:
    """A project of its own with tickets, a milestone, comments and logged time."""
    project = int(api.call("projects.addProject", {"values": {"name": unique("poll")}}))
    milestone = api.call(
        "tickets.quickAddMilestone", {"params": {"headline": "M", "projectId": project}}
    )
    due = api.add_ticket(projectId=project, editorId="3", dateToFinish="2030-01-02 03:04:05")
    plain = api.add_ticket(projectId=project)
    archived = api.add_ticket(projectId=project, status=-1)
    api.call("comments.addComment", {"values": {"text": "t"}, "module": "ticket", "entityId": due})
    api.call(
        "comments.addComment", {"values": {"text": "p"}, "module": "project", "entityId": project}
    )
    api.call("tickets.addMilestoneComment", {"params": {"text": "m"}, "milestone": milestone})
    api.call("timesheets.logTime", {"ticketId": due, "params": {"hours": 2, "date": "2030-01-01"}})
    return {
        "project": project, "milestone": milestone, "due": due, "plain": plain,
        "archived": archived,
    }  # fmt: skip


def ids(rows: list[dict[str, Any]]) -> list[Any]:
    return [row["id"] for row in rows]


# -- tickets and milestones ------------------------------------------------------------------


def test_new_todos_have_zulu_dates_and_nulls(api: Api, world: dict[str, Any]) -> None:
    rows = api.call("tickets.pollForNewAccountTodos", {"projectId": world["project"]})

    assert sorted(ids(rows)) == sorted([world["due"], world["plain"]])  # no milestone, no archive
    due = next(row for row in rows if row["id"] == world["due"])
    assert due["dateToFinish"] == "2030-01-02T03:04:05Z"
    assert ZULU.fullmatch(due["date"]) and ZULU.fullmatch(due["modified"])
    assert due["editFrom"] is None and due["editTo"] is None
    assert due["projectName"] is not None and due["statusLabel"] == "New"


def test_updated_todos_carry_the_change_time_in_the_id(api: Api, world: dict[str, Any]) -> None:
    rows = api.call("tickets.pollForUpdatedAccountTodos", {"projectId": world["project"]})
    ticket = api.call("tickets.getTicket", {"id": world["due"]})

    assert f"{world['due']}-{ticket['modified']}" in ids(rows)
    assert all(re.fullmatch(r"\d+-\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", id) for id in ids(rows))
    assert next(row for row in rows if row["id"].startswith(f"{world['due']}-"))[
        "dateToFinish"
    ] == ("2030-01-02T03:04:05Z")


def test_todos_of_one_user(api: Api, world: dict[str, Any]) -> None:
    rows = api.call("tickets.pollForNewAccountTodos", [world["project"], 3])

    assert ids(rows) == [world["due"]]


def test_milestones_poll(api: Api, world: dict[str, Any]) -> None:
    new = api.call("tickets.pollForNewAccountMilestones", {"projectId": world["project"]})
    updated = api.call("tickets.pollForUpdatedAccountMilestones", {"projectId": world["project"]})

    assert ids(new) == [world["milestone"]]
    assert new[0]["type"] == "milestone" and ZULU.fullmatch(new[0]["modified"])
    assert [id.split("-")[0] for id in ids(updated)] == [str(world["milestone"])]


def test_ticket_polls_stay_in_the_callers_projects(
    api: Api, world: dict[str, Any], keys: dict[str, tuple[int, str]]
) -> None:
    key = keys["readonly"][1]

    rows = api.call("tickets.pollForNewAccountTodos", {"userId": 3}, key)
    error = api.error("tickets.pollForNewAccountTodos", {"projectId": world["project"]}, key)

    assert rows and {row["projectId"] for row in rows} == {1}
    assert error.code == -32001
    assert (
        api.error("tickets.pollForUpdatedAccountMilestones", {"projectId": "x"}).data["param"]
        == "projectId"
    )


def test_updated_polls_page_without_losing_rows(api: Api, world: dict[str, Any]) -> None:
    every = ids(api.call("tickets.pollForUpdatedAccountTodos", {"projectId": world["project"]}))

    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page = api.call(
            "tickets.pollForUpdatedAccountTodos",
            {"projectId": world["project"], "pageSize": 1, "cursor": cursor},
        )
        seen += ids(page["items"])
        cursor = page["nextCursor"]
        if cursor is None:
            break

    assert sorted(seen) == sorted(every)


# -- projects, time, comments ----------------------------------------------------------------


def test_project_polls(api: Api, world: dict[str, Any], keys: dict[str, tuple[int, str]]) -> None:
    new = api.call("projects.pollForNewProjects")
    updated = api.call("projects.pollForUpdatedProjects")
    project = api.call("projects.getProject", {"id": world["project"]})

    mine = next(row for row in new if row["id"] == world["project"])
    assert ZULU.fullmatch(mine["created"]) and mine["start"] is None
    assert f"{world['project']}-{project['modified']}" in ids(updated)
    assert ids(api.call("projects.pollForNewProjects", key=keys["readonly"][1])) == [1]


def test_timesheet_polls(api: Api, world: dict[str, Any], keys: dict[str, tuple[int, str]]) -> None:
    new = api.call("timesheets.pollForNewTimesheets", {"projectId": world["project"]})
    updated = api.call("timesheets.pollForUpdatedTimesheets", [world["project"]])

    assert [(row["ticketId"], row["hours"]) for row in new] == [(world["due"], 2)]
    assert new[0]["workDate"] == "2030-01-01T00:00:00Z" and new[0]["paidDate"] is None
    assert updated[0]["id"].startswith(f"{new[0]['id']}-")
    editor_user, editor = keys["editor"]
    api.call(
        "timesheets.logTime",
        {"ticketId": api.add_ticket(), "params": {"hours": 1, "date": "2030-01-01"}},
        editor,
    )
    own = api.call("timesheets.pollForNewTimesheets", key=editor)
    assert own and {row["userId"] for row in own} == {editor_user}
    assert api.error("timesheets.pollForNewTimesheets", key=keys["readonly"][1]).code == -32001


def test_comment_polls(api: Api, world: dict[str, Any], keys: dict[str, tuple[int, str]]) -> None:
    rows = api.call("comments.pollComments", {"projectId": world["project"]})
    on_milestone = api.call(
        "comments.pollComments", {"projectId": world["project"], "moduleId": world["milestone"]}
    )

    assert sorted((row["module"], row["text"]) for row in rows) == [
        ("project", "p"), ("ticket", "m"), ("ticket", "t"),
    ]  # fmt: skip
    assert all(ZULU.fullmatch(row["date"]) and row["projectId"] == world["project"] for row in rows)
    assert [row["text"] for row in on_milestone] == ["m"]
    key = keys["readonly"][1]
    assert all(row["projectId"] == 1 for row in api.call("comments.pollComments", key=key))
    assert api.error("comments.pollComments", {"projectId": world["project"]}, key).code == -32001


def test_polls_take_modified_since(api: Api, world: dict[str, Any]) -> None:
    rows = api.call(
        "tickets.pollForNewAccountTodos",
        {"projectId": world["project"], "modifiedSince": "2999-01-01"},
    )

    assert rows == []


# -- comment reactions -----------------------------------------------------------------------


def test_comment_reactions_toggle(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    user, key = keys["commenter"]
    ticket = api.add_ticket()
    api.call(
        "comments.addComment",
        {"values": {"text": "like me"}, "module": "ticket", "entityId": ticket},
    )
    comment = api.call("comments.getComments", {"module": "ticket", "entityId": ticket})[0]["id"]

    assert api.call(
        "comments.toggleCommentReaction",
        {"userId": user, "commentId": comment, "reaction": "like"},
        key,
    )
    on = api.call("comments.getCommentReactions", {"commentId": comment, "userId": user})
    other_type = api.call("comments.toggleCommentReaction", [user, comment, "love"], key)
    api.call("comments.toggleCommentReaction", [user, comment, "like"], key)
    off = api.call("comments.getCommentReactions", {"commentId": comment, "userId": user})

    assert on == [{"reaction": "like", "reactionCount": 1, "reactedByUser": True}]
    assert other_type is False  # one sentiment reaction per person
    assert off == []


def test_comment_reactions_are_guarded(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    user, key = keys["commenter"]
    hidden_ticket = api.add_ticket(projectId=3)
    api.call(
        "comments.addComment",
        {"values": {"text": "x"}, "module": "ticket", "entityId": hidden_ticket},
    )
    hidden = api.call("comments.getComments", {"module": "ticket", "entityId": hidden_ticket})[0][
        "id"
    ]
    ticket = api.add_ticket()
    api.call(
        "comments.addComment", {"values": {"text": "x"}, "module": "ticket", "entityId": ticket}
    )
    visible = api.call("comments.getComments", {"module": "ticket", "entityId": ticket})[0]["id"]

    someone = api.error("comments.toggleCommentReaction", [1, visible, "like"], key)
    readonly_user, readonly = keys["readonly"]
    looker = api.error("comments.toggleCommentReaction", [readonly_user, visible, "like"], readonly)
    outside = api.error("comments.toggleCommentReaction", [user, hidden, "like"], key)
    unknown = api.error("comments.toggleCommentReaction", [user, visible, "meh"], key)

    assert (someone.code, looker.code, outside.code) == (-32001, -32001, -32002)
    assert (unknown.code, unknown.data["param"]) == (-32602, "reaction")
    assert api.call("comments.getCommentReactions", [visible, user], readonly) == []
    assert api.error("comments.getCommentReactions", [hidden, user], readonly).code == -32002
