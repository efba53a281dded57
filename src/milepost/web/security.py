"""Cookies, CSRF tokens and security headers for the web pages.

The session cookie (`mp_session`) holds the session id: HttpOnly, SameSite=Lax, Secure
when the request came over https. Forms carry the session's CSRF token in a hidden
`csrf` field; fetch() calls carry it in an `X-CSRF-Token` header. Pages shown before
sign-in (the sign-in and first-run forms) get a random pre-session cookie (`mp_pre`)
whose derived token protects them the same way.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import TYPE_CHECKING

import orjson
from starlette.requests import cookie_parser
from starlette.responses import Response

from milepost.services.errors import Unauthenticated
from milepost.services.sessions import csrf_matches

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from milepost.services.permissions import Principal
    from milepost.services.sessions import Sessions

SESSION_COOKIE = "mp_session"
PRE_SESSION_COOKIE = "mp_pre"
FLASH_COOKIE = "mp_flash"
MAX_FLASH = 600

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


class SecurityHeaders:
    """ASGI middleware: adds the security headers to every response of the wrapped app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [
                    (name.encode(), value.encode())
                    for name, value in SECURITY_HEADERS.items()
                    if name.encode() not in present
                ]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def session_check(sessions: Sessions) -> Callable[[str, str], Principal | None]:
    """The credential check the JSON-RPC endpoint runs for the session cookie."""

    def check(cookie_header: str, csrf: str) -> Principal | None:
        secret = cookie_parser(cookie_header).get(SESSION_COOKIE)
        if not secret:
            return None
        if not csrf.strip():
            raise Unauthenticated(
                "a call with the session cookie needs the X-CSRF-Token header", reason="missing"
            )
        if not csrf_matches(secret, csrf):
            raise Unauthenticated(
                "the X-CSRF-Token header does not belong to the session", reason="unknown"
            )
        return sessions.lookup(secret).principal

    return check


def set_cookie(
    response: Response, name: str, value: str, *, secure: bool, max_age: int | None = None
) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", secure=secure, httponly=True, samesite="lax"
    )


def clear_cookie(response: Response, name: str, *, secure: bool) -> None:
    response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="lax")


def encode_flash(kind: str, text: str) -> str:
    """A one-time message for the next page, as a cookie-safe value."""
    payload = orjson.dumps({"kind": kind, "text": text[:MAX_FLASH]})
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_flash(value: str | None) -> dict[str, str] | None:
    if not value:
        return None
    try:
        data = orjson.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(data, dict) or data.get("kind") not in ("notice", "error"):
        return None
    return {"kind": str(data["kind"]), "text": str(data.get("text", ""))[:MAX_FLASH]}


def local_path(value: str | None, default: str) -> str:
    """`value` when it is a path on this site (no scheme, no host), else `default`."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value
