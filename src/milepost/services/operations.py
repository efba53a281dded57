"""Operations: the public surface of the service layer, and the context they run in.

A service function becomes an operation with `@operation(...)`, which records Leantime's
wire name for it, the permission it needs, where the project for that permission comes
from, and whether it writes. Transports never call service functions directly: they
bind arguments and hand them to `ServiceLayer.call` (layer.py). Checks that need the
entity loaded first ("[E]" in Leantime's table) are made by the function itself
through `Context.authorize`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy import func, select

from milepost.services.errors import Forbidden
from milepost.services.paging import PageRequest, PageResult
from milepost.services.permissions import Principal, permission
from milepost.storage import tables as t

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from milepost.services.policies import Policies


class Runtime(Protocol):
    """What a service function may use of the service layer that runs it."""

    version: str
    policies: Policies

    def principals_changed(self) -> None: ...


F = TypeVar("F", bound=Callable[..., Any])

_ATTRIBUTE = "__milepost_operation__"


@dataclass(frozen=True)
class Operation:
    """What the registry needs to know about one service function."""

    func: Callable[..., Any]
    wire: str
    permission: str | None
    project_param: str | None
    writes: bool
    aliases: tuple[str, ...] = ()
    legacy: bool = False
    checks: str | None = None
    # Whether its encoded answers are kept while the data is unchanged (result_cache.py).
    cached: bool = False
    # Answers several calls at once (batch members): `many(ctx, [args, ...])` returns one
    # result, or a ServiceError, per call, in order. Set with `@answers_together(...)`.
    many: Callable[..., list[Any]] | None = None

    @property
    def needs(self) -> str | None:
        """The permission the caller must hold, declared or checked in the body."""
        return self.permission or self.checks

    @property
    def signature(self) -> inspect.Signature:
        return inspect.signature(self.func)

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.func) or ""


def operation(
    wire: str,
    *,
    permission: str | None = None,
    project: str | None = None,
    writes: bool = False,
    aliases: Iterable[str] = (),
    legacy: bool = False,
    checks: str | None = None,
    cached: bool = False,
) -> Callable[[F], F]:
    """Mark a service function as a public operation.

    `wire` is Leantime's `Domain.Service.method` name. `permission` is a key of the
    permission table, checked before the call: globally, or in the project named by the
    parameter `project`. Leave `permission` out when the function checks for itself
    after loading the entity, and name what it checks in `checks` instead (used to
    list the method only to callers who could pass). `legacy` marks methods Leantime
    3.9 no longer exposes but integrations still call. `cached` keeps the encoded
    answers of a read whose result depends only on the database, its arguments and
    the caller (see result_cache.py).
    """

    if cached and writes:
        raise TypeError(f"{wire} writes; only reads are cached")

    def mark(func: F) -> F:
        for key in (permission, checks):
            if key is not None:
                globals()["permission"](key)  # fail at import on a typo'd key
        setattr(
            func,
            _ATTRIBUTE,
            Operation(
                func, wire, permission, project, writes, tuple(aliases), legacy, checks, cached
            ),
        )
        return func

    return mark


def answers_together(func: Callable[..., Any]) -> Callable[[F], F]:
    """Mark `many(ctx, calls)` as the way to answer several calls of the read operation
    `func` in one transaction and one query. Each call's declared permission is still
    checked on its own; `many` gets the calls that passed, as keyword-argument dicts,
    and returns their results (or ServiceErrors) in the same order."""

    def mark(many: F) -> F:
        op = operation_of(func)
        if op.writes:
            raise TypeError(f"{op.wire} writes; only reads are answered together")
        setattr(func, _ATTRIBUTE, dataclasses.replace(op, many=many))
        return many

    return mark


def operation_of(func: Callable[..., Any]) -> Operation:
    """The operation a service function was marked as."""
    op = getattr(func, _ATTRIBUTE, None)
    if not isinstance(op, Operation):
        raise TypeError(f"{func.__qualname__} is not an operation")
    return op


def collect(modules: Iterable[ModuleType]) -> Iterator[Operation]:
    """Every operation defined in the given modules, in definition order."""
    for module in modules:
        for value in vars(module).values():
            op = getattr(value, _ATTRIBUTE, None)
            if isinstance(op, Operation) and op.func.__module__ == module.__name__:
                yield op


@dataclass
class Context:
    """What a service function gets: the open transaction, the caller, and the clock."""

    conn: Connection
    principal: Principal
    services: Runtime
    page: PageRequest | None = None
    page_result: PageResult = field(default_factory=PageResult)
    _after_commit: list[Callable[[], None]] = field(default_factory=list)

    @cached_property
    def now(self) -> dt.datetime:
        """The call's clock, read once, at its first use (most reads never ask); in whole
        seconds, as Leantime's DATETIME columns hold them."""
        return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)

    def page_query(self, query: Any, id_column: Any, modified_column: Any = None) -> Any:
        """Apply the call's page request to a list query (keyset on `id_column`)."""
        page = self.page
        if page is None:
            return query
        if page.modified_since is not None and modified_column is not None:
            query = query.where(modified_column >= page.modified_since)
        if not page.paged:
            self.page_result.applied = modified_column is not None or page.modified_since is None
            return query
        if page.with_total:
            counted = query.order_by(None).with_only_columns(func.count()).limit(None)
            self.page_result.total = int(self.conn.execute(counted).scalar_one())
        if page.after is not None:
            query = query.where(id_column > page.after)
        self.page_result.applied = True
        query = query.order_by(None).order_by(id_column.asc()).limit(page.limit + 1)
        return query.offset(page.skip) if page.skip else query

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    def can(self, key: str, project_id: int | None = None) -> bool:
        """Whether the caller holds `key` (in `project_id`, for project permissions)."""
        perm = permission(key)
        if not self.principal.holds(perm, project_id):
            return False
        if perm.scope == "project" and project_id is not None:
            return self.can_access_project(project_id)
        return True

    def authorize(self, key: str, project_id: int | None = None) -> None:
        """Raise Forbidden unless the caller holds `key` in `project_id`."""
        if not self.can(key, project_id):
            raise Forbidden(f"missing permission {key}" + _in_project(project_id))

    def can_access_project(self, project_id: int) -> bool:
        principal = self.principal
        if principal.sees_every_project() or project_id in principal.memberships:
            return True
        if principal.is_key:
            return False
        row = self.conn.execute(
            select(t.projects.c.psettings, t.projects.c.clientId).where(
                t.projects.c.id == project_id
            )
        ).first()
        return row is not None and principal.may_access_project(project_id, row[0], row[1])


def _in_project(project_id: int | None) -> str:
    return f" in project {project_id}" if project_id is not None else ""
