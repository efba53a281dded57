"""Signing in and out over HTTP: cookies, CSRF on the sign-in form, server-side sessions."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from milepost.storage.database import normalize_url
from tests.conftest import OWNER_EMAIL, OWNER_PASSWORD, Server
from tests.web.pages import browser, form_token, make_person, sign_in, submit, try_sign_in


def test_pages_need_a_session(server: Server) -> None:
    client = browser(server)
    response = client.get("/projects")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/projects"
    assert client.get("/").headers["location"] == "/signin"


def test_sign_in_sets_a_strict_session_cookie_and_opens_the_dashboard(server: Server) -> None:
    client = browser(server)
    response = try_sign_in(client, OWNER_EMAIL, OWNER_PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = next(
        value
        for name, value in response.headers.multi_items()
        if name == "set-cookie" and value.startswith("mp_session=")
    )
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes
    assert "secure" not in attributes  # plain http here
    page = client.get("/")
    assert page.status_code == 200
    assert "My open tickets" in page.text


def test_the_cookie_is_secure_when_the_request_came_over_https(server: Server) -> None:
    client = browser(server)
    client.headers["x-forwarded-proto"] = "https"
    page = client.get("/signin")
    assert "secure" in page.headers["set-cookie"].lower()
    # The test speaks plain http to the server; hand the Secure cookie back anyway.
    pre = client.cookies["mp_pre"]
    client.cookies.clear()
    client.cookies.set("mp_pre", pre)
    response = client.post(
        "/signin",
        data={"csrf": form_token(page.text), "email": OWNER_EMAIL, "password": OWNER_PASSWORD},
    )
    assert response.status_code == 303
    cookie = next(v for n, v in response.headers.multi_items() if v.startswith("mp_session="))
    assert "secure" in {part.strip().lower() for part in cookie.split(";")}


def test_a_wrong_password_is_refused_without_a_session(server: Server) -> None:
    client = browser(server)
    response = try_sign_in(client, OWNER_EMAIL, "not-the-password")
    assert response.status_code == 401
    assert "The e-mail address or the password is wrong." in response.text
    assert "mp_session" not in client.cookies
    unknown = try_sign_in(client, "nobody-here@example.com", "whatever-password")
    assert unknown.status_code == 401
    assert "The e-mail address or the password is wrong." in unknown.text


def test_the_sign_in_form_needs_its_csrf_token(server: Server) -> None:
    client = browser(server)
    client.get("/signin")
    data = {"email": OWNER_EMAIL, "password": OWNER_PASSWORD, "next": "/"}
    assert client.post("/signin", data=data).status_code == 403
    other = browser(server)
    foreign = form_token(other.get("/signin").text)
    assert client.post("/signin", data={**data, "csrf": foreign}).status_code == 403
    fresh = browser(server)  # no pre-session cookie at all
    token = form_token(client.get("/signin").text)
    assert fresh.post("/signin", data={**data, "csrf": token}).status_code == 403
    assert "mp_session" not in client.cookies
    assert "mp_session" not in fresh.cookies


def test_next_goes_only_to_pages_of_this_site(server: Server) -> None:
    client = browser(server)
    token = form_token(client.get("/signin?next=/projects").text)
    response = client.post(
        "/signin",
        data={"csrf": token, "email": OWNER_EMAIL, "password": OWNER_PASSWORD, "next": "/projects"},
    )
    assert response.headers["location"] == "/projects"
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        other = browser(server)
        token = form_token(other.get("/signin").text)
        response = other.post(
            "/signin",
            data={"csrf": token, "email": OWNER_EMAIL, "password": OWNER_PASSWORD, "next": target},
        )
        assert response.headers["location"] == "/", target


def test_sign_out_ends_the_session_on_the_server(server: Server) -> None:
    client = sign_in(server)
    stolen = client.cookies["mp_session"]
    response = submit(client, "/signout", {})
    assert response.status_code == 303
    assert response.headers["location"] == "/signin"
    replay = browser(server)
    replay.cookies.set("mp_session", stolen)
    assert replay.get("/projects").status_code == 303


def test_sign_out_needs_the_csrf_token(server: Server) -> None:
    client = sign_in(server)
    assert client.post("/signout", data={}).status_code == 403
    assert client.get("/projects").status_code == 200


def test_only_a_digest_of_the_session_id_is_stored(server: Server) -> None:
    client = sign_in(server)
    secret = client.cookies["mp_session"]
    engine = sa.create_engine(normalize_url(server.database_url))
    try:
        with engine.connect() as conn:
            digests = set(conn.execute(sa.text("SELECT digest FROM mp_sessions")).scalars())
    finally:
        engine.dispose()
    assert hashlib.sha256(secret.encode()).hexdigest() in digests
    assert secret not in digests


def test_a_deactivated_person_cannot_sign_in_and_loses_open_sessions(server: Server) -> None:
    person = make_person(server, "editor")
    client = sign_in(server, person.email, person.password)
    assert client.get("/projects").status_code == 200
    server.call("Users.Users.editUser", {"id": person.id, "values": {"status": ""}})
    assert client.get("/projects").status_code == 303
    refused = try_sign_in(browser(server), person.email, person.password)
    assert refused.status_code == 403
    assert "deactivated" in refused.text
