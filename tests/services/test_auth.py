"""Credentials over real HTTP: API keys, personal access tokens, refusals and throttling.

A refused credential is HTTP 401 with a JSON-RPC error body: code -32001, message
"Unauthorized", and `data.reason` one of missing, malformed, unknown, revoked, expired,
deactivated (PRODUCT.md item 7). A wrong secret and an unknown key id get the same
body. Credentials are checked after the body size and before the body is parsed.
"""

from __future__ import annotations

import json
import secrets
import string
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Server, milepost, start_server, stop

WHO_AM_I = {"jsonrpc": "2.0", "id": 1, "method": "leantime.rpc.Auth.getUserId"}
REVOKE_TOKEN = {
    "jsonrpc": "2.0",
    "id": 2,
    "method": "leantime.rpc.Auth.AccessToken.revokeCurrentToken",
}
ALNUM = string.ascii_letters + string.digits


def alnum(length: int) -> str:
    return "".join(secrets.choice(ALNUM) for _ in range(length))


def post(server: Server, body: Any = None, **headers: str) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body or WHO_AM_I).encode()
    return httpx.post(server.rpc_url, content=content, headers=headers, timeout=30)


def with_key(server: Server, key: str, body: Any = None) -> httpx.Response:
    return post(server, body, **{"x-api-key": key})


def with_bearer(server: Server, token: str, body: Any = None) -> httpx.Response:
    return post(server, body, authorization=f"Bearer {token}")


def assert_unauthorized(response: httpx.Response, reason: str) -> dict[str, Any]:
    """HTTP 401 whose body is exactly a JSON-RPC error with the contract's fields."""
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/json"
    assert "www-authenticate" in response.headers
    body = response.json()
    assert set(body) == {"jsonrpc", "error", "id"}
    assert body["jsonrpc"] == "2.0"
    assert body["id"] is None
    error = body["error"]
    assert set(error) == {"code", "message", "data"}
    assert (error["code"], error["message"]) == (-32001, "Unauthorized")
    assert error["data"]["reason"] == reason, error
    assert isinstance(error["data"]["detail"], str) and error["data"]["detail"]
    return body  # type: ignore[no-any-return]


def assert_user_id(response: httpx.Response) -> int:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "result" in body, body
    return int(body["result"])


def new_key(server: Server, **values: Any) -> dict[str, Any]:
    """A fresh editor key on project 1, as createApiKeyWithProjects returns it."""
    values = {"name": f"auth-{secrets.token_hex(4)}", "role": "editor", **values}
    created: dict[str, Any] = server.call(
        "Api.Api.createApiKeyWithProjects", {"values": values, "projects": [1]}
    )
    return created


def person_token(server: Server, *extra: str) -> str:
    """A personal access token of the owner (user 1), made with the command line."""
    command = ["tokens", "--database", server.database_url, "create"]
    return milepost(*command, "--user", "owner@example.com", *extra).strip()


# -- refusals -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-credentials"),
        pytest.param({"authorization": "Basic b3duZXI6cGFzc3dvcmQ="}, id="basic-auth"),
        pytest.param({"authorization": "Bearer"}, id="bearer-without-token"),
        pytest.param({"authorization": "Token abc"}, id="other-scheme"),
        pytest.param({"cookie": "unrelated=1"}, id="cookie-without-session"),
        pytest.param({"x-api-keys": "lt_a_b"}, id="misspelt-header"),
    ],
)
def test_no_credentials_is_401_missing(server: Server, headers: dict[str, str]) -> None:
    assert_unauthorized(post(server, **headers), "missing")


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("lt_abc", id="two-parts"),
        pytest.param("foo", id="one-part"),
        pytest.param("lt_a_b_c", id="four-parts"),
        pytest.param("lt__secret", id="empty-id"),
        pytest.param("lt_abc_", id="empty-secret"),
        pytest.param("xx_abc_def", id="wrong-prefix"),
        pytest.param("LT_abc_def", id="upper-case-prefix"),
        pytest.param("lt_abc_d-f", id="non-alphanumeric"),
        pytest.param("lt_abc_d.f", id="dot"),
    ],
)
def test_malformed_key_is_401_malformed(server: Server, key: str) -> None:
    assert_unauthorized(with_key(server, key), "malformed")


@pytest.mark.parametrize("token", ["abc-def", "abc|def", "a.b.c"])
def test_malformed_bearer_token_is_401_malformed(server: Server, token: str) -> None:
    assert_unauthorized(with_bearer(server, token), "malformed")


def test_unknown_key_id_is_401_unknown(server: Server) -> None:
    assert_unauthorized(with_key(server, f"lt_{alnum(32)}_{alnum(32)}"), "unknown")


def test_unknown_token_is_401_unknown(server: Server) -> None:
    assert_unauthorized(with_bearer(server, alnum(40)), "unknown")


def test_wrong_secret_is_answered_exactly_as_an_unknown_id(server: Server) -> None:
    created = new_key(server)
    wrong_secret = with_key(server, f"lt_{created['user']}_{alnum(32)}")
    unknown_id = with_key(server, f"lt_{alnum(32)}_{created['passwordClean']}")
    assert assert_unauthorized(wrong_secret, "unknown") == assert_unauthorized(
        unknown_id, "unknown"
    )
    assert wrong_secret.content == unknown_id.content
    assert created["passwordClean"] not in wrong_secret.text


def test_revoked_key_is_401_revoked(server: Server) -> None:
    created = new_key(server)
    assert assert_user_id(with_key(server, created["apiKey"])) == created["id"]

    assert server.call("Api.Api.revokeAPIKey", {"id": created["id"]}) is True

    assert_unauthorized(with_key(server, created["apiKey"]), "revoked")
    assert_unauthorized(with_bearer(server, created["apiKey"]), "revoked")
    # Without the right secret, nobody learns that the key id was revoked.
    assert_unauthorized(with_key(server, f"lt_{created['user']}_{alnum(32)}"), "unknown")


def test_deactivated_key_is_401_deactivated_until_reactivated(server: Server) -> None:
    created = new_key(server)
    update = "Api.Api.updateApiKey"
    assert server.call(update, {"id": created["id"], "postValues": {"status": ""}}) is True
    assert_unauthorized(with_key(server, created["apiKey"]), "deactivated")

    assert server.call(update, {"id": created["id"], "postValues": {"status": "a"}}) is True
    assert assert_user_id(with_key(server, created["apiKey"])) == created["id"]


def test_key_created_with_a_past_expiry_is_401_expired(server: Server) -> None:
    created = new_key(server, expires="2001-01-01")
    assert_unauthorized(with_key(server, created["apiKey"]), "expired")


def test_key_with_a_future_expiry_works_until_moved_into_the_past(server: Server) -> None:
    created = new_key(server, expires="2999-01-01T00:00:00Z")
    assert assert_user_id(with_key(server, created["apiKey"])) == created["id"]
    past = {"id": created["id"], "postValues": {"expires": "2001-01-01"}}
    assert server.call("Api.Api.updateApiKey", past) is True
    assert_unauthorized(with_key(server, created["apiKey"]), "expired")


def test_token_created_with_a_past_expiry_is_401_expired(server: Server) -> None:
    token = person_token(server, "--expires", "2001-01-01")
    assert_unauthorized(with_bearer(server, token), "expired")


# -- accepted forms -------------------------------------------------------------------


@pytest.mark.parametrize("header", ["x-api-key", "X-API-KEY", "x-Api-Key", "X-Api-Key"])
def test_key_header_in_any_case(server: Server, header: str) -> None:
    created = new_key(server)
    assert assert_user_id(post(server, **{header: created["apiKey"]})) == created["id"]


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_key_as_bearer_token(server: Server, scheme: str) -> None:
    created = new_key(server)
    response = post(server, authorization=f"{scheme} {created['apiKey']}")
    assert assert_user_id(response) == created["id"]


def test_get_user_id_is_the_keys_own_user_id(server: Server) -> None:
    created = new_key(server)
    assert isinstance(created["id"], int)
    assert assert_user_id(with_key(server, created["apiKey"])) == created["id"]
    owner_key_user = assert_user_id(with_key(server, server.owner_key))
    assert owner_key_user != created["id"]


def test_personal_access_token_acts_as_its_user_until_revoked(server: Server) -> None:
    token = person_token(server)
    assert assert_user_id(with_bearer(server, token)) == 1  # the owner

    response = with_bearer(server, token, REVOKE_TOKEN)
    assert response.status_code == 200
    assert response.json() == {"jsonrpc": "2.0", "result": True, "id": 2}

    assert_unauthorized(with_bearer(server, token), "unknown")


def test_revoke_current_token_with_a_key_revokes_nothing(server: Server) -> None:
    created = new_key(server)
    assert with_key(server, created["apiKey"], REVOKE_TOKEN).json()["result"] is False
    assert assert_user_id(with_key(server, created["apiKey"])) == created["id"]


def test_revoking_one_token_leaves_the_others(server: Server) -> None:
    first, second = person_token(server), person_token(server)
    assert with_bearer(server, first, REVOKE_TOKEN).json()["result"] is True
    assert_unauthorized(with_bearer(server, first), "unknown")
    assert assert_user_id(with_bearer(server, second)) == 1


# -- order of checks ------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"jsonrpc": "2.0", "method": ', id="invalid-json"),
        pytest.param(b"", id="empty-body"),
        pytest.param(b"[]", id="empty-batch"),
        pytest.param(b"[1, 2, 3]", id="invalid-batch"),
    ],
)
def test_credentials_are_checked_before_the_body_is_parsed(server: Server, body: bytes) -> None:
    assert_unauthorized(post(server, body), "missing")
    assert_unauthorized(with_key(server, f"lt_{alnum(32)}_{alnum(32)}", body), "unknown")
    assert_unauthorized(with_key(server, "lt_abc", body), "malformed")


def test_get_checks_credentials_before_the_query(server: Server) -> None:
    response = httpx.get(server.rpc_url, headers={"x-api-key": "foo"}, timeout=30)
    assert_unauthorized(response, "malformed")


def test_batch_with_a_bad_key_is_one_401(server: Server) -> None:
    batch = [WHO_AM_I, {**WHO_AM_I, "id": 2}]
    assert_unauthorized(with_key(server, f"lt_{alnum(32)}_{alnum(32)}", batch), "unknown")


# -- secrets stay secret --------------------------------------------------------------


def test_secrets_never_appear_in_the_key_list(server: Server) -> None:
    created = new_key(server)
    keys = server.call("Api.Api.getAPIKeys")
    listing = json.dumps(keys)
    listed = [key for key in keys if key["id"] == created["id"]]
    assert len(listed) == 1
    assert listed[0]["username"] == created["user"][:5]
    for secret in (created["passwordClean"], created["apiKey"], created["user"]):
        assert secret not in listing
    owner_secret = server.owner_key.rsplit("_", 1)[1]
    assert owner_secret not in listing


def test_secret_has_the_documented_form_and_entropy(server: Server) -> None:
    created = new_key(server)
    prefix, key_id, secret = created["apiKey"].split("_")
    assert prefix == "lt"
    assert (key_id, secret) == (created["user"], created["passwordClean"])
    assert len(key_id) == 32 and key_id.isalnum()
    assert len(secret) >= 22 and secret.isalnum()  # 62^22 > 2^128


# -- failed-auth throttling -----------------------------------------------------------


def test_sixth_failure_in_a_minute_is_throttled_with_429(
    sqlite_server: Server, tmp_path: Path
) -> None:
    process, url = start_server(
        sqlite_server.database_url, tmp_path, {"MILEPOST_FAILED_AUTH_PER_MINUTE": "5"}
    )
    try:
        rpc_url = url + "/api/jsonrpc"
        bad = {"x-api-key": f"lt_{alnum(32)}_{alnum(32)}"}
        for attempt in range(5):
            response = httpx.post(rpc_url, json=WHO_AM_I, headers=bad, timeout=30)
            assert response.status_code == 401, f"attempt {attempt + 1}: {response.text}"

        throttled = httpx.post(rpc_url, json=WHO_AM_I, headers=bad, timeout=30)
        assert throttled.status_code == 429
        assert throttled.headers["content-type"] == "application/json"
        assert 1 <= int(throttled.headers["retry-after"]) <= 60
        body = throttled.json()
        assert set(body) == {"jsonrpc", "error", "id"} and body["id"] is None
        assert isinstance(body["error"]["code"], int)
        assert body["error"]["data"]["reason"] == "auth_throttled"
        assert isinstance(body["error"]["data"]["detail"], str)

        # While throttled, the address is refused even with a good key.
        good = httpx.post(
            rpc_url, json=WHO_AM_I, headers={"x-api-key": sqlite_server.owner_key}, timeout=30
        )
        assert good.status_code == 429
        assert good.json()["error"]["data"]["reason"] == "auth_throttled"
    finally:
        stop(process)
