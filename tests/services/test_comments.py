"""Comments over the API: who may read, write, edit and delete, and the shapes."""

from __future__ import annotations

import pytest

from tests.conftest import RpcError, Server


def _comments(server: Server, ticket: int, key: str | None = None, **extra: object) -> object:
    return server.call(
        "Comments.Comments.getComments", {"module": "ticket", "entityId": ticket, **extra}, key=key
    )


def _add(
    server: Server, ticket: int, text: str, key: str | None = None, **values: object
) -> object:
    return server.call(
        "comments.addComment",
        {"values": {"text": text, **values}, "module": "ticket", "entityId": ticket},
        key=key,
    )


def test_a_commenter_comments_and_everyone_in_the_project_reads(server: Server) -> None:
    ticket = server.add_ticket()
    commenter = server.make_key("commenter", [1])
    assert _add(server, ticket, "first", commenter) is True
    assert _add(server, ticket, "second", commenter) is True
    reader = server.make_key("readonly", [1])
    newest_first = _comments(server, ticket, reader)
    assert [c["text"] for c in newest_first] == ["second", "first"]  # type: ignore[union-attr]
    oldest_first = _comments(server, ticket, reader, commentOrder=1)
    assert [c["text"] for c in oldest_first] == ["first", "second"]  # type: ignore[union-attr]
    row = oldest_first[0]  # type: ignore[index]
    assert set(row) >= {
        "id",
        "module",
        "text",
        "date",
        "moduleId",
        "userId",
        "commentParent",
        "status",
        "firstname",
        "lastname",
        "profileId",
        "userModified",
        "rawDate",
    }
    assert row["module"] == "ticket"
    assert row["moduleId"] == ticket
    assert row["commentParent"] == 0
    assert row["firstname"].startswith("test-commenter")


def test_a_reader_cannot_comment(server: Server) -> None:
    ticket = server.add_ticket()
    with pytest.raises(RpcError) as error:
        _add(server, ticket, "nope", server.make_key("readonly", [1]))
    assert error.value.code == -32001
    assert _comments(server, ticket) == []


def test_entities_outside_the_callers_projects_are_hidden(server: Server) -> None:
    hidden = server.add_ticket(projectId=3)
    _add(server, hidden, "secret plans")
    key = server.make_key("editor", [1])
    assert _comments(server, hidden, key) is False
    with pytest.raises(RpcError) as error:
        _add(server, hidden, "peek", key)
    assert error.value.code == -32002
    assert _comments(server, 99_999_999) is False


def test_replies_hang_under_their_parent(server: Server) -> None:
    ticket = server.add_ticket()
    _add(server, ticket, "question")
    parent = _comments(server, ticket)[0]["id"]  # type: ignore[index]
    _add(server, ticket, "answer", father=parent)
    assert [c["text"] for c in _comments(server, ticket)] == ["question"]  # type: ignore[union-attr]
    replies = _comments(server, ticket, parent=parent)
    assert [(c["text"], c["commentParent"]) for c in replies] == [("answer", parent)]  # type: ignore[union-attr]
    other = server.add_ticket()
    with pytest.raises(RpcError) as error:
        _add(server, other, "misplaced", father=parent)
    assert error.value.code == -32602
    assert error.value.data["param"] == "values.father"


def test_bad_input_is_named(server: Server) -> None:
    ticket = server.add_ticket()
    with pytest.raises(RpcError) as empty:
        _add(server, ticket, "   ")
    assert empty.value.data["param"] == "values.text"
    with pytest.raises(RpcError) as module:
        server.call(
            "comments.addComment", {"values": {"text": "x"}, "module": "wiki", "entityId": 1}
        )
    assert module.value.code == -32602
    assert module.value.data["param"] == "module"


def test_project_comments(server: Server) -> None:
    assert (
        server.call(
            "comments.addComment",
            {
                "values": {"text": "status: green", "status": "green"},
                "module": "project",
                "entityId": 2,
            },
        )
        is True
    )
    rows = server.call("comments.getComments", {"module": "project", "entityId": 2})
    assert any(r["text"] == "status: green" and r["status"] == "green" for r in rows)


def test_authors_edit_their_own_and_managers_moderate(server: Server) -> None:
    ticket = server.add_ticket()
    author, other, manager = (
        server.make_key(role, [1]) for role in ("editor", "editor", "manager")
    )
    _add(server, ticket, "draft", author)
    comment = _comments(server, ticket)[0]["id"]  # type: ignore[index]
    edit = {"values": {"text": "final"}, "id": comment}
    assert server.call("comments.editComment", edit, key=author) is True
    with pytest.raises(RpcError) as refused:
        server.call(
            "comments.editComment", {"values": {"text": "vandal"}, "id": comment}, key=other
        )
    assert refused.value.code == -32001
    with pytest.raises(RpcError):
        server.call("comments.deleteComment", {"commentId": comment}, key=other)
    assert (
        server.call(
            "comments.editComment", {"values": {"text": "moderated"}, "id": comment}, key=manager
        )
        is True
    )
    assert _comments(server, ticket)[0]["text"] == "moderated"  # type: ignore[index]
    with pytest.raises(RpcError) as missing:
        server.call("comments.editComment", {"values": {"text": "x"}, "id": 99_999_999})
    assert missing.value.code == -32002


def test_deleting_a_comment_deletes_its_replies(server: Server) -> None:
    ticket = server.add_ticket()
    author = server.make_key("commenter", [1])
    _add(server, ticket, "thread start", author)
    parent = _comments(server, ticket)[0]["id"]  # type: ignore[index]
    _add(server, ticket, "reply one", father=parent)
    _add(server, ticket, "stays")
    assert server.call("comments.deleteComment", {"commentId": parent}, key=author) is True
    assert [c["text"] for c in _comments(server, ticket)] == ["stays"]  # type: ignore[union-attr]
    assert _comments(server, ticket, parent=parent) == []


def test_deleting_a_ticket_removes_its_comments_reactions_and_files(server: Server) -> None:
    ticket = server.add_ticket(headline="with attachments")
    _add(server, ticket, "bye", server.owner_key)
    server.call("reactions.react", {"module": "ticket", "moduleId": ticket, "reaction": "like"})
    upload = server.call(
        "files.upload",
        {"file": {"file": {"name": "note.txt", "content": "aGVsbG8="}}, "module": "ticket",
         "moduleId": ticket},
    )  # fmt: skip
    assert server.call("files.getFileById", {"fileId": int(upload["fileId"])})
    server.call("tickets.delete", {"id": ticket})
    assert server.call("files.getFileById", {"fileId": int(upload["fileId"])}) is False
    reactions = server.call(
        "reactions.getUserReactions", {"userId": 1, "module": "ticket", "moduleId": ticket}
    )
    assert not reactions


def test_wiki_articles_can_be_commented_on(server: Server) -> None:
    wiki = server.call("wiki.createWiki", {"wiki": {"title": "Commented", "projectId": 1}})
    article = server.call(
        "wiki.createArticle", {"article": {"title": "A", "canvasId": int(wiki), "description": "x"}}
    )
    added = server.call(
        "comments.addComment",
        {"values": {"text": "nice"}, "module": "article", "entityId": int(article)},
    )
    assert added is True
    comments = server.call("comments.getComments", {"module": "article", "entityId": int(article)})
    assert [comment["text"] for comment in comments] == ["nice"]
