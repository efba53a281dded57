"""Who is calling: API keys, personal access tokens, and the cache that makes checks cheap.

An API key is `lt_<keyId>_<secret>`: `keyId` is 32 random alphanumerics that name the
key's principal (as Leantime's username), the secret another 32 (190 bits). A personal
access token is 40 random alphanumerics (238 bits). Only SHA-256 digests are stored.

Checking a credential costs one SHA-256 and a dictionary lookup: principals are cached
per process for `cache_seconds` (revocations made in this process clear the cache at
once; other processes see them within that time). The last-used time is written at most
once a minute per credential, never on every call.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from milepost.services.errors import Unauthenticated
from milepost.services.permissions import Principal, Role
from milepost.storage import tables as t

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from milepost.storage.database import Database

logger = logging.getLogger(__name__)

ALPHANUMERIC = string.ascii_letters + string.digits
KEY_ID_LENGTH = 32
KEY_SECRET_LENGTH = 32
TOKEN_LENGTH = 40
LAST_USED_INTERVAL = 60.0


def random_text(length: int) -> str:
    return "".join(secrets.choice(ALPHANUMERIC) for _ in range(length))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def format_key(key_id: str, secret: str) -> str:
    return f"lt_{key_id}_{secret}"


def split_key(value: str) -> tuple[str, str]:
    """Split `lt_<id>_<secret>`; raise Unauthenticated('malformed') otherwise."""
    parts = value.strip().split("_")
    if len(parts) != 3 or parts[0] != "lt" or not all(p.isalnum() and p.isascii() for p in parts):
        raise Unauthenticated("the API key is not of the form lt_<id>_<secret>", reason="malformed")
    return parts[1], parts[2]


def load_principal(
    conn: Connection,
    user_id: int,
    *,
    kind: str,
    all_projects: bool = False,
    key_id: int | None = None,
    token_id: int | None = None,
    legacy_results: bool = False,
    rate_limit: int | None = None,
) -> Principal | None:
    """Build the principal for a user row, or None if the row is missing."""
    row = conn.execute(
        select(t.users.c.role, t.users.c.firstname, t.users.c.lastname, t.users.c.clientId).where(
            t.users.c.id == user_id
        )
    ).first()
    if row is None:
        return None
    memberships: dict[int, Role | None] = {}
    for project_id, project_role in conn.execute(
        select(t.project_members.c.projectId, t.project_members.c.projectRole).where(
            t.project_members.c.userId == user_id
        )
    ):
        memberships[project_id] = _project_role(project_role)
    return Principal(
        user_id=user_id,
        role=Role.parse(row.role),
        kind=kind,  # type: ignore[arg-type]
        name=f"{row.firstname} {row.lastname}".strip(),
        client_id=row.clientId,
        memberships=memberships,
        all_projects=all_projects,
        key_id=key_id,
        token_id=token_id,
        legacy_results=legacy_results,
        rate_limit=rate_limit,
    )


def _project_role(value: str | None) -> Role | None:
    if not value or value in ("inherit", "inherited"):
        return None
    try:
        return Role.parse(value)
    except ValueError:
        return None


@dataclass
class _Entry:
    digest: str
    principal: Principal | None
    refusal: str | None  # reason when the credential exists but may not be used
    expires_at: dt.datetime | None
    loaded: float


class Authenticator:
    """Turns a header value into a Principal, with a short-lived per-process cache."""

    def __init__(
        self,
        database: Database,
        *,
        cache_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.database = database
        self.cache_seconds = cache_seconds
        self._clock = clock
        self._keys: dict[str, _Entry] = {}
        self._tokens: dict[str, _Entry] = {}
        self._last_used_written: dict[tuple[str, int], float] = {}
        self._lock = threading.Lock()
        # Bumped by clear(): an entry loaded before a revocation committed is not cached.
        self._generation = 0

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._keys.clear()
            self._tokens.clear()

    def api_key(self, value: str) -> Principal:
        key_id, secret = split_key(value)
        entry = self._cached(self._keys, key_id, lambda: self._load_key(key_id))
        if entry is None or not hmac.compare_digest(entry.digest, digest(secret)):
            raise Unauthenticated("no such API key", reason="unknown")
        return self._admit(entry, "key")

    def bearer(self, value: str) -> Principal:
        """A personal access token, or an API key sent as a bearer token."""
        value = value.strip()
        if value.startswith("lt_"):
            return self.api_key(value)
        if not value.isalnum():
            raise Unauthenticated("the bearer token is malformed", reason="malformed")
        token_digest = digest(value)
        entry = self._cached(self._tokens, token_digest, lambda: self._load_token(token_digest))
        if entry is None:
            raise Unauthenticated("no such token", reason="unknown")
        return self._admit(entry, "token")

    def _cached(
        self, cache: dict[str, _Entry], key: str, load: Callable[[], _Entry | None]
    ) -> _Entry | None:
        entry = cache.get(key)
        if entry is not None and self._clock() - entry.loaded < self.cache_seconds:
            return entry
        generation = self._generation
        entry = load()
        with self._lock:
            if entry is None:
                cache.pop(key, None)
            elif generation == self._generation:
                cache[key] = entry
        return entry

    def _admit(self, entry: _Entry, kind: str) -> Principal:
        if entry.refusal is not None:
            raise Unauthenticated(f"the credential is {entry.refusal}", reason=entry.refusal)
        if entry.expires_at is not None and entry.expires_at <= _utcnow():
            raise Unauthenticated("the credential has expired", reason="expired")
        assert entry.principal is not None
        self._touch(kind, entry.principal)
        return entry.principal

    def _load_key(self, key_id: str) -> _Entry | None:
        with self.database.transaction(write=False) as conn:
            row = conn.execute(
                select(t.api_keys, t.users.c.status)
                .join(t.users, t.users.c.id == t.api_keys.c.userId)
                .where(t.api_keys.c.keyId == key_id)
            ).first()
            if row is None:
                return None
            refusal = None
            if row.revokedAt is not None:
                refusal = "revoked"
            elif row.status != "a":
                refusal = "deactivated"
            principal = load_principal(
                conn,
                row.userId,
                kind="key",
                all_projects=row.allProjects,
                key_id=row.id,
                legacy_results=row.resultFormat == "3.7",
                rate_limit=row.rateLimit,
            )
        return _Entry(row.digest, principal, refusal, row.expiresAt, self._clock())

    def _load_token(self, token_digest: str) -> _Entry | None:
        with self.database.transaction(write=False) as conn:
            row = conn.execute(
                select(t.access_tokens, t.users.c.status)
                .join(t.users, t.users.c.id == t.access_tokens.c.tokenable_id)
                .where(t.access_tokens.c.token == token_digest)
            ).first()
            if row is None:
                return None
            refusal = None if row.status == "a" else "deactivated"
            principal = load_principal(conn, row.tokenable_id, kind="token", token_id=row.id)
        return _Entry(token_digest, principal, refusal, row.expires_at, self._clock())

    def _touch(self, kind: str, principal: Principal) -> None:
        """Record the last-used time, at most once a minute per credential."""
        ident = principal.key_id if kind == "key" else principal.token_id
        assert ident is not None
        now = self._clock()
        marker = (kind, ident)
        with self._lock:
            if now - self._last_used_written.get(marker, -LAST_USED_INTERVAL) < LAST_USED_INTERVAL:
                return
            self._last_used_written[marker] = now
        stamp = _utcnow()
        statement: Any
        if kind == "key":
            statement = update(t.api_keys).where(t.api_keys.c.id == ident).values(lastUsedAt=stamp)
        else:
            statement = (
                update(t.access_tokens)
                .where(t.access_tokens.c.id == ident)
                .values(last_used_at=stamp)
            )
        with self.database.transaction(write=True) as conn:
            conn.execute(statement)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class FailedAuthLimiter:
    """Counts failed authentications per client address in a sliding minute."""

    def __init__(self, limit_per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit_per_minute
        self._clock = clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, address: str) -> float:
        """Seconds until `address` may try again, or 0 when it may try now."""
        with self._lock:
            recent = self._recent(address)
            if len(recent) < self.limit:
                return 0.0
            return max(0.0, 60.0 - (self._clock() - recent[0]))

    def record(self, address: str) -> None:
        with self._lock:
            self._failures[address] = [*self._recent(address), self._clock()]

    def _recent(self, address: str) -> list[float]:
        """The failures of the last minute; an address without any is forgotten."""
        cutoff = self._clock() - 60.0
        recent = [stamp for stamp in self._failures.get(address, []) if stamp > cutoff]
        if recent:
            self._failures[address] = recent
        else:
            self._failures.pop(address, None)
        return recent
