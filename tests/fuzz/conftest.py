"""The fuzz target: a server of its own per backend, keys for a few roles, and counters.

The fuzzer calls everything the API offers with random input, including methods that
revoke keys, delete users and change roles, so it gets a demo database of its own and
mints a new key through the command line whenever its key stops working.

Budget: `MILEPOST_FUZZ_EXAMPLES` examples per backend (default 400, shared out among
the fuzz tests); `MILEPOST_FUZZ_COLLECT=1` records failing requests and keeps going
instead of stopping (and shrinking) at the first, for long runs;
`MILEPOST_FUZZ_REPORT=FILE` writes the figures as JSON.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import strategies as st

from tests.conftest import BACKENDS
from tests.fuzz import strategies as fs
from tests.fuzz.checks import UNREADABLE, Sent, check, decoded
from tests.security.servers import OwnServer, own_server

BUDGET = int(os.environ.get("MILEPOST_FUZZ_EXAMPLES", "400"))
COLLECT = os.environ.get("MILEPOST_FUZZ_COLLECT") == "1"
ROLES = {"owner": (), "editor": (1, 2), "readonly": (1,)}
_REPORTS: list[dict[str, Any]] = []
# Crashes found and not yet fixed, kept out of the fuzz so that it finds new ones; each
# is pinned by a strict xfail in test_regressions.py. None at present.
KNOWN_CRASHES: dict[str, str] = {}
MAX_QUERY = 16_000


def budget(share: float) -> int:
    """This test's part of the per-backend budget."""
    return max(10, int(BUDGET * share))


@dataclass
class Figures:
    requests: int = 0
    calls: int = 0
    reminted: int = 0
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    codes: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


class Fuzzer:
    """Sends fuzz requests to one server and checks every answer."""

    def __init__(self, server: OwnServer) -> None:
        self.server = server
        self.client = httpx.Client(timeout=60)
        self.keys = {role: server.mint_key(role, projects) for role, projects in ROLES.items()}
        self.figures = Figures()
        document = server.call("rpc.discover")
        self.methods: list[dict[str, Any]] = [
            method for method in document["methods"] if method["name"] not in KNOWN_CRASHES
        ]
        self.names = [m["name"] for m in self.methods] + [
            alias for m in self.methods for alias in m.get("x-aliases", [])
        ]
        self._params: dict[str, st.SearchStrategy[Any]] = {}
        self.bent_names = fs.method_names(self.names)
        names = st.one_of(st.sampled_from(self.names), self.bent_names)
        member = st.one_of(fs.requests(names), fs.requests(names), fs.json_values(3))
        self.batches = st.lists(member, max_size=12)

    def params(self, method: dict[str, Any]) -> st.SearchStrategy[Any]:
        if method["name"] not in self._params:
            self._params[method["name"]] = fs.params_for(method)
        return self._params[method["name"]]

    def send_json(self, payload: Any, role: str = "owner") -> None:
        text = json.dumps(payload)
        self._send(text.encode(), "application/json", Sent(payload, text), role)

    def send_bytes(self, body: bytes, role: str = "owner") -> None:
        text = body.decode("utf-8", "replace")
        self._send(body, "application/json", Sent(decoded(body), text), role)

    def send_form(self, request: dict[str, Any], role: str = "owner") -> None:
        text = fs.encode_form(request)
        payload = request if request.get("method") else UNREADABLE
        # The server echoes the decoded fields, so they count as sent text too.
        sent = Sent(payload, text + json.dumps(request), exact_ids=False)
        self._send(text.encode(), "application/x-www-form-urlencoded", sent, role)

    def send_get(self, request: dict[str, Any], role: str = "owner") -> None:
        query = fs.encode_get(request)
        if len(query) > MAX_QUERY:  # longer than any client sends (httpx refuses to)
            self.send_json(request, role)
            return
        sent = Sent(request, query + json.dumps(request), exact_ids=False)
        self._exchange(lambda key: self._get(query, key), sent, role)

    def _get(self, query: str, key: str) -> httpx.Response:
        return self.client.get(f"{self.server.rpc_url}?{query}", headers={"x-api-key": key})

    def _send(self, body: bytes, content_type: str, sent: Sent, role: str) -> None:
        def post(key: str) -> httpx.Response:
            headers = {"x-api-key": key, "content-type": content_type}
            return self.client.post(self.server.rpc_url, content=body, headers=headers)

        self._exchange(post, sent, role)

    def _exchange(self, send: Any, sent: Sent, role: str) -> None:
        started = time.perf_counter()
        try:
            response = send(self.keys[role])
            if self._key_lost(response):
                # The fuzz revoked, expired, deactivated or throttled its own key.
                self.keys[role] = self.server.mint_key(role, ROLES[role])
                self.figures.reminted += 1
                response = send(self.keys[role])
            self._count(response, sent, time.perf_counter() - started)
            check(response, sent)
        except (AssertionError, httpx.HTTPError) as failure:
            if not COLLECT:
                raise
            kind = type(failure).__name__
            self.figures.failures.append(f"{kind}: {failure}\n  sent: {sent.text[:600]}")

    @staticmethod
    def _key_lost(response: httpx.Response) -> bool:
        if response.status_code not in (401, 429):
            return False
        try:
            reason = response.json()["error"]["data"]["reason"]
        except (ValueError, KeyError, TypeError):
            return False
        return reason in ("revoked", "expired", "deactivated", "unknown", "rate_limited")

    def _count(self, response: httpx.Response, sent: Sent, seconds: float) -> None:
        figures = self.figures
        figures.requests += 1
        figures.seconds += seconds
        figures.calls += len(sent.payload) if isinstance(sent.payload, list) else 1
        figures.statuses[response.status_code] += 1
        try:
            body = response.json() if response.content else []
        except ValueError:
            return
        for answer in body if isinstance(body, list) else [body]:
            if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
                figures.codes[answer["error"].get("code")] += 1

    def report(self) -> dict[str, Any]:
        figures = self.figures
        return {
            "backend": self.server.backend,
            "requests": figures.requests,
            "calls": figures.calls,
            "seconds_in_requests": round(figures.seconds, 1),
            "keys_reminted": figures.reminted,
            "statuses": dict(figures.statuses),
            "error_codes": dict(figures.codes),
            "failures": figures.failures,
            "internal_errors_in_log": self.server.internal_errors(),
        }


@pytest.fixture(scope="session", params=BACKENDS)
def fuzzer(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fuzzer]:
    backend = request.param
    with own_server(backend, tmp_path_factory.mktemp(f"fuzz-{backend}")) as server:
        target = Fuzzer(server)
        started = time.perf_counter()
        try:
            yield target
        finally:
            target.client.close()
            figures = target.report()
            figures["wall_seconds"] = round(time.perf_counter() - started, 1)
            _REPORTS.append(figures)
            _write_report()


def _write_report() -> None:
    path = os.environ.get("MILEPOST_FUZZ_REPORT")
    if path:
        Path(path).write_text(json.dumps(_REPORTS, indent=2))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for figures in _REPORTS:
        terminalreporter.write_line(
            f"fuzz on {figures['backend']}: {figures['requests']} requests, {figures['calls']}"
            f" calls in {figures['wall_seconds']} s; statuses {figures['statuses']};"
            f" {len(figures['failures'])} failures,"
            f" {len(figures['internal_errors_in_log'])} internal errors in the log"
        )
