"""Builds the application from settings: the wiring, nothing else."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from milepost import __version__, web
from milepost.mcp import DeferredMcpEndpoint
from milepost.rpc import discovery
from milepost.rpc.endpoint import JsonRpcEndpoint
from milepost.rpc.files import FileTransport
from milepost.rpc.gate import Gate
from milepost.rpc.protocol import Dispatcher
from milepost.rpc.registry import Registry
from milepost.services import DOMAINS
from milepost.services.auth import Authenticator, FailedAuthLimiter
from milepost.services.layer import ServiceLayer
from milepost.services.operations import collect
from milepost.services.policies import DeliveryPolicy, Policies, UploadPolicy
from milepost.services.ratelimit import RateLimiter, counter_for
from milepost.services.result_cache import ResultCache
from milepost.services.sessions import SessionPolicy, Sessions
from milepost.settings import Settings
from milepost.storage.database import Database
from milepost.worker import Worker

if TYPE_CHECKING:
    from milepost.mcp.endpoint import McpEndpoint

logger = logging.getLogger(__name__)

RPC_PATH = "/api/jsonrpc"
MCP_PATH = "/mcp"


@dataclass
class Milepost:
    """The parts of a running server, for the transports and for tests."""

    settings: Settings
    database: Database
    services: ServiceLayer
    registry: Registry
    authenticator: Authenticator
    sessions: Sessions


def build(settings: Settings) -> Milepost:
    database = Database(settings.database, pool_size=settings.db_pool_size)
    policies = Policies(
        idempotency_ttl=dt.timedelta(hours=settings.idempotency_hours),
        audit_retention=dt.timedelta(days=settings.audit_retention_days),
        webhooks=DeliveryPolicy(
            allow_private=bool(settings.webhook_allow_private),
            retry_base=settings.webhook_retry_base_seconds,
            max_attempts=settings.webhook_max_attempts,
            disable_after=settings.webhook_disable_after,
            timeout=settings.webhook_timeout_seconds,
            claim_seconds=settings.webhook_claim_seconds,
        ),
        uploads=UploadPolicy(Path(settings.data_dir).resolve(), settings.max_upload_bytes),
    )
    cache_bytes = int(settings.result_cache_mb * 1024 * 1024)
    services = ServiceLayer(
        database,
        version=__version__,
        policies=policies,
        cache=ResultCache(cache_bytes) if cache_bytes > 0 else None,
    )
    authenticator = Authenticator(database, cache_seconds=settings.auth_cache_seconds)
    services.on_principals_changed.append(authenticator.clear)
    registry = Registry(collect(DOMAINS))
    sessions = Sessions(
        services,
        SessionPolicy(
            idle=dt.timedelta(hours=settings.session_idle_hours),
            lifetime=dt.timedelta(hours=settings.session_max_hours),
            window=dt.timedelta(minutes=settings.sign_in_window_minutes),
            failures_per_address=settings.sign_in_failures_per_address,
            failures_per_account=settings.sign_in_failures_per_account,
        ),
    )
    return Milepost(settings, database, services, registry, authenticator, sessions)


def create_app(settings: Settings) -> ASGIApp:
    parts = build(settings)
    dispatcher = Dispatcher(
        parts.registry,
        parts.services,
        max_batch=settings.max_batch,
        max_depth=settings.max_json_depth,
        builtins={
            "rpc.discover": lambda principal: discovery.document(
                parts.registry, principal, version=__version__
            )
        },
    )
    # One failed-auth throttle and one rate limiter for both API endpoints.
    failed_auth = FailedAuthLimiter(settings.failed_auth_per_minute)
    rate_limiter = RateLimiter(
        settings.rate_limit_per_minute, counter_for(settings.redis_url, settings.redis_prefix)
    )
    gate = Gate(
        parts.authenticator,
        failed_auth,
        rate_limiter=rate_limiter,
        session_check=web.session_check(parts.sessions),
    )
    rpc = JsonRpcEndpoint(
        dispatcher,
        gate,
        max_body_bytes=settings.max_body_bytes,
        body_timeout=settings.body_timeout_seconds,
    )

    def mcp_endpoint() -> McpEndpoint:
        # The MCP SDK, imported here at the first /mcp request (milepost/mcp/__init__.py).
        from milepost.mcp.endpoint import McpEndpoint
        from milepost.mcp.server import build_server
        from milepost.mcp.tools import ToolCatalog

        return McpEndpoint(
            build_server(ToolCatalog(parts.registry), parts.services, version=__version__),
            gate,
            max_body_bytes=settings.max_body_bytes,
            body_timeout=settings.body_timeout_seconds,
            stateless=bool(settings.mcp_stateless),
        )

    mcp = DeferredMcpEndpoint(mcp_endpoint)

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "version": __version__})

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        logger.info("Milepost %s serving %s.", __version__, _safe_url(parts.database.url))
        _tune_collector()
        worker = Worker(parts.services, poll_seconds=settings.webhook_poll_seconds)
        if settings.webhook_worker:
            worker.start()
        if settings.pg_concurrent and not parts.database.is_sqlite:
            await parts.database.start_concurrent()
            logger.info("JSON-RPC calls run concurrently over asyncpg (pg_concurrent=1).")
        async with mcp.run():
            yield
        worker.stop()
        await parts.database.stop_concurrent()
        parts.database.dispose()

    files = FileTransport(
        parts.services,
        parts.registry,
        gate,
        max_upload_bytes=settings.max_upload_bytes,
        body_timeout=settings.body_timeout_seconds,
    )
    site = Starlette(
        routes=[
            Route("/health", health),
            *files.routes(),
            *web.routes(parts.services, parts.sessions),
        ],
        lifespan=lifespan,
    )
    return _ApiPaths({RPC_PATH: rpc, MCP_PATH: mcp}, web.SecurityHeaders(site))


def _tune_collector() -> None:
    """Set the garbage collector for serving, once the application is built.

    A batch of 100 gets makes some 3,000 container objects, so with the default
    threshold of 700 the collector ran several times per batch, and its scans took 8 %
    of the worker's time. What exists at start (modules, the registry, compiled
    statements) lives as long as the process: frozen, the collector skips it; and a
    young generation of 10,000 objects is collected about once per batch. Measured on
    PostgreSQL at 16 clients: a batch of 100 gets 10-15 % faster, getTicket 5 %.
    Reference cycles are rare on the hot path, so little waits longer for its memory."""
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def from_environment() -> ASGIApp:
    """The factory `milepost serve --workers N` hands to uvicorn (settings from env)."""
    return create_app(Settings.load())


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


class _ApiPaths:
    """Sends `/api/jsonrpc` and `/mcp` (any letter case, trailing slash or not) to their
    endpoints, everything else to the site."""

    def __init__(self, endpoints: dict[str, ASGIApp], site: ASGIApp) -> None:
        self.endpoints, self.site = endpoints, site

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            endpoint = self.endpoints.get(scope["path"].rstrip("/").lower())
            if endpoint is not None:
                await endpoint(scope, receive, send)
                return
        await self.site(scope, receive, send)
