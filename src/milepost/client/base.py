"""What the sync and async clients share: the endpoint, credentials, ids and retry policy."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from milepost import __version__
from milepost.client import wire
from milepost.client.methods import MethodPath, path
from milepost.client.retry import Retry

USER_AGENT = f"milepost-client/{__version__}"


class BaseClient:
    """Endpoint and credentials; `client.<domain>.<method>(...)` calls by attribute."""

    def __init__(
        self,
        url: str,
        key: str | None = None,
        *,
        token: str | None = None,
        retry: Retry | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if key and token:
            raise ValueError("give an API key (sent as x-api-key) or a token, not both")
        self.url = wire.endpoint(url)
        self.retry = retry or Retry()
        self.headers = {"accept": "application/json", "user-agent": USER_AGENT}
        if key:
            self.headers["x-api-key"] = key
        if token:
            self.headers["authorization"] = f"Bearer {token}"
        self.headers.update(headers or {})
        self._ids = itertools.count(1)

    def __getattr__(self, part: str) -> MethodPath[Any]:
        return path(self._invoke, part)

    def _invoke(self, method: str, args: tuple[Any, ...], params: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _next_id(self) -> int:
        return next(self._ids)

    def get_url(self, method: str, /, *args: Any, **params: Any) -> str:
        """The URL that makes this call with GET (params as base64); the key still goes
        in a header."""
        return wire.get_url(self.url, method, wire.params_of(args, params))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"
