"""JSON written by the database (storage/sql.py): the same text on both backends, the
text orjson writes for the same object, so that a transport can send it as it is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from sqlalchemy import (
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    event,
    literal,
    null,
    select,
)

from milepost.storage.database import Database
from milepost.storage.sql import (
    int_or_null,
    json_ids,
    json_object,
    wire_date,
    wire_number,
    wire_time,
)
from tests.conftest import BACKENDS
from tests.storage.conftest import database_with

metadata = MetaData()
notes = Table(
    "json_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("parent", Integer),
    Column("text", String(200)),
    Column("at", DateTime),
    Column("amount", Float),
)
ROWS = [
    {"id": 1, "parent": 0, "text": 'quote " backslash \\ tab \t nl \n \x01 é 🚀 </p>',
     "at": dt.datetime(2026, 12, 4, 9, 5, 7, 123456), "amount": 4.0},
    {"id": 2, "parent": 1, "text": None, "at": None, "amount": 2.5},
    {"id": 3, "parent": 1, "text": "", "at": dt.datetime(2025, 1, 2), "amount": None},
]  # fmt: skip


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with database_with(request.param, tmp_path, notes, ROWS) as db:
        yield db


def _json_of(database: Database, *pairs: tuple[str, object]) -> list[str]:
    statement = select(json_object(*pairs)).order_by(notes.c.id)
    with database.transaction(write=False) as conn:
        return [row[0] for row in conn.execute(statement)]


def test_objects_are_the_text_orjson_writes(database: Database) -> None:
    child = notes.alias("child")
    texts = _json_of(
        database,
        ("id", notes.c.id),
        ("text", notes.c.text),
        ("date", wire_date(notes.c.at)),
        ("time", wire_time(notes.c.at)),
        ("amount", wire_number(notes.c.amount)),
        ("none", null()),
        ("children", json_ids(child.c.id, child.c.parent == notes.c.id, child.c.parent > 0)),
        ('a "quoted" key', notes.c.id),
        ("it's", notes.c.id),
    )
    expected = [
        {"id": 1, "text": ROWS[0]["text"], "date": "2026-12-04 09:05:07", "time": "09:05",
         "amount": 4, "none": None, "children": [2, 3], 'a "quoted" key': 1, "it's": 1},
        {"id": 2, "text": None, "date": None, "time": None, "amount": 2.5, "none": None,
         "children": [], 'a "quoted" key': 2, "it's": 2},
        {"id": 3, "text": "", "date": "2025-01-02 00:00:00", "time": "00:00", "amount": None,
         "none": None, "children": [], 'a "quoted" key': 3, "it's": 3},
    ]  # fmt: skip
    assert [orjson.loads(text) for text in texts] == expected
    # Key order and spacing too: the batch path sends this text without decoding it.
    assert texts == [orjson.dumps(value).decode() for value in expected]


def test_an_object_has_up_to_63_keys(database: Database) -> None:
    # More than PostgreSQL's json_build_object takes (50), as many as SQLite's json_object.
    pairs = [(f"k{n}", notes.c.id + n) for n in range(json_object.MAX_KEYS)]
    (first, *_) = _json_of(database, *pairs)
    assert orjson.loads(first) == {f"k{n}": 1 + n for n in range(json_object.MAX_KEYS)}
    with pytest.raises(ValueError, match="at most 63 keys"):
        json_object(*pairs, ("one too many", notes.c.id))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("7", 7), ("123456789", 123456789), ("0012", 12), ("1234567890", None), ("", None),
     (" 1", None), ("1.5", None), ("-3", None), ("x1", None), ("\u0661", None), (None, None)],
)  # fmt: skip
def test_int_or_null_takes_up_to_nine_ascii_digits(
    database: Database, text: str | None, expected: int | None
) -> None:
    with database.transaction(write=False) as conn:
        value = conn.execute(select(int_or_null(literal(text, String())))).scalar_one()
    assert value == expected


def test_postgresql_gets_limit_and_offset_in_the_statement_text(database: Database) -> None:
    # Generic plans cannot see a bound LIMIT (storage/sql.py: _offset_limit_postgresql).
    sent: list[str] = []
    event.listen(database.engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    query = select(notes.c.id).order_by(notes.c.id)
    with database.transaction(write=False) as conn:
        for size in (1, 2):
            assert list(conn.execute(query.limit(size).offset(1)).scalars()) == [2, 3][:size]
    if database.is_sqlite:
        assert all(text.endswith("LIMIT ? OFFSET ?") for text in sent)
    else:
        assert [text.split("LIMIT")[1].strip() for text in sent] == ["1 OFFSET 1", "2 OFFSET 1"]
