"""The blocking client: `Client(url, key)`, its calls, notifications and batches."""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx

from milepost.client import wire
from milepost.client.base import BaseClient
from milepost.client.batch import BatchBase
from milepost.client.errors import ClientError, NetworkError
from milepost.client.retry import Retry, after_error, after_response, is_read, log_retry


class Client(BaseClient):
    """A JSON-RPC client for Milepost or Leantime.

    `url` is the server's base URL or its /api/jsonrpc URL; `key` is sent as x-api-key,
    `token` as `Authorization: Bearer`. Pass `http_client` to bring your own
    `httpx.Client` (its event hooks, proxies, certificates); it is then not closed here.
    """

    def __init__(
        self,
        url: str,
        key: str | None = None,
        *,
        token: str | None = None,
        retry: Retry | None = None,
        timeout: float = 30.0,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(url, key, token=token, retry=retry, headers=headers)
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout)

    def call(self, method: str, /, *args: Any, **params: Any) -> Any:
        """Call a method by name (`"tickets.getTicket"` or the full name) and return its
        result, or raise its error as a typed exception."""
        request = wire.envelope(method, wire.params_of(args, params), self._next_id())
        answer = self._post(request, safe=is_read(request["method"]))
        return wire.result_of(answer)

    def notify(self, method: str, /, *args: Any, **params: Any) -> None:
        """Send a notification: a call without an id, which the server does not answer."""
        request = wire.envelope(method, wire.params_of(args, params), None)
        wire.notification_answer(self._post(request, safe=is_read(request["method"])))

    def discover(self) -> Any:
        """The server's OpenRPC document (`rpc.discover`; Milepost has it, Leantime not)."""
        return self.call("rpc.discover")

    def batch(self) -> Batch:
        """A batch: `with client.batch() as batch: f = batch.tickets.getTicket(id=1)`."""
        return Batch(self)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _invoke(self, method: str, args: tuple[Any, ...], params: dict[str, Any]) -> Any:
        return self.call(method, *args, **params)

    def _post(self, payload: Any, *, safe: bool) -> Any:
        """POST a request or batch, retrying as the policy allows; the decoded answer."""
        attempt = 1
        while True:
            try:
                response = self._http.post(self.url, json=payload, headers=self.headers)
            except httpx.TransportError as error:
                wait = after_error(self.retry, attempt, error, safe=safe)
                if wait is None:
                    raise NetworkError.after(self.url, error) from error
                cause = type(error).__name__
            else:
                wait = after_response(self.retry, attempt, response, safe=safe)
                if wait is None:
                    return wire.read(response)
                cause = f"HTTP {response.status_code}"
            log_retry(self.url, cause, attempt, self.retry, wait)
            time.sleep(wait)
            attempt += 1


class Batch(BatchBase):
    """Calls queued in a `with` block and sent as one JSON-RPC batch when it ends."""

    def __init__(self, client: Client) -> None:
        super().__init__(client._next_id)
        self._client = client

    def __enter__(self) -> Batch:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.send()

    def send(self) -> None:
        """Send the queued calls in one request (the `with` block does this at its end)."""
        requests = self._take()
        if not requests:
            return
        try:
            answer = self._client._post(requests, safe=self._safe())
        except ClientError as error:
            self._fail(error)
            raise
        self._settle(answer)
