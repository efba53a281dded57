"""The one way to call an operation: `ServiceLayer.call`.

Each call runs in one transaction (a write transaction when the operation writes):
declared permission checked first, the function run, then, for writes, the audit entry
and the idempotency record written in the same transaction, and committed together.
A unique-constraint violation raised by the database (two requests racing for one
name, or one Idempotency-Key) is answered as a conflict, after an idempotent retry has
had the chance to replay the winner's result.
"""

from __future__ import annotations

import datetime as dt
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.exc import IntegrityError

from milepost.services import audit, idempotency, paging
from milepost.services.errors import Conflict, InvalidParams, ServiceError
from milepost.services.operations import Context, Operation, operation_of
from milepost.services.paging import PageRequest
from milepost.services.permissions import Principal
from milepost.services.policies import Policies
from milepost.services.result_cache import ResultCache

if TYPE_CHECKING:
    from milepost.storage.database import Database

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class CallMeta:
    """What a transport knows about a call beyond its arguments."""

    address: str = ""
    idempotency_key: str | None = None
    page: PageRequest | None = None
    # The transport writes JSON and takes an `Encoded` answer as it is.
    encoded: bool = False


class ServiceLayer:
    """Runs operations: one transaction each, declared permissions checked first."""

    def __init__(
        self,
        database: Database,
        *,
        version: str,
        policies: Policies | None = None,
        cache: ResultCache | None = None,
    ) -> None:
        self.database = database
        self.version = version
        self.policies = policies or Policies()
        self.cache = cache
        # Called after a commit that changed principals (keys, tokens, memberships);
        # the authenticator hooks its cache invalidation in here.
        self.on_principals_changed: list[Callable[[], None]] = []

    async def concurrently(self, func: Callable[..., T], *args: Any) -> T:
        """Run `func(*args)`, which makes calls, from a transport's event loop; on
        PostgreSQL concurrently with other requests (`Database.concurrently`)."""
        return await self.database.concurrently(func, *args)

    def call(
        self,
        op: Operation,
        principal: Principal,
        args: dict[str, Any],
        meta: CallMeta | None = None,
    ) -> Any:
        meta = meta or CallMeta()
        try:
            return self._attempt(op, principal, args, meta)
        except IntegrityError:
            if not (op.writes and meta.idempotency_key):
                self._audit_failure(op, principal, args, meta, "-32005 conflict")
                raise Conflict(
                    "the change conflicts with another one made at the same time",
                    reason="concurrent_change",
                ) from None
            # A concurrent request with the same key won the race: replay its result.
            return self._attempt(op, principal, args, meta)
        except ServiceError as error:
            if op.writes:
                self._audit_failure(op, principal, args, meta, f"{error.code} {error.reason}")
            raise

    def _attempt(
        self, op: Operation, principal: Principal, args: dict[str, Any], meta: CallMeta
    ) -> Any:
        with self.database.transaction(write=op.writes) as conn:
            ctx = Context(conn, principal, self, page=meta.page)
            key = meta.idempotency_key if op.writes else None
            if key is not None:
                scope, digest = (
                    idempotency.scope_of(principal),
                    idempotency.request_hash(op.wire, args),
                )
                stored = idempotency.replay(conn, scope, idempotency.check_key(key), digest)
                if stored is not idempotency.MISSING:
                    return stored
            self._check_declared(ctx, op, args)
            cache_key = None
            if op.cached and self.cache is not None:
                cache_key = self.cache.key(
                    op.wire, args, meta.page, principal, self.database.data_version(conn)
                )
                hit = self.cache.get(cache_key)
                if hit is not None:
                    return hit if meta.encoded else hit.decode()
            result = op.func(ctx, **args)
            if meta.page is not None and isinstance(result, list):
                result = paging.finish(result, meta.page, ctx.page_result)
            if cache_key is not None:
                assert self.cache is not None
                encoded = self.cache.put(cache_key, result)
                if meta.encoded:
                    result = encoded
            if op.writes:
                if key is not None:
                    idempotency.store(
                        conn, scope, key, digest, result,
                        now=ctx.now, ttl=self.policies.idempotency_ttl,
                    )  # fmt: skip
                audit.record(
                    conn,
                    principal,
                    "leantime.rpc." + op.wire,
                    targets=audit.targets_of(args, result),
                    outcome="ok",
                    address=meta.address,
                    at=ctx.now,
                )
        for callback in ctx._after_commit:
            callback()
        return result

    def call_many(
        self, op: Operation, principal: Principal, calls: list[dict[str, Any]]
    ) -> list[Any]:
        """Answer several calls of one read operation that answers calls together (batch
        members) in one transaction: one result, or the ServiceError raised for it, per
        call, in order."""
        if op.many is None or op.writes:
            raise TypeError(f"{op.wire} does not answer calls together")
        answers: list[Any] = [None] * len(calls)
        admitted: list[int] = []
        with self.database.transaction(write=False) as conn:
            ctx = Context(conn, principal, self)
            for index, args in enumerate(calls):
                try:
                    self._check_declared(ctx, op, args)
                except ServiceError as error:
                    answers[index] = error
                else:
                    admitted.append(index)
            if admitted:
                results = op.many(ctx, [calls[index] for index in admitted])
                for index, result in zip(admitted, results, strict=True):
                    answers[index] = result
        return answers

    def _audit_failure(
        self,
        op: Operation,
        principal: Principal,
        args: dict[str, Any],
        meta: CallMeta,
        outcome: str,
    ) -> None:
        try:
            with self.database.transaction(write=True) as conn:
                audit.record(
                    conn,
                    principal,
                    "leantime.rpc." + op.wire,
                    targets=audit.targets_of(args, None),
                    outcome=outcome,
                    address=meta.address,
                    at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                )
        except Exception:
            logger.exception("Could not write the audit entry of a failed %s.", op.wire)

    def run(self, func: Callable[..., Any], principal: Principal, **kwargs: Any) -> Any:
        """Call an operation's function by reference (for the CLI and web pages)."""
        return self.call(operation_of(func), principal, kwargs)

    def principals_changed(self) -> None:
        for callback in self.on_principals_changed:
            callback()

    @staticmethod
    def _check_declared(ctx: Context, op: Operation, args: dict[str, Any]) -> None:
        if op.permission is None:
            return
        if op.project_param is None:
            ctx.authorize(op.permission)
            return
        project_id = args.get(op.project_param)
        if project_id is None:
            parameter = op.signature.parameters[op.project_param]
            if parameter.default is inspect.Parameter.empty:
                raise InvalidParams(
                    f"Required Parameter Missing: {op.project_param}",
                    param=op.project_param,
                    expected="a project id",
                )
        ctx.authorize(op.permission, project_id)
