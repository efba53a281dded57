"""Reactions over real HTTP: react, unreact, the groupings, and who may see what."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import Server
from tests.services import Api, api_for


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def keys(api: Api) -> dict[str, tuple[int, str]]:
    made = {role: api.new_key(role, [1]) for role in ("readonly", "editor")}
    made["outsider"] = api.new_key("editor", [2])
    return made


def react(api: Api, key: str, module: str, entity: int, reaction: str) -> bool:
    result = api.call(
        "Reactions.Reactions.react",
        {"module": module, "moduleId": entity, "reaction": reaction},
        key,
    )
    assert isinstance(result, bool)
    return result


def test_react_adds_one_reaction_per_type(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    ticket = api.add_ticket()
    key = keys["readonly"][1]

    assert react(api, key, "ticket", ticket, "like") is True
    assert react(api, key, "ticket", ticket, "love") is False  # a second sentiment
    assert react(api, key, "ticket", ticket, "like") is False
    assert react(api, key, "tickets", ticket, "upvote") is True
    assert react(api, key, "ticket", ticket, "watch") is True

    mine = api.call(
        "Reactions.Reactions.getUserReactions",
        {"userId": keys["readonly"][0], "moduleId": ticket},
        key,
    )
    assert [(r["reaction"], r["module"], r["moduleId"]) for r in mine] == [
        ("like", "ticket", ticket), ("upvote", "ticket", ticket), ("watch", "ticket", ticket),
    ]  # fmt: skip
    assert set(mine[0]) == {"id", "reaction", "date", "module", "moduleId", "userId"}


def test_unreact_takes_a_reaction_back(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    ticket = api.add_ticket()
    key = keys["editor"][1]
    react(api, key, "ticket", ticket, "like")

    assert (
        api.call(
            "reactions.unreact", {"module": "ticket", "moduleId": ticket, "reaction": "like"}, key
        )
        is True
    )
    assert (
        api.call(
            "reactions.unreact", {"module": "ticket", "moduleId": ticket, "reaction": "like"}, key
        )
        is False
    )
    assert react(api, key, "ticket", ticket, "love") is True


def test_grouped_and_with_users(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    ticket = api.add_ticket()
    react(api, keys["readonly"][1], "ticket", ticket, "like")
    react(api, keys["editor"][1], "ticket", ticket, "like")
    react(api, keys["editor"][1], "ticket", ticket, "favorite")

    grouped = api.call(
        "Reactions.Reactions.getGroupedEntityReactions", {"module": "ticket", "moduleId": ticket}
    )
    with_users = api.call(
        "Reactions.Reactions.getEntityReactionsWithUsers", {"module": "ticket", "moduleId": ticket}
    )

    assert grouped == [
        {"reactionCount": 1, "reaction": "favorite"},
        {"reactionCount": 2, "reaction": "like"},
    ]
    assert with_users[0]["reaction"] == "like" and with_users[0]["reactionCount"] == 2
    assert [user["userId"] for user in with_users[0]["users"]] == [
        keys["readonly"][0],
        keys["editor"][0],
    ]
    assert with_users[0]["users"][0]["name"].startswith("svc-readonly")
    assert with_users[1]["reaction"] == "favorite" and with_users[1]["reactionCount"] == 1
    assert [user["userId"] for user in with_users[1]["users"]] == [keys["editor"][0]]


def test_reactions_to_projects_comments_and_articles(
    api: Api, keys: dict[str, tuple[int, str]]
) -> None:
    key = keys["editor"][1]
    ticket = api.add_ticket()
    api.call(
        "comments.addComment", {"values": {"text": "hi"}, "module": "ticket", "entityId": ticket}
    )
    comment = api.call("comments.getComments", {"module": "ticket", "entityId": ticket})[0]["id"]
    wiki = api.call("Wiki.Wiki.createWiki", {"wiki": {"title": "w", "projectId": 1}})
    article = int(
        api.call("Wiki.Wiki.createArticle", {"article": {"canvasId": wiki, "title": "a"}})
    )

    assert react(api, key, "project", 1, "favorite") in (True, False)
    assert react(api, key, "comment", comment, "celebrate") is True
    assert react(api, key, "article", article, "interesting") is True
    assert api.call(
        "Reactions.Reactions.getGroupedEntityReactions",
        {"module": "comment", "moduleId": comment},
        keys["readonly"][1],
    ) == [{"reactionCount": 1, "reaction": "celebrate"}]
    assert (
        api.call(
            "Reactions.Reactions.getGroupedEntityReactions",
            {"module": "comment", "moduleId": comment},
            keys["outsider"][1],
        )
        == []
    )


def test_hidden_entities_answer_missing(api: Api, keys: dict[str, tuple[int, str]]) -> None:
    ticket = api.add_ticket()
    react(api, keys["editor"][1], "ticket", ticket, "like")
    outsider = keys["outsider"][1]

    error = api.error(
        "Reactions.Reactions.react",
        {"module": "ticket", "moduleId": ticket, "reaction": "like"},
        outsider,
    )
    assert error.code == -32002
    assert (
        api.error(
            "Reactions.Reactions.unreact",
            {"module": "ticket", "moduleId": ticket, "reaction": "like"},
            outsider,
        ).code
        == -32002
    )
    assert (
        api.call(
            "Reactions.Reactions.getEntityReactionsWithUsers",
            {"module": "ticket", "moduleId": ticket},
            outsider,
        )
        == []
    )
    assert (
        api.call("Reactions.Reactions.getUserReactions", {"userId": keys["editor"][0]}, outsider)
        == []
    )
    assert (
        api.error(
            "Reactions.Reactions.react",
            {"module": "ticket", "moduleId": 987654, "reaction": "like"},
        ).code
        == -32002
    )
    seen = api.call(
        "Reactions.Reactions.getUserReactions",
        {"userId": keys["editor"][0], "module": "ticket", "moduleId": ticket},
    )
    assert [r["reaction"] for r in seen] == ["like"]


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"module": "lead", "moduleId": 1, "reaction": "like"}, "module"),
        ({"module": "ticket", "moduleId": 1, "reaction": "shrug"}, "reaction"),
        ({"module": "ticket", "moduleId": "one", "reaction": "like"}, "moduleId"),
        ({"module": "ticket", "moduleId": 1, "reaction": 5}, "reaction"),
    ],
)
def test_react_rejects_bad_params(api: Api, params: dict[str, object], param: str) -> None:
    error = api.error("Reactions.Reactions.react", params)

    assert error.code == -32602 and error.data["param"] == param


def test_missing_params_and_reaction_types(api: Api) -> None:
    missing = api.error("Reactions.Reactions.react", {"module": "ticket", "moduleId": 1})
    assert missing.data["detail"] == "Required Parameter Missing: reaction"
    assert (
        api.error("Reactions.Reactions.getUserReactions", {}).data["detail"]
        == "Required Parameter Missing: userId"
    )
    assert (
        api.call("Reactions.Reactions.getReactionType", {"reaction": "love"})
        == "sentimentReactions"
    )
    assert (
        api.call("Reactions.Reactions.getReactionType", {"reaction": "downvote"})
        == "contentReactions"
    )
    assert (
        api.call("Reactions.Reactions.getReactionType", {"reaction": "watch"}) == "entityReactions"
    )
    assert api.call("Reactions.Reactions.getReactionType", {"reaction": "shrug"}) is False
    assert (
        api.error(
            "Reactions.Reactions.getGroupedEntityReactions", {"module": "x", "moduleId": 1}
        ).data["param"]
        == "module"
    )
