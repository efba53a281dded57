"""The milepost command: init, keys and tokens, against a database of the test's own."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import milepost, start_server, stop


@pytest.fixture
def database(tmp_path: Path) -> str:
    path = str(tmp_path / "cli.db")
    milepost("init", "--database", path, "--owner-email", "o@example.com",
             "--owner-password", "correct-horse-1")  # fmt: skip
    return path


def test_init_is_safe_to_run_again(database: str) -> None:
    again = milepost("init", "--database", database, "--demo")
    assert again == ""  # nothing on stdout; the report goes to stderr
    milepost("init", "--database", database, "--demo")  # demo data only once, no error


def test_init_generates_and_prints_a_password_once(tmp_path: Path) -> None:
    path = str(tmp_path / "gen.db")
    first = subprocess.run(
        [sys.executable, "-m", "milepost", "init", "--database", path],
        capture_output=True, text=True, check=True, env={"PATH": "/usr/bin"},
    )  # fmt: skip
    assert "with the password:" in first.stderr
    second = subprocess.run(
        [sys.executable, "-m", "milepost", "init", "--database", path],
        capture_output=True, text=True, check=True, env={"PATH": "/usr/bin"},
    )  # fmt: skip
    assert "password" not in second.stderr


def test_keys_create_prints_only_the_key(database: str) -> None:
    out = milepost("keys", "--database", database, "create", "--name", "ci", "--role", "editor")
    assert out.count("\n") == 1
    key = out.strip()
    assert key.startswith("lt_") and len(key.split("_")) == 3
    _, key_id, secret = key.split("_")
    assert len(key_id) == 32 and len(secret) == 32


def test_keys_list_and_revoke(database: str, tmp_path: Path) -> None:
    key = milepost("keys", "--database", database, "create", "--name", "deploy",
                   "--role", "admin", "--all-projects").strip()  # fmt: skip
    listing = milepost("keys", "--database", database, "list")
    assert "deploy" in listing and "admin" in listing and "all" in listing
    assert key.split("_")[2] not in listing
    process, url = start_server(database, tmp_path)
    try:
        body = {"jsonrpc": "2.0", "id": 1, "method": "leantime.rpc.Auth.getUserId"}
        assert (
            httpx.post(url + "/api/jsonrpc", json=body, headers={"x-api-key": key}).status_code
            == 200
        )
        milepost("keys", "--database", database, "revoke", "deploy")
        # The server caches principals for a few seconds; a revocation made by another
        # process is seen within that time.
        response = None
        for _ in range(100):
            response = httpx.post(url + "/api/jsonrpc", json=body, headers={"x-api-key": key})
            if response.status_code == 401:
                break
            time.sleep(0.1)
        assert response is not None and response.status_code == 401
        assert response.json()["error"]["data"]["reason"] == "revoked"
    finally:
        stop(process)
    assert "revoked" in milepost("keys", "--database", database, "list")


def test_key_names_are_unique(database: str) -> None:
    milepost("keys", "--database", database, "create", "--name", "twice", "--role", "editor")
    with pytest.raises(RuntimeError, match="exists"):
        milepost("keys", "--database", database, "create", "--name", "twice", "--role", "editor")


def test_tokens_create_for_a_user(database: str) -> None:
    token = milepost("tokens", "--database", database, "create", "--user", "o@example.com").strip()
    assert len(token) == 40 and token.isalnum()
    with pytest.raises(RuntimeError, match="no active user"):
        milepost("tokens", "--database", database, "create", "--user", "nobody@example.com")
