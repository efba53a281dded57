"""Rate limits: visible on every response, counted per call, per key, shared by processes."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Server, start_server, stop

LIMIT = 60


def _fresh_window() -> None:
    """Counters reset each wall-clock minute; start a multi-call check well inside one."""
    into = time.time() % 60
    if into > 50:
        time.sleep(60.5 - into)


def _call(url: str, key: str, count: int = 1) -> httpx.Response:
    one = {"jsonrpc": "2.0", "method": "leantime.rpc.Auth.getUserId"}
    body: Any = [{**one, "id": n} for n in range(count)] if count > 1 else {**one, "id": 1}
    return httpx.post(url + "/api/jsonrpc", json=body, headers={"x-api-key": key}, timeout=30)


@pytest.fixture(scope="module")
def limited(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second server process on the same database, with a limit of 60 calls a minute."""
    process, url = start_server(
        server.database_url,
        tmp_path_factory.mktemp("limited"),
        {"MILEPOST_RATE_LIMIT_PER_MINUTE": str(LIMIT)},
    )
    try:
        yield url
    finally:
        stop(process)


def test_every_response_shows_the_limit(server: Server, limited: str) -> None:
    response = _call(limited, server.make_key("readonly", [1]))
    assert response.status_code == 200
    for prefix in ("", "x-"):
        assert response.headers[f"{prefix}ratelimit-limit"] == str(LIMIT)
        assert response.headers[f"{prefix}ratelimit-remaining"] == str(LIMIT - 1)
        assert 1 <= int(response.headers[f"{prefix}ratelimit-reset"]) <= 60


def test_a_batch_costs_one_call_per_member_and_429_follows(server: Server, limited: str) -> None:
    key = server.make_key("readonly", [1])
    _fresh_window()
    first = _call(limited, key, 50)
    assert first.headers["ratelimit-remaining"] == str(LIMIT - 50)
    refused = _call(limited, key, 20)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    error = refused.json()["error"]
    assert error["data"]["reason"] == "rate_limited"
    assert refused.json()["jsonrpc"] == "2.0"
    other = _call(limited, server.make_key("readonly", [1]))
    assert other.status_code == 200  # limits are per key


def test_a_key_can_carry_its_own_limit(server: Server, limited: str) -> None:
    created = server.call(
        "Api.Api.createApiKeyWithProjects",
        {"values": {"name": f"slow-{secrets.token_hex(3)}", "role": "editor", "rateLimit": 3}},
    )
    _fresh_window()
    codes = [_call(limited, created["apiKey"]).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_two_processes_share_counters_and_idempotency_through_redis_and_postgres(
    server: Server, tmp_path: Path
) -> None:
    if server.backend != "postgresql":
        pytest.skip("scale-out is PostgreSQL's")
    env = {
        "MILEPOST_RATE_LIMIT_PER_MINUTE": "10",
        "MILEPOST_REDIS_URL": "redis://127.0.0.1:6379/0",
        "MILEPOST_REDIS_PREFIX": f"test-{secrets.token_hex(6)}",
    }
    one, url_one = start_server(server.database_url, tmp_path, env)
    two, url_two = start_server(server.database_url, tmp_path, env)
    try:
        key = server.make_key("editor", [1])
        _fresh_window()
        codes = [_call(url, key).status_code for url in [url_one, url_two] * 6]
        assert codes == [200] * 10 + [429, 429]

        writer = server.make_key("editor", [1])
        body = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "leantime.rpc.Tickets.addTicket",
            "params": {"values": {"headline": "scale-out", "projectId": 1}},
        }
        headers = {"x-api-key": writer, "Idempotency-Key": secrets.token_hex(8)}
        first = httpx.post(url_one + "/api/jsonrpc", json=body, headers=headers).json()
        second = httpx.post(url_two + "/api/jsonrpc", json=body, headers=headers).json()
        assert first["result"] == second["result"]
    finally:
        stop(one)
        stop(two)
