"""Calls by attribute: `client.tickets.getTicket(id=9)` and `client.Api.Config.getSystemInfo()`.

Each attribute adds one part to the method name after `leantime.rpc.`; calling the
path sends it. Leantime names have two parts (domain and method) or three (domain,
service and method), so a fourth attribute is an error. Names starting with `_` are
never method names (they keep copy, pickle and introspection working).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from milepost.client.wire import PREFIX

T = TypeVar("T")

Invoke = Callable[[str, tuple[Any, ...], dict[str, Any]], T]
MAX_PARTS = 3


class MethodPath(Generic[T]):
    """A method name being built attribute by attribute; call it to send the call."""

    __slots__ = ("_invoke", "_parts")

    def __init__(self, invoke: Invoke[T], parts: tuple[str, ...]) -> None:
        self._invoke = invoke
        self._parts = parts

    def __getattr__(self, part: str) -> MethodPath[T]:
        if part.startswith("_"):
            raise AttributeError(part)
        if len(self._parts) >= MAX_PARTS:
            raise AttributeError(
                f"a method name has at most {MAX_PARTS} parts after {PREFIX!r} "
                f"(domain, service, method); got {'.'.join((*self._parts, part))!r}"
            )
        return MethodPath(self._invoke, (*self._parts, part))

    def __call__(self, *args: Any, **params: Any) -> T:
        return self._invoke(self._name(), args, params)

    def _name(self) -> str:
        return PREFIX + ".".join(self._parts)

    def __repr__(self) -> str:
        return f"<method {self._name()}>"


def path(invoke: Invoke[T], part: str) -> MethodPath[T]:
    """The first attribute of a call by attribute, as a client's `__getattr__` hands it over."""
    if part.startswith("_"):
        raise AttributeError(part)
    return MethodPath(invoke, (part,))
