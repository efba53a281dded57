"""`milepost serve --workers N`: each worker listens on its own socket, a worker that
dies is replaced, and the supervisor stops them all."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port, milepost

Supervised = tuple[subprocess.Popen[bytes], int]  # the supervisor and its port

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="SO_REUSEPORT balancing is Linux's")


def listeners(port: int) -> dict[int, int]:
    """Process id -> number of sockets listening on 127.0.0.1:`port`, read from /proc."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state, inode = fields[1], fields[3], fields[9]
        if state == "0A" and int(local.split(":")[1], 16) == port:
            inodes.add(f"socket:[{inode}]")
    found: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) in inodes:
                    found[int(entry.name)] = found.get(int(entry.name), 0) + 1
    return found


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def supervised(tmp_path: Path) -> Iterator[Supervised]:
    database = str(tmp_path / "milepost.db")
    milepost("init", "--database", database)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "milepost.cli", "serve", "--database", database,
         "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "MILEPOST_DATA_DIR": str(tmp_path / "data")},
    )  # fmt: skip
    try:
        yield process, port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_each_worker_listens_on_its_own_socket(supervised: Supervised) -> None:
    process, port = supervised
    wait_for(lambda: len(listeners(port)) == 2, "two listening workers")
    owners = listeners(port)
    assert process.pid not in owners, "the supervisor itself must not accept connections"
    assert sorted(owners.values()) == [1, 1]
    for _ in range(20):  # new connections each time: all answered, whichever worker
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200


def test_a_worker_that_dies_is_replaced(supervised: Supervised) -> None:
    process, port = supervised
    wait_for(lambda: len(listeners(port)) == 2, "two listening workers")
    victim = min(listeners(port))
    os.kill(victim, signal.SIGKILL)
    wait_for(
        lambda: len(listeners(port)) == 2 and victim not in listeners(port),
        "a replacement worker",
    )
    assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200
    assert process.poll() is None


def test_sigterm_stops_the_supervisor_and_its_workers(supervised: Supervised) -> None:
    process, port = supervised
    wait_for(lambda: len(listeners(port)) == 2, "two listening workers")
    workers = list(listeners(port))
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    for pid in workers:
        wait_for(lambda pid=pid: not Path(f"/proc/{pid}").exists(), f"worker {pid} to exit")
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)


def test_a_taken_address_fails_at_once(tmp_path: Path) -> None:
    database = str(tmp_path / "milepost.db")
    milepost("init", "--database", database)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "milepost.cli", "serve", "--database", database,
             "--port", str(port), "--workers", "2"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert result.returncode != 0
    assert "in use" in result.stderr.lower() or "address" in result.stderr.lower()
