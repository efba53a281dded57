"""Running one tool call: the JSON-RPC path, then the answer as a tool result.

Arguments are bound by the method's Binder and the call goes through
`ServiceLayer.call`, exactly as a JSON-RPC call does, so permissions, audit and
idempotency are the service layer's. A list call without `pageSize` gets a page of
`DEFAULT_PAGE_SIZE` rows, to keep an agent's context small. A refusal (ServiceError) is
a tool result with `isError` set and a text naming the code, reason and detail; any
other exception is a programming error, logged here and answered without internals.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mcp_types as types
import orjson

from milepost.mcp.tools import DEFAULT_PAGE_SIZE
from milepost.services import paging
from milepost.services.errors import ServiceError
from milepost.services.layer import CallMeta

if TYPE_CHECKING:
    from milepost.mcp.tools import ToolEntry
    from milepost.rpc.registry import Method
    from milepost.services.layer import ServiceLayer
    from milepost.services.permissions import Principal

logger = logging.getLogger(__name__)

INTERNAL_ERROR = -32603


@dataclass(frozen=True)
class Caller:
    """Who calls, and what the HTTP request that carried the call tells about it."""

    principal: Principal
    address: str = ""
    idempotency_key: str | None = None


def run(
    services: ServiceLayer, entry: ToolEntry, arguments: dict[str, Any], caller: Caller
) -> types.CallToolResult:
    """Call the tool's method for the caller and shape the answer (blocking: run in a thread)."""
    started = time.perf_counter()
    outcome = "ok"
    try:
        return success(entry, invoke(services, entry.method, arguments, caller))
    except ServiceError as error:
        outcome = f"{error.code} {error.reason}"
        return refusal(error)
    except Exception:
        outcome = f"{INTERNAL_ERROR} internal"
        logger.exception("Tool %s failed with an unexpected error.", entry.tool.name)
        return failure()
    finally:
        logger.info(
            "MCP %s (%s) by %s %s in %.1f ms: %s",
            entry.tool.name,
            entry.method.name,
            caller.principal.kind,
            caller.principal.user_id,
            (time.perf_counter() - started) * 1000,
            outcome,
        )


def invoke(
    services: ServiceLayer, method: Method, arguments: dict[str, Any], caller: Caller
) -> Any:
    """Bind, then `ServiceLayer.call`: the same steps as the JSON-RPC dispatcher's."""
    # The paging params are no params of the method; left in, a flat-wrapper method
    # (one object param) would take them for fields of its wrapper.
    params = {
        name: value
        for name, value in arguments.items()
        if name not in paging.PARAMS or name in method.binder.names
    }
    args = method.binder.bind(params)
    page = paging.request_from(with_default_page(arguments)) if method.lists else None
    meta = CallMeta(address=caller.address, idempotency_key=caller.idempotency_key, page=page)
    return services.call(method.operation, caller.principal, args, meta)


def with_default_page(arguments: dict[str, Any]) -> dict[str, Any]:
    if arguments.get("pageSize") is not None:
        return arguments
    return {**arguments, "pageSize": DEFAULT_PAGE_SIZE}


def success(entry: ToolEntry, result: Any) -> types.CallToolResult:
    """The result as compact JSON text, and as structured content (an object)."""
    text = orjson.dumps(result).decode()
    structured = orjson.loads(text)
    if not isinstance(structured, dict):
        structured = {"result": structured}
    content: list[types.ContentBlock] = [types.TextContent(type="text", text=text)]
    cursor = structured.get("nextCursor") if entry.method.lists else None
    if isinstance(cursor, str):
        content.append(
            types.TextContent(
                type="text",
                text=f"More rows: call {entry.tool.name} again with the same arguments"
                f' and "cursor": "{cursor}".',
            )
        )
    return types.CallToolResult(content=content, structured_content=structured)


def refusal(error: ServiceError) -> types.CallToolResult:
    """A refused call: code, reason and detail in the text, the JSON-RPC error alongside."""
    text = f"Error {error.code} ({error.reason}): {error.detail}"
    error_object = {"code": error.code, "message": error.message, "data": error.data()}
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)],
        structured_content={"error": error_object},
        is_error=True,
    )


def failure() -> types.CallToolResult:
    detail = "the server failed; the error is in its log"
    return types.CallToolResult(
        content=[
            types.TextContent(type="text", text=f"Error {INTERNAL_ERROR} (internal): {detail}")
        ],
        structured_content={
            "error": {
                "code": INTERNAL_ERROR,
                "message": "Internal error",
                "data": {"reason": "internal", "detail": detail},
            }
        },
        is_error=True,
    )
