"""The benchmark harness (not part of the test suite).

    .venv/bin/python bench/run.py [--backend sqlite|postgresql|both] [--duration 10]
                                  [--large 1000000] [--out bench/results/FILE.md]

For each backend it creates a fresh database with `milepost init --demo` (as the README
does), adds a 1,000-ticket project and a paging project of 10,000 tickets (topped up to
`--large` tickets for the large-table figures), creates an admin key, starts
`milepost serve` as the README says, and drives it with wrk (keep-alive, 1 and 16
connections, a fixed time) through bench/lua/scenario.lua. In the same run it serves a
bare ASGI JSON-RPC echo on the same server software (uvicorn) and prints every figure
beside its ratio to the echo's calls per second.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "bench" / "lua" / "scenario.lua"
PG_ADMIN = os.environ.get("MILEPOST_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
MILEPOST = [sys.executable, "-m", "milepost"]


@dataclass
class Figure:
    scenario: str
    clients: int
    calls_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    calls_per_request: int = 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early")
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(url, timeout=1)
            return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@contextlib.contextmanager
def serving(command: list[str], env: dict[str, str], health: str, log: Path) -> Iterator[None]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        wait_healthy(health, process)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def wrk(url: str, key: str, scenario: str, clients: int, seconds: int, a: int, b: int) -> Figure:
    threads = 1 if clients == 1 else 2
    result = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{seconds}s", "--latency",
         "-s", str(SCENARIO), url, "--", key, scenario, str(a), str(b)],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    )  # fmt: skip
    match = re.search(
        r"RESULT requests=(\d+) duration_us=(\d+) p50_us=(\d+) p99_us=(\d+) errors=(\d+) bad=(\d+)",
        result.stdout,
    )
    if match is None:
        raise RuntimeError(f"wrk printed no result:\n{result.stdout}\n{result.stderr}")
    requests, duration, p50, p99, errors, bad = (int(g) for g in match.groups())
    per_request = 100 if scenario == "batch" else 1
    return Figure(
        scenario,
        clients,
        requests * per_request / (duration / 1e6),
        p50 / 1000,
        p99 / 1000,
        errors + bad,
        per_request,
    )


def seed(database_url: str, project_name: str, count: int) -> tuple[int, int, int]:
    """Add a project with `count` tickets straight into the database; returns
    (project id, first ticket id, last ticket id)."""
    from sqlalchemy import func, insert, select

    from milepost.storage import tables as t
    from milepost.storage.database import Database, insert_id

    database = Database(database_url)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with database.transaction(write=True) as conn:
        project = insert_id(
            conn, insert(t.projects).values(name=project_name, created=now, modified=now)
        )
    _top_up(database, project, count)
    with database.transaction(write=False) as conn:
        low, high = conn.execute(
            select(func.min(t.tickets.c.id), func.max(t.tickets.c.id)).where(
                t.tickets.c.projectId == project
            )
        ).one()
    database.dispose()
    return project, int(low), int(high)


def _top_up(database: object, project: int, count: int) -> None:
    from sqlalchemy import func, insert, select

    from milepost.storage import tables as t

    rng = random.Random(project)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with database.transaction(write=False) as conn:  # type: ignore[attr-defined]
        have = conn.execute(
            select(func.count()).where(t.tickets.c.projectId == project)
        ).scalar_one()
    chunk = 20_000
    for start in range(have, count, chunk):
        rows = [
            {
                "projectId": project,
                "headline": f"Bench ticket {n}",
                "description": "<p>Bench data.</p>",
                "type": "task",
                "status": rng.choice([3, 1, 4, 2, 0]),
                "priority": str(rng.randint(1, 5)),
                "userId": 1,
                "editorId": str(rng.randint(1, 6)),
                "date": now,
                "modified": now,
                "storypoints": 3,
                "planHours": 4,
            }
            for n in range(start, min(start + chunk, count))
        ]
        with database.transaction(write=True) as conn:  # type: ignore[attr-defined]
            conn.execute(insert(t.tickets), rows)


@contextlib.contextmanager
def database_for(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield str(folder / "bench.db")
        return
    name = f"milepost_bench_{secrets.token_hex(3)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://{PG_ADMIN.split('://', 1)[1].rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_backend(backend: str, seconds: int, large: int, folder: Path) -> list[Figure]:
    figures: list[Figure] = []
    env = {**os.environ, "MILEPOST_RATE_LIMIT_PER_MINUTE": "0", "MILEPOST_LOG_LEVEL": "warning"}
    with database_for(backend, folder) as database:
        subprocess.run([*MILEPOST, "init", "--database", database, "--demo"], env=env,
                       check=True, capture_output=True)  # fmt: skip
        key = subprocess.run(
            [*MILEPOST, "keys", "--database", database, "create", "--name", "bench",
             "--role", "admin", "--all-projects"],
            env=env, check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        list_project, _, _ = seed(database, "getAll: 1,000 tickets", 1000)
        page_project, low, high = seed(database, "paging", 10_000)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        command = [*MILEPOST, "serve", "--database", database, "--port", str(port)]
        with serving(command, env, url + "/health", folder / f"{backend}-serve.log"):
            for clients in (1, 16):
                for scenario, a, b in (
                    ("getTicket", low, high),
                    ("addTicket", list_project, 0),
                    ("getAll", list_project, 0),
                    ("batch", low, high),
                    ("page", page_project, high),
                ):
                    figure = wrk(url + "/api/jsonrpc", key, scenario, clients, seconds, a, b)
                    figure.scenario = "page@10k" if scenario == "page" else scenario
                    figures.append(figure)
                    print(_row(backend, figure, None), flush=True)  # noqa: T201
        if large:
            _top_up_project(database, page_project, large)
            with serving(command, env, url + "/health", folder / f"{backend}-serve-large.log"):
                high_large = _max_id(database)
                for clients in (1, 16):
                    for scenario, name in (("getTicket", "getTicket@large"), ("page", "page@large")):
                        a, b = (low, high_large) if scenario == "getTicket" else (page_project, high_large)
                        figure = wrk(url + "/api/jsonrpc", key, scenario, clients, seconds, a, b)
                        figure.scenario = name
                        figures.append(figure)
                        print(_row(backend, figure, None), flush=True)  # noqa: T201
    return figures


def _top_up_project(database_url: str, project: int, count: int) -> None:
    from milepost.storage.database import Database

    database = Database(database_url)
    _top_up(database, project, count)
    database.dispose()


def _max_id(database_url: str) -> int:
    from sqlalchemy import func, select

    from milepost.storage import tables as t
    from milepost.storage.database import Database

    database = Database(database_url)
    with database.transaction(write=False) as conn:
        value = conn.execute(select(func.max(t.tickets.c.id))).scalar_one()
    database.dispose()
    return int(value)


def run_echo(seconds: int, folder: Path) -> list[Figure]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "uvicorn", "bench.echo_app:app", "--port", str(port),
               "--log-level", "warning", "--no-access-log"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with serving(command, env, url, folder / "echo.log"):
        return [wrk(url, "-", "echo", clients, seconds, 1, 1000) for clients in (1, 16)]


def _row(backend: str, figure: Figure, echo: float | None) -> str:
    ratio = f"{figure.calls_per_second / echo:6.1%}" if echo else "      "
    return (
        f"| {backend:<10} | {figure.scenario:<16} | {figure.clients:>2} | "
        f"{figure.calls_per_second:>9.0f} | {ratio} | {figure.p50_ms:>7.2f} | "
        f"{figure.p99_ms:>7.2f} | {figure.errors:>6} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--large", type=int, default=1_000_000, help="0 skips the large table")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        echo = run_echo(args.duration, folder)
        echo_rate = {figure.clients: figure.calls_per_second for figure in echo}
        results = {backend: run_backend(backend, args.duration, args.large, folder)
                   for backend in backends}  # fmt: skip
    header = (
        "| backend    | scenario         |  c | calls/s   | /echo  | p50 ms  | p99 ms  | errors |\n"
        "|------------|------------------|----|-----------|--------|---------|---------|--------|"
    )
    lines = [header, *(_row("echo", f, None) for f in echo)]
    for backend, figures in results.items():
        lines += [_row(backend, f, echo_rate[f.clients]) for f in figures]
    table = "\n".join(lines)
    print("\n" + table)  # noqa: T201
    if args.out:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        machine = f"{platform.node()}, {os.cpu_count()} cores, {platform.processor() or platform.machine()}"
        args.out.write_text(
            f"# Benchmark results\n\n{stamp} on {machine}; wrk on the same machine; "
            f"{args.duration} s per figure; calls/s counts each call of a batch.\n\n{table}\n"
        )


if __name__ == "__main__":
    main()
