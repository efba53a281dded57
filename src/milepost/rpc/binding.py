"""Binding JSON-RPC params to a service function's parameters, with Leantime's casts.

Params bind by name (as Leantime does) or by position (as JSON-RPC allows; positions
follow the signature's order). Scalars are cast as Leantime casts them: `"9"` is 9,
`9.0` is 9, `true` is 1, `"false"` is false, `5` is `"5"`. The same casts apply to the
known fields inside wrapper objects (`values`, `params`). Unknown names are ignored.

Where Leantime breaks on input that clients plausibly send, the binder accepts it:
an explicit `null` for an optional parameter means "use the default", union-typed
parameters can be supplied, and a flat object where one wrapper object was expected is
taken as that wrapper (`{"headline": "x", "projectId": 1}` for `addTicket`).
"""

from __future__ import annotations

import inspect
import math
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from milepost.rpc.types import Shape, shape_of
from milepost.services.errors import InvalidParams

Coerce = Callable[[Any, str], Any]

_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
# Integers beyond 64 bits fit no database column (SQLite overflows, PostgreSQL errors).
# Plain integers are ids, counts and codes in 32-bit columns; Int64 fields are 64-bit.
_INT_RANGE = range(-(2**31), 2**31)
_INT_EXPECTED = "an integer from -2^31 to 2^31-1"
_INT64_RANGE = range(-(2**63), 2**63)
_INT64_EXPECTED = "an integer from -2^63 to 2^63-1"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


class CastError(Exception):
    def __init__(self, path: str, expected: str, got: Any) -> None:
        super().__init__(path)
        self.path, self.expected, self.got = path, expected, got

    def to_invalid_params(self) -> InvalidParams:
        got = _show(self.got)
        return InvalidParams(
            f"param `{self.path}`: expected {self.expected}, got {got}",
            param=self.path,
            expected=self.expected,
        )


def _show(value: Any) -> str:
    if value is None:
        return "null"
    text = repr(value) if isinstance(value, str) else type(value).__name__
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _to_int(value: Any, path: str) -> int:
    number = _to_int64(value, path)
    if number not in _INT_RANGE:
        raise CastError(path, _INT_EXPECTED, value)
    return number


def _to_int64(value: Any, path: str) -> int:
    number: int | None = None
    if isinstance(value, bool):
        number = 1 if value else None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _INT.fullmatch(value.strip()):
        number = int(value.strip())
    if number is None:
        raise CastError(path, "an integer", value)
    if number not in _INT64_RANGE:
        raise CastError(path, _INT64_EXPECTED, value)
    return number


def _to_float(value: Any, path: str) -> float:
    number: float | None = None
    if isinstance(value, bool):
        number = 1.0 if value else 0.0
    elif isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and _FLOAT.fullmatch(value.strip()):
        number = float(value.strip())
    if number is None:
        raise CastError(path, "a number", value)
    if not math.isfinite(number):
        raise CastError(path, "a finite number", value)
    return number


def _to_bool(value: Any, path: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise CastError(path, "a boolean", value)


def _to_str(value: Any, path: str) -> str:
    if isinstance(value, str):
        if "\x00" in value:
            raise CastError(path, "a string without NUL characters", value)
        return value
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    raise CastError(path, "a string", value)


def _to_any(value: Any, _path: str) -> Any:
    return value


def _reject_none(value: Any, path: str) -> None:
    raise CastError(path, "null", value)


_SCALAR_COERCERS: dict[str, Coerce] = {
    "int": _to_int,
    "int64": _to_int64,
    "float": _to_float,
    "bool": _to_bool,
    "str": _to_str,
    "any": _to_any,
}


def coercer(shape: Shape) -> Coerce:
    """Build the cast function for one shape, once, at registry build time."""
    if shape.kind in _SCALAR_COERCERS:
        return _SCALAR_COERCERS[shape.kind]
    if shape.kind == "none":
        return _none_only
    if shape.kind == "literal":
        return _literal(shape.values)
    if shape.kind == "list":
        assert shape.items is not None
        return _list(coercer(shape.items))
    if shape.kind == "object":
        return _object({name: coercer(field) for name, field in shape.fields.items()})
    return _union(shape)


def _none_only(value: Any, path: str) -> None:
    if value is not None:
        raise CastError(path, "null", value)


def _literal(values: tuple[Any, ...]) -> Coerce:
    expected = "one of " + ", ".join(repr(v) for v in values)

    def coerce(value: Any, path: str) -> Any:
        if value in values:
            return value
        raise CastError(path, expected, value)

    return coerce


def _list(item: Coerce) -> Coerce:
    def coerce(value: Any, path: str) -> list[Any]:
        if isinstance(value, dict) and not value:
            return []
        if not isinstance(value, list):
            raise CastError(path, "an array", value)
        return [item(element, f"{path}[{index}]") for index, element in enumerate(value)]

    return coerce


def _object(fields: dict[str, Coerce]) -> Coerce:
    def coerce(value: Any, path: str) -> dict[str, Any]:
        # PHP has one array type, so Leantime clients send [] for an empty object.
        if isinstance(value, list) and not value:
            return {}
        if not isinstance(value, dict):
            raise CastError(path, "an object", value)
        if not fields:
            return value
        result = dict(value)
        for name, cast in fields.items():
            if name in result and result[name] is not None:
                result[name] = cast(result[name], f"{path}.{name}")
        return result

    return coerce


def _union(shape: Shape) -> Coerce:
    options = [coercer(option) for option in shape.options if option.kind != "none"]
    nullable = shape.nullable
    expected = " or ".join(_describe(option) for option in shape.options)

    containers = [
        (coercer(option), "object" if option.kind == "object" else "list")
        for option in shape.options
        if option.kind in ("object", "list")
    ]
    kinds = {option.kind for option in shape.options}
    integer = next(
        (coercer(o) for o in shape.options if o.kind in ("int", "int64") and "float" not in kinds),
        None,
    )

    def coerce(value: Any, path: str) -> Any:
        if value is None and nullable:
            return None
        # An object or array that only one option can take reports that option's own
        # complaint (the field inside that is wrong), not the union's.
        kind = "object" if isinstance(value, dict) else "list" if isinstance(value, list) else ""
        matching = [option for option, accepts in containers if accepts == kind]
        if len(matching) == 1:
            return matching[0](value, path)
        if integer is not None and isinstance(value, int) and not isinstance(value, bool):
            # A number past the integer's range is refused here, not taken by the `str`
            # option as a digit string that the service would then use as an id.
            integer(value, path)
        for option in options:
            try:
                return option(value, path)
            except CastError:
                continue
        raise CastError(path, expected, value)

    return coerce


def _describe(shape: Shape) -> str:
    names = {
        "int": "an integer",
        "int64": "an integer",
        "float": "a number",
        "bool": "a boolean",
        "str": "a string",
        "none": "null",
        "any": "any value",
        "object": "an object",
        "list": "an array",
    }
    if shape.kind == "literal":
        return "one of " + ", ".join(repr(v) for v in shape.values)
    if shape.kind == "union":
        return " or ".join(_describe(option) for option in shape.options)
    return names[shape.kind]


@dataclass(frozen=True)
class Param:
    name: str
    shape: Shape
    cast: Coerce
    required: bool
    default: Any


class Binder:
    """Binds the params of one call to keyword arguments for one service function."""

    def __init__(self, func: Callable[..., Any]) -> None:
        hints = typing.get_type_hints(func)
        signature = inspect.signature(func)
        self.params: list[Param] = []
        for name, parameter in list(signature.parameters.items())[1:]:  # skip ctx
            shape = shape_of(hints[name])
            required = parameter.default is inspect.Parameter.empty
            self.params.append(
                Param(
                    name, shape, coercer(shape), required, None if required else parameter.default
                )
            )
        self.names = frozenset(param.name for param in self.params)
        wrappers = [p for p in self.params if p.shape.without_none().kind == "object"]
        # The one object parameter that a flat params object may stand for.
        self._wrapper = wrappers[0] if len(wrappers) == 1 else None

    def bind(self, params: dict[str, Any] | list[Any] | None) -> dict[str, Any]:
        if params is None:
            params = {}
        elif isinstance(params, list):
            params = self._by_position(params)
        else:
            params = self._unflatten(params)
        args: dict[str, Any] = {}
        for param in self.params:
            value = params.get(param.name)
            if value is None:
                if param.required and not param.shape.nullable:
                    if param.name in params:
                        raise InvalidParams(
                            f"Parameter {param.name} can't be null",
                            param=param.name,
                            expected=_describe(param.shape),
                        )
                    raise InvalidParams(
                        f"Required Parameter Missing: {param.name}",
                        param=param.name,
                        expected=_describe(param.shape),
                    )
                args[param.name] = param.default
                continue
            try:
                args[param.name] = param.cast(value, param.name)
            except CastError as error:
                raise error.to_invalid_params() from None
        return args

    def _by_position(self, values: list[Any]) -> dict[str, Any]:
        if len(values) > len(self.params):
            raise InvalidParams(
                f"too many positional params: expected at most {len(self.params)}"
                f" ({', '.join(p.name for p in self.params) or 'none'}), got {len(values)}",
                param="params",
                expected=f"at most {len(self.params)} values",
            )
        return {param.name: value for param, value in zip(self.params, values, strict=False)}

    def _unflatten(self, params: dict[str, Any]) -> dict[str, Any]:
        wrapper = self._wrapper
        if wrapper is None or wrapper.name in params:
            return params
        loose = {key: value for key, value in params.items() if key not in self.names}
        if not loose:
            return params
        bound = {key: value for key, value in params.items() if key in self.names}
        # A flat call also carries the fields the wrapper shares with the other params
        # (patchTicket's `id`), so keep those inside the wrapper too.
        if wrapper.shape.without_none().fields:
            for key, value in bound.items():
                if key in wrapper.shape.without_none().fields:
                    loose.setdefault(key, value)
        bound[wrapper.name] = loose
        return bound
