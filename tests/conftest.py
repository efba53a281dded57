"""Fixtures: a real Milepost server per storage backend, reached over real HTTP.

Each test session starts `milepost serve` once per backend, on a database of its own:
an SQLite file in a temporary folder, and a fresh PostgreSQL database (created on the
server named by MILEPOST_TEST_POSTGRES, default postgresql://postgres@127.0.0.1:5432/test,
and dropped at the end). Without a reachable PostgreSQL the PostgreSQL half is skipped,
and the run says so, unless MILEPOST_TEST_REQUIRE_POSTGRES=1 (as in CI), where it fails.

Both databases hold the demo data set (`milepost init --demo`):
- users: 1 owner, 2 Ada (manager), 3 Grace (editor), 4 Alan (editor),
  5 Katherine (commenter), 6 Linus (readonly);
- projects 1 and 2 have every person as a member, project 3 only the owner, Ada and Grace;
- each project has a kick-off ticket, three milestones, two sprints and 100 tickets.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

PG_ADMIN_URL = os.environ.get("MILEPOST_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("MILEPOST_TEST_REQUIRE_POSTGRES") == "1"
OWNER_EMAIL = "owner@example.com"
OWNER_PASSWORD = "owner-password-1"
BACKENDS = ["sqlite", "postgresql"]
_skipped_backends: dict[str, str] = {}


class RpcError(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(f"{error['code']} {error['message']}: {error.get('data')}")
        self.code: int = error["code"]
        self.message: str = error["message"]
        self.data: dict[str, Any] = error.get("data") or {}


@dataclass
class Server:
    """A running server and the means to call it."""

    backend: str
    url: str
    database_url: str
    owner_key: str
    workdir: Path
    process: subprocess.Popen[bytes] | None = None
    _ids: Iterator[int] = field(default_factory=lambda: iter(range(1, 10**9)))
    _http: httpx.Client | None = None

    @property
    def rpc_url(self) -> str:
        return self.url + "/api/jsonrpc"

    @property
    def http(self) -> httpx.Client:
        """One kept-alive client for the session (a new client costs tens of ms)."""
        if self._http is None:
            self._http = httpx.Client(timeout=30)
        return self._http

    def post(self, body: Any, key: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if key is not None:
            headers["x-api-key"] = key
        if isinstance(body, bytes | str):
            return self.http.post(self.rpc_url, content=body, headers=headers, **kwargs)
        return self.http.post(self.rpc_url, json=body, headers=headers, **kwargs)

    def call(self, method: str, params: Any = None, key: str | None = None) -> Any:
        """Call one method and return its result, or raise RpcError."""
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": next(self._ids), "method": method}
        if params is not None:
            body["params"] = params
        if not method.startswith(("leantime.rpc.", "rpc.")):
            body["method"] = "leantime.rpc." + method
        response = self.post(body, key=key or self.owner_key)
        assert response.status_code == 200, response.text
        answer = response.json()
        if "error" in answer:
            raise RpcError(answer["error"])
        return answer["result"]

    def make_key(
        self,
        role: str,
        projects: list[int] | None = None,
        *,
        all_projects: bool = False,
        **values: Any,
    ) -> str:
        """A new API key with the role and projects, created over the API by the owner."""
        created = self.call(
            "Api.Api.createApiKeyWithProjects",
            {
                "values": {
                    "name": f"test-{role}-{secrets.token_hex(4)}",
                    "role": role,
                    "allProjects": all_projects,
                    **values,
                },
                "projects": projects or [],
            },
        )
        return str(created["apiKey"])

    def add_ticket(self, key: str | None = None, **values: Any) -> int:
        values.setdefault("headline", "test ticket")
        values.setdefault("projectId", 1)
        return int(self.call("tickets.addTicket", {"values": values}, key=key))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def milepost(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    """Run the milepost command and return its stdout."""
    result = subprocess.run(
        [sys.executable, "-m", "milepost.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"milepost {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, dropped afterwards."""
    import psycopg

    name = f"milepost_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin_url = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base.replace('postgresql://', 'postgresql+psycopg://')}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def database_for(backend: str, workdir: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield str(workdir / "milepost.db")
        return
    try:
        manager = postgres_database()
        url = manager.__enter__()
    except Exception as error:
        if REQUIRE_PG:
            raise
        _skipped_backends["postgresql"] = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {error}"
        pytest.skip(_skipped_backends["postgresql"])
    try:
        yield url
    finally:
        manager.__exit__(None, None, None)


def start_server(
    database_url: str, workdir: Path, env: dict[str, str] | None = None, *extra: str
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log_path = workdir / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "milepost.cli",
                "serve",
                "--database",
                database_url,
                "--port",
                str(port),
                *extra,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={
                **os.environ,
                "MILEPOST_FAILED_AUTH_PER_MINUTE": "1000000",
                "MILEPOST_RATE_LIMIT_PER_MINUTE": "0",
                "MILEPOST_DATA_DIR": str(workdir / "data"),
                **(env or {}),
            },
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early; see {log_path}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return process, url
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the server did not start within 30 s; see {log_path}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A running server with demo data, one per backend."""
    backend = request.param
    workdir = tmp_path_factory.mktemp(backend)
    with database_for(backend, workdir) as database_url:
        milepost(
            "init", "--database", database_url, "--demo",
            "--owner-email", OWNER_EMAIL, "--owner-password", OWNER_PASSWORD,
        )  # fmt: skip
        owner_key = milepost(
            "keys", "--database", database_url, "create", "--name", "test-owner",
            "--role", "owner", "--all-projects",
        ).strip()  # fmt: skip
        process, url = start_server(database_url, workdir)
        running = Server(backend, url, database_url, owner_key, workdir, process)
        try:
            yield running
        finally:
            if running._http is not None:
                running._http.close()
            stop(process)


@pytest.fixture(scope="session")
def sqlite_server(server: Server) -> Server:
    if server.backend != "sqlite":
        pytest.skip("this test runs on SQLite only")
    return server


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for backend, reason in _skipped_backends.items():
        terminalreporter.write_line(
            f"NOTE: the {backend} half of the suite was SKIPPED: {reason}", yellow=True, bold=True
        )
