"""Helpers for the web tests: a cookie-keeping HTTP client that signs in and sends forms
the way a browser does (with the CSRF token the page carries)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import httpx

from tests.conftest import OWNER_EMAIL, OWNER_PASSWORD, Server

_FORM_TOKEN = re.compile(r'name="csrf" value="([^"]+)"')
_META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    password: str


def unique_address() -> str:
    """A client address of its own (documentation range), sent as X-Forwarded-For, so
    that sign-in throttling by address in one test does not reach another."""
    return f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"


def form_token(html: str) -> str:
    found = _FORM_TOKEN.search(html)
    assert found, "the page has no form with a csrf field"
    return found.group(1)


def page_token(html: str) -> str:
    found = _META_TOKEN.search(html)
    assert found, "the page has no csrf-token meta element"
    return found.group(1)


def make_person(server: Server, role: str, projects: tuple[int, ...] = (1, 2)) -> Person:
    """A new person with a known password, a member of `projects`."""
    email = f"web-{role}-{secrets.token_hex(4)}@example.com"
    password = "pw-" + secrets.token_hex(8)
    user_id = server.call(
        "Users.Users.addUser",
        {
            "values": {
                "username": email,
                "password": password,
                "role": role,
                "firstname": role.title(),
                "lastname": "Tester",
            }
        },
    )
    if projects:
        server.call(
            "Projects.Projects.editUserProjectRelations",
            {"id": user_id, "projects": list(projects)},
        )
    return Person(int(user_id), email, password)


_open_clients: list[httpx.Client] = []


def browser(server: Server, address: str | None = None) -> httpx.Client:
    """A client of its own (cookies, address); closed after the test by close_clients."""
    headers = {"x-forwarded-for": address or unique_address()}
    client = httpx.Client(base_url=server.url, follow_redirects=False, headers=headers, timeout=30)
    _open_clients.append(client)
    return client


def close_clients() -> None:
    while _open_clients:
        _open_clients.pop().close()


def try_sign_in(client: httpx.Client, email: str, password: str) -> httpx.Response:
    token = form_token(client.get("/signin").text)
    return client.post(
        "/signin", data={"csrf": token, "email": email, "password": password, "next": "/"}
    )


def sign_in(
    server: Server, email: str = OWNER_EMAIL, password: str = OWNER_PASSWORD
) -> httpx.Client:
    client = browser(server)
    response = try_sign_in(client, email, password)
    assert response.status_code == 303, response.text
    assert "mp_session" in client.cookies
    return client


def submit(
    client: httpx.Client, path: str, data: dict[str, object], page: str = "/"
) -> httpx.Response:
    """Send a form from `page` (whose CSRF token it carries) to `path`."""
    token = page_token(client.get(page).text)
    return client.post(path, data={"csrf": token, "back": page, **data})  # type: ignore[arg-type]
