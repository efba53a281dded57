"""The HTTP endpoint `/mcp`: credentials on every request, then the SDK's streamable HTTP.

Every request is authenticated as JSON-RPC requests are, by the same Authenticator,
failed-auth throttle and rate limiter: `x-api-key`, or `Authorization: Bearer` holding
a key or a personal access token. Without valid credentials the answer is HTTP 401 with
a JSON-RPC error body (code -32001, `data.reason` as for JSON-RPC), before the MCP SDK
sees the request; 429 while the address is throttled or the rate limit is used up.

The SDK's session manager then serves the streamable HTTP transport: the initialize
handshake (protocol revisions 2024-11-05 to 2025-11-25) with `Mcp-Session-Id`
sessions, each bound to the credential that opened it, and the per-request envelope of
2026-07-28. Answers to POSTs are JSON (clients accept JSON or an event stream).
Sessions live in this process's memory.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import orjson
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.datastructures import Headers

from milepost.mcp.calls import Caller
from milepost.mcp.server import attach
from milepost.rpc.protocol import error_body
from milepost.services.errors import Unauthenticated

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from mcp.server.lowlevel import Server
    from starlette.types import Message, Receive, Scope, Send

    from milepost.services.auth import Authenticator, FailedAuthLimiter
    from milepost.services.permissions import Principal
    from milepost.services.ratelimit import RateLimiter

THROTTLED = -32029


class Refused(Exception):
    """A request answered before the MCP SDK sees it."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers


class McpEndpoint:
    """A bare ASGI app; `run()` must be entered in the application's lifespan."""

    def __init__(
        self,
        server: Server[Any],
        authenticator: Authenticator,
        limiter: FailedAuthLimiter,
        *,
        max_body_bytes: int,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        self.authenticator = authenticator
        self.limiter = limiter
        self.rate_limiter = rate_limiter
        self.sessions = StreamableHTTPSessionManager(
            app=server, json_response=True, max_request_body_size=max_body_bytes
        )

    def run(self) -> AbstractAsyncContextManager[None]:
        """The session manager's lifetime: open while the application serves."""
        return self.sessions.run()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        address = scope["client"][0] if scope.get("client") else "unknown"
        try:
            principal, limits = await anyio.to_thread.run_sync(self._admit, headers, address)
        except Refused as refused:
            await _send_json(send, refused.status, refused.body, refused.headers)
            return
        attach(scope, Caller(principal, address, headers.get("idempotency-key")))
        scope["user"] = _session_owner(principal)
        if "accept" not in headers:
            # No Accept header means any type (RFC 9110 12.5.1); the SDK wants it spelled out.
            scope["headers"] = [*scope["headers"], (b"accept", b"*/*")]
        await self.sessions.handle_request(scope, receive, _with_headers(send, limits))

    def _admit(self, headers: Headers, address: str) -> tuple[Principal, dict[str, str]]:
        """Authenticate and charge the rate limit; raise Refused otherwise."""
        principal = self._authenticate(headers, address)
        if self.rate_limiter is None:
            return principal, {}
        decision = self.rate_limiter.take(principal, 1)
        if decision is None:
            return principal, {}
        if not decision.allowed:
            raise Refused(
                429,
                _throttled(
                    "Too many requests",
                    "rate_limited",
                    f"the rate limit of this key or user is used up; retry in {decision.reset} s",
                ),
                decision.headers(),
            )
        return principal, decision.headers()

    def _authenticate(self, headers: Headers, address: str) -> Principal:
        wait = self.limiter.blocked(address)
        if wait:
            retry = math.ceil(wait)
            raise Refused(
                429,
                _throttled(
                    "Too many failed authentication attempts",
                    "auth_throttled",
                    f"too many failed authentications from this address; retry in {retry} s",
                ),
                {"retry-after": str(retry)},
            )
        try:
            return self._principal(headers)
        except Unauthenticated as error:
            if error.reason != "missing":
                self.limiter.record(address)
            body = error_body(error.code, error.message, error.data())
            raise Refused(401, body, {"www-authenticate": "Bearer"}) from None

    def _principal(self, headers: Headers) -> Principal:
        if "x-api-key" in headers:
            return self.authenticator.api_key(headers["x-api-key"])
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return self.authenticator.bearer(token)
        raise Unauthenticated(
            "send an API key in x-api-key, or a key or personal access token in"
            " Authorization: Bearer",
            reason="missing",
        )


def _session_owner(principal: Principal) -> AuthenticatedUser:
    """The credential as the SDK knows it: a session answers only the one that opened it."""
    ident = {"key": principal.key_id, "token": principal.token_id}.get(principal.kind)
    owner = f"{principal.kind}:{ident if ident is not None else principal.user_id}"
    return AuthenticatedUser(
        AccessToken(token=owner, client_id=owner, scopes=[], subject=str(principal.user_id))
    )


def _throttled(message: str, reason: str, detail: str) -> dict[str, Any]:
    return error_body(THROTTLED, message, {"reason": reason, "detail": detail})


def _with_headers(send: Send, extra: dict[str, str]) -> Send:
    """`send`, adding the rate-limit headers to the response."""
    if not extra:
        return send
    encoded = [(name.encode(), value.encode()) for name, value in extra.items()]

    async def sender(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *encoded]}
        await send(message)

    return sender


async def _send_json(send: Send, status: int, body: Any, headers: dict[str, str]) -> None:
    content = orjson.dumps(body)
    raw_headers = [(name.encode(), value.encode()) for name, value in headers.items()]
    raw_headers += [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(content)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": content})
