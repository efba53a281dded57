"""When to send a request again, and after how long.

A request is retried, up to `Retry.attempts` tries in all, when:
- the server answered 429: it refused the request without running it, so any call is
  safe to send again;
- no connection could be made: nothing was sent;
- the server answered 500, 502, 503 or 504, or the connection broke or timed out after
  the request went out, and the request is safe to repeat: every call in it reads
  (its method name starts with get, find, poll, count, is, has, search or list) or the
  caller opted in with `Retry(writes=True)`. A write that may have been applied is
  otherwise not sent twice.

The wait is the server's `Retry-After` when it sends one (with up to 10 % jitter);
a `Retry-After` longer than `Retry.max_wait` ends the retries at once. Without one,
the wait doubles from `Retry.backoff` up to `Retry.max_backoff`, with jitter.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

logger = logging.getLogger("milepost.client")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
READ_VERB = re.compile(r"(get|find|poll|count|is|has|search|list)([A-Z_]|$)")
# Errors raised before any byte of the request was sent.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class Retry:
    """How the client retries; `Retry(attempts=1)` turns retries off."""

    attempts: int = 4  # tries in all, the first included
    backoff: float = 0.5  # the first wait in seconds, doubled for each further retry
    max_backoff: float = 30.0  # the longest computed wait
    max_wait: float = 60.0  # the longest Retry-After honoured; a longer one gives up
    writes: bool = False  # also repeat calls that may write after a 5xx or a broken connection

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"Retry.attempts: expected at least 1, got {self.attempts}")
        if min(self.backoff, self.max_backoff, self.max_wait) < 0:
            raise ValueError("Retry: expected waits of 0 seconds or more")


def is_read(method: str) -> bool:
    """Whether a method name reads by Leantime's naming (getTicket, findProject, ...)."""
    if method == "rpc.discover":
        return True
    return READ_VERB.match(method.rsplit(".", 1)[-1]) is not None


def all_reads(methods: Iterable[str]) -> bool:
    return all(is_read(method) for method in methods)


def after_response(
    policy: Retry, attempt: int, response: httpx.Response, *, safe: bool
) -> float | None:
    """Seconds to wait before the next try, or None to keep this response."""
    status = response.status_code
    if attempt >= policy.attempts or status not in RETRY_STATUSES:
        return None
    if status != 429 and not (safe or policy.writes):
        return None
    wait = retry_after(response.headers)
    if wait is None:
        return _backoff(policy, attempt)
    if wait > policy.max_wait:
        return None
    return wait * random.uniform(1.0, 1.1)  # noqa: S311 (jitter, not cryptography)


def after_error(
    policy: Retry, attempt: int, error: httpx.TransportError, *, safe: bool
) -> float | None:
    """Seconds to wait before the next try after a network failure, or None to give up."""
    if attempt >= policy.attempts:
        return None
    if not isinstance(error, NOT_SENT) and not (safe or policy.writes):
        return None
    return _backoff(policy, attempt)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The `Retry-After` header in seconds (a number or an HTTP date), if present."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _backoff(policy: Retry, attempt: int) -> float:
    ceiling = min(policy.max_backoff, policy.backoff * 2 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 (jitter, not cryptography)


def log_retry(url: str, cause: str, attempt: int, policy: Retry, wait: float) -> None:
    logger.warning(
        "POST %s got %s; try %d of %d in %.2f s.", url, cause, attempt + 1, policy.attempts, wait
    )
