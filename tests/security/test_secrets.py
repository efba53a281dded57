"""Secrets: compared in constant time, never logged, never shown again after creation."""

from __future__ import annotations

import inspect
import secrets
from collections.abc import Iterator

import httpx
import orjson
import pytest

from milepost.services import auth, sessions
from tests.conftest import OWNER_EMAIL, OWNER_PASSWORD, Server
from tests.security.servers import OwnServer, own_server
from tests.security.world import rpc, sign_in

WHO = {"jsonrpc": "2.0", "id": 1, "method": "leantime.rpc.Auth.Auth.getUserId"}


def test_key_secrets_are_compared_in_constant_time() -> None:
    """A key is found by its public id, then its secret's digest is compared with
    hmac.compare_digest; tokens and sessions are found by the SHA-256 digest of a
    high-entropy secret (a timing difference there tells nothing about the secret), and
    CSRF tokens are compared with hmac.compare_digest."""
    key_check = inspect.getsource(auth.Authenticator.api_key)
    assert "hmac.compare_digest(" in key_check and "digest(secret)" in key_check
    assert "==" not in key_check
    token_check = inspect.getsource(auth.Authenticator.bearer)
    assert "digest(value)" in token_check and "==" not in token_check
    assert "hmac.compare_digest" in inspect.getsource(sessions.csrf_matches)


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnServer]:
    """A server that logs everything it logs, at debug level."""
    env = {"MILEPOST_LOG_LEVEL": "debug", "MILEPOST_FAILED_AUTH_PER_MINUTE": "1000000"}
    with own_server("sqlite", tmp_path_factory.mktemp("logged"), demo=False, env=env) as server:
        yield server


def _post(server: OwnServer, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(server.rpc_url, json=WHO, headers=headers, timeout=30)


def test_no_secret_reaches_the_log(logged: OwnServer) -> None:
    key = logged.mint_key("editor")
    key_secret = key.split("_")[2]
    assert _post(logged, {"x-api-key": key}).status_code == 200
    wrong = key[: -len(key_secret)] + "x" * len(key_secret)
    assert _post(logged, {"x-api-key": wrong}).status_code == 401
    assert _post(logged, {"authorization": f"Bearer {key}"}).status_code == 200
    session = sign_in(logged.url, OWNER_EMAIL, OWNER_PASSWORD)
    token = rpc(session, "Auth.AccessToken.createToken", {"name": "log test"})["token"]
    assert _post(logged, {"authorization": f"Bearer {token}"}).status_code == 200
    assert _post(logged, {"authorization": f"Bearer {token[:-4]}zzzz"}).status_code == 401
    cookie, csrf = session.cookies["mp_session"], session.headers["x-csrf-token"]
    assert session.post("/api/jsonrpc", json=WHO).status_code == 200
    session.close()

    log = logged.log_text()
    assert "getUserId" in log, "the server logged no call at all; the test would prove nothing"
    for name, secret in {"key": key, "key secret": key_secret, "wrong key secret": "x" * 32,
                         "token": token, "session cookie": cookie, "csrf token": csrf,
                         "password": OWNER_PASSWORD}.items():  # fmt: skip
        assert secret not in log, f"the {name} is in the server's log"


def test_secrets_are_shown_once(server: Server) -> None:
    created = server.call(
        "Api.Api.createApiKeyWithProjects",
        {
            "values": {"name": f"shown-once-{secrets.token_hex(4)}", "role": "editor"},
            "projects": [1],
        },
    )
    key = created["apiKey"]
    key_secret = key.split("_")[2]
    key_user = server.call("Auth.getUserId", key=key)
    email, password = f"secret-{secrets.token_hex(4)}@example.com", "pw-" + secrets.token_hex(8)
    person = server.call("Users.addUser", {"values": {"username": email, "password": password,
                         "role": "editor", "firstname": "Shown", "lastname": "Once"}})  # fmt: skip
    session = sign_in(server.url, email, password)

    token = rpc(session, "Auth.AccessToken.createToken", {"name": "shown once"})["token"]
    readers = {
        "getAPIKeys": server.call("Api.Api.getAPIKeys"),
        "getUser of the key": server.call("Users.getUser", {"id": key_user}, key=key),
        "getUser by the owner": server.call("Users.getUser", {"id": key_user}),
        "getUser of the person": rpc(session, "Users.Users.getUser"),
        "Users.getAll": server.call("Users.getAll"),
        "getMyTokens": rpc(session, "Auth.AccessToken.getMyTokens"),
        "rpc.discover": server.call("rpc.discover", key=key),
        "audit log": server.call("Audit.Audit.getEntries", {"limit": 50}),
    }
    session.close()
    assert any(row["id"] == person for row in readers["Users.getAll"])
    for reader, answer in readers.items():
        text = orjson.dumps(answer).decode()
        assert key_secret not in text, f"{reader} shows the key's secret"
        assert token not in text, f"{reader} shows the token"
        assert auth.digest(token) not in text, f"{reader} shows the token's digest"
        assert auth.digest(key_secret) not in text, f"{reader} shows the key's digest"
        assert "$argon2" not in text, f"{reader} shows a password hash"


def test_the_key_page_shows_no_secret_after_creation(server: Server) -> None:
    name = f"page-{secrets.token_hex(4)}"
    created = server.call("Api.Api.createAPIKey", {"values": {"name": name, "role": "editor"}})
    client = sign_in(server.url, OWNER_EMAIL, OWNER_PASSWORD)
    page = client.get("/settings/keys")
    client.close()
    assert page.status_code == 200
    assert name in page.text
    assert created["apiKey"].split("_")[2] not in page.text
