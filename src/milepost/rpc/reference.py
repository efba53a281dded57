"""The published method reference (`docs/methods.md`), generated from the registry.

Everything here is read from the code that dispatches, so the reference cannot drift:
names and aliases from the registry, params and result types from the signatures (the
same annotations the binder and `rpc.discover` read), the permission from the operation,
and the errors from the service code itself. A method's errors are the service errors
its function raises on purpose, followed through the service functions it calls
(errors a `try` around the call catches are left out), plus what the service layer
adds: -32001 for a declared permission and -32602 when there are params to bind.

A method whose body does nothing but raise `NotSupported` is marked not_supported.
"""

from __future__ import annotations

import ast
import collections.abc
import functools
import inspect
import textwrap
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from milepost.services.permissions import PERMISSIONS

if TYPE_CHECKING:
    from milepost.rpc.registry import Method, Registry
    from milepost.services.operations import Operation

ERROR_CODES: dict[str, int] = {
    "NotSupported": -32601,
    "InvalidParams": -32602,
    "Forbidden": -32001,
    "NotFound": -32002,
    "Conflict": -32005,
}
_ERROR_NAMES = {code: name for name, code in ERROR_CODES.items()}
_HINTS: dict[Any, str] = {
    int: "int",
    float: "float",
    bool: "bool",
    str: "string",
    type(None): "null",
    None: "null",
    Any: "any",
    object: "any",
}
REGENERATE = ".venv/bin/python scripts/dev/method_reference.py"


# -- reading the service code -------------------------------------------------------------


def _exception_name(node: ast.expr | None) -> str | None:
    """The class name in `raise Name(...)` / `raise module.Name(...)`."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _caught(handler: ast.ExceptHandler) -> set[str]:
    kind = handler.type
    if kind is None:
        return {"*"}
    nodes = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    names = {_exception_name(node) for node in nodes}
    if names & {"Exception", "ServiceError", "BaseException"}:
        return {"*"}
    return {name for name in names if name}


def _callee(node: ast.expr, namespace: dict[str, Any]) -> Callable[..., Any] | None:
    """The service function a call names, when it can be read off the source."""
    target: Any = None
    if isinstance(node, ast.Name):
        target = namespace.get(node.id)
    elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        module = namespace.get(node.value.id)
        if inspect.ismodule(module):
            target = getattr(module, node.attr, None)
    if inspect.isfunction(target) and target.__module__.startswith("milepost.services."):
        return target
    return None


class _Raises(ast.NodeVisitor):
    """Collects the service errors one function body lets escape."""

    def __init__(self, analysis: Analysis, namespace: dict[str, Any]) -> None:
        self.analysis = analysis
        self.namespace = namespace
        self.found: set[str] = set()
        self._caught: list[set[str]] = []

    def _add(self, names: Iterable[str]) -> None:
        for name in names:
            if not any(name in caught or "*" in caught for caught in self._caught):
                self.found.add(name)

    def visit_Try(self, node: ast.Try) -> None:
        caught: set[str] = set()
        for handler in node.handlers:
            caught |= _caught(handler)
        self._caught.append(caught)
        for statement in node.body:
            self.visit(statement)
        self._caught.pop()
        for part in [*node.handlers, *node.orelse, *node.finalbody]:
            self.visit(part)

    def visit_Raise(self, node: ast.Raise) -> None:
        name = _exception_name(node.exc)
        if name in ERROR_CODES:
            self._add([name])
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Attribute) and node.func.attr == "authorize":
            self._add(["Forbidden"])
        callee = _callee(node.func, self.namespace)
        if callee is not None:
            self._add(self.analysis.raised(callee))
        self.generic_visit(node)


@functools.cache
def _tree(func: Callable[..., Any]) -> ast.Module | None:
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return None


class Analysis:
    """What the service functions raise, read once per function (one per rendering)."""

    def __init__(self) -> None:
        self._raised: dict[Callable[..., Any], frozenset[str]] = {}
        self._active: set[Callable[..., Any]] = set()

    def raised(self, func: Callable[..., Any]) -> frozenset[str]:
        """The service error names `func` and the service functions it calls raise."""
        if func in self._raised:
            return self._raised[func]
        if func in self._active:  # recursion: the outer call collects it
            return frozenset()
        tree = _tree(func)
        if tree is None:
            return frozenset()
        self._active.add(func)
        try:
            visitor = _Raises(self, func.__globals__)
            visitor.visit(tree)
        finally:
            self._active.discard(func)
        self._raised[func] = frozenset(visitor.found)
        return self._raised[func]


def not_supported(op: Operation) -> bool:
    """Whether the operation only answers NotSupported (a feature Milepost lacks)."""
    tree = _tree(op.func)
    if tree is None or not tree.body or not isinstance(tree.body[0], ast.FunctionDef):
        return False
    body = list(tree.body[0].body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    return (
        len(body) == 1
        and isinstance(body[0], ast.Raise)
        and _exception_name(body[0].exc) == "NotSupported"
    )


def errors_of(method: Method, analysis: Analysis | None = None) -> list[int]:
    """The JSON-RPC error codes the method answers on purpose, in a fixed order."""
    op = method.operation
    if not_supported(op):
        return [ERROR_CODES["NotSupported"]]
    names = set((analysis or Analysis()).raised(op.func))
    if method.binder.params:
        names.add("InvalidParams")
    if op.permission is not None:
        names.add("Forbidden")
    order = ("InvalidParams", "Forbidden", "NotFound", "Conflict", "NotSupported")
    return [ERROR_CODES[name] for name in order if name in names]


# -- rendering --------------------------------------------------------------------------


def type_text(hint: Any) -> str:
    """A short type for an annotation: `int`, `Ticket | false`, `dict[str, WorkGroup]`."""
    if hint in _HINTS:
        return _HINTS[hint]
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Annotated:
        return type_text(args[0])
    if origin in (typing.Union, types.UnionType):
        return " | ".join(type_text(arg) for arg in args)
    if origin is typing.Literal:
        return " | ".join(_literal(value) for value in args)
    if origin in (list, tuple, collections.abc.Sequence) or hint in (list, tuple):
        return f"list[{type_text(args[0]) if args else 'any'}]"
    if origin is dict or hint is dict:
        return f"dict[{type_text(args[0])}, {type_text(args[1])}]" if args else "object"
    if typing.is_typeddict(hint):
        return str(hint.__name__)
    return getattr(hint, "__name__", str(hint))


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return f'"{value}"' if isinstance(value, str) else str(value)


def permission_text(op: Operation) -> str:
    key = op.needs
    if key is None:
        return "none (every caller)"
    scope = PERMISSIONS[key].scope
    if op.permission is None:
        where = "in the entity's project" if scope == "project" else "global role"
        return f"`{key}` ({where}, checked after loading)"
    if scope == "global":
        return f"`{key}` (global role)"
    if op.project_param is None:
        return f"`{key}` (global role; rows limited to the caller's projects)"
    return f"`{key}` in the project given by `{op.project_param}`"


def _cell(text: str) -> str:
    """Text for a table cell: a `|` would end the cell, even inside a code span."""
    return text.replace("|", "\\|")


def _default(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def _marks(method: Method) -> list[str]:
    marks = []
    if method.operation.legacy:
        marks.append("legacy (not served by Leantime 3.9; kept for older integrations)")
    if not_supported(method.operation):
        marks.append("not_supported (answers -32601 with data.reason `not_supported`)")
    if method.operation.writes:
        marks.append("writes (audited; takes an Idempotency-Key)")
    if method.lists:
        marks.append("list (takes pageSize, cursor, withTotal, modifiedSince, fields)")
    return marks


def _summary(op: Operation) -> str:
    first = op.doc.partition("\n\n")[0]
    return " ".join(first.split())


def _method_lines(method: Method, analysis: Analysis) -> Iterator[str]:
    op = method.operation
    yield f"### `{op.wire.rsplit('.', 1)[1]}`"
    yield ""
    names = f"`{method.name}`"
    if method.short_name != method.name:
        names += f" (also `{method.short_name}`)"
    yield names
    yield ""
    if op.doc:
        yield _summary(op)
        yield ""
    hints = _hints(method)
    if method.binder.params:
        yield "| Param | Type | Required | Default |"
        yield "|---|---|---|---|"
        for param in method.binder.params:
            required = "yes" if param.required else "no"
            default = "" if param.required else f"`{_default(param.default)}`"
            kind = _cell(type_text(hints[param.name]))
            yield f"| `{param.name}` | `{kind}` | {required} | {_cell(default)} |"
    else:
        yield "No params."
    yield ""
    yield f"- Result: `{type_text(hints['return'])}`"
    yield f"- Permission: {permission_text(op)}"
    codes = ", ".join(f"{code} ({_ERROR_NAMES[code]})" for code in errors_of(method, analysis))
    yield f"- Errors: {codes or 'none'}"
    for mark in _marks(method):
        yield f"- Mark: {mark}"
    yield ""


def _typeddicts(hint: Any, found: dict[str, Any]) -> None:
    """Collect the TypedDicts an annotation names, by name (nested ones too)."""
    if typing.is_typeddict(hint):
        if hint.__name__ in found:
            return
        found[hint.__name__] = hint
        for field in typing.get_type_hints(hint).values():
            _typeddicts(field, found)
        return
    for arg in typing.get_args(hint):
        _typeddicts(arg, found)


def _hints(method: Method) -> dict[str, Any]:
    return typing.get_type_hints(method.operation.func)


def _types(methods: list[Method]) -> dict[str, Any]:
    """Every named object type the methods take or answer, by name."""
    found: dict[str, Any] = {}
    for method in methods:
        for name, hint in _hints(method).items():
            if name != "ctx":
                _typeddicts(hint, found)
    return dict(sorted(found.items()))


def _type_lines(name: str, typed: Any) -> Iterator[str]:
    yield f"### `{name}`"
    yield ""
    if typed.__doc__ and not typed.__doc__.startswith(f"{name}("):
        yield " ".join(typed.__doc__.split())
        yield ""
    fields = typing.get_type_hints(typed)
    yield "| Field | Type |"
    yield "|---|---|"
    for field, hint in fields.items():
        optional = "" if field in typed.__required_keys__ else " (optional)"
        yield f"| `{field}` | `{_cell(type_text(hint))}`{optional} |"
    yield ""


HEADER = f"""# Method reference

Generated from the method registry by `{REGENERATE}`;
do not edit by hand (`tests/test_method_reference.py` fails when this file and the code
differ).

Every method is called as `leantime.rpc.<Domain>.<Service>.<method>` (or the short form
shown) with params by name or by position. Beyond the errors listed per method, any call
may answer -32602 for params that do not bind, -32603 for a server fault, and HTTP 401 /
429 before the call runs. A list method also answers a page object when asked for one.
Types named in `CamelCase` are described under "Types" at the end.
"""


def render(registry: Registry) -> str:
    """The whole reference as Markdown."""
    methods = sorted(registry, key=lambda m: m.name.lower())
    by_service: dict[str, list[Method]] = {}
    for method in methods:
        service = ".".join(method.operation.wire.split(".")[:2])
        by_service.setdefault(service, []).append(method)
    lines = [HEADER, "## Contents", ""]
    for service, members in sorted(by_service.items()):
        unsupported = sum(1 for m in members if not_supported(m.operation))
        legacy = sum(1 for m in members if m.operation.legacy)
        anchor = service.lower().replace(".", "")
        noun = "method" if len(members) == 1 else "methods"
        lines.append(
            f"- [{service}](#{anchor}): {len(members)} {noun}"
            f" ({unsupported} not_supported, {legacy} legacy)"
        )
    lines.append("")
    analysis = Analysis()
    for service, members in sorted(by_service.items()):
        lines += [f"## {service}", ""]
        for method in members:
            lines += list(_method_lines(method, analysis))
    lines += ["## Types", ""]
    for name, typed in _types(methods).items():
        lines += list(_type_lines(name, typed))
    return "\n".join(lines).rstrip() + "\n"
