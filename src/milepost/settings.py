"""Settings, layered: command-line flags, then `MILEPOST_*` environment variables, then a
TOML settings file, then the defaults below.

The settings file is the one named by `--config` or `MILEPOST_CONFIG`, else
`milepost.toml` in the working directory if it exists. Its keys are the field names
below (`database = "..."`, `max_batch = 500`). Every field can be set by an environment
variable of its upper-cased name with the `MILEPOST_` prefix (`MILEPOST_DATABASE`).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

ENV_PREFIX = "MILEPOST_"


class Secret(str):
    """A string that keeps itself out of reprs and logs."""

    def __repr__(self) -> str:
        return "Secret('**********')"


@dataclass(frozen=True)
class Settings:
    # Storage: a SQLAlchemy URL, or a file path for SQLite.
    database: str = "milepost.db"
    db_pool_size: int = 8
    # PostgreSQL: 1 runs JSON-RPC calls over asyncpg, several in flight per process
    # (storage/database.py); 0 runs them one at a time over psycopg, as everything else.
    pg_concurrent: int = 1
    # Serving.
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    log_level: str = "info"
    # Limits (documented in the README).
    max_body_bytes: int = 10 * 1024 * 1024
    max_batch: int = 1000
    max_json_depth: int = 64
    # Slow clients: a request body must arrive within `body_timeout_seconds`, and an idle
    # keep-alive connection is closed after `keep_alive_seconds`.
    body_timeout_seconds: float = 30.0
    keep_alive_seconds: int = 5
    failed_auth_per_minute: int = 20
    # Uploaded files: kept under `data_dir` (outside any served path) under random names;
    # larger uploads are refused.
    data_dir: str = "./milepost-data"
    max_upload_bytes: int = 25 * 1024 * 1024
    auth_cache_seconds: float = 5.0
    # Encoded answers of large reads (getAll) kept per process while the data is
    # unchanged (services/result_cache.py); 0 turns the cache off.
    result_cache_mb: float = 16.0
    # Web sign-in: a session ends after `session_idle_hours` without a request and
    # `session_max_hours` after sign-in; failed sign-ins are throttled per client address
    # and per account over a sliding window of `sign_in_window_minutes`.
    session_idle_hours: float = 12.0
    session_max_hours: float = 168.0
    sign_in_window_minutes: float = 15.0
    sign_in_failures_per_address: int = 20
    sign_in_failures_per_account: int = 5
    # Rate limits: calls per minute per key or user (0: off); counters in Redis when
    # `redis_url` is set (shared by every process), else in process memory.
    rate_limit_per_minute: int = 600
    redis_url: str | None = None
    redis_prefix: str = "milepost"  # keeps installations that share a Redis apart
    # How long idempotency records and audit entries are kept.
    idempotency_hours: float = 24.0
    audit_retention_days: float = 90.0
    # Webhooks: delivered by a worker inside `serve` (unless `webhook_worker` is 0) and by
    # `milepost worker`; retried with back-off from `webhook_retry_base_seconds`.
    webhook_worker: int = 1
    webhook_allow_private: int = 0
    webhook_retry_base_seconds: float = 10.0
    webhook_max_attempts: int = 10
    webhook_disable_after: int = 20
    webhook_poll_seconds: float = 1.0
    webhook_timeout_seconds: float = 10.0
    webhook_claim_seconds: float = 60.0
    # MCP sessions (clients of the 2024-11-05 to 2025-11-25 handshake) live in one
    # process's memory; with several processes or machines behind a load balancer, 1
    # serves every /mcp request on its own instead (no Mcp-Session-Id), so any process
    # can answer it. Clients of the 2026-07-28 revision need no session either way.
    mcp_stateless: int = 0
    # First-run owner account, read by `milepost init`.
    owner_email: str = "admin@example.com"
    owner_password: Secret | None = None

    @classmethod
    def load(
        cls,
        overrides: Mapping[str, Any] | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        config_file: str | Path | None = None,
    ) -> Settings:
        """Merge the layers; `overrides` are the flags actually given (None means unset)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        path = config_file or environ.get(ENV_PREFIX + "CONFIG")
        if path is None and Path("milepost.toml").is_file():
            path = "milepost.toml"
        if path is not None:
            values.update(_read_file(Path(path)))
        for field in fields(cls):
            env_value = environ.get(ENV_PREFIX + field.name.upper())
            if env_value is not None:
                values[field.name] = env_value
        values.update({k: v for k, v in (overrides or {}).items() if v is not None})
        return cls(**{name: _convert(cls, name, value) for name, value in values.items()})

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def _read_file(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    known = {field.name for field in fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown settings in {path}: {', '.join(unknown)}")
    return data


def _convert(cls: type[Settings], name: str, value: Any) -> Any:
    kinds = {field.name: field.type for field in fields(cls)}
    if name not in kinds:
        raise ValueError(f"unknown setting {name!r}")
    kind = kinds[name]
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "Secret | None":
            return None if value is None else Secret(value)
        if kind == "str | None":
            return None if value in (None, "") else str(value)
        return str(value)
    except ValueError:
        raise ValueError(f"setting {name}: expected {kind}, got {value!r}") from None
