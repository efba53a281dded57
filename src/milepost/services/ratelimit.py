"""Rate limits per API key and per user, counted per call in fixed one-minute windows.

A batch of 50 calls costs 50. Each key may carry its own limit (`mp_api_keys.rateLimit`);
everything else gets the server's `rate_limit_per_minute` (0 turns limiting off).
Counters live in process memory for a single process, or in Redis (`redis_url`) so that
every server process shares them; either way no database row is written per call.
If Redis cannot be reached the call is let through and a warning is logged: an outage
of the counter store must not take the API down with it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from milepost.services.permissions import Principal

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # seconds until the window ends

    def headers(self) -> dict[str, str]:
        """IETF draft names and Leantime's X-RateLimit-* names, on every response."""
        values = {
            "ratelimit-limit": str(self.limit),
            "ratelimit-remaining": str(self.remaining),
            "ratelimit-reset": str(self.reset),
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(self.reset),
        }
        if not self.allowed:
            values["retry-after"] = str(self.reset)
            values["x-ratelimit-retry-after"] = str(self.reset)
        return values


class Counter(Protocol):
    def add(self, bucket: str, amount: int, window: int) -> int:
        """Add `amount` to the bucket's count in `window` and return the new count."""
        ...


class MemoryCounter:
    """Counts in this process only (one SQLite process, or tests)."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def add(self, bucket: str, amount: int, window: int) -> int:
        with self._lock:
            key = (bucket, window)
            self._counts[key] = self._counts.get(key, 0) + amount
            if len(self._counts) > 100_000:
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= window}
            return self._counts[key]


class RedisCounter:
    """Counts in Redis, shared by every server process."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._prefix = prefix

    def add(self, bucket: str, amount: int, window: int) -> int:
        key = f"{self._prefix}:ratelimit:{bucket}:{window}"
        pipe = self._redis.pipeline()
        pipe.incrby(key, amount)
        pipe.expire(key, WINDOW_SECONDS * 2)
        count, _ = pipe.execute()
        return int(count)


class RateLimiter:
    def __init__(
        self,
        default_per_minute: int,
        counter: Counter,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.default = default_per_minute
        self.counter = counter
        self._clock = clock

    def take(self, principal: Principal, cost: int) -> Decision | None:
        """Charge `cost` calls to the principal; None when no limit applies."""
        limit = principal.rate_limit if principal.rate_limit is not None else self.default
        if limit <= 0:
            return None
        now = self._clock()
        window = int(now // WINDOW_SECONDS)
        reset = max(1, int((window + 1) * WINDOW_SECONDS - now))
        try:
            count = self.counter.add(f"{principal.kind}:{principal.user_id}", cost, window)
        except Exception as error:  # the counter store is down: let the call through
            logger.warning("Rate-limit counter unavailable (%s); not limiting.", error)
            return None
        return Decision(count <= limit, limit, max(0, limit - count), reset)


def counter_for(redis_url: str | None, prefix: str = "milepost") -> Counter:
    return RedisCounter(redis_url, prefix) if redis_url else MemoryCounter()
