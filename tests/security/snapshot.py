"""A fingerprint of everything stored, read straight from the database with SQLAlchemy.

Two fingerprints taken around calls that must change nothing are compared table by
table and row by row. Left out: what changes by design on any call, allowed or not
(audit entries of refused calls, sessions' last-seen time, throttling records,
idempotency records, the webhook outbox and worker state, credentials' last-used time,
the data revision that any of those writes bumps on SQLite).
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Engine, create_engine, select

from milepost.storage import tables as t
from milepost.storage.database import normalize_url

VOLATILE_TABLES = {
    "mp_audit_log",
    "mp_sessions",
    "mp_sign_in_failures",
    "mp_idempotency",
    "mp_outbox",
    "mp_webhook_deliveries",
    "mp_webhooks",
    "mp_revision",
}
VOLATILE_COLUMNS = {"lastUsedAt", "last_used_at", "lastlogin"}

Fingerprint = dict[str, dict[Any, str]]  # table -> primary key -> digest of the row


def engine_for(database_url: str) -> Engine:
    return create_engine(normalize_url(database_url))


def fingerprint(engine: Engine) -> Fingerprint:
    found: Fingerprint = {}
    with engine.connect() as conn:
        for name, table in t.metadata.tables.items():
            if name in VOLATILE_TABLES:
                continue
            columns = [c for c in table.columns if c.name not in VOLATILE_COLUMNS]
            key = [c for c in table.primary_key]
            rows = conn.execute(select(*columns).order_by(*key)).mappings()
            found[name] = {
                tuple(row[c.name] for c in key): hashlib.sha256(
                    repr(tuple(row.values())).encode()
                ).hexdigest()
                for row in rows
            }
    return found


def differences(before: Fingerprint, after: Fingerprint) -> list[str]:
    """What changed, one line per table: rows added, removed and changed."""
    changes: list[str] = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, {}), after.get(name, {})
        added = sorted(set(new) - set(old))
        removed = sorted(set(old) - set(new))
        changed = sorted(k for k in set(old) & set(new) if old[k] != new[k])
        if added or removed or changed:
            changes.append(
                f"{name}: added {added[:10]}, removed {removed[:10]}, changed {changed[:10]}"
            )
    return changes
