"""Constant SELECTs run straight on the database driver, for the hottest reads.

SQLAlchemy's execution of a statement (execution context, events, the result object)
costs about 50 us, and the SELECT that fetches a ticket with everything joined in takes
SQLite 20 us. A statement built once, at import, can skip that bookkeeping: `Prepared`
compiles it once per dialect, and each run puts the parameters in the driver's order,
hands them to the driver's cursor on the caller's connection (so it runs inside the
caller's transaction), and converts the values of each column as SQLAlchemy would, with
the type's own processors (`TypeEngine.bind_processor` and `result_processor` of the
dialect's implementation). Nothing else of SQLAlchemy's execution runs: no events, no
statement logging (`echo`). Parameters that expand (`IN` lists) are refused: a list of ids
goes in as one parameter (`storage.sql.in_ids` with an `IdArray`), which also keeps the
statement's text, and so its compiled and server-side prepared forms, the same whatever
the number of ids.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import literal_column
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.visitors import replacement_traverse
from sqlalchemy.util.concurrency import await_

if TYPE_CHECKING:
    from sqlalchemy import Connection, Dialect, Select

Processor = Callable[[Any], Any]


@dataclass
class _Plan:
    """A statement compiled for one dialect."""

    sql: str
    # The driver takes parameters by position (SQLite: the names in order) or by name.
    positions: tuple[str, ...] | None
    defaults: dict[str, Any]
    binds: dict[str, Processor]
    types: tuple[Any, ...]
    # (column index, processor) for the columns whose values the driver does not give
    # as the type's Python value (SQLite's datetimes come as text, for instance); found
    # at the first run, from the driver's description of the columns (PostgreSQL's
    # processors depend on the column's type code).
    results: tuple[tuple[int, Processor], ...] | None = None
    # asyncpg: outside a transaction, run on the driver itself (`_fetch_direct`).
    direct: bool = False

    def parameters(self, given: Mapping[str, Any]) -> Any:
        values = {**self.defaults, **given}
        for name, process in self.binds.items():
            values[name] = process(values[name])
        if self.positions is None:
            return values
        return [values[name] for name in self.positions]

    def processors(self, dialect: Dialect, description: Any) -> tuple[tuple[int, Processor], ...]:
        if self.results is None:
            found = []
            for index, (type_, column) in enumerate(zip(self.types, description, strict=True)):
                process = type_.dialect_impl(dialect).result_processor(dialect, column[1])
                if process is not None:
                    found.append((index, process))
            self.results = tuple(found)
        return self.results

    def convert(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        assert self.results is not None
        if not self.results:
            return row
        values = list(row)
        for index, process in self.results:
            values[index] = process(values[index])
        return tuple(values)


class Prepared:
    """A SELECT that returns its rows as dicts keyed by column label (`rows`), or as
    tuples in the order of its columns (`tuples`, the cheaper)."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self.keys = tuple(statement.selected_columns.keys())
        self._plans: dict[tuple[str, str], _Plan] = {}

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        keys = self.keys
        return [dict(zip(keys, row, strict=True)) for row in self.tuples(conn, params)]

    def tuples(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        dialect = conn.dialect
        plan = self._plans.get((dialect.name, dialect.driver)) or self._plan(dialect)
        if plan.direct and plan.results is not None and _autocommit(conn):
            return _fetch_direct(conn, plan, params)
        cursor = conn.connection.cursor()
        try:
            cursor.execute(plan.sql, plan.parameters(params))
            if plan.results is None:  # the description costs psycopg 40 objects a call
                plan.processors(conn.dialect, cursor.description)
            found = cursor.fetchall()
        except conn.dialect.loaded_dbapi.Error as error:
            raise _wrapped(conn, error, plan.sql, cursor) from error
        finally:
            cursor.close()
        return [plan.convert(row) for row in found]

    def _plan(self, dialect: Dialect) -> _Plan:
        compiled = _with_constants_inline(self.statement, dialect).compile(dialect=dialect)
        binds: dict[str, Processor] = {}
        for bind, name in compiled.bind_names.items():
            if bind.expanding:
                raise ValueError(f"Prepared does not expand parameter {name!r}")
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                binds[name] = process
        plan = _Plan(
            sql=str(compiled),
            positions=tuple(compiled.positiontup) if compiled.positiontup else None,
            defaults=dict(compiled.params),
            binds=binds,
            types=tuple(column.type for column in self.statement.selected_columns),
            direct=dialect.driver == "asyncpg",
        )
        self._plans[dialect.name, dialect.driver] = plan
        return plan


def _with_constants_inline(statement: Select[Any], dialect: Dialect) -> Select[Any]:
    """The statement with its constants (`status > 0`, `type = 'Ticket'`) written into
    its text instead of bound as parameters; the named parameters without a value stay
    parameters.

    PostgreSQL plans a prepared statement (asyncpg prepares every one; psycopg from its
    fifth run) once for any parameters, unless that generic plan looks costlier than
    the plans it made for the values given, and then it plans every run anew. A constant
    bound as a parameter makes the generic plan guess: `dependingTicketId > $2` might
    match a third of the tickets, so the ticket read was replanned on every call, and
    its seven joins took PostgreSQL 2 ms to plan against 0.1 ms to run."""

    def inline(element: Any, **_kw: Any) -> Any:
        if isinstance(element, BindParameter) and element.value is not None:
            text = element.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
            return literal_column(str(text), element.type)
        return None

    return cast("Select[Any]", replacement_traverse(statement, {}, inline))


def _autocommit(conn: Connection) -> bool:
    adapted: Any = conn.connection.dbapi_connection
    return bool(adapted.autocommit)


def _fetch_direct(conn: Connection, plan: _Plan, params: Mapping[str, Any]) -> list[Any]:
    """Run a plan on an asyncpg connection in autocommit (a read), from the greenlet a
    concurrent call runs in (`Database.concurrently`): with asyncpg's own `fetch`, which
    prepares the statement once per connection, and without the per-call work of
    SQLAlchemy's DBAPI adapter for asyncpg (a lock, the column description and the
    row count rebuilt on every run): 20 us of a 60 us read. The first run of a plan
    goes through the adapter, which finds the columns' processors. asyncpg's records
    index and unpack as tuples do."""
    driver: Any = conn.connection.driver_connection
    try:
        found = await_(driver.fetch(plan.sql, *plan.parameters(params)))
    except Exception as error:
        adapted: Any = conn.connection.dbapi_connection
        try:
            adapted._handle_exception(error)  # raises it as the adapter's DBAPI error
        except conn.dialect.loaded_dbapi.Error as translated:
            raise _wrapped(conn, translated, plan.sql, None) from error
        raise
    return [plan.convert(row) for row in found] if plan.results else found


def _wrapped(conn: Connection, error: Any, sql: str, cursor: Any) -> StatementError:
    """A driver error as SQLAlchemy's execution raises it: wrapped in its DBAPIError
    class, with the connection invalidated when the error says it is gone (the server
    restarted, say), so that callers can tell a lost connection from a failed query."""
    lost = conn.dialect.is_disconnect(error, conn.connection.dbapi_connection, cursor)
    if lost:
        conn.invalidate(error)
    wrapped: StatementError = DBAPIError.instance(
        sql, None, error, conn.dialect.loaded_dbapi.Error, connection_invalidated=lost
    )
    return wrapped
