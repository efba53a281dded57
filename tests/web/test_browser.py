"""The issue's end-to-end flow in a real headless Chromium (Debian's package, driven by
Playwright): sign in, create an API key for project 1 in Company Settings, use it over
HTTP, revoke it in the page, move a ticket on the board. Screenshots of the board and of
the key-creation page go to artifacts/screenshots/ at the repository root.

Without /usr/bin/chromium (or the playwright package) these tests skip and say why,
unless MILEPOST_TEST_REQUIRE_BROWSER=1 (as in CI), where they fail.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import OWNER_EMAIL, OWNER_PASSWORD, Server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REQUIRE_BROWSER = os.environ.get("MILEPOST_TEST_REQUIRE_BROWSER") == "1"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
TIMEOUT_MS = 15_000


def _missing_browser() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: install Debian's chromium package"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing: pip install -e '.[dev]'"
    return None


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    reason = _missing_browser()
    if reason is not None:
        if REQUIRE_BROWSER:
            pytest.fail(f"browser tests are required here, but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium: Any, server: Server) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(server.url + "/")
    page.fill("input[name=email]", OWNER_EMAIL)
    page.fill("input[name=password]", OWNER_PASSWORD)
    page.click("form[action='/signin'] button[type=submit]")
    page.wait_for_url(server.url + "/")
    try:
        yield page
    finally:
        context.close()


def _get_ticket(server: Server, key: str, ticket_id: int) -> httpx.Response:
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "leantime.rpc.tickets.getTicket",
        "params": {"id": ticket_id},
    }
    return httpx.post(server.rpc_url, json=body, headers={"x-api-key": key}, timeout=30)


def _shot(page: Any, name: str, server: Server) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{server.backend}.png"
    page.screenshot(path=str(path))
    return path


def test_a_key_created_in_company_settings_works_until_revoked(page: Any, server: Server) -> None:
    inside = server.add_ticket(projectId=1, headline="reachable with the key")
    outside = server.add_ticket(projectId=3, headline="out of the key's reach")
    name = f"browser-key-{secrets.token_hex(3)}"

    page.click("text=Company Settings")
    page.click("nav.tabs >> text=API keys")
    page.fill("#new-key input[name=name]", name)
    page.select_option("#new-key select[name=role]", "20")
    page.check("#new-key input[name=projects][value='1']")
    page.click("#new-key button[type=submit]")
    secret_box = page.locator("#new-secret")
    secret_box.wait_for()
    secret = secret_box.input_value()
    assert secret.startswith("lt_")
    assert _shot(page, "key-created", server).stat().st_size > 0

    answered = _get_ticket(server, secret, inside)
    assert answered.status_code == 200
    assert answered.json()["result"]["projectId"] == 1
    refused = _get_ticket(server, secret, outside)
    assert refused.json()["result"] is False

    page.click("text=Done")
    row = page.locator(f"tr[data-name='{name}']")
    assert "active" in row.inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button", has_text="Revoke").click()
    page.locator(".flash-notice", has_text="Revoked the API key.").wait_for()
    assert "revoked" in page.locator(f"tr[data-name='{name}']").inner_text()
    after = _get_ticket(server, secret, inside)
    assert after.status_code == 401
    assert after.json()["error"]["data"]["reason"] == "revoked"


def _board_project(server: Server) -> tuple[int, int, int]:
    """A project of its own with a few tickets; the ids of the two to move."""
    project = server.call(
        "Projects.Projects.addProject",
        {"values": {"name": f"Board check {secrets.token_hex(2)}", "assignedUsers": [2, 3, 4]}},
    )
    for headline, status, priority, editor in [
        ("Write the release notes", 1, "2", "2"),
        ("Review the invoice export", 4, "3", "3"),
        ("Fix the login redirect", 2, "1", "4"),
        ("Ship the search index", 0, "3", "2"),
        ("Plan the next sprint", 3, "4", "3"),
    ]:
        server.add_ticket(
            projectId=project, headline=headline, status=status, priority=priority, editorId=editor
        )
    dragged = server.add_ticket(
        projectId=project, headline="Drag me to In Progress", status=3, priority="2", editorId="4"
    )
    picked = server.add_ticket(
        projectId=project, headline="Move me with the menu", status=3, priority="3", editorId="2"
    )
    return int(project), dragged, picked


def test_a_ticket_moves_on_the_board(page: Any, server: Server) -> None:
    project, dragged, picked = _board_project(server)
    page.goto(f"{server.url}/projects/{project}/board")
    card = page.locator(f".ticket-card[data-ticket='{dragged}']")
    assert card.locator("xpath=ancestor::section").get_attribute("data-status") == "3"

    card.drag_to(page.locator(".column[data-status='4'] .column-head"))
    page.locator("#board-status", has_text=f"Moved #{dragged} to In Progress.").wait_for()
    moved = page.locator(f".column[data-status='4'] .ticket-card[data-ticket='{dragged}']")
    assert moved.count() == 1
    assert server.call("tickets.getTicket", {"id": dragged})["status"] == 4

    page.select_option(f"select[data-move='{picked}']", "0")
    page.locator("#board-status", has_text=f"Moved #{picked} to Done.").wait_for()
    assert server.call("tickets.getTicket", {"id": picked})["status"] == 0
    assert _shot(page, "board", server).stat().st_size > 0

    page.reload()
    assert moved.count() == 1
    done = page.locator(f".column[data-status='0'] .ticket-card[data-ticket='{picked}']")
    assert done.count() == 1


def test_a_refused_move_goes_back(chromium: Any, server: Server) -> None:
    from tests.web.pages import make_person

    reader = make_person(server, "readonly", projects=(1,))
    ticket_id = server.add_ticket(projectId=1, headline="readonly cannot move me", status=3)
    context = chromium.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(server.url + "/signin")
        page.fill("input[name=email]", reader.email)
        page.fill("input[name=password]", reader.password)
        page.click("form[action='/signin'] button[type=submit]")
        page.wait_for_url(server.url + "/")
        page.goto(f"{server.url}/projects/1/board")
        page.select_option(f"select[data-move='{ticket_id}']", "4")
        page.locator("#board-status.error", has_text=f"Could not move #{ticket_id}").wait_for()
        back = page.locator(f".column[data-status='3'] .ticket-card[data-ticket='{ticket_id}']")
        assert back.count() == 1
        assert server.call("tickets.getTicket", {"id": ticket_id})["status"] == 3
    finally:
        context.close()
