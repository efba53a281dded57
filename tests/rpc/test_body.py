"""Request bodies of `/api/files` uploads and `/mcp` under the body time-out and size
limit (rpc/body.py), over real HTTP: a body that trickles in or stalls is cut off with
408, one over the size limit with 413, and a slow body that arrives in time is read.

The limits are set on a second server process over the session's database (both
backends), started with a body time-out of one second.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import Server, start_server, stop

BODY_TIMEOUT = 1.0
MAX_BODY = 65_536
# How long past the time-out an answer may take: the server's timer, the test's polling.
SLACK = 4.0
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2024-11-05",
        "capabilities": {},
        "clientInfo": {"name": "raw-socket", "version": "1"},
    },
}
CONTENT_TYPES = {
    "/api/files": "multipart/form-data; boundary=milepost-test",
    "/mcp": "application/json",
}


@pytest.fixture(scope="module")
def slow(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A second server process on the same database, with a body time-out of 1 s."""
    env = {
        "MILEPOST_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT),
        "MILEPOST_MAX_BODY_BYTES": str(MAX_BODY),
    }
    process, url = start_server(server.database_url, tmp_path_factory.mktemp("body"), env)
    try:
        yield Server(server.backend, url, server.database_url, server.owner_key, server.workdir)
    finally:
        stop(process)


def _head(server: Server, path: str, length: int) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {CONTENT_TYPES[path]}\r\n"
        f"Accept: application/json, text/event-stream\r\nx-api-key: {server.owner_key}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def _answer_to_slow_body(server: Server, path: str, *, trickle: bool) -> tuple[bytes, float]:
    """Send the head and a few bytes of a 1000-byte body, then either one byte every
    0.1 s (`trickle`) or nothing more; the answer and how long it took to come."""
    host, port = server.url.removeprefix("http://").split(":")
    answer = b""
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(_head(server, path, 1000) + b"--milepost-test\r\n")
        started = time.monotonic()
        sock.settimeout(0.1)
        while time.monotonic() - started < BODY_TIMEOUT + SLACK:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                if trickle:
                    with contextlib.suppress(OSError):  # closed by the server meanwhile
                        sock.sendall(b" ")
                continue
            except OSError:
                break  # reset by the server after its answer
            if not chunk:
                break  # closed by the server after its answer
            answer += chunk
        return answer, time.monotonic() - started


def _json_body(answer: bytes) -> Any:
    return json.loads(answer.partition(b"\r\n\r\n")[2])


@pytest.mark.parametrize("trickle", [True, False], ids=["trickling", "stalled"])
@pytest.mark.parametrize("path", ["/api/files", "/mcp"])
def test_a_body_that_does_not_arrive_in_time_is_cut_off_with_408(
    slow: Server, path: str, trickle: bool
) -> None:
    answer, elapsed = _answer_to_slow_body(slow, path, trickle=trickle)

    assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
    assert BODY_TIMEOUT <= elapsed < BODY_TIMEOUT + SLACK
    assert b"connection: close" in answer.partition(b"\r\n\r\n")[0].lower()
    error = _json_body(answer)["error"]
    assert (error["code"], error["data"]["reason"]) == (-32600, "body_timeout")
    assert f"within {BODY_TIMEOUT:g} s" in error["data"]["detail"]


def test_a_slow_upload_that_arrives_in_time_is_stored(slow: Server) -> None:
    ticket = slow.add_ticket()
    request = httpx.Request(
        "POST",
        slow.url + "/api/files",
        files={"file": ("slow.txt", b"slowly but surely", "text/plain")},
        data={"module": "ticket", "moduleId": str(ticket)},
    )
    content = request.read()

    def paced() -> Iterator[bytes]:
        step = len(content) // 4 + 1
        for start in range(0, len(content), step):
            time.sleep(0.05)
            yield content[start : start + step]

    uploaded = httpx.post(
        slow.url + "/api/files",
        content=paced(),
        headers={
            "content-type": request.headers["content-type"],
            "x-api-key": slow.owner_key,
        },
        timeout=30,
    )

    assert uploaded.status_code == 200, uploaded.text
    got = httpx.get(
        f"{slow.url}/api/files/{uploaded.json()['fileId']}",
        headers={"x-api-key": slow.owner_key},
        timeout=30,
    )
    assert got.content == b"slowly but surely"


def test_an_mcp_body_over_the_limit_is_413(slow: Server) -> None:
    oversize = json.dumps({**INITIALIZE, "padding": "a" * MAX_BODY}).encode()

    def chunked() -> Iterator[bytes]:
        for start in range(0, len(oversize), 4096):
            yield oversize[start : start + 4096]

    for content in (oversize, chunked()):  # declared with Content-Length, then streamed
        response = httpx.post(
            slow.url + "/mcp",
            content=content,
            headers={"x-api-key": slow.owner_key, "accept": "application/json"},
            timeout=30,
        )
        assert response.status_code == 413
        error = response.json()["error"]
        assert (error["code"], error["data"]["reason"]) == (-32600, "body_too_large")
        assert str(MAX_BODY) in error["data"]["detail"]


def test_an_mcp_request_that_arrives_in_time_is_answered(slow: Server) -> None:
    content = json.dumps(INITIALIZE).encode()

    def paced() -> Iterator[bytes]:
        for start in range(0, len(content), 64):
            time.sleep(0.02)
            yield content[start : start + 64]

    response = httpx.post(
        slow.url + "/mcp",
        content=paced(),
        headers={
            "x-api-key": slow.owner_key,
            "content-type": "application/json",
            "accept": "application/json, text/event-stream",
        },
        timeout=30,
    )

    assert response.status_code == 200, response.text
    assert response.json()["result"]["serverInfo"]["name"] == "milepost"
