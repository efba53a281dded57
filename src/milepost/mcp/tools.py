"""The tool catalog: every registry method as an MCP tool, and the way back.

A tool's name comes from the method's canonical wire name: the domain, the service when
it differs from the domain, both in snake case, then the method as it is
(`leantime.rpc.Tickets.Tickets.getTicket` is `tickets_getTicket`,
`leantime.rpc.Api.Config.getSystemInfo` is `api_config_getSystemInfo`). Names keep to
the letters, digits, `_`, `-` and `.` MCP allows and to the 64 characters many clients
accept. The input schema is the one `rpc.discover` publishes for the params, as one
object; list methods also take the paging params. The description is the docstring.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mcp_types as types

from milepost.rpc.discovery import may_call
from milepost.rpc.registry import PREFIX
from milepost.rpc.schema import json_schema
from milepost.services import paging

if TYPE_CHECKING:
    from collections.abc import Iterable

    from milepost.rpc.registry import Method
    from milepost.services.permissions import Principal

MAX_NAME_LENGTH = 64
DEFAULT_PAGE_SIZE = 50
NAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

PAGING_SCHEMAS: dict[str, dict[str, Any]] = {
    "pageSize": {
        "type": "integer",
        "minimum": 1,
        "maximum": paging.MAX_PAGE_SIZE,
        "description": f"Rows per page; {DEFAULT_PAGE_SIZE} when left out.",
    },
    "cursor": {
        "type": "string",
        "description": "The nextCursor of the previous page, to get the page after it.",
    },
    "withTotal": {"type": "boolean", "description": "Also count every matching row."},
    "modifiedSince": {
        "type": "string",
        "description": "Keep only rows changed at or after this time (ISO 8601).",
    },
    "fields": {
        "type": "array",
        "items": {"type": "string"},
        "description": "Keep only these fields of each row (id is always kept).",
    },
}
if set(PAGING_SCHEMAS) != set(paging.PARAMS):
    raise RuntimeError("the MCP paging schemas must describe exactly services.paging.PARAMS")

PAGING_NOTE = (
    "\n\nAnswers one page: {items, nextCursor, total}, at most "
    f"{DEFAULT_PAGE_SIZE} rows unless pageSize says otherwise. When nextCursor is not "
    "null, call again with cursor set to it for the next page."
)


def snake(word: str) -> str:
    """`AccessToken` -> `access_token`, `Api` -> `api`."""
    return _CAMEL_BOUNDARY.sub("_", word).replace("-", "_").lower()


def tool_name(method: Method) -> str:
    """The tool name of a method, derived from its canonical wire name alone."""
    domain, service, name = method.name.removeprefix(PREFIX).split(".")
    parts = [snake(domain)]
    if snake(service) != parts[0]:
        parts.append(snake(service))
    parts.append(name)
    full = "_".join(parts)
    if len(full) <= MAX_NAME_LENGTH:
        return full
    # Keep the method visible at the end and the name unique through a digest.
    digest = hashlib.sha256(method.name.encode()).hexdigest()[:8]
    keep = MAX_NAME_LENGTH - len(name) - len(digest) - 2
    return f"{full[:keep]}_{digest}_{name}"[-MAX_NAME_LENGTH:]


def input_schema(method: Method) -> dict[str, Any]:
    """One object with the method's params as properties (and the paging params for lists)."""
    properties = {param.name: json_schema(param.shape) for param in method.binder.params}
    if method.lists:
        for name, paging_schema in PAGING_SCHEMAS.items():
            properties.setdefault(name, dict(paging_schema))
    result: dict[str, Any] = {"type": "object", "properties": properties}
    required = [param.name for param in method.binder.params if param.required]
    if required:
        result["required"] = required
    return result


@dataclass(frozen=True)
class ToolEntry:
    """One tool: the method it calls and its MCP description."""

    method: Method
    tool: types.Tool


def describe(method: Method, name: str) -> types.Tool:
    description = method.operation.doc or method.name
    if method.lists:
        description += PAGING_NOTE
    return types.Tool(
        name=name,
        description=description,
        input_schema=input_schema(method),
        annotations=types.ToolAnnotations(
            read_only_hint=not method.operation.writes, open_world_hint=False
        ),
        _meta={"milepost/method": method.name},
    )


class ToolCatalog:
    """The registry's methods under tool names, built once at start-up."""

    def __init__(self, methods: Iterable[Method]) -> None:
        self._entries: dict[str, ToolEntry] = {}
        for method in sorted(methods, key=lambda m: m.name):
            name = tool_name(method)
            if not NAME_PATTERN.fullmatch(name):
                raise ValueError(f"tool name {name!r} of {method.name} breaks MCP's name rules")
            if name in self._entries:
                other = self._entries[name].method.name
                raise ValueError(f"{method.name} and {other} both map to the tool name {name}")
            self._entries[name] = ToolEntry(method, describe(method, name))

    def listed(self, principal: Principal) -> list[types.Tool]:
        """The tools of the methods the principal may call, as `rpc.discover` lists them."""
        return [entry.tool for entry in self._entries.values() if may_call(entry.method, principal)]

    def get(self, name: str) -> ToolEntry | None:
        return self._entries.get(name)

    def input_schema(self, name: str) -> dict[str, Any] | None:
        entry = self._entries.get(name)
        return entry.tool.input_schema if entry is not None else None

    def __len__(self) -> int:
        return len(self._entries)
