"""The HTTP endpoint `/api/jsonrpc`: POST (JSON or form-encoded) and GET (base64 params).

Checks run in the contract's order: body size (413) and the time the body takes to
arrive (408), then credentials (401, whatever the body holds), then parsing (-32700, and
-32600 `too_deep` for JSON nested deeper than the limit), then each call. HTTP status
codes: 200 for any JSON-RPC answer, 204 when there is nothing to answer (notifications
only), 401 for credentials, 405 for other verbs, 408 for a body that trickles in slower
than the limit allows, 413 for oversize bodies, 429 while an address is throttled for
failed authentication. Every body sent is a JSON-RPC response.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

import orjson

from milepost.rpc.body import read_body
from milepost.rpc.gate import Gate, Refusal
from milepost.rpc.protocol import (
    Dispatcher,
    RequestInfo,
    error_body,
    invalid_request,
    nesting_depth,
    parse_error,
    too_deep,
)
from milepost.services.result_cache import Encoded

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

ALLOWED_METHODS = "GET, POST"
DEFAULT_BODY_TIMEOUT = 30.0
_ORJSON_DEPTH_ERROR = "depth limit exceeded"


# A request answered before any call runs.
RequestError = Refusal


class JsonRpcEndpoint:
    """A bare ASGI app: it reads, passes the gate (credentials, throttles, rate limit),
    decodes, and hands over to the dispatcher. The web session counts as a credential
    here (the pages call the API with it)."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        gate: Gate,
        *,
        max_body_bytes: int,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
    ) -> None:
        self.dispatcher = dispatcher
        self.gate = gate
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            status, body, headers = await self._answer(scope, receive)
        except RequestError as error:
            status, body, headers = error.status, error.body, error.headers
        await _send_json(send, status, body, headers)

    async def _answer(self, scope: Scope, receive: Receive) -> tuple[int, Any, dict[str, str]]:
        verb = scope["method"]
        if verb not in ("GET", "POST"):
            raise RequestError(
                405,
                invalid_request(
                    f"the JSON-RPC endpoint answers GET and POST, not {verb}", reason="bad_verb"
                ),
                {"allow": ALLOWED_METHODS},
            )
        headers = _headers(scope)
        body = await self._read_body(headers, receive) if verb == "POST" else b""
        # The call runs here, on the event loop's thread. Handing it to a worker thread
        # cost more than the call itself (measured: getTicket at 16 clients served 384/s
        # through anyio's thread pool and 917/s inline), because the loop and the worker
        # threads then contend for the GIL on every request. On SQLite the process runs
        # one call at a time, and a slow call (a large report, a writer in another
        # process holding the lock) holds up the others for its duration; throughput
        # scales with processes (`serve --workers N`). On PostgreSQL the call runs in a
        # greenlet over asyncpg, and the loop serves other requests while it waits on
        # the server (`Database.concurrently`).
        return await self.dispatcher.services.concurrently(
            self._run, verb, scope, headers, body, _client_address(scope)
        )

    def _run(
        self, verb: str, scope: Scope, headers: dict[str, str], body: bytes, address: str
    ) -> tuple[int, Any, dict[str, str]]:
        principal = self.gate.principal(headers, address)
        max_depth = self.dispatcher.max_depth
        if verb == "GET":
            payload = _payload_from_query(scope.get("query_string", b""))
        else:
            payload = _payload_from_body(headers.get("content-type", ""), body, max_depth)
        if nesting_depth(payload, max_depth) > max_depth:
            raise RequestError(200, too_deep(max_depth))
        cost = len(payload) if isinstance(payload, list) and payload else 1
        headers_out = self.gate.charge(principal, cost)
        info = RequestInfo(address, headers.get("idempotency-key"))
        answer = self.dispatcher.handle(payload, principal, info)
        return (204 if answer is None else 200), answer, headers_out

    async def _read_body(self, headers: dict[str, str], receive: Receive) -> bytes:
        return await read_body(
            receive,
            max_bytes=self.max_body_bytes,
            timeout=self.body_timeout,
            declared=headers.get("content-length", ""),
        )


def _headers(scope: Scope) -> dict[str, str]:
    return {
        name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]
    }


def _client_address(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


def _payload_from_body(content_type: str, body: bytes, max_depth: int) -> Any:
    if (
        content_type.split(";", maxsplit=1)[0].strip().lower()
        == "application/x-www-form-urlencoded"
    ):
        # Leantime reads form fields; curl sends JSON with this type by default, so a
        # body without a `method` field is read as JSON.
        fields = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        if "method" in fields:
            return _request_from_fields(fields, from_query=False)
    if not body.strip():
        raise RequestError(200, parse_error("the request body is empty"))
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        if str(error).startswith(_ORJSON_DEPTH_ERROR):
            raise RequestError(200, too_deep(max_depth)) from None
        raise RequestError(200, parse_error(f"the body is not valid JSON: {error}")) from None


def _payload_from_query(query_string: bytes) -> Any:
    fields = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
    if not fields.get("method"):
        raise RequestError(
            200,
            invalid_request("Method name required in the query string", reason="missing_method"),
        )
    return _request_from_fields(fields, from_query=True)


def _request_from_fields(fields: dict[str, str], *, from_query: bool) -> dict[str, Any]:
    """A request object from form or query fields, as Leantime reads them."""
    request: dict[str, Any] = {key: fields[key] for key in ("method", "jsonrpc") if key in fields}
    if "id" in fields:
        request["id"] = fields["id"]
    raw = fields.get("params")
    if raw:
        request["params"] = _decode_base64_params(raw, request.get("id")) if from_query else raw
    return request


def _decode_base64_params(text: str, id_: str | None) -> Any:
    """Base64 JSON params: standard or URL-safe alphabet, padded or not, `+` sent as a space."""
    text = text.strip()
    if "%" in text:
        text = unquote(text)  # encoded twice on the way
    text = text.replace(" ", "+").replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    try:
        decoded = base64.b64decode(text, validate=True)
        return orjson.loads(decoded)
    except (binascii.Error, ValueError):
        raise RequestError(
            200,
            error_body(
                -32602,
                "Invalid params",
                {
                    "reason": "invalid_params",
                    "detail": "the params query field is not base64 of JSON",
                    "param": "params",
                    "expected": "base64 of a JSON object or array",
                },
                id_,
            ),
        ) from None


def _encoded(value: Any) -> orjson.Fragment:
    """Answers encoded by the service layer (result_cache.py) go out as they are."""
    if isinstance(value, Encoded):
        return orjson.Fragment(value.json)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


async def _send_json(send: Send, status: int, body: Any, headers: dict[str, str]) -> None:
    content = b"" if status == 204 else orjson.dumps(body, default=_encoded)
    raw_headers = [(name.encode(), value.encode()) for name, value in headers.items()]
    if status != 204:
        raw_headers.append((b"content-type", b"application/json"))
        # Answers echo what callers sent (ids, error details): never sniffed as HTML.
        raw_headers.append((b"x-content-type-options", b"nosniff"))
    raw_headers.append((b"content-length", str(len(content)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": content})
