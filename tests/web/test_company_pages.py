"""Company Settings: people, API keys and personal access tokens through the pages, with
the results checked through the API."""

from __future__ import annotations

import re
import secrets

import httpx

from tests.conftest import Server
from tests.web.pages import browser, make_person, sign_in, submit, try_sign_in

SECRET = re.compile(r'id="new-secret" class="secret" value="([^"]+)"')


def _secret(html: str) -> str:
    found = SECRET.search(html)
    assert found, "the page shows no new secret"
    return found.group(1)


def _rpc(
    server: Server, method: str, params: dict[str, object], headers: dict[str, str]
) -> httpx.Response:
    body = {"jsonrpc": "2.0", "id": 1, "method": "leantime.rpc." + method, "params": params}
    return httpx.post(server.rpc_url, json=body, headers=headers, timeout=30)


def test_an_admin_creates_a_person_who_can_then_sign_in(server: Server) -> None:
    client = sign_in(server)
    email = f"made-{secrets.token_hex(4)}@example.com"
    response = submit(
        client,
        "/settings/users",
        {
            "username": email,
            "firstname": "Made",
            "lastname": "Here",
            "role": "10",
            "password": "made-password",
        },
        "/settings/users",
    )
    assert response.status_code == 303
    html = client.get("/settings/users").text
    assert f"Created user {email}" in html
    user = server.call("Users.Users.getUserByEmail", {"email": email})
    assert user["role"] == "10"
    assert try_sign_in(browser(server), email, "made-password").status_code == 303

    submit(client, f"/settings/users/{user['id']}/role", {"role": "20"}, "/settings/users")
    assert server.call("Users.Users.getUser", {"id": user["id"]})["role"] == "20"
    submit(client, f"/settings/users/{user['id']}/status", {"status": ""}, "/settings/users")
    assert server.call("Users.Users.getUser", {"id": user["id"]})["status"] == ""
    assert try_sign_in(browser(server), email, "made-password").status_code == 403
    submit(client, f"/settings/users/{user['id']}/status", {"status": "a"}, "/settings/users")
    assert try_sign_in(browser(server), email, "made-password").status_code == 303


def test_an_admin_cannot_hand_out_the_owner_role(server: Server) -> None:
    admin = make_person(server, "admin")
    client = sign_in(server, admin.email, admin.password)
    page = client.get("/settings/users").text
    assert '<option value="50"' not in page
    email = f"upgrade-{secrets.token_hex(4)}@example.com"
    submit(
        client,
        "/settings/users",
        {"username": email, "role": "50", "password": "secret-password"},
        "/settings/users",
    )
    assert "above your own" in client.get("/settings/users").text
    assert server.call("Users.Users.getUserByEmail", {"email": email}) is False


def test_a_key_made_in_the_page_works_until_revoked_in_the_page(server: Server) -> None:
    client = sign_in(server)
    name = f"page-key-{secrets.token_hex(3)}"
    created = submit(
        client,
        "/settings/keys",
        {"name": name, "role": "20", "projects": ["1"], "expires": "2099-12-31"},
        "/settings/keys",
    )
    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    secret = _secret(created.text)
    assert secret.startswith("lt_")
    inside, outside = server.add_ticket(projectId=1), server.add_ticket(projectId=3)
    answer = _rpc(server, "tickets.getTicket", {"id": inside}, {"x-api-key": secret}).json()
    assert answer["result"]["id"] == inside
    refused = _rpc(server, "tickets.getTicket", {"id": outside}, {"x-api-key": secret}).json()
    assert refused["result"] is False

    listing = client.get("/settings/keys").text
    row = listing.split(f'data-name="{name}"')[1].split("</tr>")[0]
    assert "editor" in row
    assert "Website relaunch" in row
    assert "2099-12-31" in row
    assert "active" in row
    assert secret not in listing
    key_id = next(k["id"] for k in server.call("Api.Api.getAPIKeys") if k["name"] == name)
    submit(client, f"/settings/keys/{key_id}/revoke", {}, "/settings/keys")
    assert (
        _rpc(server, "tickets.getTicket", {"id": inside}, {"x-api-key": secret}).status_code == 401
    )
    row = client.get("/settings/keys").text.split(f'data-name="{name}"')[1].split("</tr>")[0]
    assert "revoked" in row


def test_a_duplicate_key_name_is_refused_with_the_reason(server: Server) -> None:
    client = sign_in(server)
    name = f"twice-{secrets.token_hex(3)}"
    assert (
        submit(client, "/settings/keys", {"name": name, "role": "5"}, "/settings/keys").status_code
        == 201
    )
    again = submit(client, "/settings/keys", {"name": name, "role": "5"}, "/settings/keys")
    assert again.status_code == 303
    assert f"a key named &#39;{name}&#39; exists" in client.get("/settings/keys").text


def test_everyone_manages_their_own_tokens(server: Server) -> None:
    person = make_person(server, "commenter", projects=(1,))
    client = sign_in(server, person.email, person.password)
    created = submit(client, "/settings/tokens", {"name": "my script"}, "/settings/tokens")
    assert created.status_code == 201
    token = _secret(created.text)
    who = _rpc(server, "Auth.Auth.getUserId", {}, {"authorization": f"Bearer {token}"})
    assert who.json()["result"] == person.id
    mine = _rpc(server, "Auth.AccessToken.getMyTokens", {}, {"authorization": f"Bearer {token}"})
    listed = mine.json()["result"]
    assert [t["name"] for t in listed] == ["my script"]
    assert "token" not in listed[0]
    assert "my script" in client.get("/settings/tokens").text

    # Nobody else sees or revokes it.
    other = make_person(server, "editor")
    other_client = sign_in(server, other.email, other.password)
    assert "my script" not in other_client.get("/settings/tokens").text
    submit(other_client, f"/settings/tokens/{listed[0]['id']}/revoke", {}, "/settings/tokens")
    assert "you have no token" in other_client.get("/settings/tokens").text
    assert (
        _rpc(server, "Auth.Auth.getUserId", {}, {"authorization": f"Bearer {token}"}).status_code
        == 200
    )

    submit(client, f"/settings/tokens/{listed[0]['id']}/revoke", {}, "/settings/tokens")
    assert (
        _rpc(server, "Auth.Auth.getUserId", {}, {"authorization": f"Bearer {token}"}).status_code
        == 401
    )


def test_token_methods_over_the_api(server: Server) -> None:
    person = make_person(server, "editor")
    key = server.make_key("editor", [1])
    refused = _rpc(
        server, "Auth.AccessToken.createToken", {"name": "from a key"}, {"x-api-key": key}
    )
    assert refused.json()["error"]["code"] == -32001
    client = sign_in(server, person.email, person.password)
    token = _secret(submit(client, "/settings/tokens", {"name": "t1"}, "/settings/tokens").text)
    bearer = {"authorization": f"Bearer {token}"}
    made = _rpc(
        server, "Auth.AccessToken.createToken", {"name": "t2", "expires": "2099-01-01"}, bearer
    )
    assert made.json()["result"]["expires"] == "2099-01-01 00:00:00"
    past = _rpc(
        server, "Auth.AccessToken.createToken", {"name": "t3", "expires": "2001-01-01"}, bearer
    )
    assert past.json()["error"]["code"] == -32602
    empty = _rpc(server, "Auth.AccessToken.createToken", {"name": "  "}, bearer)
    assert empty.json()["error"]["data"]["param"] == "name"
    names = [
        t["name"] for t in _rpc(server, "Auth.AccessToken.getMyTokens", {}, bearer).json()["result"]
    ]
    assert names == ["t2", "t1"]
    second = made.json()["result"]["id"]
    assert (
        _rpc(server, "Auth.AccessToken.revokeToken", {"id": second}, bearer).json()["result"]
        is True
    )
    gone = _rpc(server, "Auth.AccessToken.revokeToken", {"id": second}, bearer).json()
    assert gone["error"]["code"] == -32002
