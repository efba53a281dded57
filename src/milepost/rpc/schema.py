"""JSON Schema (draft 7, as OpenRPC 1.4 uses) for a Shape.

The schemas describe what the binder accepts in its canonical form (an integer param is
`integer`); the binder's lenient casts (`"9"` for 9) are documented, not advertised.
"""

from __future__ import annotations

from typing import Any

from milepost.rpc.types import Shape

_SCALAR_SCHEMAS: dict[str, dict[str, Any]] = {
    "int": {"type": "integer"},
    "int64": {"type": "integer"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "str": {"type": "string"},
    "none": {"type": "null"},
    "any": {},
}


def json_schema(shape: Shape) -> dict[str, Any]:
    if shape.kind in _SCALAR_SCHEMAS:
        return dict(_SCALAR_SCHEMAS[shape.kind])
    if shape.kind == "literal":
        if len(shape.values) == 1:
            return {"const": shape.values[0]}
        return {"enum": list(shape.values)}
    if shape.kind == "list":
        assert shape.items is not None
        return {"type": "array", "items": json_schema(shape.items)}
    if shape.kind == "object":
        schema: dict[str, Any] = {"type": "object"}
        if shape.title:
            schema["title"] = shape.title
        if shape.doc:
            schema["description"] = " ".join(shape.doc.split())
        if shape.fields:
            schema["properties"] = {name: json_schema(f) for name, f in shape.fields.items()}
            if shape.required:
                schema["required"] = sorted(shape.required)
        return schema
    return {"anyOf": [json_schema(option) for option in shape.options]}
