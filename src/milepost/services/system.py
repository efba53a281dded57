"""What the server is: `Api.Config.getSystemInfo`."""

from __future__ import annotations

from typing import TypedDict

from milepost.services.operations import Context, operation

LEANTIME_API_VERSION = "3.9.8"


class SystemInfo(TypedDict):
    """The Leantime API version Milepost answers as, and Milepost's own version."""

    version: str
    enabledPlugins: list[str]
    milepostVersion: str


@operation("Api.Config.getSystemInfo")
def get_system_info(ctx: Context) -> SystemInfo:
    """The Leantime API version this server is compatible with (`version`), its plugins
    (none), and Milepost's own version."""
    return {
        "version": LEANTIME_API_VERSION,
        "enabledPlugins": [],
        "milepostVersion": ctx.services.version,
    }
