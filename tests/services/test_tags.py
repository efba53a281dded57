"""Tags.getTags over real HTTP: the tags of a project's tickets and board items."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import Server
from tests.services import Api, api_for, unique


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def project(api: Api) -> int:
    """A project of its own, so that no other test's tags show up."""
    project = int(api.call("projects.addProject", {"values": {"name": unique("tags")}}))
    api.add_ticket(projectId=project, tags="backend, api")
    api.add_ticket(projectId=project, tags="api,frontend")
    api.add_ticket(projectId=project, tags="")
    api.call(
        "tickets.quickAddMilestone",
        {"params": {"headline": "m", "projectId": project, "tags": "#ff0000"}},
    )
    wiki = api.call("Wiki.Wiki.createWiki", {"wiki": {"title": "w", "projectId": project}})
    api.call(
        "Wiki.Wiki.createArticle",
        {"article": {"canvasId": wiki, "title": "a", "tags": "docs,backend"}},
    )
    return project


def test_get_tags_answers_each_tag_once_sorted(api: Api, project: int) -> None:
    tags = api.call("Tags.Tags.getTags", {"projectId": project, "term": ""})

    assert tags == ["api", "backend", "docs", "frontend"]  # milestone colours left out


def test_get_tags_filters_by_term(api: Api, project: int) -> None:
    assert api.call("tags.getTags", {"projectId": project, "term": "end"}) == [
        "backend",
        "frontend",
    ]
    assert api.call("tags.getTags", {"projectId": project, "term": "<b>api</b>"}) == ["api"]
    assert api.call("tags.getTags", {"projectId": project, "term": "API"}) == []
    assert api.call("tags.getTags", [project, "doc"]) == ["docs"]


def test_get_tags_needs_access_to_the_project(api: Api, project: int) -> None:
    member = api.new_key("readonly", [project])[1]
    outsider = api.new_key("editor", [1])[1]

    assert api.call("Tags.Tags.getTags", {"projectId": project, "term": "a"}, member) == [
        "api",
        "backend",
    ]
    assert (
        api.error("Tags.Tags.getTags", {"projectId": project, "term": "a"}, outsider).code == -32001
    )


def test_get_tags_checks_its_params(api: Api, project: int) -> None:
    assert (
        api.error("Tags.Tags.getTags", {"term": "a"}).data["detail"]
        == "Required Parameter Missing: projectId"
    )
    assert (
        api.error("Tags.Tags.getTags", {"projectId": project}).data["detail"]
        == "Required Parameter Missing: term"
    )
    assert (
        api.error("Tags.Tags.getTags", {"projectId": "x", "term": "a"}).data["param"] == "projectId"
    )
    assert (
        api.error("Tags.Tags.getTags", {"projectId": project, "term": ["a"]}).data["param"]
        == "term"
    )
