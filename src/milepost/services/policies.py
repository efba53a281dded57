"""The tunable rules of the service layer: how long records are kept, how webhooks go,
where uploaded files are kept and how large they may be."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path


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
class UploadPolicy:
    """Where file contents live (outside any served path) and how large an upload may be."""

    data_dir: Path = field(default_factory=lambda: Path("./milepost-data"))
    max_bytes: int = 25 * 1024 * 1024

    def path_of(self, enc_name: str) -> Path:
        """The content's path, only ever built from a name the files service generated."""
        if not re.fullmatch(r"[0-9a-f]{32}", enc_name):
            raise ValueError(f"not a stored file name: {enc_name!r}")
        return self.data_dir / "files" / enc_name[:2] / enc_name


@dataclass(frozen=True)
class Policies:
    """How long records are kept, and how webhooks are delivered."""

    idempotency_ttl: dt.timedelta = dt.timedelta(hours=24)
    audit_retention: dt.timedelta = dt.timedelta(days=90)
    webhooks: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    uploads: UploadPolicy = field(default_factory=UploadPolicy)
