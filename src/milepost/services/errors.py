"""The errors that services raise, drawn once.

    ServiceError                 base: carries a JSON-RPC code, a reason word and a detail
    ├── InvalidParams            -32602  input that does not fit (names the param, the expectation)
    ├── Forbidden                -32001  the caller lacks the permission or the project access
    ├── NotFound                 -32002  the entity does not exist (or is hidden from the caller)
    ├── Conflict                 -32005  a uniqueness rule or an expected version was violated
    ├── NotSupported             -32601  a Leantime method for a feature Milepost lacks
    └── Unauthenticated          -32001  no valid credentials (HTTP 401 on the wire)

Transports map these to their own wire without `isinstance` chains: every error carries
its `code`, `message`, `reason` and a `data()` dict. Anything else that escapes a service
is a programming error and is answered as an internal error by the transport.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ServiceError(Exception):
    """Base of every error a service raises on purpose."""

    code: ClassVar[int] = -32603
    message: ClassVar[str] = "Internal error"
    default_reason: ClassVar[str] = "internal"

    def __init__(self, detail: str, *, reason: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.reason = reason or self.default_reason

    def data(self) -> dict[str, Any]:
        return {"reason": self.reason, "detail": self.detail}


class InvalidParams(ServiceError):
    """Raised when a parameter is missing, of the wrong type, or fails a rule."""

    code = -32602
    message = "Invalid params"
    default_reason = "invalid_params"

    def __init__(
        self,
        detail: str,
        *,
        param: str | None = None,
        expected: str | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(detail, reason=reason)
        self.param = param
        self.expected = expected

    def data(self) -> dict[str, Any]:
        data = super().data()
        if self.param is not None:
            data["param"] = self.param
        if self.expected is not None:
            data["expected"] = self.expected
        return data


class Forbidden(ServiceError):
    """Raised when the caller may not perform the action or reach the project."""

    code = -32001
    message = "You are not allowed to perform this action."
    default_reason = "forbidden"


class NotFound(ServiceError):
    """Raised when the entity does not exist or lies outside what the caller may see."""

    code = -32002
    message = "The requested resource could not be found."
    default_reason = "not_found"


class Conflict(ServiceError):
    """Raised when a unique name is taken or an expected version is stale."""

    code = -32005
    message = "Conflict"
    default_reason = "conflict"


class NotSupported(ServiceError):
    """Raised by Leantime methods whose feature Milepost deliberately does not have."""

    code = -32601
    message = "Method not found"
    default_reason = "not_supported"


class Unauthenticated(ServiceError):
    """Raised when credentials are missing or do not identify an active principal.

    `reason` is one of missing, malformed, unknown, revoked, expired, deactivated; the
    detail never says which part of a secret was wrong.
    """

    code = -32001
    message = "Unauthorized"
    default_reason = "unknown"
