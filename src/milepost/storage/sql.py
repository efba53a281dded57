"""SQL expressions that SQLite and PostgreSQL spell differently, as SQLAlchemy constructs.

Each construct compiles to the cheapest form its backend offers, so that a service can
ask the database for a value in the same statement instead of issuing another one.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import BigInteger, Boolean, Dialect, Integer, String, TypeDecorator
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement, GenericFunction
from sqlalchemy.types import TypeEngine


class int_or_null(FunctionElement[int]):
    """A string column of decimal digits as an integer; NULL for anything else.

    For joining on ids kept in varchar columns (Leantime's `editorId`): comparing the
    integer key with this expression keeps the key's index usable. At most 9 digits, so
    that PostgreSQL's integer cast cannot overflow.
    """

    type = Integer()
    inherit_cache = True


@compiles(int_or_null, "sqlite")
def _int_or_null_sqlite(element: int_or_null, compiler: SQLCompiler, **kw: Any) -> str:
    text = compiler.process(_only_argument(element), **kw)
    return (
        f"CASE WHEN length({text}) BETWEEN 1 AND 9 AND {text} NOT GLOB '*[^0-9]*'"
        f" THEN CAST({text} AS INTEGER) END"
    )


@compiles(int_or_null, "postgresql")
def _int_or_null_postgresql(element: int_or_null, compiler: SQLCompiler, **kw: Any) -> str:
    text = compiler.process(_only_argument(element), **kw)
    return f"CASE WHEN {text} ~ '^[0-9]{{1,9}}$' THEN CAST({text} AS INTEGER) END"


class id_list(GenericFunction[str]):
    """Aggregate: the integers of a group as one comma-separated string (in no particular
    order; NULL for an empty group). `ids_of` turns it back into a sorted list."""

    type = String()
    inherit_cache = True


@compiles(id_list, "sqlite")
def _id_list_sqlite(element: id_list, compiler: SQLCompiler, **kw: Any) -> str:
    return f"group_concat({compiler.process(_only_argument(element), **kw)}, ',')"


@compiles(id_list, "postgresql")
def _id_list_postgresql(element: id_list, compiler: SQLCompiler, **kw: Any) -> str:
    text = compiler.process(_only_argument(element), **kw)
    return f"string_agg(CAST({text} AS TEXT), ',')"


class IdArray(TypeDecorator[list[int]]):
    """A list of integer ids bound as one parameter: JSON text on SQLite, an integer
    array on PostgreSQL. Unlike an expanding `IN` list, the statement's text stays the
    same whatever the number of ids, so it is compiled (and, on PostgreSQL, prepared by
    the server) once."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(BigInteger()))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        ids = [int(item) for item in value]
        return ids if dialect.name == "postgresql" else orjson.dumps(ids).decode()


class in_ids(FunctionElement[bool]):
    """`column IN <the ids bound to an IdArray parameter>`:
    `in_ids(t.tickets.c.id, bindparam("ids", type_=IdArray()))`."""

    type = Boolean()
    inherit_cache = True
    # A condition in itself: without this, SQLite's WHERE would get `... = 1` appended,
    # which hides the IN from the query planner (it scanned the table).
    _is_implicitly_boolean = True


@compiles(in_ids, "sqlite")
def _in_ids_sqlite(element: in_ids, compiler: SQLCompiler, **kw: Any) -> str:
    column, ids = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"{column} IN (SELECT value FROM json_each({ids}))"  # noqa: S608 (compiled SQL)


@compiles(in_ids, "postgresql")
def _in_ids_postgresql(element: in_ids, compiler: SQLCompiler, **kw: Any) -> str:
    column, ids = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"{column} = ANY({ids})"


def ids_of(text: str | None) -> list[int]:
    """The sorted integers of an `id_list` value."""
    return sorted(int(part) for part in text.split(",")) if text else []


def _only_argument(element: FunctionElement[Any]) -> Any:
    (argument,) = element.clauses
    return argument
