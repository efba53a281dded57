"""Encoded answers of read operations, kept while the data they were built from is current.

A large list (getAll of a thousand tickets) costs tens of milliseconds to build and
encode, and most of the time nothing changed since the last caller asked. Operations
marked `cached=True` keep their JSON encoding in a per-process LRU keyed by the
operation, its arguments, the page request, everything about the caller that decides
what they may see, and the database's data version (`Database.data_version`), read in
the same transaction. Any commit changes the data version, so an entry is only ever
served while the data it was built from is still the data in the database; stale
entries are never consulted again and fall out of the LRU.

Only operations whose answer depends on nothing but the database, the arguments and
the caller may be marked (not on the clock, not on settings outside the database).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from milepost.services.paging import PageRequest
    from milepost.services.permissions import Principal

CacheKey = tuple[Any, ...]


class Encoded:
    """An answer already encoded as JSON. Transports that write JSON send the bytes as
    they are; anyone else gets the value back with `decode()`."""

    __slots__ = ("json",)

    def __init__(self, json: bytes | str) -> None:
        self.json = json

    def decode(self) -> Any:
        return orjson.loads(self.json)


class ResultCache:
    """A thread-safe LRU of encoded answers, bounded by their total size in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[CacheKey, Encoded] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @staticmethod
    def key(
        wire: str,
        args: dict[str, Any],
        page: PageRequest | None,
        principal: Principal,
        data_version: str,
    ) -> CacheKey:
        return (
            wire,
            orjson.dumps(args, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS),
            page,
            _scope(principal),
            data_version,
        )

    def get(self, key: CacheKey) -> Encoded | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: CacheKey, value: Any) -> Encoded:
        """Encode `value`, keep it if it fits, and return the encoding."""
        encoded = Encoded(orjson.dumps(value))
        size = len(encoded.json)
        if size > self.max_bytes // 4:
            return encoded  # one answer may not crowd out everything else
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._size -= len(previous.json)
            self._entries[key] = encoded
            self._size += size
            while self._size > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._size -= len(evicted.json)
        return encoded


def _scope(principal: Principal) -> tuple[Any, ...]:
    """Everything about a caller that may decide what an answer holds."""
    return (
        principal.kind,
        principal.user_id,
        principal.role,
        principal.client_id,
        principal.all_projects,
        principal.key_id,
        principal.token_id,
        tuple(sorted(principal.memberships.items())),
    )
