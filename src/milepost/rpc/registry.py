"""The method registry: service operations under Leantime's wire names.

A wire name is `leantime.rpc.<Domain>.<method>` (domain and service share a name) or
`leantime.rpc.<Domain>.<Service>.<method>`. Leantime studly-cases the domain and the
service and camel-cases the method, and PHP looks methods up without regard to case, so
every part is matched with `_`, `-` and spaces removed and letters lower-cased:
`leantime.rpc.tickets.get_ticket` and `leantime.rpc.Tickets.Tickets.getTicket` are the
same method.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from milepost.rpc.binding import Binder
from milepost.rpc.types import Shape, shape_of
from milepost.services.errors import ServiceError
from milepost.services.operations import Operation

PREFIX = "leantime.rpc."
# Names resolved before are looked up as sent; folding a name costs more than the rest of
# a small call's dispatch. Spellings are unbounded, so the memo stops growing at this size.
_MEMO_SIZE = 4096


class MethodNotFound(ServiceError):
    """Raised when a method name does not resolve to an operation."""

    code = -32601
    message = "Method not found"
    default_reason = "method_not_found"


def _fold(part: str) -> str:
    return part.replace("_", "").replace("-", "").replace(" ", "").lower()


@dataclass(frozen=True)
class Method:
    """An operation as the wire sees it."""

    name: str  # canonical wire name, e.g. leantime.rpc.Tickets.Tickets.getTicket
    operation: Operation
    binder: Binder
    result: Shape

    @cached_property
    def lists(self) -> bool:
        """Whether the method answers a list, and so takes the paging params."""
        shapes = self.result.options if self.result.kind == "union" else (self.result,)
        return any(shape.kind == "list" for shape in shapes)

    @property
    def short_name(self) -> str:
        """The 4-part form where domain and service share a name."""
        domain, service, method = self.operation.wire.split(".")
        if domain == service:
            return f"{PREFIX}{domain}.{method}"
        return self.name


class Registry:
    def __init__(self, operations: Iterable[Operation]) -> None:
        self._methods: dict[tuple[str, str, str], Method] = {}
        for op in operations:
            hints = typing.get_type_hints(op.func)
            method = Method(PREFIX + op.wire, op, Binder(op.func), shape_of(hints["return"]))
            for wire in (op.wire, *op.aliases):
                key = self._key(wire.split("."))
                if key in self._methods:
                    raise ValueError(f"two operations claim the wire name {wire}")
                self._methods[key] = method
        self._memo: dict[str, Method] = {}

    @staticmethod
    def _key(parts: list[str]) -> tuple[str, str, str]:
        if len(parts) == 2:
            parts = [parts[0], *parts]
        domain, service, method = parts
        return _fold(domain), _fold(service), _fold(method)

    def resolve(self, name: str) -> Method:
        method = self._memo.get(name)
        if method is None:
            method = self._resolve(name)
            if len(self._memo) < _MEMO_SIZE:
                self._memo[name] = method
        return method

    def _resolve(self, name: str) -> Method:
        if not name.startswith(PREFIX):
            raise MethodNotFound(
                f'Method string doesn\'t start with "{PREFIX}": {name!r}', reason="bad_method_name"
            )
        parts = name[len(PREFIX) :].split(".")
        if len(parts) not in (2, 3) or not all(parts):
            raise MethodNotFound(
                "Method must follow the naming convention"
                ' "leantime.rpc.{domain}.{method}" or "leantime.rpc.{domain}.{service}.{method}"'
                f", got {name!r}",
                reason="bad_method_name",
            )
        method = self._methods.get(self._key(parts))
        if method is None:
            raise MethodNotFound(f"Method doesn't exist: {name}")
        return method

    def __iter__(self) -> Iterator[Method]:
        seen: set[str] = set()
        for method in self._methods.values():
            if method.name not in seen:
                seen.add(method.name)
                yield method

    def __len__(self) -> int:
        return sum(1 for _ in self)
