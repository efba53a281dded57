"""The JSON-RPC wire as Leantime and Milepost speak it: names, envelopes, answers, GET URLs.

Nothing here does I/O; the sync and async clients share it. Results are returned as
the server sent them (Leantime 3.7's one-element lists included).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from milepost.client.errors import (
    RateLimited,
    TransportError,
    Unauthorized,
    UnexpectedResponse,
    error_from,
)
from milepost.client.retry import retry_after

PREFIX = "leantime.rpc."
RPC_PATH = "/api/jsonrpc"

Params = dict[str, Any] | list[Any] | None


def endpoint(url: str) -> str:
    """The JSON-RPC URL for a server's base URL, or the endpoint URL itself."""
    if not url.lower().startswith(("http://", "https://")):
        raise ValueError(f"expected an http:// or https:// URL of the server, got {url!r}")
    stripped = url.rstrip("/")
    if stripped.lower().endswith(RPC_PATH):
        return stripped
    return stripped + RPC_PATH


def full_name(method: str) -> str:
    """`tickets.getTicket` becomes `leantime.rpc.tickets.getTicket`; full and `rpc.` names
    are kept as they are."""
    if method.startswith((PREFIX, "rpc.")):
        return method
    return PREFIX + method


def params_of(args: tuple[Any, ...], named: Mapping[str, Any]) -> Params:
    """JSON-RPC params from a call's arguments: by position or by name, never both."""
    if args and named:
        raise TypeError(
            "JSON-RPC params go either by position or by name; "
            f"got {len(args)} positional and {len(named)} named"
        )
    if args:
        return list(args)
    return dict(named) if named else None


def envelope(method: str, params: Params, id_: int | None) -> dict[str, Any]:
    """A request object; without an id it is a notification."""
    request: dict[str, Any] = {"jsonrpc": "2.0", "method": full_name(method)}
    if params is not None:
        request["params"] = params
    if id_ is not None:
        request["id"] = id_
    return request


def get_url(url: str, method: str, params: Params, id_: int = 1) -> str:
    """The GET form of a call: `params` is base64 of the JSON params.

    Leantime URL-decodes the query value a second time before decoding the base64, which
    would turn a `+` into a space; so `+` is percent-encoded twice. Milepost decodes
    such a value too.
    """
    query = urlencode({"method": full_name(method), "jsonrpc": "2.0", "id": str(id_)})
    if params is not None:
        encoded = base64.b64encode(json.dumps(params, separators=(",", ":")).encode()).decode()
        query += "&params=" + quote(encoded, safe="").replace("%2B", "%252B")
    return f"{endpoint(url)}?{query}"


def read(response: httpx.Response) -> Any:
    """The JSON document of an answer, or None for an empty one (a notification's).

    Raises Unauthorized on 401, RateLimited on 429, and UnexpectedResponse on any other
    status whose body is not a JSON-RPC answer.
    """
    body = _json(response)
    status = response.status_code
    error = body.get("error") if isinstance(body, dict) else None
    if status == 401:
        raise _transport(Unauthorized, "Unauthorized", response, error, body)
    if status == 429:
        raise _transport(RateLimited, "Too many requests", response, error, body)
    if status in (200, 204) and (body is None or _is_answer(body)):
        return body
    if status >= 300 and _is_answer(body):
        return body
    raise UnexpectedResponse(
        f"expected a JSON-RPC answer, got HTTP {status} with {_peek(response)}",
        status=status,
    )


def result_of(answer: Any) -> Any:
    """The result of a single call's answer, or its error raised as a typed exception."""
    if not isinstance(answer, dict):
        raise UnexpectedResponse(f"expected one JSON-RPC response object, got {_kind(answer)}")
    if "error" in answer:
        raise error_from(answer["error"])
    if "result" not in answer:
        raise UnexpectedResponse("the JSON-RPC response holds neither a result nor an error")
    return answer["result"]


def notification_answer(answer: Any) -> None:
    """A notification gets no answer; an error object still sent for it is raised."""
    if isinstance(answer, dict) and "error" in answer:
        raise error_from(answer["error"])


def _json(response: httpx.Response) -> Any:
    if not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError:
        return _NOT_JSON


_NOT_JSON = object()


def _is_answer(body: Any) -> bool:
    if isinstance(body, list):
        return all(item is None or _is_answer(item) for item in body)
    return isinstance(body, dict) and ("result" in body or "error" in body)


def _transport(
    kind: type[TransportError], default: str, response: httpx.Response, error: Any, body: Any
) -> TransportError:
    """A transport error from Milepost's JSON-RPC error body or Leantime's `{"error": text}`."""
    message, code, data = default, None, None
    if isinstance(error, dict):
        message = str(error.get("message") or default)
        code = error.get("code") if isinstance(error.get("code"), int) else None
        data = error.get("data")
    elif isinstance(error, str) and error:
        message = error
    status = response.status_code
    if kind is RateLimited:
        wait = retry_after(response.headers)
        return RateLimited(message, retry_after=wait, status=status, code=code, data=data)
    return kind(message, status=status, code=code, data=data)


def _peek(response: httpx.Response) -> str:
    text = response.text.strip()
    if not text:
        return "an empty body"
    return f"the body {text[:120]!r}" + ("..." if len(text) > 120 else "")


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    return "null" if value is None else type(value).__name__
