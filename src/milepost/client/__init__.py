"""A Python client for Milepost's JSON-RPC API, which also works against Leantime.

    from milepost.client import Client

    with Client("http://127.0.0.1:8080", key="lt_...") as client:
        ticket = client.tickets.getTicket(id=9)

It imports nothing of the server: only httpx and the standard library.
"""

from milepost.client.async_client import AsyncBatch, AsyncClient
from milepost.client.batch import BatchFuture
from milepost.client.errors import (
    ClientError,
    Conflict,
    Forbidden,
    InvalidParams,
    InvalidRequest,
    MethodNotFound,
    NetworkError,
    NotFound,
    NotSupported,
    ParseError,
    RateLimited,
    RpcError,
    ServerError,
    TransportError,
    Unauthorized,
    UnexpectedResponse,
)
from milepost.client.retry import Retry
from milepost.client.sync_client import Batch, Client

__all__ = [
    "AsyncBatch",
    "AsyncClient",
    "Batch",
    "BatchFuture",
    "Client",
    "ClientError",
    "Conflict",
    "Forbidden",
    "InvalidParams",
    "InvalidRequest",
    "MethodNotFound",
    "NetworkError",
    "NotFound",
    "NotSupported",
    "ParseError",
    "RateLimited",
    "Retry",
    "RpcError",
    "ServerError",
    "TransportError",
    "Unauthorized",
    "UnexpectedResponse",
]
