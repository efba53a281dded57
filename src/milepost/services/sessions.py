"""Web sign-in sessions: password sign-in, session look-up, expiry, sign-out, throttling.

A session id is 256 random bits handed to the browser once, in a cookie; the database
keeps only its SHA-256 digest (`mp_sessions`), so every server process sharing the
database sees the same sessions and a leaked table yields no usable cookie. A session
ends `idle` after its last request or `lifetime` after sign-in, whichever comes first;
the last-seen time is written at most once a minute, not on every request.

Each session has a CSRF token derived from its id (an HMAC keyed by the id), so the
token needs no storage and is useless without the cookie. Anonymous forms (sign-in,
first-run set-up) use the same derivation over a random pre-session cookie value.

Failed sign-ins are recorded in `mp_sign_in_failures` and throttled per client address
and per account (the lower-cased e-mail, known or not) over a sliding window. A sign-in
for an unknown account costs the same password hash as a known one.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import delete, func, insert, select, update

from milepost.services import auth, users
from milepost.services.errors import Conflict, Unauthenticated
from milepost.services.operations import Context
from milepost.services.permissions import Principal, Role
from milepost.storage import tables as t
from milepost.storage.database import insert_id

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from milepost.services.layer import ServiceLayer

logger = logging.getLogger(__name__)

SECRET_BYTES = 32
MAX_SECRET_LENGTH = 128
REFRESH_INTERVAL = dt.timedelta(minutes=1)
sc, fc, uc = t.sessions.c, t.sign_in_failures.c, t.users.c

Refusal = Literal["credentials", "throttled", "deactivated"]


def new_secret() -> str:
    """A fresh session id or pre-session value (256 bits, URL-safe)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def csrf_token(secret: str) -> str:
    """The CSRF token that belongs to a session id or a pre-session value."""
    return hmac.new(secret.encode(), b"milepost csrf token", hashlib.sha256).hexdigest()


def csrf_matches(secret: str, token: str) -> bool:
    return bool(secret) and hmac.compare_digest(csrf_token(secret), token.strip())


@dataclass(frozen=True)
class SessionPolicy:
    """How long sessions live and how many failed sign-ins are tolerated."""

    idle: dt.timedelta = dt.timedelta(hours=12)
    lifetime: dt.timedelta = dt.timedelta(days=7)
    window: dt.timedelta = dt.timedelta(minutes=15)
    failures_per_address: int = 20
    failures_per_account: int = 5


@dataclass(frozen=True)
class Session:
    """A live session: who it is, its CSRF token, and when it ends."""

    id: int
    principal: Principal
    csrf: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: a session with its secret (for the cookie), or a refusal.

    `retry_after` is the number of seconds to wait when the refusal is `throttled`."""

    secret: str | None = None
    session: Session | None = None
    refusal: Refusal | None = None
    retry_after: int = 0


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@functools.cache
def _decoy_hash() -> str:
    # Verified against when the account is unknown, so that a miss costs a full hash too.
    return users.hash_password(secrets.token_hex(16))


def _bootstrap() -> Principal:
    return Principal(user_id=0, role=Role.OWNER, kind="user", name="first-run set-up")


class Sessions:
    """The session rules, over the shared database."""

    def __init__(
        self,
        services: ServiceLayer,
        policy: SessionPolicy,
        *,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self.services = services
        self.database = services.database
        self.policy = policy
        self._now = clock

    # -- signing in ------------------------------------------------------------------

    def sign_in(self, email: str, password: str, address: str) -> SignIn:
        """Check an e-mail and password; start a session, or say why not."""
        account = email.strip().lower()[:175]
        now = self._now()
        with self.database.transaction(write=False) as conn:
            wait = self._throttled(conn, address, account, now)
            row = conn.execute(
                select(uc.id, uc.password, uc.status).where(
                    func.lower(uc.username) == account, uc.source != "api"
                )
            ).first()
        if wait:
            logger.warning("Sign-in for %r from %s throttled for %d s.", account, address, wait)
            return SignIn(refusal="throttled", retry_after=wait)
        stored = row.password if row is not None and row.password else _decoy_hash()
        if row is None or not users.verify_password(stored, password):
            self._record_failure(address, account, now)
            logger.info("Failed sign-in for %r from %s.", account, address)
            return SignIn(refusal="credentials")
        if row.status != "a":
            return SignIn(refusal="deactivated")
        with self.database.transaction(write=True) as conn:
            conn.execute(delete(t.sign_in_failures).where(fc.account == account))
            conn.execute(update(t.users).where(uc.id == row.id).values(lastlogin=now))
            secret, session = self._start(conn, row.id, now)
        logger.info("User %d signed in from %s.", row.id, address)
        return SignIn(secret=secret, session=session)

    def _throttled(self, conn: Connection, address: str, account: str, now: dt.datetime) -> int:
        """Seconds until another attempt is allowed (0: allowed now)."""
        since = now - self.policy.window
        waits = [0]
        for column, value, limit in (
            (fc.address, address, self.policy.failures_per_address),
            (fc.account, account, self.policy.failures_per_account),
        ):
            count, oldest = conn.execute(
                select(func.count(), func.min(fc.failedAt)).where(
                    column == value, fc.failedAt > since
                )
            ).one()
            if count >= limit and oldest is not None:
                waits.append(int((oldest + self.policy.window - now).total_seconds()) + 1)
        return max(waits)

    def _record_failure(self, address: str, account: str, now: dt.datetime) -> None:
        with self.database.transaction(write=True) as conn:
            conn.execute(delete(t.sign_in_failures).where(fc.failedAt <= now - self.policy.window))
            conn.execute(
                insert(t.sign_in_failures).values(address=address, account=account, failedAt=now)
            )

    def _start(self, conn: Connection, user_id: int, now: dt.datetime) -> tuple[str, Session]:
        conn.execute(delete(t.sessions).where(sc.expiresAt <= now))
        secret = new_secret()
        expires = now + min(self.policy.idle, self.policy.lifetime)
        session_id = insert_id(
            conn,
            insert(t.sessions).values(
                digest=auth.digest(secret),
                userId=user_id,
                createdAt=now,
                lastSeenAt=now,
                expiresAt=expires,
            ),
        )
        principal = auth.load_principal(conn, user_id, kind="session")
        assert principal is not None
        return secret, Session(session_id, principal, csrf_token(secret), expires)

    # -- first run -------------------------------------------------------------------

    def has_owner(self) -> bool:
        with self.database.transaction(write=False) as conn:
            return conn.execute(_owner_query()).first() is not None

    def set_up_owner(self, values: dict[str, Any]) -> SignIn:
        """Create the owner account (only while none exists) and sign it in.

        `values` are addUser's fields; the role is forced to owner. Raises Conflict when
        an owner exists, InvalidParams for a bad e-mail or a short password."""
        now = self._now()
        with self.database.transaction(write=True) as conn:
            if conn.execute(_owner_query()).first() is not None:
                raise Conflict("the owner account exists; sign in instead", reason="owner_exists")
            ctx = Context(conn, _bootstrap(), self.services)
            user_id = users.create_user(ctx, {**values, "role": str(Role.OWNER.value)})
            conn.execute(update(t.users).where(uc.id == user_id).values(lastlogin=now))
            secret, session = self._start(conn, user_id, now)
        logger.info("Created the owner account %d on first run.", user_id)
        return SignIn(secret=secret, session=session)

    # -- using a session -------------------------------------------------------------

    def lookup(self, secret: str) -> Session:
        """The live session for a cookie value; raise Unauthenticated (reason unknown,
        malformed, expired or deactivated) otherwise."""
        if not secret or len(secret) > MAX_SECRET_LENGTH:
            raise Unauthenticated("the session cookie is malformed", reason="malformed")
        now = self._now()
        with self.database.transaction(write=False) as conn:
            row = conn.execute(
                select(t.sessions, uc.status)
                .join(t.users, uc.id == sc.userId)
                .where(sc.digest == auth.digest(secret))
            ).first()
            if row is None:
                raise Unauthenticated("no such session", reason="unknown")
            if row.expiresAt <= now:
                raise Unauthenticated("the session has expired", reason="expired")
            if row.status != "a":
                raise Unauthenticated("the account is deactivated", reason="deactivated")
            principal = auth.load_principal(conn, row.userId, kind="session")
        assert principal is not None
        expires = row.expiresAt
        if now - row.lastSeenAt >= REFRESH_INTERVAL:
            expires = min(now + self.policy.idle, row.createdAt + self.policy.lifetime)
            with self.database.transaction(write=True) as conn:
                conn.execute(
                    update(t.sessions)
                    .where(sc.id == row.id)
                    .values(lastSeenAt=now, expiresAt=expires)
                )
        return Session(row.id, principal, csrf_token(secret), expires)

    def end(self, secret: str) -> None:
        """Sign out: the session is deleted and its cookie is worthless from now on."""
        with self.database.transaction(write=True) as conn:
            conn.execute(delete(t.sessions).where(sc.digest == auth.digest(secret)))


def _owner_query() -> Any:
    return select(uc.id).where(uc.role == str(Role.OWNER.value), uc.source != "api").limit(1)
