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
import math
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

import anyio.to_thread
import orjson

from milepost.rpc.protocol import (
    Dispatcher,
    RequestInfo,
    error_body,
    invalid_request,
    nesting_depth,
    parse_error,
    too_deep,
)
from milepost.services.errors import ServiceError, Unauthenticated

if TYPE_CHECKING:
    from collections.abc import Callable

    from starlette.types import Receive, Scope, Send

    from milepost.services.auth import Authenticator, FailedAuthLimiter
    from milepost.services.permissions import Principal
    from milepost.services.ratelimit import RateLimiter

ALLOWED_METHODS = "GET, POST"
DEFAULT_BODY_TIMEOUT = 30.0
_ORJSON_DEPTH_ERROR = "depth limit exceeded"


class BodyTooLarge(Exception):
    pass


class RequestError(Exception):
    """A request that is answered before any call runs."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


class JsonRpcEndpoint:
    """A bare ASGI app: it reads, authenticates, decodes, and hands over to the dispatcher.

    Credentials, in this order: `x-api-key`, `Authorization: Bearer`, then the web
    session through `session_check`, which gets the Cookie and X-CSRF-Token headers and
    returns the session's principal, None when the cookies hold no session, or raises
    Unauthenticated for a bad session or a missing or wrong CSRF token.
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        authenticator: Authenticator,
        limiter: FailedAuthLimiter,
        *,
        max_body_bytes: int,
        session_check: Callable[[str, str], Principal | None] | None = None,
        rate_limiter: RateLimiter | None = None,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
    ) -> None:
        self.dispatcher = dispatcher
        self.authenticator = authenticator
        self.limiter = limiter
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout
        self.session_check = session_check
        self.rate_limiter = rate_limiter

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
        address = _client_address(scope)
        return await anyio.to_thread.run_sync(self._run, verb, scope, headers, body, address)

    def _run(
        self, verb: str, scope: Scope, headers: dict[str, str], body: bytes, address: str
    ) -> tuple[int, Any, dict[str, str]]:
        principal = self._authenticate(headers, address)
        max_depth = self.dispatcher.max_depth
        if verb == "GET":
            payload = _payload_from_query(scope.get("query_string", b""))
        else:
            payload = _payload_from_body(headers.get("content-type", ""), body, max_depth)
        if nesting_depth(payload, max_depth) > max_depth:
            raise RequestError(200, too_deep(max_depth))
        headers_out: dict[str, str] = {}
        if self.rate_limiter is not None:
            cost = len(payload) if isinstance(payload, list) and payload else 1
            decision = self.rate_limiter.take(principal, cost)
            if decision is not None:
                headers_out = decision.headers()
                if not decision.allowed:
                    raise RequestError(429, _rate_limited(decision.reset), headers_out)
        info = RequestInfo(address, headers.get("idempotency-key"))
        answer = self.dispatcher.handle(payload, principal, info)
        return (204 if answer is None else 200), answer, headers_out

    async def _read_body(self, headers: dict[str, str], receive: Receive) -> bytes:
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise RequestError(413, self._too_large())
        # A client that trickles its body would hold a connection and a buffer for as
        # long as it likes; the whole body has to arrive within the time-out.
        with anyio.move_on_after(self.body_timeout):
            return await self._receive_body(receive)
        raise RequestError(
            408,
            invalid_request(
                f"the request body did not arrive within {self.body_timeout:g} s",
                reason="body_timeout",
            ),
            {"connection": "close"},
        )

    async def _receive_body(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise RequestError(413, self._too_large())
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    def _too_large(self) -> dict[str, Any]:
        return invalid_request(
            f"the request body exceeds the limit of {self.max_body_bytes} bytes",
            reason="body_too_large",
        )

    def _authenticate(self, headers: dict[str, str], address: str) -> Principal:
        wait = self.limiter.blocked(address)
        if wait:
            raise RequestError(
                429,
                error_body(
                    -32029,
                    "Too many failed authentication attempts",
                    {
                        "reason": "auth_throttled",
                        "detail": "too many failed authentications from this address; "
                        f"retry in {math.ceil(wait)} s",
                    },
                ),
                {"retry-after": str(math.ceil(wait))},
            )
        try:
            if "x-api-key" in headers:
                return self.authenticator.api_key(headers["x-api-key"])
            scheme, _, token = headers.get("authorization", "").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return self.authenticator.bearer(token)
            if self.session_check is not None and headers.get("cookie"):
                principal = self.session_check(headers["cookie"], headers.get("x-csrf-token", ""))
                if principal is not None:
                    return principal
            raise Unauthenticated(
                "send an API key in x-api-key, a token in Authorization: Bearer, or the web"
                " session cookie with its X-CSRF-Token header",
                reason="missing",
            )
        except Unauthenticated as error:
            if error.reason != "missing":
                self.limiter.record(address)
            raise RequestError(401, _unauthorized(error), {"www-authenticate": "Bearer"}) from None


def _rate_limited(retry_after: int) -> dict[str, Any]:
    return error_body(
        -32029,
        "Too many requests",
        {
            "reason": "rate_limited",
            "detail": f"the rate limit of this key or user is used up; retry in {retry_after} s",
        },
    )


def _unauthorized(error: ServiceError) -> dict[str, Any]:
    return error_body(error.code, error.message, error.data())


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


async def _send_json(send: Send, status: int, body: Any, headers: dict[str, str]) -> None:
    content = b"" if status == 204 else orjson.dumps(body)
    raw_headers = [(name.encode(), value.encode()) for name, value in headers.items()]
    if status != 204:
        raw_headers.append((b"content-type", b"application/json"))
    raw_headers.append((b"content-length", str(len(content)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": content})
