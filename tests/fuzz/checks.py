"""What every answer of the endpoint must be, whatever was sent.

- never a 5xx; only the statuses the endpoint documents;
- a body that is a JSON-RPC response: one response object, or a list of them with one
  per request that is not a notification, in order; nothing (204) only when every
  request was a notification;
- no traceback and no text of the database layer in any error;
- no -32603: an internal error is a crash the fuzzer found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from tests.security.servers import LEAK_MARKERS

STATUSES = {200, 204, 401, 405, 408, 413, 429}
UNREADABLE = object()  # the body is no JSON the server can decode


@dataclass(frozen=True)
class Sent:
    """A request as the server should read it."""

    payload: Any  # the decoded JSON, or UNREADABLE
    text: str  # what went over the wire, for telling echoed input from leaks
    exact_ids: bool = True  # false for form and query fields, where ids arrive as text
    max_batch: int = 1000
    max_depth: int = 64


def decoded(body: bytes) -> Any:
    """The payload the server parses from a JSON body (the same parser), or UNREADABLE."""
    try:
        return orjson.loads(body) if body.strip() else UNREADABLE
    except orjson.JSONDecodeError:
        return UNREADABLE


def check(response: httpx.Response, sent: Sent) -> None:
    """Assert that `response` is a proper answer to `sent`; raise AssertionError if not."""
    status = response.status_code
    assert status < 500, f"HTTP {status}: {response.text[:500]}"
    assert status in STATUSES, f"unexpected HTTP {status}: {response.text[:300]}"
    if status == 204:
        assert response.content == b"", "a 204 answer has a body"
        assert _answered(sent) == 0, "nothing was answered to requests that are not notifications"
        return
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"the body is not JSON: {response.text[:300]!r}") from None
    if status != 200:
        _response_object(body, sent)
        return
    expected = _answered(sent)
    if expected is None:
        assert isinstance(body, dict), f"expected one response object, got {response.text[:300]}"
        _response_object(body, sent)
        _single_id(body, sent)
        return
    assert expected > 0, f"notifications were answered: {response.text[:300]}"
    assert isinstance(body, list), f"a batch was answered with {response.text[:300]}"
    assert len(body) == expected, f"{len(body)} answers to {expected} answerable requests"
    members = [m for m in sent.payload if not _is_notification(m)]
    for answer, request in zip(body, members, strict=True):
        _response_object(answer, sent)
        if sent.exact_ids and isinstance(request, dict):
            expected_id = request.get("id") if _valid_id(request.get("id")) else None
            assert answer["id"] == expected_id, f"id {answer['id']!r} for {request!r:.300}"


def _answered(sent: Sent) -> int | None:
    """How many answers a batch gets (0: HTTP 204), or None for one response object."""
    payload = sent.payload
    if payload is UNREADABLE or _depth(payload, sent.max_depth) > sent.max_depth:
        return None
    if not isinstance(payload, list):
        return 0 if _is_notification(payload) else None
    if not payload or len(payload) > sent.max_batch:
        return None
    return sum(1 for member in payload if not _is_notification(member))


def _is_notification(request: Any) -> bool:
    return (
        isinstance(request, dict)
        and "id" not in request
        and isinstance(request.get("method"), str)
        and bool(request["method"])
        and request.get("jsonrpc") == "2.0"
    )


def _valid_id(value: Any) -> bool:
    """An id the server can echo: the parser reads integers from -2^63 to 2^64-1 exactly
    and larger ones as floats, which are refused (answered with `"id": null`)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return -(2**63) <= value < 2**64
    if isinstance(value, float) and value.is_integer():
        return abs(value) < 2**63
    return value is None or isinstance(value, str | float)


def _single_id(body: dict[str, Any], sent: Sent) -> None:
    payload = sent.payload
    if not sent.exact_ids or not isinstance(payload, dict) or "id" not in payload:
        return
    if _depth(payload, sent.max_depth) > sent.max_depth:
        return
    expected = payload["id"] if _valid_id(payload["id"]) else None
    assert body["id"] == expected, f"answered id {body['id']!r} to id {payload['id']!r}"


def _response_object(answer: Any, sent: Sent) -> None:
    assert isinstance(answer, dict), f"a response must be an object, got {answer!r:.200}"
    assert answer.get("jsonrpc") == "2.0", f"no jsonrpc 2.0 in {answer!r:.200}"
    assert "id" in answer, f"no id in {answer!r:.200}"
    assert set(answer) <= {"jsonrpc", "result", "error", "id"}, f"extra members: {sorted(answer)}"
    assert ("result" in answer) != ("error" in answer), f"result xor error: {answer!r:.200}"
    if "error" in answer:
        _error_object(answer["error"], sent)


def _error_object(error: Any, sent: Sent) -> None:
    assert isinstance(error, dict), f"error must be an object, got {error!r:.200}"
    code, message, data = error.get("code"), error.get("message"), error.get("data")
    assert isinstance(code, int) and not isinstance(code, bool), f"error code {code!r}"
    assert isinstance(message, str) and message, f"error message {message!r}"
    assert isinstance(data, dict), f"error.data must be an object, got {data!r:.200}"
    assert isinstance(data.get("reason"), str), f"error.data.reason missing: {data!r:.200}"
    assert isinstance(data.get("detail"), str), f"error.data.detail missing: {data!r:.200}"
    assert code != -32603, f"internal error (a crash): {error!r:.300}"
    text = orjson.dumps(error).decode()
    for marker in LEAK_MARKERS:
        if marker in text and marker not in sent.text:
            raise AssertionError(f"{marker!r} in an error: {text[:400]}")


def _depth(value: Any, limit: int) -> int:
    """The nesting depth of a JSON value, counted up to `limit + 1`."""
    depth, level = 0, [value]
    while level and depth <= limit:
        containers = [v for v in level if isinstance(v, dict | list)]
        if not containers:
            break
        depth += 1
        level = [
            item
            for container in containers
            for item in (container.values() if isinstance(container, dict) else container)
        ]
    return depth
