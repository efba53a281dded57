"""The errors the client raises, drawn once.

    ClientError                    base of every error this client raises on purpose
    ├── RpcError                   the server answered with a JSON-RPC error object
    │   ├── ParseError             -32700  the server could not parse the body
    │   ├── InvalidRequest         -32600  the envelope was refused (empty or oversize batch)
    │   ├── MethodNotFound         -32601  no such method
    │   │   └── NotSupported       -32601  a Leantime method Milepost deliberately lacks
    │   ├── InvalidParams          -32602  a parameter is missing, mistyped or breaks a rule
    │   ├── ServerError            -32603 / -32000  the server failed
    │   ├── Forbidden              -32001  the caller may not do this (an application error)
    │   ├── NotFound               -32002  the entity does not exist or is hidden
    │   └── Conflict               -32005  a uniqueness rule or an expected version failed
    └── TransportError             the HTTP exchange gave no JSON-RPC answer
        ├── Unauthorized           HTTP 401: credentials missing or refused (`reason` says why)
        ├── RateLimited            HTTP 429 still after the retries (`retry_after` in seconds)
        ├── NetworkError           no connection, or it broke or timed out
        └── UnexpectedResponse     another status, or a body that is not JSON-RPC

Every error carries `code` (None when the server sent none), `message` and `data` as
the server sent them; `reason` and `detail` read Milepost's `data` object and also
Leantime's plain-string `data`.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ClientError(Exception):
    """Base of every error the client raises on purpose."""

    def __init__(self, code: int | None, message: str, data: Any = None) -> None:
        self.code = code
        self.message = message
        self.data = data
        super().__init__(str(self))

    @property
    def reason(self) -> str | None:
        """The machine-readable reason word Milepost puts in `data.reason`, if any."""
        value = self.data.get("reason") if isinstance(self.data, dict) else None
        return value if isinstance(value, str) else None

    @property
    def detail(self) -> str:
        """The human text: `data.detail` from Milepost, a string `data` from Leantime."""
        if isinstance(self.data, dict):
            return str(self.data.get("detail") or "")
        return "" if self.data is None else str(self.data)

    def __str__(self) -> str:
        head = self.message if self.code is None else f"{self.code} {self.message}"
        return f"{head}: {self.detail}" if self.detail else head


class RpcError(ClientError):
    """Raised when the server answers a call with a JSON-RPC error object."""

    codes: ClassVar[tuple[int, ...]] = ()
    code: int

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(code, message, data)


class ParseError(RpcError):
    """Raised when the server could not parse the request body."""

    codes = (-32700,)


class InvalidRequest(RpcError):
    """Raised when the server refused the envelope (an empty or oversize batch, ...)."""

    codes = (-32600,)


class MethodNotFound(RpcError):
    """Raised when the method does not exist on the server."""

    codes = (-32601,)


class NotSupported(MethodNotFound):
    """Raised for a Leantime method Milepost deliberately does not have."""


class InvalidParams(RpcError):
    """Raised when a parameter is missing, of the wrong type, or breaks a rule."""

    codes = (-32602,)


class ServerError(RpcError):
    """Raised when the server failed while answering (-32603, or Leantime's -32000)."""

    codes = (-32603, -32000)


class Forbidden(RpcError):
    """Raised when the caller lacks the permission or the project access."""

    codes = (-32001,)


class NotFound(RpcError):
    """Raised when the entity does not exist or lies outside what the caller may see."""

    codes = (-32002,)


class Conflict(RpcError):
    """Raised when a unique name is taken or an expected version is stale."""

    codes = (-32005,)


class TransportError(ClientError):
    """Raised when the HTTP exchange gave no JSON-RPC answer; `status` is the HTTP status."""

    def __init__(
        self, message: str, *, status: int | None = None, code: int | None = None, data: Any = None
    ) -> None:
        self.status = status
        super().__init__(code, message, data)


class Unauthorized(TransportError):
    """Raised on HTTP 401: credentials are missing, unknown, revoked or expired."""


class RateLimited(TransportError):
    """Raised on HTTP 429 once the retries are spent; `retry_after` is the server's wait."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None,
        status: int | None = 429,
        code: int | None = None,
        data: Any = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, status=status, code=code, data=data)


class NetworkError(TransportError):
    """Raised when no connection could be made, or it broke or timed out."""

    @classmethod
    def after(cls, url: str, cause: Exception) -> NetworkError:
        return cls("Connection failed", data=f"POST {url}: {type(cause).__name__}: {cause}")


class UnexpectedResponse(TransportError):
    """Raised on an HTTP status or a body that is not a JSON-RPC answer."""


_BY_CODE: dict[int, type[RpcError]] = {
    code: kind
    for kind in (
        ParseError,
        InvalidRequest,
        MethodNotFound,
        InvalidParams,
        ServerError,
        Forbidden,
        NotFound,
        Conflict,
    )
    for code in kind.codes
}


def error_from(error: Any) -> ClientError:
    """The typed exception for a JSON-RPC error object as the server sent it."""
    if not isinstance(error, dict) or not isinstance(error.get("code"), int):
        return UnexpectedResponse(
            f"expected a JSON-RPC error object with an integer code, got {error!r:.200}"
        )
    code, message, data = error["code"], str(error.get("message") or ""), error.get("data")
    kind = _BY_CODE.get(code, RpcError)
    if kind is MethodNotFound and isinstance(data, dict) and data.get("reason") == "not_supported":
        kind = NotSupported
    return kind(code, message, data)
