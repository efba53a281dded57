"""Wikis and articles over real HTTP: create, read, edit, delete, history, permissions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Server
from tests.services import BOOKKEEPING, Api, api_for, changed, leading, unique

WIKI_FIELDS = ["id", "title", "author", "created", "projectId", "category"]
ARTICLE_FIELDS = [
    "id", "title", "description", "canvasId", "parent", "tags", "data", "status", "created",
    "modified", "author", "milestoneId", "firstname", "lastname", "profileId", "sortindex",
    "projectId", "milestoneHeadline", "milestoneEditTo", "doneTickets", "openTicketsEffort",
    "doneTicketsEffort", "allTicketsEffort", "allTickets", "percentDone",
]  # fmt: skip


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def keys(api: Api) -> dict[str, tuple[int, str]]:
    """Keys by role, each with project 1 only."""
    return {role: api.new_key(role, [1]) for role in ("readonly", "commenter", "editor")}


def new_wiki(api: Api, key: str | None = None, project: int = 1) -> int:
    created = api.call(
        "Wiki.Wiki.createWiki", {"wiki": {"title": unique("wiki"), "projectId": project}}, key
    )
    assert isinstance(created, str) and created.isdigit()
    return int(created)


def new_article(api: Api, wiki: int, key: str | None = None, **values: Any) -> int:
    values.setdefault("title", unique("article"))
    values.setdefault("description", "<p>body</p>")
    created = api.call("Wiki.Wiki.createArticle", {"article": {"canvasId": wiki, **values}}, key)
    assert isinstance(created, str) and created.isdigit()
    return int(created)


def article(api: Api, id: int, key: str | None = None) -> dict[str, Any]:
    found = api.call("Wiki.Wiki.getArticle", {"id": id}, key)
    assert isinstance(found, dict), f"article {id}: {found!r}"
    return found


def test_create_wiki_answers_a_string_id_and_get_wiki_the_model(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    user_id, editor = keys["editor"]
    title = unique("Handbook")

    id = int(api.call("wiki.createWiki", {"wiki": {"title": title, "projectId": 1}}, editor))

    wiki = api.call("Wiki.Wiki.getWiki", {"id": id}, editor)
    assert leading(wiki, WIKI_FIELDS) == WIKI_FIELDS
    assert (wiki["id"], wiki["title"], wiki["author"], wiki["projectId"]) == (id, title, user_id, 1)
    assert isinstance(wiki["created"], str) and wiki["category"] is None
    listed = api.call("Wiki.Wiki.getAllProjectWikis", {"projectId": 1}, keys["readonly"][1])
    assert wiki in listed
    assert [w["id"] for w in listed] == sorted(w["id"] for w in listed)


def test_a_project_without_wikis_lists_none(api: Api) -> None:
    project = api.call("projects.addProject", {"values": {"name": unique("no-wiki")}})

    assert api.call("Wiki.Wiki.getAllProjectWikis", {"projectId": project}) == []
    assert api.call("Wiki.Wiki.getAllProjectWikis", {"projectId": project}) == []


@pytest.mark.parametrize(
    ("wiki", "param"),
    [
        ({"title": "x"}, "wiki.projectId"),
        ({"title": " ", "projectId": 1}, "wiki.title"),
        ({"projectId": 1}, "wiki.title"),
        ({"title": "x" * 256, "projectId": 1}, "wiki.title"),
        ({"title": "x", "projectId": "one"}, "wiki.projectId"),
    ],
)
def test_create_wiki_rejects_bad_values(api: Api, wiki: dict[str, Any], param: str) -> None:
    error = api.error("Wiki.Wiki.createWiki", {"wiki": wiki})

    assert error.code == -32602 and error.data["param"] == param


def test_create_wiki_needs_wiki_create_in_the_project(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    for role in ("readonly", "commenter"):
        error = api.error(
            "Wiki.Wiki.createWiki", {"wiki": {"title": "x", "projectId": 1}}, keys[role][1]
        )
        assert error.code == -32001
    outside = api.error(
        "Wiki.Wiki.createWiki", {"wiki": {"title": "x", "projectId": 2}}, keys["editor"][1]
    )
    assert outside.code == -32001
    assert (
        api.error("Wiki.Wiki.createWiki", {}).data["detail"] == "Required Parameter Missing: wiki"
    )


def test_update_wiki_renames_and_checks_the_version(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    editor = keys["editor"][1]
    id = new_wiki(api)
    before = api.call("Wiki.Wiki.getWiki", {"id": id})

    assert (
        api.call(
            "Wiki.Wiki.updateWiki", {"wiki": {**before, "title": "Renamed"}, "wikiId": id}, editor
        )
        is True
    )

    after = api.call("Wiki.Wiki.getWiki", {"id": id})
    assert changed(before, after) <= {"title", *BOOKKEEPING} and after["title"] == "Renamed"
    stale = api.error(
        "Wiki.Wiki.updateWiki",
        {"wiki": {"title": "Stale"}, "wikiId": id, "expectedVersion": before["version"]},
    )
    assert stale.code == -32005 and stale.data["reason"] == "stale_version"
    denied = api.error(
        "Wiki.Wiki.updateWiki", {"wiki": {"title": "No"}, "wikiId": id}, keys["readonly"][1]
    )
    assert denied.code == -32001
    assert (
        api.error("Wiki.Wiki.updateWiki", {"wiki": {"title": "x"}, "wikiId": 987654}).code == -32002
    )
    assert api.call("Wiki.Wiki.getWiki", {"id": id})["title"] == "Renamed"


def test_wikis_outside_the_callers_projects_are_missing(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    elsewhere = new_wiki(api, project=2)
    key = keys["editor"][1]

    assert api.call("Wiki.Wiki.getWiki", {"id": elsewhere}, key) is False
    assert (
        api.call("Wiki.Wiki.getAllWikiHeadlines", {"wikiId": elsewhere, "userId": 1}, key) is False
    )
    assert api.error("Wiki.Wiki.getAllProjectWikis", {"projectId": 2}, key).code == -32001
    assert api.error("Wiki.Wiki.deleteWiki", {"id": elsewhere}, key).code == -32002
    assert (
        api.error(
            "Wiki.Wiki.createArticle", {"article": {"canvasId": elsewhere, "title": "x"}}, key
        ).code
        == -32002
    )
    assert api.call("Wiki.Wiki.getWiki", {"id": elsewhere})["id"] == elsewhere
    assert api.error("Wiki.Wiki.getWiki", {"id": "abc"}).data["param"] == "id"
    assert api.error("Wiki.Wiki.getWiki", {}).data["detail"] == "Required Parameter Missing: id"


def test_create_article_and_get_article_answer_leantimes_shape(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    user_id, editor = keys["editor"]
    wiki = new_wiki(api)
    milestone = api.call(
        "tickets.quickAddMilestone",
        {"params": {"headline": unique("m"), "projectId": 1, "editTo": "2027-05-01"}},
    )

    id = new_article(
        api, wiki, editor, title="Setup", tags="ops,linux", data="📘", milestoneId=milestone
    )

    found = article(api, id, keys["readonly"][1])
    assert leading(found, ARTICLE_FIELDS) == ARTICLE_FIELDS
    assert (found["title"], found["canvasId"], found["projectId"], found["author"]) == (
        "Setup",
        wiki,
        1,
        user_id,
    )
    assert (found["tags"], found["data"], found["status"]) == ("ops,linux", "📘", "published")
    assert found["milestoneId"] == str(milestone) and isinstance(found["milestoneHeadline"], str)
    assert found["milestoneEditTo"] == "2027-05-01 00:00:00"
    assert found["parent"] is None and found["description"] == "<p>body</p>"
    assert found["firstname"].startswith("svc-editor")
    assert api.call("Wiki.Wiki.getArticle", {"id": id, "projectId": 1})["id"] == id


@pytest.mark.parametrize(
    ("values", "param"),
    [
        ({"title": ""}, "article.title"),
        ({"status": "hidden"}, "article.status"),
        ({"parent": 987654}, "article.parent"),
        ({"milestoneId": 987654}, "article.milestoneId"),
        ({"description": "x" * 1_000_001}, "article.description"),
        ({"parent": "abc"}, "article.parent"),
    ],
)
def test_create_article_rejects_bad_values(api: Api, values: dict[str, Any], param: str) -> None:
    wiki = new_wiki(api)

    error = api.error(
        "Wiki.Wiki.createArticle", {"article": {"canvasId": wiki, "title": "t", **values}}
    )

    assert error.code == -32602 and error.data["param"] == param
    assert api.call("Wiki.Wiki.getAllWikiHeadlines", {"wikiId": wiki, "userId": 1}) == []


def test_create_article_needs_a_wiki_and_wiki_create(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    wiki = new_wiki(api)
    goal_board = api.error("Wiki.Wiki.createArticle", {"article": {"title": "x"}})
    assert goal_board.data["param"] == "article.canvasId"
    assert (
        api.error("Wiki.Wiki.createArticle", {"article": {"canvasId": 987654, "title": "x"}}).code
        == -32002
    )
    for role in ("readonly", "commenter"):
        denied = api.error(
            "Wiki.Wiki.createArticle", {"article": {"canvasId": wiki, "title": "x"}}, keys[role][1]
        )
        assert denied.code == -32001


def test_update_article_round_trip_changes_only_the_changed_field(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    editor = keys["editor"][1]
    wiki = new_wiki(api)
    id = new_article(api, wiki, tags="a")
    before = article(api, id)

    assert (
        api.call("Wiki.Wiki.updateArticle", {"article": {**before, "title": "Renamed"}}, editor)
        is True
    )

    after = article(api, id)
    assert changed(before, after) <= {"title", *BOOKKEEPING} and after["title"] == "Renamed"
    assert api.call("Wiki.Wiki.updateArticle", {"article": {"id": id, "tags": "b"}}) is True
    assert article(api, id)["title"] == "Renamed" and article(api, id)["tags"] == "b"


def test_update_article_checks_rights_values_and_version(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    wiki = new_wiki(api)
    id = new_article(api, wiki)
    before = article(api, id)

    assert (
        api.error(
            "Wiki.Wiki.updateArticle", {"article": {"id": id, "title": "x"}}, keys["readonly"][1]
        ).code
        == -32001
    )
    assert (
        api.error("Wiki.Wiki.updateArticle", {"article": {"id": 987654, "title": "x"}}).code
        == -32002
    )
    assert (
        api.error("Wiki.Wiki.updateArticle", {"article": {"id": id, "status": "gone"}}).code
        == -32602
    )
    assert (
        api.error("Wiki.Wiki.updateArticle", {"article": {"id": id, "parent": id}}).data["param"]
        == "article.parent"
    )
    stale = api.error(
        "Wiki.Wiki.updateArticle",
        {"article": {"id": id, "title": "x"}, "expectedVersion": before["version"] + 1},
    )
    assert stale.code == -32005
    assert article(api, id) == before


def test_an_article_cannot_move_below_its_own_child(api: Api) -> None:
    wiki = new_wiki(api)
    top = new_article(api, wiki)
    child = new_article(api, wiki, parent=top)

    error = api.error("Wiki.Wiki.updateArticle", {"article": {"id": top, "parent": child}})

    assert error.code == -32602 and error.data["param"] == "article.parent"
    assert article(api, child)["parent"] == top


def test_article_activity_keeps_each_change(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    editor = keys["editor"][1]
    wiki = new_wiki(api)
    id = new_article(api, wiki, editor, title="First", description="one")
    api.call(
        "Wiki.Wiki.updateArticle",
        {"article": {"id": id, "title": "Second", "status": "draft"}},
        editor,
    )
    api.call("Wiki.Wiki.updateArticle", {"article": {"id": id, "description": "two"}}, editor)

    activity = api.call("Wiki.Wiki.getArticleActivity", {"articleId": id}, keys["readonly"][1])

    assert [entry["action"] for entry in activity] == [
        "article.edit", "article.status", "article.title", "article.create",
    ]  # fmt: skip
    assert activity[0]["values"] == {"from": "one", "to": "two"}
    assert activity[1]["values"] == {"from": "published", "to": "draft"}
    assert activity[2]["values"] == {"from": "First", "to": "Second"}
    assert activity[3]["values"] == {"title": "First"}
    assert all(
        entry["type"] == "audit" and entry["firstname"].startswith("svc-editor")
        for entry in activity
    )
    assert len(api.call("Wiki.Wiki.getArticleActivity", {"articleId": id, "limit": 2})) == 2
    assert (
        api.error("Wiki.Wiki.getArticleActivity", {"articleId": id, "limit": 0}).data["param"]
        == "limit"
    )
    assert api.call("Wiki.Wiki.getArticleActivity", {"articleId": 987654}) == []


def test_headlines_show_published_articles_and_own_drafts(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    editor = keys["editor"][1]
    wiki = new_wiki(api)
    top = new_article(api, wiki, title="B top")
    child = new_article(api, wiki, title="A child", parent=top, data="icon")
    mine = new_article(api, wiki, editor, title="C mine", status="draft")
    theirs = new_article(api, wiki, title="D theirs", status="draft")

    headlines = api.call("Wiki.Wiki.getAllWikiHeadlines", {"wikiId": wiki, "userId": 1}, editor)

    assert [h["id"] for h in headlines] == [top, mine, child]
    assert set(headlines[0]) == {"id", "title", "parent", "sortindex", "status", "data"}
    assert headlines[2] == {
        "id": child,
        "title": "A child",
        "parent": top,
        "sortindex": 10,
        "status": "published",
        "data": "icon",
    }
    owner_view = api.call(
        "Wiki.Wiki.getAllWikiHeadlines", {"wikiId": wiki, "userId": keys["editor"][0]}
    )
    assert theirs in [h["id"] for h in owner_view] and mine not in [h["id"] for h in owner_view]


def test_get_article_is_false_for_missing_or_hidden_articles(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    elsewhere = new_article(api, new_wiki(api, project=2))
    wiki = new_wiki(api)
    here = new_article(api, wiki)

    assert api.call("Wiki.Wiki.getArticle", {"id": elsewhere}, keys["editor"][1]) is False
    assert api.call("Wiki.Wiki.getArticle", {"id": 987654}) is False
    assert api.call("Wiki.Wiki.getArticle", {"id": here, "projectId": 2}) is False
    assert (
        api.call("Wiki.Wiki.getArticleActivity", {"articleId": elsewhere}, keys["editor"][1]) == []
    )
    assert api.error("Wiki.Wiki.getArticle", {"id": "x"}).data["param"] == "id"


def test_delete_article_moves_children_up_and_drops_history(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    wiki = new_wiki(api)
    top = new_article(api, wiki)
    middle = new_article(api, wiki, parent=top)
    bottom = new_article(api, wiki, parent=middle)
    assert api.error("Wiki.Wiki.deleteArticle", {"id": middle}, keys["readonly"][1]).code == -32001

    assert api.call("Wiki.Wiki.deleteArticle", {"id": middle}, keys["editor"][1]) is True

    assert api.call("Wiki.Wiki.getArticle", {"id": middle}) is False
    assert article(api, bottom)["parent"] == top
    assert api.call("Wiki.Wiki.getArticleActivity", {"articleId": middle}) == []
    assert api.error("Wiki.Wiki.deleteArticle", {"id": middle}).code == -32002


def test_delete_wiki_removes_its_articles(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    wiki = new_wiki(api)
    id = new_article(api, wiki)
    assert api.error("Wiki.Wiki.deleteWiki", {"id": wiki}, keys["commenter"][1]).code == -32001

    assert api.call("Wiki.Wiki.deleteWiki", {"id": wiki}, keys["editor"][1]) is True

    assert api.call("Wiki.Wiki.getWiki", {"id": wiki}) is False
    assert api.call("Wiki.Wiki.getArticle", {"id": id}) is False
    assert api.error("Wiki.Wiki.deleteWiki", {"id": wiki}).code == -32002


def test_lists_page_and_positions_bind(api: Api) -> None:
    project = api.call("projects.addProject", {"values": {"name": unique("paged-wikis")}})
    ids = [new_wiki(api, project=project) for _ in range(3)]

    page = api.call(
        "Wiki.Wiki.getAllProjectWikis", {"projectId": project, "pageSize": 2, "withTotal": True}
    )

    assert [w["id"] for w in page["items"]] == ids[:2] and page["total"] == 3
    assert api.call("Wiki.Wiki.getWiki", [ids[0]])["id"] == ids[0]
