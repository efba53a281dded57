"""Webhooks end to end: a real receiver on 127.0.0.1, signatures, retries, a killed server."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import (
    BACKENDS,
    OWNER_EMAIL,
    OWNER_PASSWORD,
    RpcError,
    Server,
    database_for,
    milepost,
    start_server,
    stop,
)

SECRET = "a-webhook-secret-of-some-length"
WORKER_ENV = {
    "MILEPOST_WEBHOOK_ALLOW_PRIVATE": "1",
    "MILEPOST_WEBHOOK_RETRY_BASE_SECONDS": "1.5",
    "MILEPOST_WEBHOOK_POLL_SECONDS": "0.1",
    "MILEPOST_WEBHOOK_DISABLE_AFTER": "4",
    "MILEPOST_WEBHOOK_TIMEOUT_SECONDS": "2",
    "MILEPOST_WEBHOOK_CLAIM_SECONDS": "3",
}


@dataclass
class Receiver:
    """An HTTP endpoint that fails its first `failures` requests, then answers 204."""

    failures: int = 0
    received: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    def wait_for(self, check: Callable[[], bool], seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if check():
                return True
            time.sleep(0.05)
        return check()

    @property
    def delivered(self) -> list[tuple[int, dict[str, str], bytes]]:
        return [entry for entry in self.received if entry[0] == 204]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            status = 500 if len(state.received) < state.failures else 204
            state.received.append((status, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{http.server_address[1]}/hook"
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield state
    http.shutdown()
    http.server_close()


@dataclass
class Deployment:
    """A server of the test's own (its own database), which the test may kill."""

    database_url: str
    workdir: Path
    key: str
    process: Any = None
    url: str = ""

    def start(self) -> None:
        self.process, self.url = start_server(self.database_url, self.workdir, WORKER_ENV)

    def call(self, method: str, params: Any = None) -> Any:
        body = {"jsonrpc": "2.0", "id": 1, "method": "leantime.rpc." + method, "params": params}
        answer = httpx.post(
            self.url + "/api/jsonrpc", json=body, headers={"x-api-key": self.key}, timeout=30
        ).json()
        if "error" in answer:
            raise RpcError(answer["error"])
        return answer["result"]


@pytest.fixture(params=BACKENDS)
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    with database_for(request.param, tmp_path) as database_url:
        milepost("init", "--database", database_url, "--demo", "--owner-email", OWNER_EMAIL,
                 "--owner-password", OWNER_PASSWORD)  # fmt: skip
        key = milepost("keys", "--database", database_url, "create", "--name", "hooks",
                       "--role", "owner", "--all-projects").strip()  # fmt: skip
        deployment = Deployment(database_url, tmp_path, key)
        deployment.start()
        try:
            yield deployment
        finally:
            stop(deployment.process)


def _verify(headers: dict[str, str], body: bytes) -> None:
    parts = dict(item.split("=", 1) for item in headers["milepost-signature"].split(","))
    expected = hmac.new(SECRET.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    assert hmac.compare_digest(parts["v1"], expected.hexdigest())
    assert abs(int(parts["t"]) - time.time()) < 120


def test_event_survives_failures_and_a_killed_server(
    deployment: Deployment, receiver: Receiver
) -> None:
    receiver.failures = 2
    hook = deployment.call(
        "Webhooks.Webhooks.create",
        {"values": {"url": receiver.url, "secret": SECRET, "events": ["ticket.created"]}},
    )
    ticket = deployment.call(
        "Tickets.addTicket", {"values": {"headline": "hooked", "projectId": 1}}
    )
    assert receiver.wait_for(
        lambda: bool(deployment.call("Webhooks.Webhooks.getDeliveries", {"id": hook})), 15
    ), "no first attempt"

    # Kill the server between attempts: the retry is due 1.5 s later, when it is down.
    os.kill(deployment.process.pid, signal.SIGKILL)
    deployment.process.wait()
    time.sleep(2)
    deployment.start()

    assert receiver.wait_for(lambda: bool(receiver.delivered), 30), receiver.received
    _, headers, body = receiver.delivered[0]
    _verify(headers, body)
    payload = json.loads(body)
    assert payload["event"] == "ticket.created"
    assert payload["entity"] == {"type": "ticket", "id": ticket, "projectId": 1}
    assert payload["data"]["headline"] == "hooked"
    assert headers["milepost-event"] == "ticket.created"
    assert len({h["milepost-delivery"] for _, h, _ in receiver.received}) == 1
    assert len(receiver.received) >= 3

    log = deployment.call("Webhooks.Webhooks.getDeliveries", {"id": hook})
    assert [entry["statusCode"] for entry in reversed(log)][:3] == [500, 500, 204]


def test_events_cover_updates_deletes_milestones_and_projects(
    deployment: Deployment, receiver: Receiver
) -> None:
    deployment.call(
        "Webhooks.Webhooks.create",
        {"values": {"url": receiver.url, "secret": SECRET, "projects": [1]}},
    )
    ticket = deployment.call("Tickets.addTicket", {"values": {"headline": "e", "projectId": 1}})
    deployment.call("Tickets.patchTicket", {"id": ticket, "values": {"status": 4}})
    deployment.call("Tickets.delete", {"id": ticket})
    deployment.call("Tickets.quickAddMilestone", {"params": {"headline": "m", "projectId": 1}})
    deployment.call("Projects.patch", {"id": 1, "params": {"details": "hooked"}})
    deployment.call("Tickets.addTicket", {"values": {"headline": "elsewhere", "projectId": 2}})
    deployment.call(
        "Comments.addComment", {"values": {"text": "hi"}, "module": "ticket", "entityId": 1}
    )
    deployment.call(
        "Timesheets.logTime", {"ticketId": 1, "params": {"hours": 1, "date": "2026-12-01"}}
    )
    deployment.call(
        "Timesheets.logTime", {"ticketId": 1, "params": {"hours": 1, "date": "2026-12-01"}}
    )
    wanted = ["ticket.created", "ticket.updated", "ticket.deleted", "milestone.created",
              "project.updated", "comment.created", "timesheet.created",
              "timesheet.updated"]  # fmt: skip
    assert receiver.wait_for(lambda: len(receiver.delivered) >= len(wanted), 20)
    time.sleep(0.5)
    events = [json.loads(body)["event"] for _, _, body in receiver.delivered]
    assert events == wanted  # project 2's ticket is not covered


def test_persistent_failure_disables_the_subscription(
    deployment: Deployment, receiver: Receiver
) -> None:
    receiver.failures = 10_000
    hook = deployment.call(
        "Webhooks.Webhooks.create", {"values": {"url": receiver.url, "secret": SECRET}}
    )
    for number in range(4):
        deployment.call("Tickets.addTicket", {"values": {"headline": f"f{number}", "projectId": 1}})

    def disabled() -> bool:
        hooks = deployment.call("Webhooks.Webhooks.getAll")
        return not next(h for h in hooks if h["id"] == hook)["active"]

    assert receiver.wait_for(disabled, 30)
    state = next(h for h in deployment.call("Webhooks.Webhooks.getAll") if h["id"] == hook)
    assert "failed deliveries" in state["disabledReason"]
    assert "secret" not in state


def test_private_destinations_are_refused_by_default(server: Server) -> None:
    with pytest.raises(RpcError) as error:
        server.call(
            "Webhooks.Webhooks.create",
            {"values": {"url": "http://127.0.0.1:9/hook", "secret": SECRET}},
        )
    assert error.value.data["reason"] == "private_destination"


def test_only_admins_manage_webhooks(server: Server) -> None:
    with pytest.raises(RpcError) as error:
        server.call("Webhooks.Webhooks.getAll", key=server.make_key("manager", [1]))
    assert error.value.code == -32001
