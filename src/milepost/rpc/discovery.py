"""`rpc.discover`: an OpenRPC 1.4 document of the methods the caller may call.

Generated from the registry that dispatches, so it cannot drift: param and result
schemas come from the service signatures, descriptions from their docstrings, and the
permission each method needs from its operation (as the `x-permission` extension).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from milepost.rpc.schema import json_schema
from milepost.services.permissions import PERMISSIONS, Principal

if TYPE_CHECKING:
    from milepost.rpc.registry import Method, Registry

OPENRPC_VERSION = "1.4.1"


def may_call(method: Method, principal: Principal) -> bool:
    """Whether the caller's role could pass the method's declared permission somewhere."""
    key = method.operation.needs
    if key is None:
        return True
    perm = PERMISSIONS[key]
    if principal.holds(perm):
        return True
    if perm.scope == "project":
        return any(principal.holds(perm, project) for project in principal.memberships)
    return False


def describe(method: Method) -> dict[str, Any]:
    """The OpenRPC method object for one method."""
    doc = method.operation.doc
    summary, _, description = doc.partition("\n\n")
    entry: dict[str, Any] = {
        "name": method.name,
        "summary": " ".join(summary.split()),
        "paramStructure": "either",
        "params": [
            {
                "name": param.name,
                "required": param.required,
                "schema": json_schema(param.shape),
            }
            for param in method.binder.params
        ],
        "result": {"name": "result", "schema": json_schema(method.result)},
        "x-permission": method.operation.needs,
        "x-writes": method.operation.writes,
    }
    if description.strip():
        entry["description"] = description.strip()
    if method.short_name != method.name:
        entry["x-aliases"] = [method.short_name]
    if method.operation.legacy:
        entry["x-legacy"] = True
    return entry


def document(registry: Registry, principal: Principal, *, version: str) -> dict[str, Any]:
    methods = [describe(m) for m in registry if may_call(m, principal)]
    methods.sort(key=lambda entry: entry["name"])
    return {
        "openrpc": OPENRPC_VERSION,
        "info": {
            "title": "Milepost JSON-RPC API",
            "version": version,
            "description": (
                "Leantime-compatible JSON-RPC 2.0 API. Methods answer to every spelling "
                "Leantime accepts; params bind by name or by position."
            ),
        },
        "servers": [{"name": "this server", "url": "/api/jsonrpc"}],
        "methods": methods,
    }
