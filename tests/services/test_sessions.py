"""The session rules of services/sessions.py, on both backends, with a clock the tests
move: sliding idle expiry, the lifetime cap, the throttle window, the first-run owner."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from milepost.app import build
from milepost.services import setup
from milepost.services.errors import Conflict, InvalidParams, Unauthenticated
from milepost.services.sessions import SessionPolicy, Sessions, csrf_matches, csrf_token
from milepost.settings import Settings
from milepost.storage.migrate import upgrade
from tests.conftest import BACKENDS, database_for

EMAIL, PASSWORD = "clock@example.com", "clock-password"
START = dt.datetime(2030, 1, 1, 9, 0, 0)
POLICY = SessionPolicy(
    idle=dt.timedelta(hours=1),
    lifetime=dt.timedelta(hours=3),
    window=dt.timedelta(minutes=10),
    failures_per_address=4,
    failures_per_account=2,
)


@dataclass
class Clock:
    now: dt.datetime = START

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@dataclass
class World:
    sessions: Sessions
    clock: Clock


@pytest.fixture(scope="module", params=BACKENDS)
def migrated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with database_for(request.param, tmp_path_factory.mktemp(f"sessions-{request.param}")) as url:
        parts = build(Settings(database=url))
        upgrade(parts.database)
        setup.ensure_owner(parts.services, EMAIL, PASSWORD)
        parts.database.dispose()
        yield url


@pytest.fixture
def world(migrated: str) -> Iterator[World]:
    parts = build(Settings(database=migrated))
    clock = Clock()
    try:
        yield World(Sessions(parts.services, POLICY, clock=clock), clock)
    finally:
        parts.database.dispose()


def test_a_session_slides_with_use_until_its_lifetime(world: World) -> None:
    signed = world.sessions.sign_in(EMAIL, PASSWORD, "10.9.9.1")
    assert signed.secret is not None
    assert signed.session is not None
    assert signed.session.principal.kind == "session"
    assert signed.session.expires_at == START + POLICY.idle
    for _ in range(5):  # used every 50 minutes: alive past the idle time, not past 3 h
        world.clock.advance(minutes=50)
        if world.clock.now >= START + POLICY.lifetime:
            break
        assert (
            world.sessions.lookup(signed.secret).principal.user_id
            == signed.session.principal.user_id
        )
    world.clock.now = START + POLICY.lifetime
    with pytest.raises(Unauthenticated) as error:
        world.sessions.lookup(signed.secret)
    assert error.value.reason == "expired"


def test_an_idle_session_expires(world: World) -> None:
    signed = world.sessions.sign_in(EMAIL, PASSWORD, "10.9.9.2")
    assert signed.secret is not None
    world.clock.advance(minutes=59)
    world.sessions.lookup(signed.secret)
    world.clock.advance(minutes=59)  # the last use was under a minute after the refresh
    assert world.sessions.lookup(signed.secret).expires_at > world.clock.now
    world.clock.advance(hours=1, minutes=1)
    with pytest.raises(Unauthenticated) as error:
        world.sessions.lookup(signed.secret)
    assert error.value.reason == "expired"


def test_lookups_write_at_most_once_a_minute(world: World) -> None:
    signed = world.sessions.sign_in(EMAIL, PASSWORD, "10.9.9.3")
    assert signed.secret is not None
    world.clock.advance(seconds=30)
    assert world.sessions.lookup(signed.secret).expires_at == START + POLICY.idle
    world.clock.advance(seconds=31)
    assert world.sessions.lookup(signed.secret).expires_at == world.clock.now + POLICY.idle


def test_sign_out_and_unknown_cookies(world: World) -> None:
    signed = world.sessions.sign_in(EMAIL, PASSWORD, "10.9.9.4")
    assert signed.secret is not None
    world.sessions.end(signed.secret)
    for secret, reason in ((signed.secret, "unknown"), ("x" * 500, "malformed"), ("", "malformed")):
        with pytest.raises(Unauthenticated) as error:
            world.sessions.lookup(secret)
        assert error.value.reason == reason


def test_the_csrf_token_belongs_to_one_session(world: World) -> None:
    first = world.sessions.sign_in(EMAIL, PASSWORD, "10.9.9.5")
    second = world.sessions.sign_in(EMAIL, PASSWORD, "10.9.9.5")
    assert first.secret and second.secret and first.session and second.session
    assert first.session.csrf == csrf_token(first.secret)
    assert csrf_matches(first.secret, first.session.csrf)
    assert not csrf_matches(first.secret, second.session.csrf)
    assert not csrf_matches(first.secret, "")


def test_failures_per_account_lock_it_for_the_window(world: World) -> None:
    account = "nobody-yet@example.com"
    for _ in range(POLICY.failures_per_account):
        assert world.sessions.sign_in(account, "guess", "10.1.1.1").refusal == "credentials"
    locked = world.sessions.sign_in(account, "guess", "10.1.1.2")
    assert locked.refusal == "throttled"
    assert 0 < locked.retry_after <= POLICY.window.total_seconds() + 1
    world.clock.advance(minutes=10, seconds=1)
    assert world.sessions.sign_in(account, "guess", "10.1.1.3").refusal == "credentials"


def test_failures_per_address_lock_it_for_every_account(world: World) -> None:
    address = "10.2.2.2"
    for number in range(POLICY.failures_per_address):
        result = world.sessions.sign_in(f"who{number}@example.com", "guess", address)
        assert result.refusal == "credentials"
    assert world.sessions.sign_in(EMAIL, PASSWORD, address).refusal == "throttled"
    assert world.sessions.sign_in(EMAIL, PASSWORD, "10.2.2.3").secret is not None
    world.clock.advance(minutes=11)
    assert world.sessions.sign_in(EMAIL, PASSWORD, address).secret is not None


def test_the_owner_is_set_up_once(world: World) -> None:
    assert world.sessions.has_owner()
    with pytest.raises(Conflict):
        world.sessions.set_up_owner({"username": "second@example.com", "password": "x" * 10})


def test_first_run_on_an_empty_database(tmp_path_factory: pytest.TempPathFactory) -> None:
    with database_for("sqlite", tmp_path_factory.mktemp("empty")) as url:
        parts = build(Settings(database=url))
        try:
            upgrade(parts.database)
            sessions = Sessions(parts.services, POLICY)
            assert not sessions.has_owner()
            with pytest.raises(InvalidParams):
                sessions.set_up_owner({"username": "not-an-email", "password": "long-enough"})
            made = sessions.set_up_owner(
                {"username": "boss@example.com", "password": "long-enough"}
            )
            assert made.session is not None
            assert made.session.principal.role.label == "owner"
            assert sessions.has_owner()
            assert sessions.sign_in("BOSS@example.com", "long-enough", "10.3.3.3").secret
        finally:
            parts.database.dispose()
