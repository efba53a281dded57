"""The MCP server: `tools/list` and `tools/call` over the tool catalog.

Each HTTP request reaching `/mcp` was authenticated by the endpoint, which leaves the
caller in the request's ASGI scope; the handlers read it from there, so every message
acts as the principal of the request that carried it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio.to_thread
import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError
from starlette.requests import Request

from milepost.mcp import calls
from milepost.mcp.calls import Caller

if TYPE_CHECKING:
    from mcp.server.context import ServerRequestContext
    from starlette.types import Scope

    from milepost.mcp.tools import ToolCatalog
    from milepost.services.layer import ServiceLayer

SCOPE_KEY = "milepost.mcp.caller"

INSTRUCTIONS = (
    "Milepost is a project-management server (projects, tickets, milestones, users, "
    "comments, timesheets). Each tool is one of its Leantime-compatible JSON-RPC "
    "methods, named <domain>_<method>; you see the tools your credentials may call. "
    "List tools answer pages: pass nextCursor back as cursor for more, and `fields` to "
    "keep only the fields you need."
)


def attach(scope: Scope, caller: Caller) -> None:
    """Leave the authenticated caller in the request's scope for the handlers."""
    scope[SCOPE_KEY] = caller


def caller_of(ctx: ServerRequestContext[Any, Any]) -> Caller:
    request = ctx.request
    caller = request.scope.get(SCOPE_KEY) if isinstance(request, Request) else None
    if not isinstance(caller, Caller):
        # The endpoint authenticates every request before it reaches the SDK.
        raise MCPError(types.INTERNAL_ERROR, "the request carries no authenticated caller")
    return caller


def build_server(catalog: ToolCatalog, services: ServiceLayer, *, version: str) -> Server[Any]:
    async def list_tools(
        ctx: ServerRequestContext[Any, Any], _params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=catalog.listed(caller_of(ctx).principal))

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        caller = caller_of(ctx)
        entry = catalog.get(params.name)
        if entry is None:
            raise MCPError(types.INVALID_PARAMS, f"Unknown tool: {params.name}")
        arguments = params.arguments or {}
        return await anyio.to_thread.run_sync(calls.run, services, entry, arguments, caller)

    return Server(
        "milepost",
        version=version,
        title="Milepost",
        instructions=INSTRUCTIONS,
        get_tool_input_schema=catalog.input_schema,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )
