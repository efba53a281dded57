"""The gate every API request passes before any call runs: who is calling, and may they.

Shared by the JSON-RPC endpoint, the file endpoints and MCP, so that all of them read
credentials the same way (`x-api-key`; `Authorization: Bearer` with a key or personal
access token; where allowed, the web session cookie with its `X-CSRF-Token`), throttle
failed authentication per client address, and charge the same rate limit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from milepost.rpc.protocol import error_body
from milepost.services.errors import Unauthenticated

if TYPE_CHECKING:
    from milepost.services.auth import Authenticator, FailedAuthLimiter
    from milepost.services.permissions import Principal
    from milepost.services.ratelimit import RateLimiter

THROTTLED = -32029

SessionCheck = Callable[[str, str], "Principal | None"]


class Refusal(Exception):
    """A request answered before any call runs: an HTTP status and a JSON-RPC error body."""

    def __init__(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


class Gate:
    def __init__(
        self,
        authenticator: Authenticator,
        limiter: FailedAuthLimiter,
        *,
        rate_limiter: RateLimiter | None = None,
        session_check: SessionCheck | None = None,
    ) -> None:
        self.authenticator = authenticator
        self.limiter = limiter
        self.rate_limiter = rate_limiter
        self.session_check = session_check

    def principal(
        self, headers: Mapping[str, str], address: str, *, sessions: bool = True
    ) -> Principal:
        """The caller, or a Refusal: 429 while the address is throttled, else 401."""
        wait = self.limiter.blocked(address)
        if wait:
            retry = math.ceil(wait)
            raise Refusal(
                429,
                _throttled(
                    "Too many failed authentication attempts",
                    "auth_throttled",
                    f"too many failed authentications from this address; retry in {retry} s",
                ),
                {"retry-after": str(retry)},
            )
        try:
            return self._credentials(headers, sessions)
        except Unauthenticated as error:
            if error.reason != "missing":
                self.limiter.record(address)
            body = error_body(error.code, error.message, error.data())
            raise Refusal(401, body, {"www-authenticate": "Bearer"}) from None

    def charge(self, principal: Principal, cost: int) -> dict[str, str]:
        """Charge `cost` calls to the caller's rate limit; the headers to send, or a 429."""
        if self.rate_limiter is None:
            return {}
        decision = self.rate_limiter.take(principal, cost)
        if decision is None:
            return {}
        if not decision.allowed:
            raise Refusal(
                429,
                _throttled(
                    "Too many requests",
                    "rate_limited",
                    f"the rate limit of this key or user is used up; retry in {decision.reset} s",
                ),
                decision.headers(),
            )
        return decision.headers()

    def _credentials(self, headers: Mapping[str, str], sessions: bool) -> Principal:
        if "x-api-key" in headers:
            return self.authenticator.api_key(headers["x-api-key"])
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return self.authenticator.bearer(token)
        if sessions and self.session_check is not None and headers.get("cookie"):
            principal = self.session_check(headers["cookie"], headers.get("x-csrf-token", ""))
            if principal is not None:
                return principal
        detail = "send an API key in x-api-key or a key or personal access token in"
        detail += " Authorization: Bearer"
        if sessions and self.session_check is not None:
            detail += " (or, from the web pages, the session cookie with its X-CSRF-Token)"
        raise Unauthenticated(detail, reason="missing")


def _throttled(message: str, reason: str, detail: str) -> dict[str, Any]:
    return error_body(THROTTLED, message, {"reason": reason, "detail": detail})
