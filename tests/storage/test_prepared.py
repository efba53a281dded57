"""Prepared statements answer what SQLAlchemy's own execution answers, value for value and
type for type, on both backends, inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    bindparam,
    func,
    select,
)

from milepost.storage.database import Database
from milepost.storage.prepared import Prepared
from milepost.storage.sql import IdArray, in_ids
from tests.conftest import BACKENDS
from tests.storage.conftest import database_with

metadata = MetaData()
things = Table(
    "prepared_things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(40)),
    Column("at", DateTime),
    Column("price", Numeric(10, 2)),
    Column("weight", Float),
    Column("active", Boolean),
)
ROWS = [
    {"id": 1, "name": "one", "at": dt.datetime(2026, 12, 4, 10, 15, 30),
     "price": decimal.Decimal("9.50"), "weight": 1.25, "active": True},
    {"id": 2, "name": None, "at": None, "price": None, "weight": None, "active": False},
    {"id": 3, "name": "three", "at": dt.datetime(2025, 1, 2, 3, 4, 5, 600000),
     "price": decimal.Decimal("0.10"), "weight": 3.0, "active": None},
]  # fmt: skip


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with database_with(request.param, tmp_path, things, ROWS) as db:
        yield db


def _typed(rows: list[dict[str, object]]) -> list[list[tuple[str, object, type]]]:
    return [[(key, value, type(value)) for key, value in row.items()] for row in rows]


def _by_sqlalchemy(conn: Connection, statement: object, params: dict[str, object]) -> list[dict]:  # type: ignore[type-arg]
    return [dict(row) for row in conn.execute(statement, params).mappings()]  # type: ignore[call-overload]


def test_rows_match_sqlalchemy_for_every_column_type(database: Database) -> None:
    statement = select(things).where(things.c.id >= bindparam("low")).order_by(things.c.id)
    prepared = Prepared(statement)
    with database.transaction(write=False) as conn:
        for low in (1, 2, 4):
            expected = _by_sqlalchemy(conn, statement, {"low": low})
            assert _typed(prepared.rows(conn, {"low": low})) == _typed(expected)
    assert len(expected) == 0


def test_labels_literals_and_aggregates(database: Database) -> None:
    statement = select(
        things.c.id.label("thing"),
        (things.c.weight * 2).label("double"),
        select(func.count()).where(things.c.active.is_(True)).scalar_subquery().label("on"),
    ).where(things.c.name == "one", things.c.id == bindparam("id"))
    with database.transaction(write=False) as conn:
        got = Prepared(statement).rows(conn, {"id": 1})
        assert got == _by_sqlalchemy(conn, statement, {"id": 1})
    assert got == [{"thing": 1, "double": 2.5, "on": 1}]


def test_runs_inside_the_callers_transaction(database: Database) -> None:
    prepared = Prepared(select(things.c.name).where(things.c.id == bindparam("id")))
    with database.transaction(write=True) as conn:
        conn.execute(things.update().where(things.c.id == 1).values(name="changed"))
        assert prepared.rows(conn, {"id": 1}) == [{"name": "changed"}]
        conn.rollback()
    with database.transaction(write=False) as conn:
        assert prepared.rows(conn, {"id": 1}) == [{"name": "one"}]


def test_expanding_parameters_are_refused(database: Database) -> None:
    prepared = Prepared(select(things).where(things.c.id.in_(bindparam("ids", expanding=True))))
    with database.transaction(write=False) as conn, pytest.raises(ValueError, match="expand"):
        prepared.rows(conn, {"ids": [1, 2]})


def test_tuples_keep_the_column_order(database: Database) -> None:
    statement = select(things.c.name, things.c.id, things.c.at).where(things.c.id == 3)
    with database.transaction(write=False) as conn:
        assert Prepared(statement).tuples(conn, {}) == [
            ("three", 3, dt.datetime(2025, 1, 2, 3, 4, 5, 600000))
        ]


@pytest.mark.parametrize(
    ("ids", "found"),
    [([1, 3], [1, 3]), ([3, 3, 99], [3]), ([], []), (range(1, 600), [1, 2, 3])],
)
def test_an_id_array_binds_any_number_of_ids_as_one_parameter(
    database: Database, ids: list[int], found: list[int]
) -> None:
    statement = (
        select(things.c.id)
        .where(in_ids(things.c.id, bindparam("ids", type_=IdArray())))
        .order_by(things.c.id)
    )
    with database.transaction(write=False) as conn:
        assert [row[0] for row in Prepared(statement).tuples(conn, {"ids": ids})] == found
        assert conn.execute(statement, {"ids": ids}).scalars().all() == found


def test_an_id_array_stays_an_index_lookup_on_sqlite(tmp_path: Path) -> None:
    """Compiled as a condition of its own: `... = 1` after it made SQLite scan the table."""
    db = Database(str(tmp_path / "plan.db"))
    metadata.create_all(db.engine)
    statement = select(things.c.id).where(in_ids(things.c.id, bindparam("ids", type_=IdArray())))
    sql = str(statement.compile(dialect=db.engine.dialect))
    with db.transaction(write=False) as conn:
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, ("[1]",)).all()
    db.dispose()
    assert not sql.rstrip().endswith("= 1")
    assert any("USING INTEGER PRIMARY KEY" in row[-1] for row in plan), plan
