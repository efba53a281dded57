"""Every limit in the README's Limits table, enforced with a clear error.

The transport's limits (body size, batch length, nesting depth, slow bodies, idle
connections, failed-authentication throttling) do not depend on the storage backend, so
they are tested on one server of this module's own, started with small limits. The
limits the services enforce (string lengths, page sizes, uploads) are tested on both
backends.
"""

from __future__ import annotations

import base64
import json
import secrets
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import RpcError, Server
from tests.security.servers import OwnServer, own_server

MAX_BODY = 65_536
MAX_BATCH = 20
MAX_DEPTH = 64
BODY_TIMEOUT = 1.0
KEEP_ALIVE = 1
FAILED_AUTH = 3
WHO = "leantime.rpc.Auth.Auth.getUserId"


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnServer]:
    env = {
        "MILEPOST_MAX_BODY_BYTES": str(MAX_BODY),
        "MILEPOST_MAX_BATCH": str(MAX_BATCH),
        "MILEPOST_MAX_JSON_DEPTH": str(MAX_DEPTH),
        "MILEPOST_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT),
        "MILEPOST_KEEP_ALIVE_SECONDS": str(KEEP_ALIVE),
        "MILEPOST_FAILED_AUTH_PER_MINUTE": str(FAILED_AUTH),
        "MILEPOST_MAX_UPLOAD_BYTES": "1024",
        "MILEPOST_DATA_DIR": str(tmp_path_factory.mktemp("limits-data")),
    }
    with own_server("sqlite", tmp_path_factory.mktemp("limits"), demo=False, env=env) as server:
        yield server


def _address() -> str:
    """A client address of this test's own (sent as X-Forwarded-For, which the server
    trusts from 127.0.0.1), so that throttling in one test reaches no other."""
    return f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"


def _post(
    server: OwnServer, body: Any, key: str | None = "owner", **headers: str
) -> httpx.Response:
    if key is not None:
        headers["x-api-key"] = server.owner_key if key == "owner" else key
    headers.setdefault("x-forwarded-for", _address())
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(server.rpc_url, content=content, headers=headers, timeout=30)


def _error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert isinstance(body, dict) and "error" in body, body
    error: dict[str, Any] = body["error"]
    return error


def _nested(levels: int) -> Any:
    value: Any = []
    for _ in range(levels - 1):
        value = [value]
    return value


# -- request body ---------------------------------------------------------------------


def test_a_body_over_the_limit_is_413_before_credentials_are_looked_at(
    limited: OwnServer,
) -> None:
    oversize = b'{"jsonrpc":"2.0","id":1,"method":"x","params":"' + b"a" * MAX_BODY + b'"}'
    for key in ("owner", None):
        response = _post(limited, oversize, key=key)
        assert response.status_code == 413
        error = _error(response)
        assert (error["code"], error["data"]["reason"]) == (-32600, "body_too_large")
        assert str(MAX_BODY) in error["data"]["detail"]


def test_a_chunked_body_over_the_limit_is_413_too(limited: OwnServer) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_BODY // 1024 + 2):
            yield b" " * 1024

    response = httpx.post(
        limited.rpc_url, content=chunks(), headers={"x-api-key": limited.owner_key}, timeout=30
    )
    assert response.status_code == 413
    assert _error(response)["data"]["reason"] == "body_too_large"


def test_a_body_at_the_limit_is_read(limited: OwnServer) -> None:
    request = json.dumps({"jsonrpc": "2.0", "id": 7, "method": WHO}).encode()
    body = request + b" " * (MAX_BODY - len(request))
    response = _post(limited, body)
    assert response.status_code == 200
    assert isinstance(response.json()["result"], int)


# -- batches and nesting -----------------------------------------------------------------


def test_a_batch_at_the_limit_is_answered_and_one_over_it_is_one_error(
    limited: OwnServer,
) -> None:
    batch = [{"jsonrpc": "2.0", "id": n, "method": WHO} for n in range(MAX_BATCH)]
    answers = _post(limited, batch).json()
    assert [answer["id"] for answer in answers] == list(range(MAX_BATCH))
    over = _post(limited, [*batch, {"jsonrpc": "2.0", "id": "x", "method": WHO}])
    error = _error(over)
    assert (error["code"], error["data"]["reason"]) == (-32600, "batch_too_large")
    assert f"{MAX_BATCH + 1} requests" in error["data"]["detail"]


def test_json_nested_to_the_limit_is_read_and_deeper_is_refused(limited: OwnServer) -> None:
    # The request object and its params object are two levels of their own.
    def request(levels: int) -> dict[str, Any]:
        return {"jsonrpc": "2.0", "id": 1, "method": WHO, "params": {"x": _nested(levels - 2)}}

    assert "result" in _post(limited, request(MAX_DEPTH)).json()
    error = _error(_post(limited, request(MAX_DEPTH + 1)))
    assert (error["code"], error["data"]["reason"]) == (-32600, "too_deep")
    assert f"more than {MAX_DEPTH} levels" in error["data"]["detail"]


def test_json_nested_past_the_parser_s_own_limit_gets_the_same_answer(
    limited: OwnServer,
) -> None:
    body = b"[" * 5000 + b"]" * 5000
    error = _error(_post(limited, body))
    assert (error["code"], error["data"]["reason"]) == (-32600, "too_deep")
    assert _post(limited, b"[" * 5000).json()["error"]["code"] in (-32600, -32700)


def test_deep_json_inside_a_params_string_is_refused(limited: OwnServer) -> None:
    params = json.dumps({"x": _nested(MAX_DEPTH)})
    answer = _post(limited, {"jsonrpc": "2.0", "id": 2, "method": WHO, "params": params}).json()
    assert answer["id"] == 2
    assert answer["error"]["code"] == -32602
    assert answer["error"]["data"]["reason"] == "too_deep"
    assert answer["error"]["data"]["param"] == "params"


# -- slow clients --------------------------------------------------------------------------


def _raw_head(server: OwnServer, length: int) -> bytes:
    return (
        "POST /api/jsonrpc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"x-api-key: {server.owner_key}\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def _connect(server: OwnServer) -> socket.socket:
    host, port = server.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def _read_response(sock: socket.socket, deadline: float) -> bytes:
    """Read until the server has sent a whole response or closed the connection."""
    data = b""
    sock.settimeout(0.1)
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except ConnectionResetError:
            # The server closed with bytes of ours unread (a trickled body): the kernel
            # resets instead of closing, after whatever the server sent before.
            break
        if not chunk:
            break
        data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lengths = [
            line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        ]
        if lengths and len(body) >= int(lengths[0].split(b":")[1]):
            break
    return data


def test_a_body_that_trickles_in_too_slowly_is_cut_off_with_408(limited: OwnServer) -> None:
    with _connect(limited) as sock:
        # Timed from before the head leaves: the server's clock starts when it arrives.
        started = time.monotonic()
        sock.sendall(_raw_head(limited, 1000))
        answer = b""
        # One byte every 0.1 s would take 100 s; the server stops waiting after its limit.
        while not answer and time.monotonic() - started < 10:
            try:
                sock.sendall(b" ")
            except OSError:
                break
            answer = _read_response(sock, time.monotonic() + 0.1)
        answer += _read_response(sock, time.monotonic() + 2)
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert BODY_TIMEOUT <= elapsed < BODY_TIMEOUT + 4
    error = json.loads(answer.partition(b"\r\n\r\n")[2])["error"]
    assert (error["code"], error["data"]["reason"]) == (-32600, "body_timeout")


def test_a_slow_body_within_the_limit_is_read(limited: OwnServer) -> None:
    request = json.dumps({"jsonrpc": "2.0", "id": 5, "method": WHO}).encode()
    with _connect(limited) as sock:
        sock.sendall(_raw_head(limited, len(request)))
        for start in range(0, len(request), len(request) // 4 + 1):
            time.sleep(0.05)
            sock.sendall(request[start : start + len(request) // 4 + 1])
        answer = _read_response(sock, time.monotonic() + 5)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["id"] == 5


def test_an_idle_keep_alive_connection_is_closed(limited: OwnServer) -> None:
    request = json.dumps({"jsonrpc": "2.0", "id": 6, "method": WHO}).encode()
    with _connect(limited) as sock:
        sock.sendall(_raw_head(limited, len(request)) + request)
        assert _read_response(sock, time.monotonic() + 5).startswith(b"HTTP/1.1 200")
        idle_from = time.monotonic()
        sock.settimeout(KEEP_ALIVE + 5)
        assert sock.recv(1024) == b"", "the server kept the idle connection open"
        assert time.monotonic() - idle_from < KEEP_ALIVE + 3


# -- failed authentication ------------------------------------------------------------


def test_failed_authentications_are_throttled_per_address(limited: OwnServer) -> None:
    address = _address()
    who = {"jsonrpc": "2.0", "id": 1, "method": WHO}
    for _ in range(FAILED_AUTH):
        refused = _post(
            limited, who, key="lt_" + "a" * 32 + "_" + "b" * 32, **{"x-forwarded-for": address}
        )
        assert refused.status_code == 401
    throttled = _post(limited, who, **{"x-forwarded-for": address})  # even with a good key
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["retry-after"]) <= 60
    error = _error(throttled)
    assert (error["code"], error["data"]["reason"]) == (-32029, "auth_throttled")
    # Another address is not affected.
    assert _post(limited, who, **{"x-forwarded-for": _address()}).status_code == 200


def test_requests_without_credentials_are_not_counted_as_failures(limited: OwnServer) -> None:
    address = _address()
    who = {"jsonrpc": "2.0", "id": 1, "method": WHO}
    for _ in range(FAILED_AUTH + 2):
        assert _post(limited, who, key=None, **{"x-forwarded-for": address}).status_code == 401
    assert _post(limited, who, **{"x-forwarded-for": address}).status_code == 200


# -- limits of the services (both backends) ------------------------------------------------


def test_ticket_text_lengths_are_limited(server: Server) -> None:
    assert server.add_ticket(headline="h" * 255) > 0
    with pytest.raises(RpcError) as refused:
        server.add_ticket(headline="h" * 256)
    assert (refused.value.code, refused.value.data["param"]) == (-32602, "values.headline")
    assert "at most 255 characters" in refused.value.data["expected"]
    with pytest.raises(RpcError) as refused:
        server.add_ticket(description="d" * 1_000_001)
    assert (refused.value.code, refused.value.data["param"]) == (-32602, "values.description")


def test_page_size_is_limited(server: Server) -> None:
    page = server.call("tickets.getAll", {"pageSize": 1000})
    assert 0 < len(page["items"]) <= 1000
    with pytest.raises(RpcError) as refused:
        server.call("tickets.getAll", {"pageSize": 1001})
    assert (refused.value.code, refused.value.data["param"]) == (-32602, "pageSize")
    assert "1 to 1000" in refused.value.data["expected"]
    with pytest.raises(RpcError) as refused:
        server.call("tickets.getAll", {"limit": 10_001})
    assert (refused.value.code, refused.value.data["param"]) == (-32602, "limit")


def test_uploads_over_the_limit_are_refused(limited: OwnServer) -> None:
    methods = {m["name"] for m in limited.call("rpc.discover")["methods"]}
    if "leantime.rpc.Files.Files.upload" not in methods:
        pytest.skip("this server has no Files.upload yet")
    project = limited.call("leantime.rpc.Projects.addProject", {"values": {"name": "uploads"}})

    def upload(size: int) -> dict[str, Any]:
        content = base64.b64encode(b"x" * size).decode()
        params = {"file": {"name": "notes.txt", "content": content}, "module": "project",
                  "moduleId": project}  # fmt: skip
        body = {"jsonrpc": "2.0", "id": 1, "method": "leantime.rpc.Files.upload", "params": params}
        return dict(_post(limited, body).json())

    assert "result" in upload(1024), upload(1024)
    refused = upload(1025)["error"]
    assert (refused["code"], refused["data"]["reason"]) == (-32602, "file_too_large")


def test_uploaded_file_names_cannot_escape_the_data_folder(limited: OwnServer) -> None:
    methods = {m["name"] for m in limited.call("rpc.discover")["methods"]}
    if "leantime.rpc.Files.Files.upload" not in methods:
        pytest.skip("this server has no Files.upload yet")
    data_dir = Path(limited.env["MILEPOST_DATA_DIR"])
    project = limited.call("leantime.rpc.Projects.addProject", {"values": {"name": "names"}})
    names = ["../../escaped.txt", "..\\..\\escaped.txt", "/tmp/escaped.txt", "a/../../escaped.txt",
             "\x00escaped.txt", "....//escaped.txt"]  # fmt: skip
    for name in names:
        upload = {"file": {"name": name, "content": base64.b64encode(b"x").decode()}}
        params = {"file": upload, "module": "project", "moduleId": project}
        body = {"jsonrpc": "2.0", "id": 1, "method": "leantime.rpc.Files.upload", "params": params}
        answer = _post(limited, body).json()
        assert "result" in answer or answer["error"]["code"] == -32602, answer
    stored = [path for path in data_dir.rglob("*") if path.is_file()]
    assert stored, "nothing was stored; the test would prove nothing"
    assert all(".." not in path.relative_to(data_dir).parts for path in stored)
    assert not any("escaped" in path.name for path in stored)
    assert not list(data_dir.parent.rglob("escaped.txt")) and not Path("/tmp/escaped.txt").exists()
    listed = limited.call(
        "leantime.rpc.Files.getFilesByModule", {"module": "project", "entityId": project}
    )
    assert all("/" not in row["realName"] and "\\" not in row["realName"] for row in listed)
