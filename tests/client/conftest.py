"""A scripted HTTP server on 127.0.0.1 for what the real server does not do yet (429s,
5xx answers, Leantime's bodies): it answers each POST with the next scripted reply,
repeating the last one, and records what it received."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

Body = Any | Callable[[Any], Any]


@dataclass
class Reply:
    status: int = 200
    body: Body = None  # a JSON value, bytes sent as they are, or a function of the request
    headers: dict[str, str] = field(default_factory=dict)


def result(value: Any) -> Callable[[Any], Any]:
    """A body answering the request's id (or each id in a batch) with `value`."""

    def answer(request: Any) -> Any:
        if isinstance(request, list):
            return [answer(item) for item in request]
        return {"jsonrpc": "2.0", "result": value, "id": request.get("id")}

    return answer


@dataclass
class Scripted:
    url: str
    replies: list[Reply] = field(default_factory=list)
    received: list[Any] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, *replies: Reply) -> None:
        with self.lock:
            self.replies[:] = replies
            self.received.clear()

    def next(self, request: Any) -> tuple[Reply, bytes]:
        with self.lock:
            self.received.append(request)
            reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        body = reply.body(request) if callable(reply.body) else reply.body
        if isinstance(body, bytes):
            return reply, body
        return reply, b"" if body is None else json.dumps(body).encode()


def _handler(scripted: Scripted) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length", "0")))
            reply, body = scripted.next(json.loads(raw) if raw else None)
            self.send_response(reply.status)
            for name, value in {"content-type": "application/json", **reply.headers}.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def scripted() -> Iterator[Scripted]:
    """A scripted JSON-RPC server; call `.script(Reply(...), ...)` before use."""
    server = Scripted(url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
