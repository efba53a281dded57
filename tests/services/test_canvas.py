"""The board overview methods of Canvas and Blueprints over real HTTP: progress, last
updated boards, the XML export, import refused, and calls outside the caller's projects."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest

from tests.conftest import Server
from tests.services import Api, api_for, unique

ROLES = ("readonly", "commenter", "editor", "manager")
SERVICES = ("Canvas.Canvas", "Blueprints.Blueprints")


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def keys(api: Api) -> dict[str, str]:
    """A key of each role, limited to project 1."""
    return {role: api.new_key(role, [1])[1] for role in ROLES}


@pytest.fixture
def boards(api: Api) -> dict[str, int]:
    """A fresh project with a goal board (one goal) and an idea board (ideas in two of six
    columns), created in that order."""
    pid = api.call("projects.addProject", {"values": {"name": unique("canvas")}})
    goals = int(
        api.call("goalcanvas.createGoalboard", {"values": {"projectId": pid, "title": "Goals"}})
    )
    ideas = api.call("ideas.createBoard", {"title": "Ideas & plans", "projectId": pid})
    api.call(
        "goalcanvas.createGoal",
        {"values": {"canvasId": goals, "title": "G <1>", "description": "a & b"}},
    )
    for box in ("idea", "idea", "research"):
        api.call(
            "ideas.createIdeaItem", {"input": {"canvasId": ideas, "description": box, "box": box}}
        )
    return {"project": pid, "goals": goals, "ideas": ideas}


@pytest.mark.parametrize("service", SERVICES)
def test_board_progress_is_the_share_of_boxes_filled(
    api: Api, boards: dict[str, int], service: str
) -> None:
    progress = api.call(f"{service}.getBoardProgress", {"projectId": str(boards["project"])})

    assert progress == {"goalcanvas": 1, "idea": pytest.approx(2 / 6, abs=1e-4)}
    only = api.call(
        f"{service}.getBoardProgress", {"projectId": boards["project"], "boards": ["idea"]}
    )
    assert list(only) == ["idea"]


@pytest.mark.parametrize("service", SERVICES)
def test_last_updated_lists_boards_newest_change_first(
    api: Api, boards: dict[str, int], service: str
) -> None:
    rows = api.call(f"{service}.getLastUpdatedCanvas", {"projectId": boards["project"]})

    assert {row["id"] for row in rows} == {boards["goals"], boards["ideas"]}
    assert set(rows[0]) == {"id", "type", "title", "modified"}
    assert [row["modified"] for row in rows] == sorted(
        (row["modified"] for row in rows), reverse=True
    )
    goal_only = api.call(
        f"{service}.getLastUpdatedCanvas",
        {"projectId": boards["project"], "boards": ["goalcanvas"]},
    )
    assert [(row["id"], row["type"], row["title"]) for row in goal_only] == [
        (boards["goals"], "goalcanvas", "Goals")
    ]


def test_without_a_project_only_the_callers_projects_count(
    api: Api, keys: dict[str, str], boards: dict[str, int]
) -> None:
    mine = api.call("ideas.createBoard", {"title": unique("mine"), "projectId": 1})

    ids = {
        row["id"] for row in api.call("blueprints.getLastUpdatedCanvas", {}, key=keys["readonly"])
    }
    everything = {row["id"] for row in api.call("blueprints.getLastUpdatedCanvas", {})}

    assert mine in ids and boards["ideas"] not in ids
    assert {mine, boards["ideas"]} <= everything
    assert "idea" in api.call("canvas.getBoardProgress", {}, key=keys["readonly"])


def test_export_writes_leantimes_xml_escaped(api: Api, boards: dict[str, int]) -> None:
    exported = api.call(
        "Blueprints.BlueprintsExport.exportToXml",
        {"canvasId": boards["goals"], "canvasSlug": "goal"},
    )

    assert exported.startswith('<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>')
    root = ET.fromstring(exported.split("\n", 2)[2])
    assert root.tag == "canvas" and root.get("key") == "goalcanvas"
    assert root.findtext("title") == "Goals"
    items = root.findall("./content/element[@key='goal']/item")
    assert len(items) == 1 and items[0].findtext("description") == "a & b"
    author = items[0].find("author")
    assert author is not None and author.get("id")

    ideas = api.call(
        "Blueprints.BlueprintsExport.exportToXml",
        {"canvasId": boards["ideas"], "canvasSlug": "idea"},
    )
    root = ET.fromstring(ideas.split("\n", 2)[2])
    assert root.findtext("title") == "Ideas & plans"
    assert [e.get("key") for e in root.findall("./content/element")] == [
        "idea", "research", "prototype", "validation", "implemented", "deferred",
    ]  # fmt: skip
    assert len(root.findall("./content/element[@key='idea']/item")) == 2


def test_export_is_null_for_unknown_slugs_and_boards(api: Api, boards: dict[str, int]) -> None:
    export = "Blueprints.BlueprintsExport.exportToXml"

    assert api.call(export, {"canvasId": boards["goals"], "canvasSlug": "swot"}) is None
    assert api.call(export, {"canvasId": boards["goals"], "canvasSlug": "idea"}) is None
    assert api.call(export, {"canvasId": 99_999_999, "canvasSlug": "goal"}) is None
    missing = api.error(export, {"canvasId": boards["goals"]})
    assert missing.data["detail"] == "Required Parameter Missing: canvasSlug"


@pytest.mark.parametrize("service", SERVICES)
def test_import_from_a_server_path_is_not_supported(api: Api, service: str) -> None:
    name = "canvasName" if service.startswith("Canvas") else "canvasSlug"

    error = api.error(
        f"{service}.import",
        {"filename": "/etc/passwd", name: "swot", "projectId": 1, "authorId": 1},
    )

    assert error.code == -32601 and error.data["reason"] == "not_supported"


def test_bad_params_are_named(api: Api) -> None:
    bad = api.error("blueprints.getBoardProgress", {"projectId": "one"})
    wrong = api.error("blueprints.getLastUpdatedCanvas", {"boards": "goalcanvas"})

    assert bad.code == -32602 and bad.data["param"] == "projectId"
    huge = api.error("canvas.getBoardProgress", {"projectId": "9" * 30})
    assert huge.code == -32602 and huge.data["param"] == "projectId"
    assert wrong.code == -32602 and wrong.data["param"] == "boards"


@pytest.mark.parametrize("role", ROLES)
def test_project_3_is_out_of_reach(api: Api, keys: dict[str, str], role: str) -> None:
    key = keys[role]
    hidden = api.call("ideas.createBoard", {"title": unique("hidden"), "projectId": 3})

    for method, params in (
        ("canvas.getBoardProgress", {"projectId": "3"}),
        ("blueprints.getBoardProgress", {"projectId": "3"}),
        ("canvas.getLastUpdatedCanvas", {"projectId": 3}),
        ("blueprints.getLastUpdatedCanvas", {"projectId": 3}),
    ):
        assert api.error(method, params, key=key).code == -32001, method
    export = {"canvasId": hidden, "canvasSlug": "idea"}
    assert api.call("Blueprints.BlueprintsExport.exportToXml", export, key=key) is None
    own = api.call("blueprints.getLastUpdatedCanvas", {"projectId": 1}, key=key)
    assert all(row["id"] != hidden for row in own)
