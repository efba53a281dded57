"""The web session authenticates /api/jsonrpc calls made by the pages' fetch(): the
session cookie counts only with its X-CSRF-Token header."""

from __future__ import annotations

import httpx

from tests.conftest import Server
from tests.web.pages import make_person, page_token, sign_in, submit

WHO = {"jsonrpc": "2.0", "id": 1, "method": "leantime.rpc.Auth.Auth.getUserId"}


def _ticket(ticket_id: int) -> dict[str, object]:
    return {
        "jsonrpc": "2.0",
        "id": 2,
        "method": "leantime.rpc.tickets.getTicket",
        "params": {"id": ticket_id},
    }


def _call(client: httpx.Client, body: dict[str, object], token: str | None) -> httpx.Response:
    headers = {} if token is None else {"x-csrf-token": token}
    return client.post("/api/jsonrpc", json=body, headers=headers)


def test_the_session_with_its_token_calls_as_the_person(server: Server) -> None:
    person = make_person(server, "editor", projects=(1,))
    client = sign_in(server, person.email, person.password)
    token = page_token(client.get("/").text)
    answer = _call(client, WHO, token)
    assert answer.status_code == 200
    assert answer.json()["result"] == person.id
    inside = server.add_ticket(projectId=1)
    outside = server.add_ticket(projectId=3)
    assert _call(client, _ticket(inside), token).json()["result"]["id"] == inside
    assert _call(client, _ticket(outside), token).json()["result"] is False


def test_the_cookie_alone_is_not_enough(server: Server) -> None:
    client = sign_in(server)
    missing = _call(client, WHO, None)
    assert missing.status_code == 401
    assert missing.json()["error"]["data"]["reason"] == "missing"
    wrong = _call(client, WHO, "f" * 64)
    assert wrong.status_code == 401
    assert wrong.json()["error"]["data"]["reason"] == "unknown"
    # A token from another session does not fit this cookie either.
    other = sign_in(server)
    foreign = page_token(other.get("/").text)
    assert _call(client, WHO, foreign).status_code == 401


def test_a_signed_out_session_is_refused(server: Server) -> None:
    client = sign_in(server)
    token = page_token(client.get("/").text)
    cookie = client.cookies["mp_session"]
    assert _call(client, WHO, token).status_code == 200
    submit(client, "/signout", {})
    client.cookies.set("mp_session", cookie)
    refused = _call(client, WHO, token)
    assert refused.status_code == 401
    assert refused.json()["error"]["data"]["reason"] == "unknown"


def test_an_api_key_still_wins_over_the_cookie(server: Server) -> None:
    client = sign_in(server)
    key = server.make_key("readonly", [1])
    response = client.post("/api/jsonrpc", json=WHO, headers={"x-api-key": key})
    assert response.status_code == 200
    owner_id = _call(client, WHO, page_token(client.get("/").text)).json()["result"]
    assert response.json()["result"] != owner_id


def test_a_session_change_through_the_api_is_what_the_board_does(server: Server) -> None:
    ticket_id = server.add_ticket(projectId=1, status=3)
    client = sign_in(server)
    token = page_token(client.get("/projects/1/board").text)
    body = {
        "jsonrpc": "2.0",
        "id": 3,
        "method": "leantime.rpc.Tickets.Tickets.patchTicket",
        "params": {"id": ticket_id, "values": {"status": 4}},
    }
    answer = _call(client, body, token).json()
    assert answer.get("result") is True, answer
    assert server.call("tickets.getTicket", {"id": ticket_id})["status"] == 4
