"""Milepost: a self-hosted project-management server with a Leantime-compatible JSON-RPC API."""

__version__ = "0.1.0"
