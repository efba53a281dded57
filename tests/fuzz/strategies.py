"""Hypothesis strategies for what a careless or hostile client sends.

`from_schema` turns the JSON Schemas that `rpc.discover` publishes (the subset our
discovery writes: type, properties, required, items, anyOf, enum, const) into values
that fit them, and, now and then, values that almost fit (a wrong type, a string where a
number goes, an unknown field), because the binder's casts are what is being tested.
The other strategies make whole bodies: random JSON, broken JSON, batches, and method
names bent the ways Leantime's name matching allows and a few ways it does not.
"""

from __future__ import annotations

import base64
import functools
import json
from typing import Any
from urllib.parse import urlencode

from hypothesis import strategies as st

# Values that reach the edges of the casts and of the database columns.
EDGE_INTEGERS = [0, 1, 2, 3, 4, 5, 6, 7, 100, 101, -1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, -(2**63)]
SQL_TEXT = [
    "' OR '1'='1",
    "1; DROP TABLE zp_tickets; --",
    "%' UNION SELECT password FROM zp_user --",
    '") OR 1=1 --',
    "\\",
    "%",
    "_",
    "id DESC",
    "date; DELETE FROM zp_user",
]
ODD_TEXT = [
    "",
    " ",
    "9",
    "-1",
    "1.5",
    "true",
    "false",
    "null",
    "2024-02-30",
    "2024-01-01T00:00:00Z",
    "12/31/2024",
    "0000-00-00 00:00:00",
    "20240101T120000Z",
    "all",
    "done",
    "not_done",
    "backlog",
    "1,2,3",
    "1,,x",
    "\x00",
    "\ud7ff\ue000",
    "<script>alert(1)</script>",
    "lt_abc_def",
]

# Past the lengths of VARCHAR columns (255 characters, or bytes) and far past them.
LONG_TEXT = ["x" * 255, "x" * 256, "\u00e9" * 200, "\U0001f600" * 300, "z" * 5000, "w" * 70_000]
_short_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(SQL_TEXT + ODD_TEXT),
    st.text(alphabet="0123456789,-. :T/Z", max_size=20),
)
_long_text = st.sampled_from(LONG_TEXT)
_text = st.integers(0, 19).flatmap(lambda roll: _long_text if roll == 0 else _short_text)
_integers = st.one_of(st.sampled_from(EDGE_INTEGERS), st.integers(-1000, 1000), st.integers())
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    _integers,
    st.floats(allow_nan=False, allow_infinity=False),
    _text,
)


@functools.cache
def json_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Any JSON value (objects with random and with meaningful keys)."""
    keys = st.one_of(
        st.text(max_size=8),
        st.sampled_from(["id", "projectId", "values", "params", "method", "jsonrpc", "headline"]),
    )
    return st.recursive(
        _scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)
        ),
        max_leaves=max_leaves,
    )


def from_schema(schema: dict[str, Any], *, wrong: bool = True) -> st.SearchStrategy[Any]:
    """Values that fit `schema`; with `wrong`, one value in twenty is any JSON instead."""
    key = (json.dumps(schema, sort_keys=True), wrong)
    if key not in _SCHEMA_STRATEGIES:
        fitting = _fitting(schema, wrong)
        _SCHEMA_STRATEGIES[key] = (
            st.integers(0, 19).flatmap(lambda roll: json_values(6) if roll == 0 else fitting)
            if wrong
            else fitting
        )
    return _SCHEMA_STRATEGIES[key]


_SCHEMA_STRATEGIES: dict[tuple[str, bool], st.SearchStrategy[Any]] = {}


def _fitting(schema: dict[str, Any], wrong: bool) -> st.SearchStrategy[Any]:
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "anyOf" in schema:
        return st.one_of([from_schema(option, wrong=wrong) for option in schema["anyOf"]])
    kind = schema.get("type")
    if kind == "integer":
        return st.one_of(_integers, _integers.map(str))  # "9" is 9, as Leantime casts
    if kind == "number":
        return st.one_of(_integers, st.floats(allow_nan=False, allow_infinity=False))
    if kind == "string":
        return _text
    if kind == "boolean":
        return st.one_of(st.booleans(), st.sampled_from(["true", "false", "1", "0", 1, 0]))
    if kind == "null":
        return st.none()
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {}), wrong=wrong), max_size=4)
    if kind == "object":
        return _object(schema, wrong)
    return json_values(8)


def _object(schema: dict[str, Any], wrong: bool) -> st.SearchStrategy[dict[str, Any]]:
    properties: dict[str, Any] = schema.get("properties", {})
    if not properties:
        return st.dictionaries(st.text(max_size=8), json_values(4), max_size=3)
    required = set(schema.get("required", []))
    fields = {name: from_schema(sub, wrong=wrong) for name, sub in properties.items()}
    optional = {name: fields[name] for name in properties if name not in required}
    if wrong:
        optional["unknownField"] = json_values(3)
    return st.fixed_dictionaries({name: fields[name] for name in required}, optional=optional)


PAGE_PARAMS = {
    "pageSize": st.one_of(st.integers(-2, 1200), st.sampled_from(["10", "x", 0, 1.5, True])),
    "cursor": st.one_of(st.text(max_size=12), st.sampled_from(["bXAxOjU", "mp1:5", ""])),
    "withTotal": st.one_of(st.booleans(), st.sampled_from(["1", "yes"])),
    "modifiedSince": st.one_of(_text, st.sampled_from(["2020-01-01", "2999-01-01 00:00:00"])),
    "fields": st.one_of(st.lists(_text, max_size=3), _text, st.integers()),
}


def answers_list(method: dict[str, Any]) -> bool:
    """Whether the method's result is a list (and so takes the paging params)."""
    schema = method["result"]["schema"]
    options = schema.get("anyOf", [schema])
    return any(option.get("type") == "array" for option in options)


@st.composite
def params_for(draw: st.DrawFn, method: dict[str, Any]) -> Any:
    """Params for one discovered method: by name or by position, now and then odd.

    Seven calls in ten fit the schema throughout (so that they get past the binder and
    reach the service); the rest carry a wrong value here and there."""
    declared = method["params"]
    wrong = draw(st.integers(0, 9)) >= 7
    named: dict[str, Any] = {}
    for param in declared:
        if param["required"] or draw(st.booleans()):
            named[param["name"]] = draw(from_schema(param["schema"], wrong=wrong))
    if answers_list(method) and draw(st.integers(0, 3)) == 0:
        named.update(draw(st.fixed_dictionaries({}, optional=PAGE_PARAMS)))
    form = draw(st.sampled_from(["named", "named", "named", "positional", "string", "odd"]))
    if form == "positional":
        return [named.get(param["name"]) for param in declared][: draw(st.integers(0, 6))]
    if form == "string":
        return json.dumps(named)
    if form == "odd":
        return draw(st.one_of(st.none(), st.just({}), st.just([]), json_values(6)))
    return named


def method_names(known: list[str]) -> st.SearchStrategy[str]:
    """Real names, their legal respellings, and names that are close but wrong."""
    real = st.sampled_from(known)
    return st.one_of(
        real,
        real.flatmap(_respell),
        real.flatmap(_break),
        st.sampled_from(["rpc.discover", "rpc.", "rpc.other", "leantime.rpc.", "leantime.rpc"]),
        st.text(max_size=30),
        st.text(max_size=20).map(lambda tail: "leantime.rpc." + tail),
    )


def _respell(name: str) -> st.SearchStrategy[str]:
    parts = name.split(".")

    def spell(part: str, upper: list[bool], sep: str) -> str:
        letters = [c.upper() if up else c.lower() for c, up in zip(part, upper * 99, strict=False)]
        return sep.join(["".join(letters[:2]), "".join(letters[2:])]) if sep else "".join(letters)

    return st.tuples(
        st.lists(st.booleans(), min_size=1, max_size=6), st.sampled_from(["", "", "_", "-"])
    ).map(lambda drawn: ".".join(parts[:2] + [spell(p, *drawn) for p in parts[2:]]))


def _break(name: str) -> st.SearchStrategy[str]:
    parts = name.split(".")
    return st.one_of(
        st.just(".".join([*parts, "extra"])),
        st.just(".".join(parts[:-1])),
        st.just(name + "."),
        st.just(name.replace(".", "..", 1)),
        st.just(name.upper()),
        st.just(" " + name),
        st.just(name[: len(name) // 2]),
        st.text(max_size=3).map(lambda junk: name + junk),
    )


@st.composite
def requests(draw: st.DrawFn, names: st.SearchStrategy[str], params: Any = None) -> Any:
    """One request object: mostly well formed, with the envelope's fields varied."""
    request: dict[str, Any] = {}
    if draw(st.integers(0, 15)):
        request["jsonrpc"] = "2.0"
    else:
        request["jsonrpc"] = draw(st.one_of(st.sampled_from(["1.0", "2", 2.0]), json_values(2)))
    if draw(st.integers(0, 20)):
        request["method"] = draw(names)
    else:
        request["method"] = draw(json_values(2))
    id_kind = draw(st.integers(0, 9))
    if id_kind < 6:
        request["id"] = draw(st.one_of(st.integers(), st.text(max_size=10)))
    elif id_kind == 6:
        request["id"] = None
    elif id_kind == 7:
        request["id"] = draw(json_values(3))
    # id_kind 8 and 9: a notification
    if params is not None:
        request["params"] = params
    elif draw(st.booleans()):
        request["params"] = draw(json_values(6))
    return request


def encode_get(request: dict[str, Any]) -> str:
    """The query string of a GET call: params as base64 of JSON, as Leantime reads it."""
    fields = {k: str(v) for k, v in request.items() if k != "params" and isinstance(v, str | int)}
    if "params" in request:
        raw = json.dumps(request["params"]).encode()
        fields["params"] = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return urlencode(fields)


def encode_form(request: dict[str, Any]) -> str:
    """A form-encoded body: Leantime reads `method`, `jsonrpc`, `id` and `params` fields."""
    fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in request.items()}
    return urlencode(fields)


@st.composite
def broken_bodies(draw: st.DrawFn) -> bytes:
    """Bytes that are not a JSON-RPC request: junk, truncated or odd JSON, deep nesting."""
    kind = draw(st.integers(0, 7))
    if kind == 0:
        return draw(st.binary(max_size=200))
    if kind == 1:
        text = json.dumps(draw(json_values()))
        return text[: draw(st.integers(0, len(text)))].encode()
    if kind == 2:
        depth = draw(st.integers(1, 3000))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        return (opener * depth + "1" + closer * depth).encode()
    if kind == 3:
        return draw(
            st.sampled_from([b"NaN", b"[Infinity]", b"1e999", b'"\\ud800"', b"\xef\xbb\xbf{}"])
        )
    if kind == 4:
        return draw(st.sampled_from([b"", b" ", b"null", b"[]", b"{}", b"[[]]", b"[null]", b"0"]))
    if kind == 5:
        return ("9" * draw(st.integers(1, 5000))).encode()
    if kind == 6:
        return json.dumps(draw(json_values())).encode()
    return json.dumps(draw(json_values()), ensure_ascii=False).encode("utf-16")
