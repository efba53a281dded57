"""The MCP endpoint `/mcp`: the registry's methods as tools, over the same service layer."""

from __future__ import annotations

from milepost.mcp.endpoint import McpEndpoint
from milepost.mcp.server import build_server
from milepost.mcp.tools import ToolCatalog

__all__ = ["McpEndpoint", "ToolCatalog", "build_server"]
