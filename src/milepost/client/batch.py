"""Batches: calls collected in a `with` block and sent as one JSON-RPC batch.

Each call in a batch returns a `BatchFuture` at once; its `.result()` (or the typed
error it raises) is there once the block has ended and the batch was sent. A batch
refused as a whole (an HTTP or transport failure, or one error object answering the
whole array) raises from the end of the block, and every future raises it too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from milepost.client.errors import ClientError, UnexpectedResponse, error_from
from milepost.client.methods import MethodPath, path
from milepost.client.retry import all_reads
from milepost.client.wire import envelope, params_of

_PENDING = object()


class BatchFuture:
    """The outcome of one call in a batch, available once the batch has been sent."""

    __slots__ = ("_error", "_result", "id", "method")

    def __init__(self, method: str, id_: int) -> None:
        self.method = method
        self.id = id_
        self._result: Any = _PENDING
        self._error: ClientError | None = None

    def done(self) -> bool:
        return self._error is not None or self._result is not _PENDING

    def result(self) -> Any:
        """The call's result; raises the call's typed error if it failed."""
        if self._error is not None:
            raise self._error
        if self._result is _PENDING:
            raise RuntimeError(
                f"the call {self.method} (id {self.id}) has no result yet: "
                "read results after the batch's with block has ended"
            )
        return self._result

    def exception(self) -> ClientError | None:
        """The call's error, or None when it succeeded."""
        if not self.done():
            self.result()
        return self._error

    def _settle(self, answer: dict[str, Any]) -> None:
        if "error" in answer:
            self._error = error_from(answer["error"])
        elif "result" in answer:
            self._result = answer["result"]
        else:
            self._error = UnexpectedResponse("the response holds neither a result nor an error")

    def __repr__(self) -> str:
        state = "failed" if self._error else ("done" if self.done() else "pending")
        return f"<BatchFuture {self.method} id={self.id} {state}>"


class BatchBase:
    """Collects the calls of one batch; the sync and async batches send them."""

    def __init__(self, next_id: Callable[[], int]) -> None:
        self._next_id = next_id
        self._requests: list[dict[str, Any]] = []
        self._futures: dict[int, BatchFuture] = {}
        self._sent = False

    def __getattr__(self, part: str) -> MethodPath[BatchFuture]:
        return path(self._add, part)

    def call(self, method: str, /, *args: Any, **params: Any) -> BatchFuture:
        """Queue a call by name (`"tickets.getTicket"` or the full name)."""
        return self._add(method, args, params)

    def notify(self, method: str, /, *args: Any, **params: Any) -> None:
        """Queue a notification: a call without an id, which gets no answer."""
        self._check_open()
        self._requests.append(envelope(method, params_of(args, params), None))

    def __len__(self) -> int:
        return len(self._requests)

    def _add(self, method: str, args: tuple[Any, ...], params: dict[str, Any]) -> BatchFuture:
        self._check_open()
        request = envelope(method, params_of(args, params), self._next_id())
        future = BatchFuture(request["method"], request["id"])
        self._requests.append(request)
        self._futures[future.id] = future
        return future

    def _check_open(self) -> None:
        if self._sent:
            raise RuntimeError("this batch was sent already; start a new one with client.batch()")

    def _take(self) -> list[dict[str, Any]]:
        """The requests to send (empty when nothing was queued); the batch is closed."""
        self._check_open()
        self._sent = True
        return self._requests

    def _safe(self) -> bool:
        return all_reads(request["method"] for request in self._requests)

    def _settle(self, answer: Any) -> None:
        """Hand each response to its future; raise when the batch was refused as a whole."""
        if isinstance(answer, dict):
            error = (
                error_from(answer["error"])
                if "error" in answer
                else UnexpectedResponse("expected a list of responses for the batch, got one")
            )
            self._fail(error)
            raise error
        for item in answer if isinstance(answer, list) else []:
            id_ = item.get("id") if isinstance(item, dict) else None
            future = self._futures.get(id_) if isinstance(id_, int) else None
            if future is not None and not future.done():
                future._settle(item)
        for future in self._futures.values():
            if not future.done():
                future._error = UnexpectedResponse(
                    f"the batch's answer holds no response for {future.method} (id {future.id})"
                )

    def _fail(self, error: ClientError) -> None:
        for future in self._futures.values():
            if not future.done():
                future._error = error
