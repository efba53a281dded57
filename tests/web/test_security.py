"""What every page guarantees: security headers, no inline script or style, escaping of
everything user-written, a CSRF token on every POST, Company Settings for admins only."""

from __future__ import annotations

import re

import pytest

from tests.conftest import Server
from tests.web.pages import browser, make_person, sign_in, submit

XSS = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'


def _headers_ok(headers: object) -> None:
    csp = headers["content-security-policy"]  # type: ignore[index]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["x-frame-options"] == "DENY"  # type: ignore[index]
    assert headers["x-content-type-options"] == "nosniff"  # type: ignore[index]
    assert headers["referrer-policy"] == "same-origin"  # type: ignore[index]


@pytest.mark.parametrize(
    "path",
    [
        "/signin",
        "/",
        "/projects",
        "/projects/1/board",
        "/tickets/1",
        "/settings/keys",
        "/static/milepost.css",
        "/static/milepost.js",
        "/no-such-page",
    ],
)
def test_every_response_has_the_security_headers(server: Server, path: str) -> None:
    client = sign_in(server) if path != "/signin" else browser(server)
    response = client.get(path)
    assert response.status_code in (200, 404), response.status_code
    _headers_ok(response.headers)


@pytest.mark.parametrize(
    "path",
    [
        "/signin",
        "/",
        "/projects",
        "/projects/1/board",
        "/projects/1/milestones",
        "/tickets/1",
        "/settings/users",
        "/settings/keys",
        "/settings/tokens",
    ],
)
def test_pages_hold_no_inline_script_or_style(server: Server, path: str) -> None:
    client = sign_in(server) if path != "/signin" else browser(server)
    html = client.get(path).text
    assert "<html" in html
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert 'src="/static/' in tag
    assert not re.search(r"<style\b", html)
    # Attributes of real tags only: user text is escaped, in the page and inside quoted
    # attribute values (`data-name="&lt;img onerror=..."`), so neither counts.
    for tag in re.findall(r"<[a-zA-Z][^<>]*>", html):
        bare = re.sub(r'"[^"]*"', '""', tag)
        assert not re.search(r"\sstyle=", bare), tag
        assert not re.search(r"\son[a-z]+=", bare), tag


def test_user_written_text_is_escaped(server: Server) -> None:
    ticket_id = server.add_ticket(headline=XSS, description=XSS, tags="x<b>y</b>")
    server.call(
        "Comments.Comments.addComment",
        {"values": {"text": XSS}, "module": "ticket", "entityId": ticket_id},
    )
    client = sign_in(server)
    for path in (f"/tickets/{ticket_id}", "/projects/1/board"):
        html = client.get(path).text
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in html
    assert "x&lt;b&gt;y&lt;/b&gt;" in client.get(f"/tickets/{ticket_id}").text


def test_a_post_without_the_csrf_token_changes_nothing(server: Server) -> None:
    ticket_id = server.add_ticket(headline="csrf target")
    client = sign_in(server)
    for data in ({"text": "forged"}, {"text": "forged", "csrf": "0" * 64}):
        response = client.post(f"/tickets/{ticket_id}/comments", data=data)
        assert response.status_code == 403
        assert "security token" in response.text
    other = sign_in(server)
    foreign = submit(other, f"/tickets/{ticket_id}/comments", {"text": "mine"})
    assert foreign.status_code == 303
    assert (
        client.post(
            f"/tickets/{ticket_id}/comments",
            data={
                "text": "forged",
                "csrf": other.get("/").text.split('csrf-token" content="')[1][:64],
            },
        ).status_code
        == 403
    )
    texts = [
        c["text"]
        for c in server.call(
            "Comments.Comments.getComments", {"module": "ticket", "entityId": ticket_id}
        )
    ]
    assert texts == ["mine"]


def test_company_settings_are_for_admins_and_the_owner(server: Server) -> None:
    manager = make_person(server, "manager")
    client = sign_in(server, manager.email, manager.password)
    for path in ("/settings/users", "/settings/keys"):
        refused = client.get(path)
        assert refused.status_code == 403
        assert "Company Settings are for admins" in refused.text
    before = len(server.call("Api.Api.getAPIKeys"))
    response = submit(client, "/settings/keys", {"name": "sneaky", "role": "20", "projects": "1"})
    assert response.status_code == 403
    assert len(server.call("Api.Api.getAPIKeys")) == before
    assert client.get("/settings").headers["location"] == "/settings/tokens"
    assert client.get("/settings/tokens").status_code == 200
    admin = make_person(server, "admin")
    assert sign_in(server, admin.email, admin.password).get("/settings/keys").status_code == 200
