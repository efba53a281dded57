"""The MCP endpoint `/mcp`: the registry's methods as tools, over the same service layer.

The MCP SDK (with pydantic: about 22 MB of a process's memory) is imported at the first
request to `/mcp`, not when the server starts, so a worker that never serves MCP never
loads it. That first request waits for the import (about half a second) on a worker
thread; the event loop serves other requests meanwhile.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

    from milepost.mcp.endpoint import McpEndpoint

logger = logging.getLogger(__name__)


class DeferredMcpEndpoint:
    """An ASGI app that builds the real endpoint (`build`, which imports the SDK) at its
    first request. `run()` must be entered in the application's lifespan: the SDK's
    session manager runs inside it, in a task of its own, from the first request until
    the application stops."""

    def __init__(self, build: Callable[[], McpEndpoint]) -> None:
        self._build = build
        self._endpoint: McpEndpoint | None = None
        self._error: BaseException | None = None
        self._wanted: anyio.Event | None = None
        self._ready: anyio.Event | None = None

    @contextlib.asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        self._wanted, self._ready = anyio.Event(), anyio.Event()
        async with anyio.create_task_group() as group:
            group.start_soon(self._host)
            try:
                yield
            finally:
                group.cancel_scope.cancel()

    async def _host(self) -> None:
        assert self._wanted is not None and self._ready is not None
        await self._wanted.wait()
        try:
            endpoint = await anyio.to_thread.run_sync(self._build)
        except Exception as error:
            # Logged once, and every /mcp request fails with it; raised here, it would
            # end the task group, and the application's lifespan with it.
            logger.exception("The MCP endpoint could not start.")
            self._error = error
            self._ready.set()
            return
        async with endpoint.run():
            self._endpoint = endpoint
            self._ready.set()
            await anyio.sleep_forever()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._endpoint is None:
            if self._wanted is None or self._ready is None:
                raise RuntimeError("the MCP endpoint serves only inside its run()")
            self._wanted.set()
            await self._ready.wait()
            if self._error is not None:
                raise RuntimeError("the MCP endpoint could not start") from self._error
            assert self._endpoint is not None
        await self._endpoint(scope, receive, send)


__all__ = ["DeferredMcpEndpoint"]
