"""Kept PostgreSQL connections: a read after the server ended the session works, on a new
connection, and a lost connection surfaces as SQLAlchemy's error with the connection
invalidated (for reads run on the driver too). The same for calls run concurrently over
asyncpg, which also must not wait on each other and must read what psycopg reads."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import bindparam, literal, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SATimeoutError

from milepost.storage import tables as t
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


# -- calls run concurrently over asyncpg (`Database.concurrently`) ---------------------

TICKET = Prepared(
    select(
        t.tickets.c.id,
        t.tickets.c.headline,
        t.tickets.c.date,
        t.tickets.c.planHours,
        t.tickets.c.editorId,
        t.tickets.c.storypoints,
    ).where(t.tickets.c.id == bindparam("ticket_id"))
)


def concurrently(database: Database, *calls: Callable[[], Any]) -> list[Any]:
    """Run each call in its own greenlet on one event loop, as the server does; returns
    the results in the order the calls finished."""
    finished: list[Any] = []

    async def main() -> None:
        await database.start_concurrent()

        async def one(call: Callable[[], Any]) -> None:
            finished.append(await database.concurrently(call))

        try:
            await asyncio.gather(*(one(call) for call in calls))
        finally:
            await database.stop_concurrent()

    asyncio.run(main())
    return finished


def read(database: Database, sql: str) -> Callable[[], Any]:
    def call() -> Any:
        with database.transaction(write=False) as conn:
            return conn.exec_driver_sql(sql).scalar_one()

    return call


def test_a_read_waiting_on_the_server_does_not_hold_up_the_others(database: Database) -> None:
    finished = concurrently(
        database,
        read(database, "SELECT 'slow' FROM pg_sleep(0.5)"),
        read(database, "SELECT 'quick'"),
    )
    assert finished == ["quick", "slow"]


def test_concurrent_calls_run_on_asyncpg_and_others_on_psycopg(database: Database) -> None:
    def driver() -> str:
        with database.transaction(write=False) as conn:
            return conn.dialect.driver

    assert concurrently(database, driver) == ["asyncpg"]
    assert driver() == "psycopg"


def test_a_ticket_reads_the_same_over_both_drivers(database: Database, tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "milepost", "init", "--database", database.url, "--demo"],
        check=True,
        capture_output=True,
    )

    def ticket_values() -> list[Any]:
        found = []
        with database.transaction(write=False) as conn:
            for ticket_id in range(1, 40):
                found.extend(TICKET.tuples(conn, {"ticket_id": ticket_id}))
                found.extend(TICKET.rows(conn, {"ticket_id": ticket_id}))
        return found

    over_psycopg = ticket_values()
    # Twice: a plan's first run goes through SQLAlchemy's adapter, later ones straight to
    # asyncpg.
    first, second = concurrently(database, ticket_values, ticket_values)
    assert len(over_psycopg) == 78
    assert [tuple(row) if not isinstance(row, dict) else row for row in first] == over_psycopg
    assert [tuple(row) if not isinstance(row, dict) else row for row in second] == over_psycopg


def test_concurrent_reads_keep_their_connections(database: Database) -> None:
    pid = read(database, "SELECT pg_backend_pid()")

    async def main() -> tuple[list[int], list[int]]:
        await database.start_concurrent()
        try:
            first = await asyncio.gather(*(database.concurrently(pid) for _ in range(4)))
            second = await asyncio.gather(*(database.concurrently(pid) for _ in range(4)))
            return first, second
        finally:
            await database.stop_concurrent()

    first, second = asyncio.run(main())
    assert len(set(first)) == 4  # four in flight at once: four connections
    assert set(second) == set(first)


def test_a_concurrent_read_after_the_server_ended_the_session_gets_a_new_connection(
    database: Database,
) -> None:
    pid = read(database, "SELECT pg_backend_pid()")

    async def main() -> tuple[int, int, list[Any]]:
        await database.start_concurrent()
        try:
            first = await database.concurrently(pid)
            end_session(first)
            await asyncio.sleep(0.05)  # the loop reads the closed socket
            after = await database.concurrently(pid)
            with_driver = await database.concurrently(one_row(database))
            return first, after, with_driver
        finally:
            await database.stop_concurrent()

    first, after, with_driver = asyncio.run(main())
    assert after != first
    assert with_driver == [{"one": 1}]


def one_row(database: Database) -> Callable[[], Any]:
    def call() -> Any:
        with database.transaction(write=False) as conn:
            return ONE.rows(conn, {})

    return call


def test_a_connection_lost_during_a_direct_asyncpg_read_is_reported_as_lost(
    database: Database,
) -> None:
    def lose_and_read() -> Any:
        with database.transaction(write=False) as conn:
            ONE.rows(conn, {})  # the plan's first run, through the adapter
            end_session(int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()))
            return ONE.rows(conn, {})

    async def main() -> tuple[BaseException, Any]:
        await database.start_concurrent()
        try:
            with pytest.raises(DBAPIError) as raised:
                await database.concurrently(lose_and_read)
            return raised.value, await database.concurrently(one_row(database))
        finally:
            await database.stop_concurrent()

    error, again = asyncio.run(main())
    assert isinstance(error, DBAPIError)
    assert error.connection_invalidated
    assert again == [{"one": 1}]


def test_calls_beyond_the_connection_limit_wait_for_one_given_back(tmp_path: Path) -> None:
    with database_for("postgresql", tmp_path) as url:
        database = Database(url, pool_size=3)  # at most 3 calls in flight
        limit = 3
        try:
            started = time.perf_counter()
            pids = concurrently(
                database, *[read(database, "SELECT pg_backend_pid() FROM pg_sleep(0.3)")] * 5
            )
            took = time.perf_counter() - started
        finally:
            database.dispose()
    assert len(pids) == 5
    assert len(set(pids)) == limit
    assert took >= 0.6  # two rounds


def test_a_call_that_waits_too_long_for_a_connection_fails(tmp_path: Path) -> None:
    with database_for("postgresql", tmp_path) as url:
        database = Database(url, pool_size=2, pool_timeout=0.2)
        limit = 2

        async def main() -> list[Any]:
            await database.start_concurrent()
            try:
                return await asyncio.gather(
                    *(database.concurrently(read(database, "SELECT 1 FROM pg_sleep(1)"))
                      for _ in range(limit + 1)),
                    return_exceptions=True,
                )  # fmt: skip
            finally:
                await database.stop_concurrent()

        try:
            outcomes = asyncio.run(main())
        finally:
            database.dispose()
    assert outcomes.count(1) == limit
    failed = [outcome for outcome in outcomes if outcome != 1]
    assert len(failed) == 1
    assert isinstance(failed[0], SATimeoutError)


def test_a_concurrent_write_commits_or_rolls_back_and_its_connection_serves_on(
    database: Database,
) -> None:
    with database.transaction(write=True) as conn:
        conn.exec_driver_sql("CREATE TABLE scratch (value integer)")

    def write(value: int, *, fail: bool = False) -> Callable[[], Any]:
        def call() -> int:
            with database.transaction(write=True) as conn:
                conn.exec_driver_sql(f"INSERT INTO scratch VALUES ({value})")
                if fail:
                    raise ValueError("the service refused")
                return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())

        return call

    async def main() -> tuple[int, int, int, list[int]]:
        await database.start_concurrent()
        try:
            written = await database.concurrently(write(1))
            with pytest.raises(ValueError, match="refused"):
                await database.concurrently(write(2, fail=True))
            again = await database.concurrently(write(3))
            reader = await database.concurrently(read(database, "SELECT pg_backend_pid()"))
            values = await database.concurrently(lambda: [row[0] for row in _scratch(database)])
            return written, again, reader, values
        finally:
            await database.stop_concurrent()

    written, again, reader, values = asyncio.run(main())
    assert values == [1, 3]
    assert written == again == reader  # one connection throughout, the failure included


def _scratch(database: Database) -> list[Any]:
    with database.transaction(write=False) as conn:
        return list(conn.exec_driver_sql("SELECT value FROM scratch ORDER BY value"))


def test_concurrent_writes_leave_nothing_behind(database: Database) -> None:
    # Switching a kept connection with execution_options(isolation_level=...) left 900
    # bytes per write on it for good (storage/database.py: _autocommit).
    with database.transaction(write=True) as conn:
        conn.exec_driver_sql("CREATE TABLE scratch (value integer)")

    def write() -> None:
        with database.transaction(write=True) as conn:
            conn.exec_driver_sql("INSERT INTO scratch VALUES (1)")

    async def main() -> int:
        await database.start_concurrent()
        try:
            for _ in range(50):  # warm: compiled statements, the connection
                await database.concurrently(write)
            gc.collect()
            tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(1000):
                await database.concurrently(write)
            gc.collect()
            grown = tracemalloc.get_traced_memory()[0] - before
            tracemalloc.stop()
            return grown
        finally:
            await database.stop_concurrent()

    assert asyncio.run(main()) < 100_000  # the leak: 900 kB


def test_both_drivers_take_generic_plans(database: Database) -> None:
    # A page of getAll was planned anew on every call (storage/database.py: GENERIC_PLANS).
    mode = "SELECT current_setting('plan_cache_mode')"
    assert read(database, mode)() == "force_generic_plan"
    assert concurrently(database, read(database, mode)) == ["force_generic_plan"]


def test_psycopg_keeps_the_options_of_the_url(tmp_path: Path) -> None:
    with database_for("postgresql", tmp_path) as url:
        database = Database(f"{url}?options=-c%20statement_timeout%3D12345")
        try:
            settings = (
                "SELECT current_setting('statement_timeout'), current_setting('plan_cache_mode')"
            )
            with database.transaction(write=False) as conn:
                found = tuple(conn.exec_driver_sql(settings).one())
            assert found == ("12345ms", "force_generic_plan")
        finally:
            database.dispose()
