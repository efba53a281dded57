"""Idea boards, ideas and idea comments over real HTTP: Leantime's shapes, round trips,
the board's drag and drop, polling, the union-typed parentCommentId, and every method
called by keys of each role limited to project 1 on project 3."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Server
from tests.services import BOOKKEEPING, Api, api_for, changed, leading, unique

ZULU = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
ROLES = ("readonly", "commenter", "editor", "manager")
WRITERS = ("editor", "manager")
COLUMNS = ["idea", "research", "prototype", "validation", "implemented", "deferred"]
ITEM_FIELDS = [
    "id", "description", "assumptions", "data", "conclusion", "box", "author", "created",
    "modified", "canvasId", "sortindex", "milestoneId", "authorFirstname", "authorLastname",
    "authorProfileId", "milestoneHeadline", "milestoneEditTo", "status", "commentCount",
]  # fmt: skip
DETAIL_FIELDS = [
    "id", "description", "assumptions", "data", "conclusion", "box", "author", "created",
    "modified", "canvasId", "sortindex", "status", "tags", "milestoneId", "authorFirstname",
    "authorLastname", "milestoneHeadline", "milestoneEditTo",
]  # fmt: skip
POLL_FIELDS = [
    "id", "description", "assumptions", "data", "conclusion", "box", "author", "created",
    "modified", "canvasId", "sortindex", "status", "tags", "milestoneId", "projectId",
]  # fmt: skip


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def keys(api: Api) -> dict[str, str]:
    """A key of each role, limited to project 1."""
    return {role: api.new_key(role, [1])[1] for role in ROLES}


def new_board(api: Api, project: int = 1, key: str | None = None) -> int:
    created = api.call(
        "ideas.createBoard",
        {"title": unique("ideas"), "projectId": project, "authorId": 1},
        key=key,
    )
    assert isinstance(created, int), created
    return created


def new_idea(api: Api, board: int, key: str | None = None, **values: Any) -> int:
    values.setdefault("description", unique("idea"))
    created = api.call(
        "ideas.createIdeaItem",
        {"input": {"canvasId": board, **values}, "projectId": 1, "authorId": 1},
        key=key,
    )
    assert isinstance(created, int), created
    return created


def idea(api: Api, id: int) -> dict[str, Any]:
    found = api.call("ideas.getIdeaItem", {"id": id})
    assert isinstance(found, dict), f"idea {id} is gone: {found!r}"
    return found


def project() -> dict[str, Any]:
    return {"values": {"name": unique("ideas")}}


# -- boards --------------------------------------------------------------------------


def test_boards_are_listed_read_renamed_and_deleted(api: Api) -> None:
    pid = api.call("projects.addProject", project())
    first = api.call("ideas.createBoard", {"title": "B board", "projectId": pid})
    second = api.call("ideas.createBoardFromDialog", {"title": "A board", "projectId": pid})

    boards = api.call("ideas.getAllBoards", {"projectId": pid})
    assert [board["id"] for board in boards] == [second, first]
    assert leading(boards[0], ["id", "title", "author", "created"]) == [
        "id", "title", "author", "created",
    ]  # fmt: skip
    assert api.call("ideas.getBoard", {"id": first}) == [boards[1]]
    assert api.call("ideas.getBoardTitle", {"id": first}) == "B board"

    assert api.call("ideas.updateBoard", {"id": first, "title": "Renamed"}) is True
    assert api.call("ideas.getBoardTitle", {"id": first}) == "Renamed"
    item = new_idea(api, first)
    assert api.call("ideas.deleteCanvas", {"id": first}) is True
    assert api.call("ideas.getBoard", {"id": first}) == []
    assert api.call("ideas.getBoardTitle", {"id": first}) == ""
    assert api.call("ideas.getRawIdeaItem", {"id": item}) is False


def test_board_writes_check_their_input(api: Api) -> None:
    board = new_board(api)
    version = api.call("ideas.getBoard", {"id": board})[0]["version"]

    untitled = api.error("ideas.createBoard", {"title": "", "projectId": 1})
    nowhere = api.error("ideas.createBoard", {"title": "x", "projectId": 99_999})
    stale = api.error(
        "ideas.updateBoard", {"id": board, "title": "y", "expectedVersion": version + 3}
    )
    missing = api.error("ideas.updateBoard", {"id": 99_999_999, "title": "y"})

    assert untitled.code == -32602 and untitled.data["param"] == "title"
    assert nowhere.code == -32602 and nowhere.data["param"] == "projectId"
    assert stale.code == -32005 and missing.code == -32002
    assert api.error("ideas.createBoard", {"title": "x"}).data["param"] == "projectId"
    assert api.error("ideas.deleteCanvas", {"id": 99_999_999}).code == -32002


def test_ensure_board_exists_makes_one_default_board(api: Api) -> None:
    pid = api.call("projects.addProject", project())

    created = api.call(
        "ideas.ensureBoardExists", {"projectId": pid, "authorId": 1, "allBoards": []}
    )

    assert created > 0 and api.call("ideas.getBoardTitle", {"id": created}) == "Board"
    assert (
        api.call("ideas.ensureBoardExists", {"projectId": pid, "authorId": 1, "allBoards": []}) == 0
    )
    assert api.call("ideas.ensureBoardExists", {"projectId": 1, "allBoards": [{"id": 1}]}) == 0


def test_labels_and_types_name_the_columns(api: Api) -> None:
    labels = api.call("ideas.getBoardLabels")
    types = api.call("ideas.getCanvasTypes")

    assert list(labels) == COLUMNS and list(types) == COLUMNS
    assert labels["idea"] == {"name": "Ideation", "class": "label-info"}
    assert types["implemented"] == "status.accepted"


# -- ideas ---------------------------------------------------------------------------


def test_create_idea_answers_an_id_and_the_board_lists_it(api: Api) -> None:
    board = new_board(api)
    ms = api.call("tickets.quickAddMilestone", {"params": {"headline": "Ship", "projectId": 1}})
    id = new_idea(
        api, board, description="<p>Dark mode</p>", data="why", milestoneId=ms, status="hot"
    )

    rows = api.call("ideas.getBoardItems", {"boardId": board})

    assert [row["id"] for row in rows] == [id]
    row = rows[0]
    assert leading(row, ITEM_FIELDS) == ITEM_FIELDS
    assert (row["description"], row["data"], row["box"], row["status"]) == (
        "<p>Dark mode</p>",
        "why",
        "idea",
        "hot",
    )
    assert row["milestoneId"] == str(ms) and row["milestoneHeadline"] == "Ship"
    assert row["commentCount"] == 0 and row["canvasId"] == board
    detail = idea(api, id)
    assert leading(detail, DETAIL_FIELDS) == DETAIL_FIELDS
    assert detail["author"] == row["author"] and detail["projectId"] == 1
    assert api.call("ideas.getRawIdeaItem", {"id": id}) == detail


def test_get_idea_item_without_an_id_is_the_empty_form(api: Api) -> None:
    form = api.call("ideas.getIdeaItem", {"type": "research"})

    assert form == {
        "id": "", "box": "research", "tags": "", "description": "", "status": "idea",
        "assumptions": "", "data": "", "conclusion": "", "milestoneHeadline": "", "milestoneId": "",
    }  # fmt: skip
    assert api.call("ideas.getIdeaItem", {"id": 99_999_999}) == []
    assert api.call("ideas.getRawIdeaItem", {"id": 99_999_999}) is False


def test_update_idea_round_trip_changes_only_the_changed_field(api: Api) -> None:
    board = new_board(api)
    id = new_idea(api, board, data="d", tags="a", status="warm", box="research")
    before = idea(api, id)

    answer = api.call(
        "ideas.updateIdeaItem",
        {
            "input": {**before, "itemId": id, "description": "Changed"},
            "projectId": 1,
            "authorId": 1,
        },
    )

    after = idea(api, id)
    assert answer == id
    assert changed(before, after) <= {"description", *BOOKKEEPING}
    assert after["description"] == "Changed"


def test_update_idea_links_milestones_and_moves_boards(api: Api) -> None:
    board, other = new_board(api), new_board(api)
    id = new_idea(api, board)
    existing = api.call(
        "tickets.quickAddMilestone", {"params": {"headline": "Old", "projectId": 1}}
    )

    api.call("ideas.updateIdeaItem", {"input": {"id": id, "existingMilestone": existing}})
    assert idea(api, id)["milestoneId"] == str(existing)
    api.call(
        "ideas.updateIdeaItem",
        {"input": {"id": id, "newMilestone": "Brand new", "canvasId": other}},
    )
    moved = idea(api, id)
    assert moved["canvasId"] == other and moved["milestoneHeadline"] == "Brand new"
    assert api.call("ideas.removeMilestone", {"ideaItemId": id}) is None
    assert idea(api, id)["milestoneId"] == ""


def test_update_idea_checks_version_and_input(api: Api) -> None:
    id = new_idea(api, new_board(api))
    before = idea(api, id)
    api.call("ideas.updateIdeaItem", {"input": {"id": id, "data": "first"}})

    stale = api.error(
        "ideas.updateIdeaItem",
        {"input": {**before, "data": "second"}, "expectedVersion": before["version"]},
    )

    assert stale.code == -32005 and idea(api, id)["data"] == "first"
    for values, param in (
        ({"description": ""}, "input.description"),
        ({"box": "someday"}, "input.box"),
        ({"milestoneId": 99_999_999}, "input.milestoneId"),
        ({"canvasId": "x"}, "input.canvasId"),
    ):
        error = api.error("ideas.updateIdeaItem", {"input": {"id": id, **values}})
        assert error.code == -32602 and error.data["param"] == param, values
    assert (
        api.error("ideas.updateIdeaItem", {"input": {"data": "x"}}).data["param"] == "input.itemId"
    )
    assert api.error("ideas.updateIdeaItem", {"input": {"id": 99_999_999}}).code == -32002


@pytest.mark.parametrize(
    ("values", "param"),
    [
        ({"description": ""}, "input.description"),
        ({"box": "research-ish"}, "input.box"),
        ({"milestoneId": "abc"}, "input.milestoneId"),
        ({"status": "x" * 256}, "input.status"),
        ({"description": ["x"]}, "input.description"),
    ],
)
def test_create_idea_names_bad_fields(api: Api, values: dict[str, Any], param: str) -> None:
    board = new_board(api)

    error = api.error(
        "ideas.createIdeaItem", {"input": {"canvasId": board, "description": "ok", **values}}
    )

    assert error.code == -32602 and error.data["param"] == param
    assert api.call("ideas.getBoardItems", {"boardId": board}) == []


def test_create_idea_needs_an_idea_board(api: Api) -> None:
    goals = int(api.call("goalcanvas.createGoalboard", {"values": {"projectId": 1, "title": "g"}}))

    assert (
        api.error("ideas.createIdeaItem", {"input": {"canvasId": goals, "description": "x"}}).code
        == -32002
    )
    assert (
        api.error("ideas.createIdeaItem", {"input": {"description": "x"}}).data["param"]
        == "input.canvasId"
    )
    assert (
        api.error("ideas.createIdeaItem", {}).data["detail"] == "Required Parameter Missing: input"
    )


def test_patch_idea_changes_only_its_own_fields(api: Api) -> None:
    id = new_idea(api, new_board(api), data="keep")
    before = idea(api, id)

    assert api.call(
        "ideas.patchIdeaItem", {"id": id, "params": {"status": "cold", "canvasId": 1, "author": 9}}
    )
    after = idea(api, id)
    assert changed(before, after) <= {"status", *BOOKKEEPING} and after["status"] == "cold"
    assert api.call("ideas.patchIdeaItem", {"id": id, "params": {"author": 9}}) is False
    bad = api.error("ideas.patchIdeaItem", {"id": id, "params": {"box": "nowhere"}})
    assert bad.code == -32602 and bad.data["param"] == "params.box"


def test_reorder_and_bulk_status_move_ideas(api: Api) -> None:
    board = new_board(api)
    a, b, c = (new_idea(api, board) for _ in range(3))

    assert api.call(
        "ideas.reorderIdeas",
        {
            "payload": [
                {"id": a, "sortIndex": 3},
                {"id": b, "sortIndex": 1},
                {"id": c, "sortIndex": 2},
            ]
        },
    )
    assert [row["id"] for row in api.call("ideas.getBoardItems", {"boardId": board})] == [b, c, a]

    assert api.call(
        "ideas.bulkUpdateStatus",
        {"payload": {"research": f"item[]={c}&item[]={a}", "implemented": [b]}},
    )
    rows = {row["id"]: row for row in api.call("ideas.getBoardItems", {"boardId": board})}
    assert (rows[c]["box"], rows[a]["box"], rows[b]["box"]) == (
        "research",
        "research",
        "implemented",
    )
    assert (rows[c]["sortindex"], rows[a]["sortindex"]) == (0, 1)

    unknown = api.error("ideas.bulkUpdateStatus", {"payload": {"someday": f"item[]={a}"}})
    garbled = api.error("ideas.bulkUpdateStatus", {"payload": {"idea": "item[]=x"}})
    huge = api.error("ideas.bulkUpdateStatus", {"payload": {"idea": "item[]=" + "9" * 30}})
    assert huge.code == -32602 and huge.data["param"] == "payload.idea"
    missing = api.error("ideas.reorderIdeas", {"payload": [{"id": 99_999_999, "sortIndex": 1}]})
    assert unknown.code == -32602 and unknown.data["param"] == "payload.someday"
    assert garbled.code == -32602 and garbled.data["param"] == "payload.idea"
    assert missing.code == -32002
    no_index = api.error("ideas.reorderIdeas", {"payload": [{"id": a}]})
    assert no_index.code == -32602 and no_index.data["param"] == "payload[0].sortIndex"


def test_delete_idea_removes_it_and_its_comments(api: Api) -> None:
    id = new_idea(api, new_board(api))
    api.call("ideas.addIdeaComment", {"text": "hi", "ideaItemId": id, "parentCommentId": 0})

    assert api.call("ideas.deleteCanvasItem", {"id": id}) is True
    assert api.call("ideas.getIdeaItem", {"id": id}) == []
    assert api.error("ideas.deleteCanvasItem", {"id": id}).code == -32002


def test_project_milestones_are_those_of_the_project(api: Api) -> None:
    pid = api.call("projects.addProject", project())
    ms = api.call("tickets.quickAddMilestone", {"params": {"headline": "m", "projectId": pid}})

    rows = api.call("ideas.getProjectMilestones", {"projectId": pid})

    assert [row["id"] for row in rows] == [ms] and rows[0]["type"] == "milestone"


# -- comments ------------------------------------------------------------------------


def test_comments_take_an_int_or_string_parent(api: Api) -> None:
    id = new_idea(api, new_board(api))

    top = api.call("ideas.addIdeaComment", {"text": "top", "ideaItemId": id, "parentCommentId": ""})
    by_int = api.call(
        "ideas.addIdeaComment", {"text": "re 1", "ideaItemId": id, "parentCommentId": int(top)}
    )
    by_text = api.call(
        "ideas.addIdeaComment", {"text": "re 2", "ideaItemId": id, "parentCommentId": top}
    )
    positional = api.call("leantime.rpc.Ideas.Ideas.addIdeaComment", ["re 3", id, top, 1, 1])

    assert all(isinstance(answer, str) for answer in (top, by_int, by_text, positional))
    comments = api.call("ideas.getIdeaComments", {"module": "idea", "entityId": id})
    by_id = {str(c["id"]): c for c in comments}
    assert set(by_id) == {top, by_int, by_text, positional}
    assert by_id[top]["commentParent"] == 0
    assert {by_id[r]["commentParent"] for r in (by_int, by_text, positional)} == {int(top)}
    assert api.call("ideas.countIdeaComments", {"module": "idea", "entityId": id}) == 4
    assert idea(api, id)["id"] == id
    assert (
        api.call("ideas.getBoardItems", {"boardId": idea(api, id)["canvasId"]})[0]["commentCount"]
        == 4
    )


def test_comments_check_their_input(api: Api) -> None:
    id, other = (new_idea(api, new_board(api)) for _ in range(2))
    foreign = api.call("ideas.addIdeaComment", {"text": "x", "ideaItemId": other})

    for params, param in (
        ({"text": "", "ideaItemId": id}, "text"),
        ({"text": "x", "ideaItemId": id, "parentCommentId": foreign}, "parentCommentId"),
        ({"text": "x", "ideaItemId": id, "parentCommentId": "first"}, "parentCommentId"),
        ({"text": "x", "ideaItemId": id, "parentCommentId": [1]}, "parentCommentId"),
        ({"text": "x", "ideaItemId": id, "parentCommentId": "9" * 30}, "parentCommentId"),
    ):
        error = api.error("ideas.addIdeaComment", params)
        assert error.code == -32602 and error.data["param"] == param, params
    wrong = api.error("ideas.getIdeaComments", {"module": "ticket", "entityId": id})
    assert wrong.code == -32602 and wrong.data["param"] == "module"
    assert api.call("ideas.getIdeaComments", {"module": "idea", "entityId": 99_999_999}) == []
    assert api.call("ideas.countIdeaComments", {"module": "idea", "entityId": 99_999_999}) == 0
    assert api.error("ideas.addIdeaComment", {"text": "x", "ideaItemId": 99_999_999}).code == -32002


def test_authors_remove_their_comments_moderators_anyones(api: Api, keys: dict[str, str]) -> None:
    id = new_idea(api, new_board(api))
    mine = api.call(
        "ideas.addIdeaComment", {"text": "mine", "ideaItemId": id}, key=keys["commenter"]
    )
    reply = api.call(
        "ideas.addIdeaComment", {"text": "re", "ideaItemId": id, "parentCommentId": mine}
    )
    theirs = api.call("ideas.addIdeaComment", {"text": "owner's", "ideaItemId": id})

    refused = api.error(
        "ideas.removeIdeaComment", {"commentId": int(theirs)}, key=keys["commenter"]
    )
    assert refused.code == -32001
    assert (
        api.call("ideas.removeIdeaComment", {"commentId": int(mine)}, key=keys["commenter"]) is None
    )
    remaining = {
        str(c["id"]) for c in api.call("ideas.getIdeaComments", {"module": "idea", "entityId": id})
    }
    assert remaining == {theirs} and reply not in remaining
    assert (
        api.call("ideas.removeIdeaComment", {"commentId": int(theirs)}, key=keys["manager"]) is None
    )
    assert api.error("ideas.removeIdeaComment", {"commentId": int(theirs)}).code == -32002


# -- polling -------------------------------------------------------------------------


def test_poll_ideas_answers_every_column_with_iso_dates(api: Api) -> None:
    pid = api.call("projects.addProject", project())
    board = new_board(api, pid)
    first = new_idea(api, board)
    second = new_idea(api, board, box="validation")

    rows = api.call("ideas.pollForNewIdeas", {"projectId": pid})

    assert [row["id"] for row in rows] == [first, second]
    assert list(rows[0]) == POLL_FIELDS
    assert ZULU.fullmatch(rows[0]["created"]) and rows[1]["box"] == "validation"
    assert rows[0]["projectId"] == pid
    assert api.call("ideas.pollForNewIdeas", {"board": board}) == rows
    updated = api.call("ideas.pollForUpdatedIdeas", {"projectId": pid})
    assert updated[0]["id"] == f"{first}-{idea(api, first)['modified']}"


def test_poll_ideas_leaves_out_projects_the_caller_cannot_see(
    api: Api, keys: dict[str, str]
) -> None:
    hidden = new_idea(api, new_board(api, 3))
    shown = new_idea(api, new_board(api, 1))

    ids = {row["id"] for row in api.call("ideas.pollForNewIdeas", key=keys["readonly"])}

    assert shown in ids and hidden not in ids


# -- roles and projects --------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_writes_follow_the_role(api: Api, keys: dict[str, str], role: str) -> None:
    key = keys[role]
    board = new_board(api)
    a, b = new_idea(api, board), new_idea(api, board)
    writes: list[tuple[str, dict[str, Any]]] = [
        ("ideas.createBoard", {"title": "r", "projectId": 1}),
        ("ideas.createBoardFromDialog", {"title": "r", "projectId": 1}),
        ("ideas.updateBoard", {"id": board, "title": "r"}),
        ("ideas.createIdeaItem", {"input": {"canvasId": board, "description": "r"}}),
        ("ideas.updateIdeaItem", {"input": {"id": a, "description": "r"}}),
        ("ideas.patchIdeaItem", {"id": a, "params": {"status": "r"}}),
        ("ideas.reorderIdeas", {"payload": [{"id": a, "sortIndex": 5}]}),
        ("ideas.bulkUpdateStatus", {"payload": {"research": [a]}}),
        ("ideas.removeMilestone", {"ideaItemId": a}),
        ("ideas.deleteCanvasItem", {"id": b}),
        ("ideas.deleteCanvas", {"id": new_board(api)}),
    ]

    for method, params in writes:
        if role in WRITERS:
            api.call(method, params, key=key)
        else:
            assert api.error(method, params, key=key).code == -32001, method
    comment = {"text": "c", "ideaItemId": a}
    if role == "readonly":
        assert api.error("ideas.addIdeaComment", comment, key=key).code == -32001
    else:
        assert isinstance(api.call("ideas.addIdeaComment", comment, key=key), str)
    if role not in WRITERS:
        assert idea(api, a)["description"] != "r"


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_ideas_of_its_project(api: Api, keys: dict[str, str], role: str) -> None:
    key = keys[role]
    board = new_board(api)
    id = new_idea(api, board)

    assert [row["id"] for row in api.call("ideas.getBoardItems", {"boardId": board}, key=key)] == [
        id
    ]
    assert api.call("ideas.getIdeaItem", {"id": id}, key=key)["id"] == id
    assert api.call("ideas.getBoard", {"id": board}, key=key)[0]["id"] == board
    assert board in {b["id"] for b in api.call("ideas.getAllBoards", {"projectId": 1}, key=key)}
    assert api.call("ideas.ensureBoardExists", {"projectId": 1}, key=key) == 0


@pytest.mark.parametrize("role", ROLES)
def test_project_3_is_out_of_reach(api: Api, keys: dict[str, str], role: str) -> None:
    key = keys[role]
    board = new_board(api, 3)
    id = new_idea(api, board)
    comment = api.call("ideas.addIdeaComment", {"text": "hidden", "ideaItemId": id})
    before = idea(api, id)

    for method, params, answer in (
        ("ideas.getBoard", {"id": board}, []),
        ("ideas.getBoardTitle", {"id": board}, ""),
        ("ideas.getBoardItems", {"boardId": board}, []),
        ("ideas.getIdeaItem", {"id": id}, []),
        ("ideas.getRawIdeaItem", {"id": id}, False),
        ("ideas.getIdeaComments", {"module": "idea", "entityId": id}, []),
        ("ideas.countIdeaComments", {"module": "idea", "entityId": id}, 0),
    ):
        assert api.call(method, params, key=key) == answer, method
    for method, params in (
        ("ideas.getAllBoards", {"projectId": 3}),
        ("ideas.getProjectMilestones", {"projectId": 3}),
        ("ideas.pollForNewIdeas", {"projectId": 3}),
        ("ideas.pollForUpdatedIdeas", {"projectId": 3}),
        ("ideas.ensureBoardExists", {"projectId": 3}),
        ("ideas.createBoard", {"title": "x", "projectId": 3}),
    ):
        assert api.error(method, params, key=key).code == -32001, method
    writes: list[tuple[str, dict[str, Any]]] = [
        ("ideas.updateBoard", {"id": board, "title": "x"}),
        ("ideas.deleteCanvas", {"id": board}),
        ("ideas.createIdeaItem", {"input": {"canvasId": board, "description": "x"}}),
        ("ideas.updateIdeaItem", {"input": {"id": id, "description": "x"}}),
        ("ideas.patchIdeaItem", {"id": id, "params": {"description": "x"}}),
        ("ideas.removeMilestone", {"ideaItemId": id}),
        ("ideas.deleteCanvasItem", {"id": id}),
        ("ideas.reorderIdeas", {"payload": [{"id": id, "sortIndex": 1}]}),
        ("ideas.bulkUpdateStatus", {"payload": {"deferred": [id]}}),
        ("ideas.addIdeaComment", {"text": "x", "ideaItemId": id}),
        ("ideas.removeIdeaComment", {"commentId": int(comment)}),
    ]
    for method, params in writes:
        assert api.error(method, params, key=key).code == -32002, method
    assert idea(api, id) == before
