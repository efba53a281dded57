"""A server of a test's own: a fresh database, a `milepost serve` process, its log.

The shared `server` fixture is for tests that leave the server as they found it. Tests
that fuzz it, kill it, throttle it or change its limits start one of these instead:
`own_server(backend, workdir)` initialises a database (SQLite file or a fresh
PostgreSQL database, dropped afterwards), creates an owner key, serves it, and stops
it when the block ends.
"""

from __future__ import annotations

import contextlib
import functools
import re
import secrets
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import OWNER_EMAIL, OWNER_PASSWORD, database_for, start_server, stop

# Text that must never reach a client: tracebacks and the database layer's own words.
LEAK_MARKERS = ("Traceback", 'File "', "sqlalchemy", "SELECT ", "psycopg", "sqlite3")
INTERNAL_ERROR = re.compile(r"-32603|Traceback \(most recent call last\)")


@dataclass
class OwnServer:
    """A running server on a database of its own."""

    backend: str
    database_url: str
    workdir: Path
    owner_key: str
    env: dict[str, str] = field(default_factory=dict)
    extra: tuple[str, ...] = ()
    process: subprocess.Popen[bytes] | None = None
    url: str = ""
    logs: list[Path] = field(default_factory=list)

    @property
    def rpc_url(self) -> str:
        return self.url + "/api/jsonrpc"

    def start(self) -> None:
        self.process, self.url = start_server(
            self.database_url, self.workdir, self.env, *self.extra
        )
        port = self.url.rsplit(":", 1)[1]
        self.logs.append(self.workdir / f"server-{port}.log")

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None

    def kill(self) -> None:
        """`kill -9`: no shutdown, no flush, no goodbye."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def log_text(self) -> str:
        return "".join(path.read_text(errors="replace") for path in self.logs if path.exists())

    def internal_errors(self) -> list[str]:
        """Log lines that record a -32603 answer or a traceback."""
        return [line for line in self.log_text().splitlines() if INTERNAL_ERROR.search(line)]

    def healthy(self) -> bool:
        try:
            return httpx.get(self.url + "/health", timeout=10).status_code == 200
        except httpx.HTTPError:
            return False

    def call(self, method: str, params: Any = None, key: str | None = None) -> Any:
        """Call one method; return its result, or raise AssertionError with the error."""
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": method}
        if params is not None:
            body["params"] = params
        response = httpx.post(
            self.rpc_url, json=body, headers={"x-api-key": key or self.owner_key}, timeout=30
        )
        answer = response.json()
        assert "result" in answer, answer
        return answer["result"]

    def mint_key(self, role: str = "owner", projects: tuple[int, ...] = ()) -> str:
        return mint_key(self.database_url, role, projects)


def mint_key(database_url: str, role: str = "owner", projects: tuple[int, ...] = ()) -> str:
    """A new API key (for every project when `projects` is empty), made straight in the
    database as `milepost keys create` does, so it works whatever the API's state."""
    from milepost.services import keys, system_principal

    values = {"name": f"minted-{role}-{secrets.token_hex(4)}", "role": role}
    created = _services(database_url).run(
        keys.create_api_key_with_projects,
        system_principal(),
        values={**values, "allProjects": not projects},
        projects=list(projects),
    )
    return str(created["apiKey"])


def initialise(database_url: str, *, demo: bool) -> None:
    """What `milepost init [--demo]` does (migrate, create the owner, seed the demo),
    in this process, which has Milepost imported already: a command costs seconds."""
    from milepost.services import setup
    from milepost.storage.migrate import upgrade

    services = _services(database_url)
    upgrade(services.database)
    owner = setup.ensure_owner(services, OWNER_EMAIL, OWNER_PASSWORD)
    if demo:
        setup.seed_demo(services, owner.id)


@functools.cache
def _services(database_url: str) -> Any:
    from milepost.app import build
    from milepost.settings import Settings

    return build(Settings(database=database_url)).services


@contextlib.contextmanager
def own_server(
    backend: str,
    workdir: Path,
    *,
    demo: bool = True,
    env: dict[str, str] | None = None,
    extra: tuple[str, ...] = (),
) -> Iterator[OwnServer]:
    """Initialise a database for `backend`, serve it, and stop it afterwards."""
    with database_for(backend, workdir) as database_url:
        initialise(database_url, demo=demo)
        target = OwnServer(backend, database_url, workdir, "", dict(env or {}), extra)
        target.owner_key = target.mint_key("owner")
        target.start()
        try:
            yield target
        finally:
            target.stop()
