"""The benchmark harness (not part of the test suite).

    .venv/bin/python bench/run.py [--backend sqlite|postgresql|both] [--duration 10]
                                  [--repeat 1] [--large 1000000] [--out bench/results/FILE.md]

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
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "bench" / "lua" / "scenario.lua"
# getAll answers are 1.6 MB; this script leaves them unread (see its header).
UNREAD = ROOT / "bench" / "lua" / "getall.lua"
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


class MemoryWatch:
    """Samples the resident memory of a server process and its workers every 0.2 s, in
    a thread, and keeps each process's peak (in MB)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peaks: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            for pid in _tree(self.pid):
                rss = _rss_mb(pid)
                if rss is not None:
                    self.peaks[pid] = max(rss, self.peaks.get(pid, 0.0))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def worker_peak(self) -> float:
        """The largest peak among the processes that answer requests (with `--workers N`
        the parent only supervises, and is left out)."""
        workers = [peak for pid, peak in self.peaks.items() if pid != self.pid]
        return max(workers or self.peaks.values() or [0.0])


def _wait_listening(port: int, count: int) -> None:
    """Wait until `count` sockets listen on `port` (each worker binds its own)."""
    for _ in range(300):
        lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
        listening = [
            line for line in lines
            if line.split()[3] == "0A" and int(line.split()[1].split(":")[1], 16) == port
        ]  # fmt: skip
        if len(listening) >= count:
            return
        time.sleep(0.1)
    raise RuntimeError(f"{count} workers did not listen on port {port}")


def _tree(pid: int) -> list[int]:
    found = [pid]
    with contextlib.suppress(OSError):
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for child in children:
            found += _tree(int(child))
    return found


def _rss_mb(pid: int) -> float | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None


@contextlib.contextmanager
def serving(
    command: list[str], env: dict[str, str], health: str, log: Path
) -> Iterator[MemoryWatch]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    watch = MemoryWatch(process.pid)
    try:
        wait_healthy(health, process)
        if "--workers" in command:
            # Connections opened before every worker listens would all go to the first.
            port = int(health.rsplit(":", 1)[-1].split("/", 1)[0])
            workers = int(command[command.index("--workers") + 1])
            _wait_listening(port, workers)
        yield watch
    finally:
        watch.stop()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def wrk(url: str, key: str, *, scenario: str, clients: int, seconds: int, a: int, b: int) -> Figure:
    threads = 1 if clients == 1 else 2
    script = UNREAD if scenario == "getAll" else SCENARIO
    result = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{seconds}s", "--latency",
         "-s", str(script), url, "--", key, scenario, str(a), str(b)],
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


def median_wrk(url: str, key: str, *, repeat: int, **load: Any) -> Figure:
    """wrk run `repeat` times; the run with the median calls per second (this machine's
    speed drifts by 20 % and more from one minute to the next)."""
    runs = sorted(
        (wrk(url, key, **load) for _ in range(repeat)),
        key=lambda figure: figure.calls_per_second,
    )
    return runs[len(runs) // 2]


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
    return project, int(low or 0), int(high or 0)


def analyze(database_url: str) -> None:
    """Give PostgreSQL's planner statistics of the seeded data, as autovacuum would soon
    after a bulk load (this machine runs PostgreSQL with autovacuum off); without them
    it plans for tables it takes to be nearly empty, and its plans then are not the
    ones a server in use gets. SQLite plans without statistics."""
    if database_url.startswith("postgresql"):
        plain = database_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute("ANALYZE")


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


SCENARIOS = ("getTicket", "addTicket", "getAll", "batch", "page")
# With two workers: the calls a second process could speed up (16 clients only).
SCALE_OUT = ("getTicket", "addTicket", "getAll")


@dataclass
class Run:
    figures: list[Figure]
    # Peak resident memory of one answering process, by server set-up, in MB.
    memory: dict[str, float]


def run_backend(backend: str, seconds: int, repeat: int, large: int, folder: Path) -> Run:
    run = Run([], {})
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
        write_project, _, _ = seed(database, "addTicket", 0)
        analyze(database)
        args = {
            "getTicket": (low, high),
            "addTicket": (write_project, 0),
            "getAll": (list_project, 0),
            "batch": (low, high),
            "page": (page_project, high),
        }

        def measure(scenario: str, clients: int, name: str, a: int, b: int) -> None:
            figure = median_wrk(
                endpoint, key, repeat=repeat, scenario=scenario, clients=clients,
                seconds=seconds, a=a, b=b,
            )  # fmt: skip
            figure.scenario = name
            run.figures.append(figure)
            print(_row(backend, figure, None), flush=True)  # noqa: T201

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        endpoint = url + "/api/jsonrpc"
        command = [*MILEPOST, "serve", "--database", database, "--port", str(port)]
        with serving(command, env, url + "/health", folder / f"{backend}-serve.log") as watch:
            check_get_all(endpoint, key, list_project)
            for clients in (1, 16):
                for scenario in SCENARIOS:
                    name = "page@10k" if scenario == "page" else scenario
                    measure(scenario, clients, name, *args[scenario])
        run.memory["1 worker"] = watch.worker_peak()
        two = [*command, "--workers", "2"]
        with serving(two, env, url + "/health", folder / f"{backend}-serve-2.log") as watch:
            for scenario in SCALE_OUT:
                measure(scenario, 16, f"{scenario} w2", *args[scenario])
        run.memory["2 workers"] = watch.worker_peak()
        if large:
            _top_up_project(database, page_project, large)
            analyze(database)
            high_large = _max_id(database)
            log = folder / f"{backend}-serve-large.log"
            with serving(command, env, url + "/health", log) as watch:
                for clients in (1, 16):
                    measure("getTicket", clients, "getTicket@large", low, high_large)
                    measure("page", clients, "page@large", page_project, high_large)
            run.memory[f"{large:,} tickets"] = watch.worker_peak()
    return run


def check_get_all(endpoint: str, key: str, project: int) -> None:
    """One whole getAll answer, checked: the getAll run does not read its answers."""
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "leantime.rpc.Tickets.getAll",
        "params": {"searchCriteria": {"currentProject": project, "status": "all"}},
    }
    answer = httpx.post(endpoint, json=body, headers={"x-api-key": key}, timeout=30).json()
    if len(answer.get("result") or []) != 1000:
        raise RuntimeError(f"getAll did not answer 1,000 tickets: {str(answer)[:300]}")


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


def run_echo(seconds: int, repeat: int, folder: Path) -> list[Figure]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "uvicorn", "bench.echo_app:app", "--port", str(port),
               "--log-level", "warning", "--no-access-log"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with serving(command, env, url, folder / "echo.log"):
        return [
            median_wrk(
                url,
                "-",
                repeat=repeat,
                scenario="echo",
                clients=clients,
                seconds=seconds,
                a=1,
                b=1000,
            )
            for clients in (1, 16)
        ]


def _row(backend: str, figure: Figure, echo: float | None) -> str:
    ratio = f"{figure.calls_per_second / echo:6.1%}" if echo else "      "
    return (
        f"| {backend:<10} | {figure.scenario:<16} | {figure.clients:>2} | "
        f"{figure.calls_per_second:>9.0f} | {ratio} | {figure.p50_ms:>7.2f} | "
        f"{figure.p99_ms:>7.2f} | {figure.errors:>6} |"
    )


def _ratios(backend: str, run: Run) -> list[str]:
    """The issue's relative targets: a batch's per-call rate against single calls, and the
    large table's figures against the 10,000-ticket ones."""
    rate = {(f.scenario, f.clients): f.calls_per_second for f in run.figures}
    pairs = [("batch", "getTicket", "batch / single getTicket")]
    if any(name == "getTicket@large" for name, _ in rate):
        pairs += [
            ("getTicket", "getTicket@large", "getTicket 10k / 1M"),
            ("page@10k", "page@large", "page 10k / 1M"),
        ]
    return [
        f"- {backend}, {label}, {clients} client{'s' if clients > 1 else ''}: "
        f"{rate[(top, clients)] / rate[(bottom, clients)]:.2f}"
        for top, bottom, label in pairs
        for clients in (1, 16)
        if (top, clients) in rate and (bottom, clients) in rate
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure; the median is kept")
    parser.add_argument("--large", type=int, default=1_000_000, help="0 skips the large table")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        echo = run_echo(args.duration, args.repeat, folder)
        echo_rate = {figure.clients: figure.calls_per_second for figure in echo}
        runs = {backend: run_backend(backend, args.duration, args.repeat, args.large, folder)
                for backend in backends}  # fmt: skip
    header = (
        "| backend    | scenario         |  c | calls/s   | /echo  | p50 ms  | p99 ms  | errors |\n"
        "|------------|------------------|----|-----------|--------|---------|---------|--------|"
    )
    lines = [header, *(_row("echo", f, None) for f in echo)]
    for backend, run in runs.items():
        lines += [_row(backend, f, echo_rate[f.clients]) for f in run.figures]
    memory = [
        f"- {backend}, {setup}: {peak:.0f} MB"
        for backend, run in runs.items()
        for setup, peak in run.memory.items()
    ]
    table = "\n".join(lines) + "\n\nPeak resident memory of one worker under load:\n\n"
    table += "\n".join(memory) + "\n\nRatios within each backend:\n\n"
    table += "\n".join(line for run in runs.items() for line in _ratios(*run))
    print("\n" + table)  # noqa: T201
    if args.out:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        cpu = platform.processor() or platform.machine()
        machine = f"{platform.node()}, {os.cpu_count()} cores, {cpu}"
        args.out.write_text(
            f"# Benchmark results\n\n{stamp} on {machine}; wrk on the same machine; "
            f"{args.duration} s per run, the median of {args.repeat} run(s) per figure; "
            "calls/s counts each call of a batch; "
            f"'w2' rows are served by `--workers 2`.\n\n{table}\n"
        )


if __name__ == "__main__":
    main()
