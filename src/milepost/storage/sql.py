"""SQL expressions that SQLite and PostgreSQL spell differently, as SQLAlchemy constructs.

Each construct compiles to the cheapest form its backend offers, so that a service can
ask the database for a value in the same statement instead of issuing another one.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Boolean,
    Dialect,
    Float,
    Integer,
    String,
    TypeDecorator,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

# The parameter type of LIMIT and OFFSET counts (no public name).
from sqlalchemy.sql.selectable import _OffsetLimitParam
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
    # translate() rather than a regular expression: 2 us less per row of a ticket read.
    text = compiler.process(_only_argument(element), **kw)
    return (
        f"CASE WHEN length({text}) BETWEEN 1 AND 9 AND translate({text}, '0123456789', '') = ''"
        f" THEN CAST({text} AS INTEGER) END"
    )


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


# -- JSON encoded by the database -----------------------------------------------------------
#
# A read that answers many rows spends more on building a dict per row in Python, and
# encoding it again, than the database spends finding the rows; the database can write
# each row's JSON itself, and the transport sends that text as it is (`Encoded`). These
# constructs write values the way the wire has them (services/values.py): dates as
# `Y-m-d H:i:s`, numbers with an integral value as integers.


class json_object(FunctionElement[str]):
    """The JSON text of an object with the given keys, in order:
    `json_object(("id", t.tickets.c.id), ("headline", t.tickets.c.headline))`.

    Text goes in as a string, numbers as numbers, NULL as null, and the JSON values of
    `json_ids` as they are. Both backends write it without spaces, as orjson does.
    SQLite's functions take at most 127 arguments, so an object has at most 63 keys."""

    type = String()
    inherit_cache = True
    MAX_KEYS = 63

    def __init__(self, *pairs: tuple[str, Any]) -> None:
        if len(pairs) > self.MAX_KEYS:
            raise ValueError(f"json_object takes at most {self.MAX_KEYS} keys, got {len(pairs)}")
        self.keys = tuple(key for key, _ in pairs)
        super().__init__(*(value for _, value in pairs))


@compiles(json_object, "sqlite")
def _json_object_sqlite(element: json_object, compiler: SQLCompiler, **kw: Any) -> str:
    values = (compiler.process(value, **kw) for value in element.clauses)
    arguments = ", ".join(
        f"'{key.replace(chr(39), chr(39) * 2)}', {value}"
        for key, value in zip(element.keys, values, strict=True)
    )
    return f"json_object({arguments})"


@compiles(json_object, "postgresql")
def _json_object_postgresql(element: json_object, compiler: SQLCompiler, **kw: Any) -> str:
    # row_to_json of a one-row subquery whose column names are the keys: about a sixth
    # cheaper than json_build_object (which looks up each of its arguments' types on
    # every row) and without its spaces around colons; and as text, or psycopg would
    # decode the json into Python objects.
    values = (compiler.process(value, **kw) for value in element.clauses)
    columns = ", ".join(
        f'{value} AS "{key.replace(chr(34), chr(34) * 2)}"'
        for key, value in zip(element.keys, values, strict=True)
    )
    return f"CAST(row_to_json((SELECT j FROM (SELECT {columns}) AS j)) AS TEXT)"  # noqa: S608


class wire_date(FunctionElement[str]):
    """A DATETIME column as the wire writes it, `Y-m-d H:i:s`; NULL stays NULL."""

    type = String()
    inherit_cache = True


@compiles(wire_date, "sqlite")
def _wire_date_sqlite(element: wire_date, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps datetimes as ISO text, `Y-m-d H:i:s` followed by the microseconds.
    return f"substr({compiler.process(_only_argument(element), **kw)}, 1, 19)"


@compiles(wire_date, "postgresql")
def _wire_date_postgresql(element: wire_date, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(_only_argument(element), **kw)
    return f"to_char({value}, 'YYYY-MM-DD HH24:MI:SS')"


class wire_time(FunctionElement[str]):
    """The `H:i` of a DATETIME column; NULL stays NULL."""

    type = String()
    inherit_cache = True


@compiles(wire_time, "sqlite")
def _wire_time_sqlite(element: wire_time, compiler: SQLCompiler, **kw: Any) -> str:
    return f"substr({compiler.process(_only_argument(element), **kw)}, 12, 5)"


@compiles(wire_time, "postgresql")
def _wire_time_postgresql(element: wire_time, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(_only_argument(element), **kw)}, 'HH24:MI')"


class wire_number(FunctionElement[float]):
    """A REAL column as the wire writes it: an integral value as an integer (`4`, not
    `4.0`, as PDO hands numbers to Leantime)."""

    type = Float()
    inherit_cache = True


@compiles(wire_number, "sqlite")
def _wire_number_sqlite(element: wire_number, compiler: SQLCompiler, **kw: Any) -> str:
    text = compiler.process(_only_argument(element), **kw)
    integer = f"CAST({text} AS INTEGER)"
    return f"CASE WHEN {text} = {integer} THEN {integer} ELSE {text} END"


@compiles(wire_number, "postgresql")
def _wire_number_postgresql(element: wire_number, compiler: SQLCompiler, **kw: Any) -> str:
    # A double precision value's JSON is already `4` for 4.0.
    return compiler.process(_only_argument(element), **kw)


def json_ids(column: Any, *where: Any) -> Any:
    """A correlated subquery: the JSON array of `column`'s integers in the rows `where`
    selects, in ascending order (`[]` for none)."""
    ordered = select(column.label("value")).where(*where).order_by(column)
    return _json_ids(ordered.correlate_except(column.table).scalar_subquery())


class _json_ids(FunctionElement[str]):
    """The JSON array of a one-column subquery's values, in its order."""

    type = String()
    inherit_cache = True


@compiles(_json_ids, "sqlite")
def _json_ids_sqlite(element: _json_ids, compiler: SQLCompiler, **kw: Any) -> str:
    # json() marks the subquery's text as JSON again (a subquery gives plain text).
    ordered = compiler.process(_only_argument(element), **kw)
    return f"json((SELECT json_group_array(value) FROM {ordered}))"  # noqa: S608


@compiles(_json_ids, "postgresql")
def _json_ids_postgresql(element: _json_ids, compiler: SQLCompiler, **kw: Any) -> str:
    # An ARRAY() of the rows, not an aggregate over a subquery: one node less per row,
    # and no second sort; array_to_json writes no spaces (json_agg does).
    return f"array_to_json(ARRAY{compiler.process(_only_argument(element), **kw)})"


@compiles(_OffsetLimitParam, "postgresql")
def _offset_limit_postgresql(element: _OffsetLimitParam, compiler: SQLCompiler, **kw: Any) -> str:
    """Every LIMIT and OFFSET count written into the statement's text on PostgreSQL, not
    bound (SQLAlchemy renders it at each execution; the compiled form stays cached).

    Milepost's connections take generic plans (storage/database.py), and a generic plan
    cannot see a bound LIMIT: it plans for a tenth of the rows, which turned a 100-row
    page of a million-ticket project from a walk along the primary key into a sort of
    the whole project (11 ms against 3), and would do the same to any `ORDER BY ...
    LIMIT n` over a large table. Each count gives its own statement text, planned on
    its first run; page sizes and list limits take few values."""
    kw["literal_execute"] = True
    text: str = compiler.visit_bindparam(element, **kw)  # type: ignore[no-untyped-call]
    return text


def _only_argument(element: FunctionElement[Any]) -> Any:
    (argument,) = element.clauses
    return argument
