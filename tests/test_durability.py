"""Crash durability: `kill -9` the server while clients create tickets, restart it, and
find every answered ticket stored whole.

Each round, a few clients send `addTicket` calls (each ticket with a collaborator) as
fast as the server answers; at a random moment the server gets SIGKILL; then it is
started again on the same database. Checked in the database itself:
- every call that was answered with an id has its ticket, with the headline sent;
- no ticket of the round is partial: each has its collaborator row and its audit entry
  (written in the same transaction), whether or not its answer got out before the kill.

Server processes are forked from a parent that has already imported Milepost, so a
restart costs a fork rather than the imports; each child runs the real `milepost serve`
(`cli.main`). `MILEPOST_DURABILITY_ROUNDS` sets the rounds per backend (default 20),
`MILEPOST_DURABILITY_SEED` the random seed (printed on failure).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select

from milepost.storage import tables as t
from milepost.storage.database import normalize_url
from tests.conftest import BACKENDS, OWNER_EMAIL, database_for, free_port
from tests.security.servers import initialise, mint_key

ROUNDS = int(os.environ.get("MILEPOST_DURABILITY_ROUNDS", "20"))
SEED = int(os.environ.get("MILEPOST_DURABILITY_SEED", str(random.SystemRandom().randrange(10**6))))
CLIENTS = 3
ADD_TICKET = "leantime.rpc.Tickets.Tickets.addTicket"

# Imports Milepost once, then forks one `milepost serve` per line it reads ("PORT LOG").
FORK_SERVER = """
import os, signal, sys
import uvicorn, milepost.app
from milepost import cli
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # killed children are reaped at once
database = sys.argv[1]
for line in sys.stdin:
    port, log = line.split()
    pid = os.fork()
    if pid == 0:
        out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os._exit(cli.main(["serve", "--database", database, "--port", port]))
    print(pid, flush=True)
"""


@dataclass
class Round:
    """What the clients of one round sent and were answered."""

    number: int
    answered: dict[int, str] = field(default_factory=dict)  # ticket id -> headline
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Crashable:
    """A server that can be killed with SIGKILL and started again on the same database."""

    def __init__(self, database_url: str, workdir: Path) -> None:
        self.database_url = database_url
        self.workdir = workdir
        env = {**os.environ, "MILEPOST_FAILED_AUTH_PER_MINUTE": "1000000",
               "MILEPOST_RATE_LIMIT_PER_MINUTE": "0", "MILEPOST_WEBHOOK_WORKER": "0"}  # fmt: skip
        self.forker = subprocess.Popen(
            [sys.executable, "-c", FORK_SERVER, database_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        self.pid = 0
        self.url = ""

    def start(self) -> None:
        port = free_port()
        assert self.forker.stdin is not None and self.forker.stdout is not None
        self.forker.stdin.write(f"{port} {self.workdir / 'server.log'}\n")
        self.forker.stdin.flush()
        self.pid = int(self.forker.stdout.readline())
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"the server did not start; see {self.workdir / 'server.log'}")

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.01)
        raise RuntimeError(f"server process {self.pid} survived SIGKILL")

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            if self.pid:
                os.kill(self.pid, signal.SIGKILL)
        self.forker.kill()
        self.forker.communicate()  # reaps it and closes its pipes


@pytest.fixture(params=BACKENDS)
def crashable(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Crashable, str]]:
    with database_for(request.param, tmp_path) as database_url:
        initialise(database_url, demo=False)
        key = mint_key(database_url)
        target = Crashable(database_url, tmp_path)
        try:
            yield target, key
        finally:
            target.close()


def _client(url: str, key: str, project: int, owner: int, run: Round, name: str) -> None:
    """Create tickets until the server goes away; record what was answered."""
    deadline = time.monotonic() + 30  # a safety bound: the kill comes within a second
    with httpx.Client(headers={"x-api-key": key}, timeout=10) as client:
        for seq in range(10**6):
            if time.monotonic() > deadline:
                return
            headline = f"crash-{run.number}-{name}-{seq}"
            values = {"headline": headline, "projectId": project, "collaborators": [owner]}
            body = {"jsonrpc": "2.0", "id": seq, "method": ADD_TICKET, "params": {"values": values}}
            try:
                answer = client.post(url + "/api/jsonrpc", json=body).json()
            except (httpx.HTTPError, ValueError):
                return  # killed mid-request: this call may or may not have committed
            with run.lock:
                if isinstance(answer.get("result"), int):
                    run.answered[answer["result"]] = headline
                else:
                    run.errors.append(f"{headline}: {answer}")


def _crash_round(server: Crashable, key: str, project: int, owner: int, run: Round) -> None:
    rng = random.Random(SEED * 1000 + run.number)
    threads = [
        threading.Thread(target=_client, args=(server.url, key, project, owner, run, f"c{n}"))
        for n in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    # The kill comes at a random moment once the stream is flowing (a fresh process
    # answers its first calls slowly).
    deadline = time.monotonic() + 20
    while not run.answered and not run.errors and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(rng.uniform(0.0, 0.5))
    server.kill()
    for thread in threads:
        thread.join(timeout=30)


def _stored(database_url: str, number: int) -> tuple[dict[int, str], set[int], set[str]]:
    """The round's tickets, the tickets with a collaborator, and the audited results."""
    engine = create_engine(normalize_url(database_url))
    prefix = f"crash-{number}-"
    rel, audit = t.entity_relations.c, t.audit_log.c
    try:
        with engine.connect() as conn:
            tickets = dict(
                conn.execute(
                    select(t.tickets.c.id, t.tickets.c.headline).where(
                        t.tickets.c.headline.like(prefix + "%")
                    )
                ).all()
            )
            with_collaborator = set(
                conn.execute(
                    select(rel.entityA).where(
                        rel.entityAType == "Ticket",
                        rel.relationship == "collaborator",
                        rel.entityA.in_(list(tickets)),
                    )
                ).scalars()
            )
            audited = set(
                conn.execute(
                    select(audit.targets).where(audit.method == ADD_TICKET, audit.outcome == "ok")
                ).scalars()
            )
    finally:
        engine.dispose()
    return tickets, with_collaborator, audited


def _setup(server: Crashable, key: str) -> tuple[int, int]:
    def call(method: str, params: Any = None) -> Any:
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        answer = httpx.post(server.url + "/api/jsonrpc", json=body, headers={"x-api-key": key})
        return answer.json()["result"]

    owner = call("leantime.rpc.Users.getUserByEmail", {"email": OWNER_EMAIL})["id"]
    project = call("leantime.rpc.Projects.addProject", {"values": {"name": "crash test"}})
    return int(project), int(owner)


def test_answered_tickets_survive_kill_9_whole(crashable: tuple[Crashable, str]) -> None:
    server, key = crashable
    server.start()
    project, owner = _setup(server, key)
    for number in range(ROUNDS):
        run = Round(number)
        _crash_round(server, key, project, owner, run)
        server.start()
        tickets, with_collaborator, audited = _stored(server.database_url, number)
        context = f"round {number} (seed {SEED})"
        assert not run.errors, f"{context}: calls failed before the kill: {run.errors[:3]}"
        lost = {tid: h for tid, h in run.answered.items() if tickets.get(tid) != h}
        assert not lost, f"{context}: answered but not stored: {lost}"
        partial = sorted(set(tickets) - with_collaborator)
        assert not partial, f"{context}: tickets stored without their collaborator: {partial}"
        unaudited = sorted(tid for tid in tickets if f"result={tid}" not in audited)
        assert not unaudited, f"{context}: tickets stored without their audit entry: {unaudited}"
        assert run.answered, f"{context}: no call was answered before the kill"
