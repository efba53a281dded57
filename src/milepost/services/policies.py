"""The tunable rules of the service layer: how long records are kept, how webhooks go."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DeliveryPolicy:
    """How webhook deliveries are made and retried."""

    allow_private: bool = False
    retry_base: float = 10.0
    max_attempts: int = 10
    disable_after: int = 20
    timeout: float = 10.0
    # How long a claimed outbox row is reserved for the worker that claimed it; a worker
    # that dies mid-delivery leaves the row to be sent again after this time.
    claim_seconds: float = 60.0


@dataclass(frozen=True)
class Policies:
    """How long records are kept, and how webhooks are delivered."""

    idempotency_ttl: dt.timedelta = dt.timedelta(hours=24)
    audit_retention: dt.timedelta = dt.timedelta(days=90)
    webhooks: DeliveryPolicy = field(default_factory=DeliveryPolicy)
