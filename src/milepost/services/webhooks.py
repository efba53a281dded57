"""Webhooks: subscriptions, the durable outbox, and delivery with retries.

A change emits an event (`ticket.created`, `milestone.updated`, `project.deleted`, ...)
through `emit`, which writes one outbox row per matching subscription in the very
transaction that made the change: the event exists exactly when the change does.
A worker (`deliver_due`, run by `milepost serve` and `milepost worker`) claims due
rows, POSTs them, and records each attempt in the delivery log:

- at least once: a row stays pending until a 2xx answer is recorded; a worker that dies
  mid-delivery leaves a claim that expires, and the row is sent again;
- signed: `Milepost-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
  with the subscription's secret, plus `Milepost-Event` and `Milepost-Delivery`
  (the outbox id; receivers de-duplicate on it);
- retried with exponential back-off (`retry_base` doubling, capped at an hour) up to
  `max_attempts`, then marked failed;
- a subscription whose deliveries keep failing (`disable_after` failed attempts in a
  row) is disabled, with the reason kept;
- destinations on private, loopback or link-local addresses are refused, at
  subscription time and again at delivery (DNS may change), unless allowed by setting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict
from urllib.parse import urlsplit

import orjson
from sqlalchemy import and_, delete, insert, or_, select, update

from milepost.services.errors import InvalidParams, NotFound
from milepost.services.operations import Context, operation
from milepost.services.policies import DeliveryPolicy
from milepost.services.values import fmt_date
from milepost.storage import tables as t
from milepost.storage.database import insert_id

if TYPE_CHECKING:
    import httpx

    from milepost.storage.database import Database

logger = logging.getLogger(__name__)

wc, oc, dc = t.webhooks.c, t.outbox.c, t.webhook_deliveries.c
ENTITIES = ("ticket", "milestone", "project", "comment", "timesheet", "sprint", "goal")
ACTIONS = ("created", "updated", "deleted")
EVENTS = tuple(f"{entity}.{action}" for entity in ENTITIES for action in ACTIONS)
MAX_BACKOFF_SECONDS = 3600

# Built once: every change emits, and a constant statement skips SQLAlchemy's per-call
# cache-key work, which costs several times more than the query.
_ACTIVE = select(wc.id, wc.events, wc.projects).where(wc.active.is_(True))
_INSERT_EVENT = insert(t.outbox)


class Webhook(TypedDict):
    """A subscription, without its secret."""

    id: int
    url: str
    events: list[str]
    projects: list[int]
    active: bool
    failures: int
    disabledReason: str
    createdAt: str | None


class WebhookValues(TypedDict, total=False):
    """A subscription's fields: the URL, the events (`ticket.created`, ..., or `*`), the
    projects it covers (empty: every project), a secret for the signature, and whether
    it is active."""

    url: str
    events: list[str]
    projects: list[int]
    secret: str
    active: bool


class Delivery(TypedDict):
    """One delivery attempt."""

    id: int
    outboxId: int
    event: str
    attempt: int
    at: str | None
    statusCode: int | None
    error: str
    durationMs: int


# -- emitting ---------------------------------------------------------------------------


def emit(
    ctx: Context,
    entity: str,
    action: str,
    entity_id: int,
    *,
    project_id: int | None,
    data: Callable[[], Any],
) -> None:
    """Write the event to the outbox of every active subscription that covers it.

    `data` builds the entity's current state; it is called only when someone listens."""
    event = f"{entity}.{action}"
    rows = [
        row.id
        for row in ctx.conn.execute(_ACTIVE)
        if _covers(row.events, event) and _covers_project(row.projects, project_id)
    ]
    if not rows:
        return
    payload = orjson.dumps(
        {
            "event": event,
            "occurredAt": ctx.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "entity": {"type": entity, "id": entity_id, "projectId": project_id},
            "actor": {"userId": ctx.principal.user_id, "kind": ctx.principal.kind},
            "data": data(),
        }
    ).decode()
    ctx.conn.execute(
        _INSERT_EVENT,
        [
            {
                "webhookId": webhook_id,
                "event": event,
                "payload": payload,
                "createdAt": ctx.now,
                "attempts": 0,
                "nextAttemptAt": ctx.now,
                "state": "pending",
            }
            for webhook_id in rows
        ],
    )


def _covers(events: str, event: str) -> bool:
    names = events.split(",")
    return "*" in names or event in names or f"{event.split('.', maxsplit=1)[0]}.*" in names


def _covers_project(projects: str, project_id: int | None) -> bool:
    if not projects:
        return True
    return project_id is not None and str(project_id) in projects.split(",")


# -- subscriptions ----------------------------------------------------------------------


def check_destination(url: str, *, allow_private: bool) -> None:
    """Refuse URLs that are not http(s) or that resolve to private addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidParams(
            f"param `values.url`: expected an http or https URL, got {url!r}",
            param="values.url",
            expected="an http or https URL",
        )
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError as error:
        raise InvalidParams(
            f"param `values.url`: cannot resolve {parts.hostname}: {error}",
            param="values.url",
            expected="a resolvable host",
        ) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise InvalidParams(
                f"param `values.url`: {parts.hostname} resolves to the non-public address"
                f" {address}; webhooks to private networks are turned off",
                param="values.url",
                expected="a URL on a public address",
                reason="private_destination",
            )


def _webhook(row: Any) -> Webhook:
    return {
        "id": row.id,
        "url": row.url,
        "events": [e for e in row.events.split(",") if e],
        "projects": [int(p) for p in row.projects.split(",") if p],
        "active": bool(row.active),
        "failures": row.failures,
        "disabledReason": row.disabledReason,
        "createdAt": fmt_date(row.createdAt),
    }


def _columns(ctx: Context, values: WebhookValues) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    if "url" in values:
        check_destination(values["url"], allow_private=ctx.services.policies.webhooks.allow_private)
        columns["url"] = values["url"]
    if "events" in values:
        unknown = [
            e for e in values["events"] if e != "*" and e not in EVENTS and not e.endswith(".*")
        ]
        if unknown or not values["events"]:
            raise InvalidParams(
                f"param `values.events`: unknown events {unknown}; expected some of"
                f" {', '.join(EVENTS)} or '*'",
                param="values.events",
                expected="event names such as ticket.created, or '*'",
            )
        columns["events"] = ",".join(values["events"])
    if "projects" in values:
        for project_id in values["projects"]:
            if not ctx.can_access_project(project_id):
                raise InvalidParams(f"param `values.projects`: no project {project_id}")
        columns["projects"] = ",".join(str(p) for p in sorted(set(values["projects"])))
    if "secret" in values:
        if len(values["secret"]) < 16:
            raise InvalidParams(
                "param `values.secret`: expected at least 16 characters",
                param="values.secret",
                expected="at least 16 characters",
            )
        columns["secret"] = values["secret"]
    if "active" in values:
        columns["active"] = bool(values["active"])
        if values["active"]:
            columns.update(failures=0, disabledReason="")
    return columns


@operation("Webhooks.Webhooks.create", permission="webhooks.manage", writes=True)
def create(ctx: Context, values: WebhookValues) -> int:
    """Subscribe a URL to events (Milepost). Needs `url` and a `secret` of 16+ characters;
    `events` defaults to every event and `projects` to every project. Returns the id."""
    for required in ("url", "secret"):
        if not values.get(required):
            raise InvalidParams(
                f"Required Parameter Missing: values.{required}", param=f"values.{required}"
            )
    columns = _columns(ctx, {"events": ["*"], "projects": [], **values})
    columns.update(createdAt=ctx.now, createdBy=ctx.principal.user_id, active=True)
    return insert_id(ctx.conn, insert(t.webhooks).values(**columns))


@operation("Webhooks.Webhooks.getAll", permission="webhooks.manage")
def get_all(ctx: Context) -> list[Webhook]:
    """Every subscription, without secrets."""
    return [_webhook(row) for row in ctx.conn.execute(select(t.webhooks).order_by(wc.id))]


def _exists(ctx: Context, webhook_id: int) -> None:
    if ctx.conn.execute(select(wc.id).where(wc.id == webhook_id)).first() is None:
        raise NotFound(f"no webhook {webhook_id}")


@operation("Webhooks.Webhooks.update", permission="webhooks.manage", writes=True)
def update_webhook(ctx: Context, id: int, values: WebhookValues) -> bool:
    """Change a subscription; `active: true` re-enables a disabled one. Returns true."""
    _exists(ctx, id)
    columns = _columns(ctx, values)
    if columns:
        ctx.conn.execute(update(t.webhooks).where(wc.id == id).values(**columns))
    return True


@operation("Webhooks.Webhooks.delete", permission="webhooks.manage", writes=True)
def delete_webhook(ctx: Context, id: int) -> bool:
    """Delete a subscription and its undelivered events. Returns true."""
    _exists(ctx, id)
    ctx.conn.execute(delete(t.outbox).where(oc.webhookId == id))
    ctx.conn.execute(delete(t.webhooks).where(wc.id == id))
    return True


@operation("Webhooks.Webhooks.getDeliveries", permission="webhooks.manage")
def get_deliveries(ctx: Context, id: int, limit: int = 100) -> list[Delivery]:
    """The latest delivery attempts of a subscription, newest first (at most 1000)."""
    _exists(ctx, id)
    rows = ctx.conn.execute(
        select(t.webhook_deliveries, oc.event)
        .join(t.outbox, oc.id == dc.outboxId, isouter=True)
        .where(dc.webhookId == id)
        .order_by(dc.id.desc())
        .limit(max(1, min(limit, 1000)))
    )
    return [
        {
            "id": row.id,
            "outboxId": row.outboxId,
            "event": row.event or "",
            "attempt": row.attempt,
            "at": fmt_date(row.at),
            "statusCode": row.statusCode,
            "error": row.error,
            "durationMs": row.durationMs,
        }
        for row in rows
    ]


# -- delivering -------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


@dataclass
class _Job:
    outbox_id: int
    webhook_id: int
    event: str
    payload: str
    attempts: int
    url: str
    secret: str


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _claim(database: Database, limit: int, claim_seconds: float) -> list[_Job]:
    """Take up to `limit` due rows for this worker for `claim_seconds`."""
    now = _utcnow()
    with database.transaction(write=True) as conn:
        rows = conn.execute(
            select(oc.id, oc.webhookId, oc.event, oc.payload, oc.attempts, wc.url, wc.secret)
            .join(t.webhooks, wc.id == oc.webhookId)
            .where(
                oc.state == "pending",
                oc.nextAttemptAt <= now,
                or_(oc.lockedUntil.is_(None), oc.lockedUntil < now),
                wc.active.is_(True),
            )
            .order_by(oc.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=t.outbox)
        ).all()
        if rows:
            conn.execute(
                update(t.outbox)
                .where(oc.id.in_([row.id for row in rows]))
                .values(lockedUntil=now + dt.timedelta(seconds=claim_seconds))
            )
    return [_Job(*row) for row in rows]


def deliver_due(
    database: Database, client: httpx.Client, policy: DeliveryPolicy, limit: int = 20
) -> int:
    """Deliver what is due; returns the number of attempts made."""
    jobs = _claim(database, limit, max(policy.claim_seconds, policy.timeout + 1))
    for job in jobs:
        _attempt(database, client, policy, job)
    return len(jobs)


def _attempt(database: Database, client: httpx.Client, policy: DeliveryPolicy, job: _Job) -> None:
    body = job.payload.encode()
    stamp = int(time.time())
    status: int | None = None
    error = ""
    started = time.perf_counter()
    try:
        check_destination(job.url, allow_private=policy.allow_private)
        response = client.post(
            job.url,
            content=body,
            headers={
                "content-type": "application/json",
                "user-agent": "Milepost-Webhooks",
                "milepost-event": job.event,
                "milepost-delivery": str(job.outbox_id),
                "milepost-signature": sign(job.secret, stamp, body),
            },
            timeout=policy.timeout,
        )
        status = response.status_code
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except InvalidParams as refused:
        error = refused.detail[:500]
    except Exception as failure:
        error = f"{type(failure).__name__}: {failure}"[:500]
    elapsed = int((time.perf_counter() - started) * 1000)
    _record(database, policy, job, status=status, error=error, elapsed_ms=elapsed)


def _record(
    database: Database,
    policy: DeliveryPolicy,
    job: _Job,
    *,
    status: int | None,
    error: str,
    elapsed_ms: int,
) -> None:
    now = _utcnow()
    attempt = job.attempts + 1
    with database.transaction(write=True) as conn:
        conn.execute(
            insert(t.webhook_deliveries).values(
                outboxId=job.outbox_id,
                webhookId=job.webhook_id,
                attempt=attempt,
                at=now,
                statusCode=status,
                error=error,
                durationMs=elapsed_ms,
            )
        )
        if not error:
            conn.execute(
                update(t.outbox)
                .where(oc.id == job.outbox_id)
                .values(state="delivered", attempts=attempt, lockedUntil=None)
            )
            conn.execute(update(t.webhooks).where(wc.id == job.webhook_id).values(failures=0))
            return
        backoff = min(policy.retry_base * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)
        conn.execute(
            update(t.outbox)
            .where(oc.id == job.outbox_id)
            .values(
                state="failed" if attempt >= policy.max_attempts else "pending",
                attempts=attempt,
                nextAttemptAt=now + dt.timedelta(seconds=backoff),
                lockedUntil=None,
            )
        )
        conn.execute(
            update(t.webhooks).where(wc.id == job.webhook_id).values(failures=wc.failures + 1)
        )
        conn.execute(
            update(t.webhooks)
            .where(and_(wc.id == job.webhook_id, wc.failures >= policy.disable_after))
            .values(
                active=False, disabledReason=f"{policy.disable_after} failed deliveries in a row"
            )
        )
    logger.warning(
        "Webhook %s delivery %s attempt %s failed: %s",
        job.webhook_id,
        job.outbox_id,
        attempt,
        error,
    )
