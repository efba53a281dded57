"""The first run: with no owner account, `/` leads to a form that creates it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from milepost.storage.database import Database
from milepost.storage.migrate import upgrade
from tests.conftest import BACKENDS, Server, database_for, start_server, stop
from tests.web.pages import browser, form_token


@pytest.fixture(scope="module", params=BACKENDS)
def empty_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A server on a migrated database that has no owner yet."""
    workdir: Path = tmp_path_factory.mktemp(f"firstrun-{request.param}")
    with database_for(request.param, workdir) as url:
        database = Database(url)
        try:
            upgrade(database)
        finally:
            database.dispose()
        process, base = start_server(url, workdir)
        try:
            yield Server(request.param, base, url, "", workdir, process)
        finally:
            stop(process)


def test_the_first_visit_creates_the_owner(empty_server: Server) -> None:
    client = browser(empty_server)
    home = client.get("/")
    assert home.status_code == 303
    assert home.headers["location"] == "/setup"
    assert client.get("/signin").headers["location"] == "/setup"
    form = client.get("/setup")
    assert "No owner account exists yet" in form.text
    token = form_token(form.text)
    values = {
        "csrf": token,
        "username": "first@example.com",
        "firstname": "First",
        "lastname": "Owner",
        "password": "first-password",
    }
    differ = client.post("/setup", data={**values, "confirm": "other-password"})
    assert differ.status_code == 400
    assert "The two passwords differ." in differ.text
    short = client.post("/setup", data={**values, "password": "short", "confirm": "short"})
    assert short.status_code == 400
    assert "8 characters" in short.text
    assert (
        client.post("/setup", data={**values, "csrf": "", "confirm": "first-password"}).status_code
        == 403
    )

    created = client.post("/setup", data={**values, "confirm": "first-password"})
    assert created.status_code == 303
    assert "mp_session" in client.cookies
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert "First Owner" in dashboard.text
    assert "(owner)" in dashboard.text

    # The form is gone once an owner exists, for everyone.
    stranger = browser(empty_server)
    assert stranger.get("/").headers["location"] == "/signin"
    assert stranger.get("/setup").headers["location"] == "/signin"
    token = form_token(stranger.get("/signin").text)
    again = stranger.post(
        "/setup",
        data={
            **values,
            "csrf": token,
            "username": "second@example.com",
            "confirm": "first-password",
        },
    )
    assert again.status_code == 303
    assert "mp_session" not in stranger.cookies
