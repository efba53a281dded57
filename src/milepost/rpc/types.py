"""One reading of a Python annotation, used for both coercion and JSON Schema.

Service signatures are the API contract. Each annotation is read once into a `Shape`
(a small tree: scalar, object with known fields, list, union, literal, any); the binder
turns shapes into coercion functions and discovery turns them into JSON Schemas, so the
two cannot disagree.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal, Union, get_args, get_origin, is_typeddict

from milepost.services.values import INT64

ShapeKind = Literal[
    "int", "int64", "float", "bool", "str", "none", "any", "object", "list", "union", "literal"
]


@dataclass(frozen=True)
class Shape:
    kind: ShapeKind
    # object: known fields and the ones that are required; list: the item shape;
    # union: the alternatives; literal: the allowed values.
    fields: dict[str, Shape] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    items: Shape | None = None
    options: tuple[Shape, ...] = ()
    values: tuple[Any, ...] = ()
    title: str | None = None
    doc: str | None = None

    @property
    def nullable(self) -> bool:
        return self.kind == "none" or any(option.kind == "none" for option in self.options)

    def without_none(self) -> Shape:
        if self.kind != "union":
            return self
        rest = tuple(option for option in self.options if option.kind != "none")
        return rest[0] if len(rest) == 1 else Shape("union", options=rest)


_SCALARS: dict[Any, ShapeKind] = {
    int: "int",
    float: "float",
    bool: "bool",
    str: "str",
    type(None): "none",
    None: "none",
    Any: "any",
    object: "any",
}


def shape_of(annotation: Any) -> Shape:
    """Read a resolved annotation (from `typing.get_type_hints`) into a Shape."""
    if annotation in _SCALARS:
        return Shape(_SCALARS[annotation])
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        base, *metadata = get_args(annotation)
        if base is int and INT64 in metadata:
            return Shape("int64")
        return shape_of(base)
    if origin in (Union, types.UnionType):
        return Shape("union", options=tuple(shape_of(arg) for arg in get_args(annotation)))
    if origin is Literal:
        return Shape("literal", values=get_args(annotation))
    if origin in (list, tuple, typing.Sequence) or annotation in (list, tuple):
        args = get_args(annotation)
        return Shape("list", items=shape_of(args[0]) if args else Shape("any"))
    if origin is dict or annotation is dict:
        return Shape("object")
    if is_typeddict(annotation):
        hints = typing.get_type_hints(annotation)
        return Shape(
            "object",
            fields={name: shape_of(hint) for name, hint in hints.items()},
            required=frozenset(annotation.__required_keys__),
            title=annotation.__name__,
            doc=annotation.__doc__,
        )
    raise TypeError(f"annotation {annotation!r} has no JSON shape")
