"""Background work: webhook delivery and the purge of expired records.

Runs as a thread inside `milepost serve` and as the `milepost worker` command; several
of either may run against one database, because outbox rows are claimed before they
are sent.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

import httpx

from milepost.services import audit, idempotency, webhooks
from milepost.services.layer import ServiceLayer

logger = logging.getLogger(__name__)

PURGE_EVERY_SECONDS = 3600.0


class Worker:
    def __init__(self, services: ServiceLayer, *, poll_seconds: float) -> None:
        self.services = services
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_purge = 0.0

    def run_once(self, client: httpx.Client) -> int:
        """Deliver what is due (and purge once an hour); returns the attempts made."""
        if time.monotonic() - self._last_purge > PURGE_EVERY_SECONDS:
            self._last_purge = time.monotonic()
            self.purge()
        policy = self.services.policies.webhooks
        return webhooks.deliver_due(self.services.database, client, policy)

    def purge(self) -> None:
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        with self.services.database.transaction(write=True) as conn:
            removed = audit.purge(conn, now - self.services.policies.audit_retention)
            expired = idempotency.purge(conn, now)
        logger.info("Purged %s audit entries and %s idempotency records.", removed, expired)

    def run(self) -> None:
        with httpx.Client(follow_redirects=False) as client:
            while not self._stop.is_set():
                try:
                    busy = self.run_once(client)
                except Exception:
                    logger.exception("The worker failed a round; it carries on.")
                    busy = 0
                if not busy:
                    self._stop.wait(self.poll_seconds)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="milepost-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
