"""Kept PostgreSQL connections: a read after the server ended the session works, on a new
connection, and a lost connection surfaces as SQLAlchemy's error with the connection
invalidated (for reads run on the driver too)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import literal, select
from sqlalchemy.exc import DBAPIError

from milepost.storage.database import Database
from milepost.storage.prepared import Prepared
from tests.conftest import PG_ADMIN_URL, database_for

ONE = Prepared(select(literal(1).label("one")))


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with database_for("postgresql", tmp_path) as url:
        db = Database(url)
        try:
            yield db
        finally:
            db.dispose()


def backend_pid(database: Database) -> int:
    with database.transaction(write=False) as conn:
        return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def end_session(pid: int) -> None:
    """What a server restart does to one connection: the server closes it. Returns once
    the backend has exited (terminating is asynchronous)."""
    admin = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        ended = conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()
        assert ended == (True,)
        for _ in range(200):
            alive = conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,))
            if alive.fetchone() is None:
                return
            time.sleep(0.01)
    raise AssertionError(f"backend {pid} did not exit")


def test_reads_keep_one_connection(database: Database) -> None:
    assert backend_pid(database) == backend_pid(database)


def test_a_read_after_the_server_ended_the_session_gets_a_new_connection(
    database: Database,
) -> None:
    first = backend_pid(database)
    end_session(first)

    with database.transaction(write=False) as conn:
        assert ONE.rows(conn, {}) == [{"one": 1}]
    assert backend_pid(database) != first


def test_a_connection_lost_during_a_driver_read_is_reported_as_lost(database: Database) -> None:
    with pytest.raises(DBAPIError) as raised, database.transaction(write=False) as conn:
        end_session(int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()))
        ONE.rows(conn, {})
    assert raised.value.connection_invalidated
    with database.transaction(write=False) as conn:
        assert ONE.rows(conn, {}) == [{"one": 1}]
