"""The HTTP endpoint `/mcp`: credentials on every request, then the SDK's streamable HTTP.

Every request is authenticated as JSON-RPC requests are, by the same Authenticator,
failed-auth throttle and rate limiter: `x-api-key`, or `Authorization: Bearer` holding
a key or a personal access token. Without valid credentials the answer is HTTP 401 with
a JSON-RPC error body (code -32001, `data.reason` as for JSON-RPC), before the MCP SDK
sees the request; 429 while the address is throttled or the rate limit is used up. The
body is then read as `/api/jsonrpc` reads it: 413 past the size limit, 408 when it does
not arrive within the body time-out.

The SDK's session manager then serves the streamable HTTP transport: the initialize
handshake (protocol revisions 2024-11-05 to 2025-11-25) with `Mcp-Session-Id`
sessions, each bound to the credential that opened it, and the per-request envelope of
2026-07-28. Answers to POSTs are JSON (clients accept JSON or an event stream).
Sessions live in this process's memory; with `stateless` (the `mcp_stateless` setting,
for several processes behind a load balancer) there are none, and each request is
served on its own by whichever process receives it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio.to_thread
import orjson
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.datastructures import Headers

from milepost.mcp.calls import Caller
from milepost.mcp.server import attach
from milepost.rpc.body import read_body, replay
from milepost.rpc.gate import Gate, Refusal

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from mcp.server.lowlevel import Server
    from starlette.types import Message, Receive, Scope, Send

    from milepost.services.permissions import Principal


# A request answered before the MCP SDK sees it.
Refused = Refusal


class McpEndpoint:
    """A bare ASGI app; `run()` must be entered in the application's lifespan."""

    def __init__(
        self,
        server: Server[Any],
        gate: Gate,
        *,
        max_body_bytes: int,
        body_timeout: float,
        stateless: bool = False,
    ) -> None:
        self.gate = gate
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout
        self.sessions = StreamableHTTPSessionManager(
            app=server,
            json_response=True,
            max_request_body_size=max_body_bytes,
            stateless=stateless,
        )

    def run(self) -> AbstractAsyncContextManager[None]:
        """The session manager's lifetime: open while the application serves."""
        return self.sessions.run()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        address = scope["client"][0] if scope.get("client") else "unknown"
        try:
            principal, limits = await anyio.to_thread.run_sync(self._admit, headers, address)
            body = await read_body(
                receive,
                max_bytes=self.max_body_bytes,
                timeout=self.body_timeout,
                declared=headers.get("content-length", ""),
            )
        except Refused as refused:
            await _send_json(send, refused.status, refused.body, refused.headers)
            return
        attach(scope, Caller(principal, address, headers.get("idempotency-key")))
        scope["user"] = _session_owner(principal)
        if "accept" not in headers:
            # No Accept header means any type (RFC 9110 12.5.1); the SDK wants it spelled out.
            scope["headers"] = [*scope["headers"], (b"accept", b"*/*")]
        await self.sessions.handle_request(
            scope, replay(body, receive), _with_headers(send, limits)
        )

    def _admit(self, headers: Headers, address: str) -> tuple[Principal, dict[str, str]]:
        """Authenticate and charge the rate limit; raise Refused otherwise. MCP takes
        keys and tokens, not the web session."""
        principal = self.gate.principal(headers, address, sessions=False)
        return principal, self.gate.charge(principal, 1)


def _session_owner(principal: Principal) -> AuthenticatedUser:
    """The credential as the SDK knows it: a session answers only the one that opened it."""
    ident = {"key": principal.key_id, "token": principal.token_id}.get(principal.kind)
    owner = f"{principal.kind}:{ident if ident is not None else principal.user_id}"
    return AuthenticatedUser(
        AccessToken(token=owner, client_id=owner, scopes=[], subject=str(principal.user_id))
    )


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
