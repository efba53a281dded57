"""The asyncio client: `AsyncClient(url, key)`, the same surface as `Client`, awaited."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx

from milepost.client import wire
from milepost.client.base import BaseClient
from milepost.client.batch import BatchBase
from milepost.client.errors import ClientError, NetworkError
from milepost.client.retry import Retry, after_error, after_response, is_read, log_retry


class AsyncClient(BaseClient):
    """The async twin of `Client`: `await client.tickets.getTicket(id=9)`.

    Pass `http_client` to bring your own `httpx.AsyncClient`; it is then not closed here.
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
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(url, key, token=token, retry=retry, headers=headers)
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=timeout)

    async def call(self, method: str, /, *args: Any, **params: Any) -> Any:
        """Call a method by name and return its result, or raise its typed error."""
        request = wire.envelope(method, wire.params_of(args, params), self._next_id())
        answer = await self._post(request, safe=is_read(request["method"]))
        return wire.result_of(answer)

    async def notify(self, method: str, /, *args: Any, **params: Any) -> None:
        """Send a notification: a call without an id, which the server does not answer."""
        request = wire.envelope(method, wire.params_of(args, params), None)
        answer = await self._post(request, safe=is_read(request["method"]))
        wire.notification_answer(answer)

    async def discover(self) -> Any:
        """The server's OpenRPC document (`rpc.discover`; Milepost has it, Leantime not)."""
        return await self.call("rpc.discover")

    def batch(self) -> AsyncBatch:
        """A batch: `async with client.batch() as batch: f = batch.tickets.getTicket(id=1)`."""
        return AsyncBatch(self)

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def _invoke(self, method: str, args: tuple[Any, ...], params: dict[str, Any]) -> Any:
        return self.call(method, *args, **params)

    async def _post(self, payload: Any, *, safe: bool) -> Any:
        """POST a request or batch, retrying as the policy allows; the decoded answer."""
        attempt = 1
        while True:
            try:
                response = await self._http.post(self.url, json=payload, headers=self.headers)
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
            await asyncio.sleep(wait)
            attempt += 1


class AsyncBatch(BatchBase):
    """Calls queued in an `async with` block and sent as one JSON-RPC batch at its end."""

    def __init__(self, client: AsyncClient) -> None:
        super().__init__(client._next_id)
        self._client = client

    async def __aenter__(self) -> AsyncBatch:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            await self.send()

    async def send(self) -> None:
        """Send the queued calls in one request (the `async with` block does this)."""
        requests = self._take()
        if not requests:
            return
        try:
            answer = await self._client._post(requests, safe=self._safe())
        except ClientError as error:
            self._fail(error)
            raise
        self._settle(answer)
