"""JSON-RPC 2.0 envelopes: requests, batches, notifications and errors.

Where Leantime deviates from the specification, the specification wins (PRODUCT.md,
contract item 6): an `id` of null is answered; notifications (no `id` member) are never
answered, in a batch or alone, but an invalid Request object (no method name, a version
other than "2.0") is no notification and gets its -32600 with `"id": null`; an empty
batch is one -32600; each non-object batch member gets its own -32600; a parse error has
`"id": null`. Application errors keep
Leantime's codes, and `error.data` is always an object with a `reason` word and a
`detail` text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from milepost.rpc.registry import MethodNotFound, Registry
from milepost.services import paging
from milepost.services.errors import InvalidParams, ServiceError
from milepost.services.layer import CallMeta

if TYPE_CHECKING:
    from milepost.services.layer import ServiceLayer
    from milepost.services.operations import Operation
    from milepost.services.permissions import Principal

logger = logging.getLogger("milepost.rpc")

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INTERNAL_ERROR = -32603
DEFAULT_MAX_DEPTH = 64
_INT64_LIMIT = 2.0**63
_INTERNAL = object()  # a batch member's call failed unexpectedly


def error_body(code: int, message: str, data: dict[str, Any], id_: Any = None) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "error": {"code": code, "message": message, "data": data}, "id": id_}


def parse_error(detail: str) -> dict[str, Any]:
    return error_body(PARSE_ERROR, "Parse error", {"reason": "parse_error", "detail": detail})


def invalid_request(
    detail: str, id_: Any = None, reason: str = "invalid_request"
) -> dict[str, Any]:
    return error_body(INVALID_REQUEST, "Invalid Request", {"reason": reason, "detail": detail}, id_)


def service_error(error: ServiceError, id_: Any) -> dict[str, Any]:
    return error_body(error.code, error.message, error.data(), id_)


def internal_error(id_: Any) -> dict[str, Any]:
    return error_body(
        INTERNAL_ERROR,
        "Internal error",
        {"reason": "internal", "detail": "the server failed; the error is in its log"},
        id_,
    )


def nesting_depth(value: Any, limit: int) -> int:
    """How deeply `value` nests arrays and objects (`[]` is 1), counted up to `limit + 1`."""
    # Exact types, as the parser makes them: `type() is` is the cheap test, and a
    # helper function called per child would double the walk's cost.
    depth = 0
    level = [value] if type(value) is dict or type(value) is list else []
    while level and depth <= limit:
        depth += 1
        level = [
            child
            for container in level
            for child in (container.values() if type(container) is dict else container)
            if type(child) is dict or type(child) is list
        ]
    return depth


def too_deep(limit: int) -> dict[str, Any]:
    return invalid_request(
        f"the request nests arrays and objects more than {limit} levels deep", reason="too_deep"
    )


def decode_params(
    raw: Any, max_depth: int = DEFAULT_MAX_DEPTH
) -> dict[str, Any] | list[Any] | None:
    """Params as sent: absent, an object, an array, or a string holding either."""
    if isinstance(raw, str):
        try:
            raw = orjson.loads(raw) if raw.strip() else None
        except orjson.JSONDecodeError:
            raise InvalidParams(
                "params is a string that does not hold JSON",
                param="params",
                expected="an object or an array",
            ) from None
        if nesting_depth(raw, max_depth) > max_depth:
            raise InvalidParams(
                f"params is a string holding JSON nested more than {max_depth} levels deep",
                param="params",
                expected=f"at most {max_depth} levels of arrays and objects",
                reason="too_deep",
            )
    if raw is None:
        return None
    if isinstance(raw, dict | list):
        return raw or None
    raise InvalidParams(
        "params must be an object, an array, or a string holding JSON of either",
        param="params",
        expected="an object or an array",
    )


class Dispatcher:
    """Answers a decoded JSON-RPC payload on behalf of one principal."""

    def __init__(
        self,
        registry: Registry,
        services: ServiceLayer,
        *,
        max_batch: int,
        builtins: dict[str, Callable[[Principal], Any]],
        max_depth: int = DEFAULT_MAX_DEPTH,
    ) -> None:
        self.registry = registry
        self.services = services
        self.max_batch = max_batch
        self.max_depth = max_depth
        self.builtins = builtins

    def handle(
        self, payload: Any, principal: Principal, request: RequestInfo | None = None
    ) -> Any | None:
        """Return the response document, or None when nothing is to be sent."""
        info = request or RequestInfo()
        if isinstance(payload, list):
            if not payload:
                return invalid_request("an empty batch holds no request", reason="empty_batch")
            if len(payload) > self.max_batch:
                return invalid_request(
                    f"a batch of {len(payload)} requests exceeds the limit of {self.max_batch}",
                    reason="batch_too_large",
                )
            together = self._answer_together(payload, principal)
            answers = [
                together[index]
                if index in together
                else self.handle_one(member, principal, info.member(index))
                for index, member in enumerate(payload)
            ]
            present = [answer for answer in answers if answer is not None]
            return present or None
        return self.handle_one(payload, principal, info)

    def _answer_together(self, batch: list[Any], principal: Principal) -> dict[int, Any]:
        """Answer the batch members that call one read operation able to answer calls
        together (getTicket, say) in one go: one transaction and one query for all of
        them. Returns the answers (None for notifications) by member index; members not
        answered here, including any whose request or params are faulty, are answered
        one by one, so their errors are exactly those of a single call."""
        groups: dict[str, list[tuple[int, dict[str, Any], dict[str, Any]]]] = {}
        operations: dict[str, Operation] = {}
        for index, request in enumerate(batch):
            call = self._joinable(request)
            if call is not None:
                op, args = call
                groups.setdefault(op.wire, []).append((index, request, args))
                operations[op.wire] = op
        answers: dict[int, Any] = {}
        for wire, members in groups.items():
            if len(members) < 2:
                continue
            try:
                results = self.services.call_many(
                    operations[wire], principal, [args for _, _, args in members]
                )
            except ServiceError as error:
                results = [error] * len(members)
            except Exception:
                logger.exception("%s x%d failed with an unexpected error.", wire, len(members))
                results = [_INTERNAL] * len(members)
            logger.debug("%s x%d together by %s", wire, len(members), principal.kind)
            for (index, request, _), result in zip(members, results, strict=True):
                id_ = request.get("id")
                if result is _INTERNAL:
                    answer = internal_error(id_)
                elif isinstance(result, ServiceError):
                    answer = service_error(result, id_)
                else:
                    answer = {"jsonrpc": "2.0", "result": _as_sent(principal, result), "id": id_}
                answers[index] = answer if "id" in request else None
        return answers

    def _joinable(self, request: Any) -> tuple[Operation, dict[str, Any]] | None:
        """The operation and bound arguments of a well-formed batch member whose
        operation answers calls together; None for anything else."""
        if not isinstance(request, dict) or _envelope_error(request, None) is not None:
            return None
        if "id" in request and not _valid_id(request["id"]):
            return None
        name = request["method"]
        if name in self.builtins or not name.startswith("leantime.rpc."):
            return None
        try:
            method = self.registry.resolve(name)
            if method.operation.many is None or method.lists:
                return None
            args = method.binder.bind(decode_params(request.get("params"), self.max_depth))
        except Exception:  # answered one by one, with that call's own error
            return None
        return method.operation, args

    def handle_one(
        self, request: Any, principal: Principal, info: RequestInfo
    ) -> dict[str, Any] | None:
        if not isinstance(request, dict):
            return invalid_request(
                f"a request must be a JSON object, got {_json_type(request)}",
            )
        id_ = request.get("id")
        if "id" in request and not _valid_id(id_):
            return invalid_request(
                "id must be a string, a number (an integer within 64 bits) or null,"
                f" got {_json_type(id_)}",
                reason="bad_id",
            )
        # An invalid Request object is no notification: it is answered, with or without id.
        invalid = _envelope_error(request, id_)
        if invalid is not None:
            return invalid
        answer = self._call(request, principal, id_, info)
        return None if "id" not in request else answer

    def _call(
        self, request: dict[str, Any], principal: Principal, id_: Any, info: RequestInfo
    ) -> dict[str, Any]:
        name = request["method"]
        started = time.perf_counter()
        outcome = "ok"
        try:
            result = self._invoke(name, request.get("params"), principal, info)
            return {"jsonrpc": "2.0", "result": result, "id": id_}
        except ServiceError as error:
            outcome = f"{error.code} {error.reason}"
            return service_error(error, id_)
        except Exception:
            outcome = "-32603 internal"
            logger.exception("Method %s failed with an unexpected error.", name)
            return internal_error(id_)
        finally:
            # Debug, not info: a line per call costs a tenth of a fast call, and the audit
            # log already records every write with its caller.
            logger.debug(
                "%s by %s %s in %.1f ms: %s",
                name,
                principal.kind,
                principal.user_id,
                (time.perf_counter() - started) * 1000,
                outcome,
            )

    def _invoke(self, name: str, raw_params: Any, principal: Principal, info: RequestInfo) -> Any:
        builtin = self.builtins.get(name)
        if builtin is not None:
            return builtin(principal)
        if not name.startswith("leantime.rpc.") and name.startswith("rpc."):
            raise MethodNotFound(f"Method doesn't exist: {name}")
        method = self.registry.resolve(name)
        params = decode_params(raw_params, self.max_depth)
        args = method.binder.bind(params)
        meta = CallMeta(
            address=info.address,
            idempotency_key=info.idempotency_key,
            page=paging.request_from(params) if method.lists and isinstance(params, dict) else None,
            encoded=True,
        )
        return _as_sent(principal, self.services.call(method.operation, principal, args, meta))


@dataclass(frozen=True)
class RequestInfo:
    """What the transport knows of the request a call came in."""

    address: str = ""
    idempotency_key: str | None = None

    def member(self, index: int) -> RequestInfo:
        """The info for one member of a batch: its own idempotency key."""
        if self.idempotency_key is None:
            return self
        return RequestInfo(self.address, f"{self.idempotency_key}#{index}")


def _as_sent(principal: Principal, result: Any) -> Any:
    """Leantime 3.7 and older wrapped every result in an array; keys created with
    legacy results keep getting that."""
    return [result] if principal.legacy_results and result is not None else result


def _envelope_error(request: dict[str, Any], id_: Any) -> dict[str, Any] | None:
    """The -32600 answer for a request object without a method name or version 2.0."""
    name = request.get("method")
    if not isinstance(name, str) or not name:
        return invalid_request("Must include method: a non-empty string", id_, "missing_method")
    version = request.get("jsonrpc")
    if version != "2.0":
        detail = (
            'You must include a "jsonrpc" parameter with a value of "2.0"'
            if version is None
            else f'jsonrpc must be the string "2.0", got {orjson.dumps(version).decode()}'
        )
        return invalid_request(detail, id_, "bad_version")
    return None


def _valid_id(value: Any) -> bool:
    if type(value) is int or type(value) is str:  # the usual ids, first
        return True
    if isinstance(value, float) and value.is_integer() and abs(value) >= _INT64_LIMIT:
        # The parser reads integers beyond 64 bits as floats, so the id could not be
        # echoed back as it was sent.
        return False
    return value is None or (isinstance(value, str | int | float) and not isinstance(value, bool))


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return names.get(type(value), type(value).__name__)
