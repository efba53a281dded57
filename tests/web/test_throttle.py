"""Failed sign-ins are throttled per account and per client address (defaults: 5 and 20
in 15 minutes), in the database, so that every server process counts the same."""

from __future__ import annotations

import secrets

from tests.conftest import Server
from tests.web.pages import browser, make_person, try_sign_in, unique_address


def test_an_account_is_locked_after_five_failures_from_any_address(server: Server) -> None:
    person = make_person(server, "editor")
    for attempt in range(5):
        response = try_sign_in(browser(server), person.email, f"wrong-{attempt}")
        assert response.status_code == 401, attempt
    locked = try_sign_in(browser(server), person.email, person.password)
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text
    assert 0 < int(locked.headers["retry-after"]) <= 15 * 60 + 1
    # Another account from the same address is not affected.
    other = make_person(server, "editor")
    assert try_sign_in(browser(server), other.email, other.password).status_code == 303


def test_the_account_key_is_the_address_as_typed_in_any_case(server: Server) -> None:
    person = make_person(server, "editor")
    for attempt in range(5):
        email = person.email.upper() if attempt % 2 else person.email
        assert try_sign_in(browser(server), email, "wrong").status_code == 401
    assert try_sign_in(browser(server), person.email, person.password).status_code == 429


def test_an_address_is_locked_after_twenty_failures_on_any_accounts(server: Server) -> None:
    address = unique_address()
    for attempt in range(20):
        client = browser(server, address)
        email = f"guess-{secrets.token_hex(4)}@example.com"
        assert try_sign_in(client, email, "guess").status_code == 401, attempt
    person = make_person(server, "editor")
    locked = try_sign_in(browser(server, address), person.email, person.password)
    assert locked.status_code == 429
    assert try_sign_in(browser(server), person.email, person.password).status_code == 303


def test_a_successful_sign_in_clears_the_account_failures(server: Server) -> None:
    person = make_person(server, "editor")
    for _ in range(4):
        assert try_sign_in(browser(server), person.email, "wrong").status_code == 401
    assert try_sign_in(browser(server), person.email, person.password).status_code == 303
    for _ in range(4):
        assert try_sign_in(browser(server), person.email, "wrong").status_code == 401
    assert try_sign_in(browser(server), person.email, person.password).status_code == 303
