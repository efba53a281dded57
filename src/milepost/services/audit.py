"""The audit log: every mutating call, who made it, what it touched, how it ended.

A successful call's entry is written in the call's own transaction, so the log and the
change commit together; a failed call's entry is written in a transaction of its own
(its change rolled back). Entries older than `audit_retention_days` are purged by the
maintenance loop. Admins read the log with `Audit.Audit.getEntries`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, TypedDict

from sqlalchemy import delete, insert, select

from milepost.services.operations import Context, operation
from milepost.services.values import fmt_date, parse_date
from milepost.storage import tables as t

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from milepost.services.permissions import Principal

ac = t.audit_log.c
MAX_ENTRIES = 1000

# Built once: every write records an entry, and a constant statement skips SQLAlchemy's
# per-call cache-key work, which costs several times more than the INSERT.
_INSERT_ENTRY = insert(t.audit_log)


class AuditEntry(TypedDict):
    """One mutating call."""

    id: int
    at: str | None
    userId: int | None
    principalKind: str
    keyId: int | None
    method: str
    targets: str
    outcome: str
    address: str


def targets_of(args: dict[str, Any], result: Any) -> str:
    """The ids a call touched, as far as its arguments and result tell."""
    found: list[str] = []
    for name in ("id", "ticketId", "projectId", "userId", "clientId"):
        if isinstance(args.get(name), int):
            found.append(f"{name}={args[name]}")
    for wrapper in ("values", "params", "postValues"):
        inner = args.get(wrapper)
        if isinstance(inner, dict) and isinstance(inner.get("id"), int):
            found.append(f"{wrapper}.id={inner['id']}")
    if isinstance(result, int) and not isinstance(result, bool):
        found.append(f"result={result}")
    elif isinstance(result, dict) and isinstance(result.get("id"), int):
        found.append(f"result.id={result['id']}")
    return ",".join(found)[:255]


def record(
    conn: Connection,
    principal: Principal,
    method: str,
    *,
    targets: str,
    outcome: str,
    address: str,
    at: dt.datetime,
) -> None:
    conn.execute(
        _INSERT_ENTRY,
        {
            "at": at,
            "userId": principal.user_id or None,
            "principalKind": principal.kind,
            "keyId": principal.key_id,
            "method": method,
            "targets": targets,
            "outcome": outcome[:80],
            "address": address[:64],
        },
    )


def purge(conn: Connection, before: dt.datetime) -> int:
    return conn.execute(delete(t.audit_log).where(ac.at < before)).rowcount or 0


@operation("Audit.Audit.getEntries", permission="audit.view")
def get_entries(
    ctx: Context,
    since: str | None = None,
    userId: int | None = None,
    method: str | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Audit entries, newest first: optionally only since a time, of one user (a person or
    a key's user id), or of one method (its canonical wire name). At most 1000."""
    query = select(t.audit_log).order_by(ac.id.desc()).limit(max(1, min(limit, MAX_ENTRIES)))
    if since:
        query = query.where(ac.at >= parse_date(since, "since"))
    if userId is not None:
        query = query.where(ac.userId == userId)
    if method:
        query = query.where(ac.method == method)
    return [
        {
            "id": row.id,
            "at": fmt_date(row.at),
            "userId": row.userId,
            "principalKind": row.principalKind,
            "keyId": row.keyId,
            "method": row.method,
            "targets": row.targets,
            "outcome": row.outcome,
            "address": row.address,
        }
        for row in ctx.conn.execute(query)
    ]
