"""Idempotency keys: a retried write with the same key answers the first result.

The record is written in the same transaction as the change, so either both exist or
neither does. The same key with a different request (another method or other params)
is a -32005 conflict. Keys are scoped to the principal, and records expire after
`idempotency_hours`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import bindparam, delete, insert, select

from milepost.services.errors import Conflict, InvalidParams
from milepost.storage import tables as t

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from milepost.services.permissions import Principal

MAX_KEY_LENGTH = 255
MISSING: Any = object()

# Built once: a constant statement skips SQLAlchemy's per-call cache-key work.
_STORED = select(t.idempotency.c.requestHash, t.idempotency.c.result).where(
    t.idempotency.c.scope == bindparam("scope"), t.idempotency.c.key == bindparam("key")
)
_INSERT_RECORD = insert(t.idempotency)


def scope_of(principal: Principal) -> str:
    return f"{principal.kind}:{principal.user_id}"


def request_hash(method: str, args: dict[str, Any]) -> str:
    canonical = orjson.dumps([method, args], option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(canonical).hexdigest()


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidParams(
            f"the Idempotency-Key header must hold 1 to {MAX_KEY_LENGTH} characters",
            param="Idempotency-Key",
            expected=f"1 to {MAX_KEY_LENGTH} characters",
        )
    return key


def replay(conn: Connection, scope: str, key: str, digest: str) -> Any:
    """The stored result for this key, or MISSING; Conflict if the request differs."""
    row = conn.execute(_STORED, {"scope": scope, "key": key}).first()
    if row is None:
        return MISSING
    if row.requestHash != digest:
        raise Conflict(
            "this Idempotency-Key was used for a different request",
            reason="idempotency_key_reused",
        )
    return orjson.loads(row.result)


def store(
    conn: Connection,
    scope: str,
    key: str,
    digest: str,
    result: Any,
    *,
    now: dt.datetime,
    ttl: dt.timedelta,
) -> None:
    conn.execute(
        _INSERT_RECORD,
        {
            "scope": scope,
            "key": key,
            "requestHash": digest,
            "result": orjson.dumps(result).decode(),
            "createdAt": now,
            "expiresAt": now + ttl,
        },
    )


def purge(conn: Connection, now: dt.datetime) -> int:
    return conn.execute(delete(t.idempotency).where(t.idempotency.c.expiresAt < now)).rowcount or 0
