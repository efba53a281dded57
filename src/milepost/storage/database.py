"""The engine and its transactions, for SQLite (embedded default) and PostgreSQL.

Every unit of work is one transaction opened by `Database.transaction(write=...)`.
The caller says up front whether it will write, because SQLite needs to know: a read
transaction that later tries to write fails at once with "database is locked" when
another writer got in first, and the busy timeout does not help it. Write transactions
on SQLite therefore start with `BEGIN IMMEDIATE`, and writers in one process queue on a
lock instead of spinning in SQLite's busy handler; writers in other processes wait on
the busy timeout.

On PostgreSQL a server can also run calls concurrently on its event loop
(`start_concurrent`, then `concurrently`): the call's synchronous code runs in a greenlet, as
SQLAlchemy's asyncio extension runs it, over asyncpg. Each query then hands the loop back
while it waits on the server, so one process keeps several calls in flight instead of
idling through every round trip; the services stay synchronous and unaware of it. Code
outside such a greenlet (the command line, the webhook worker's thread, tests calling
services directly) keeps the synchronous psycopg engine.
"""

from __future__ import annotations

import asyncio
import select
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Insert, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, NullPool
from sqlalchemy.util.concurrency import await_, in_greenlet

from milepost.storage import sql as _sql  # noqa: F401 - its SQL constructs register their forms
from milepost.storage.greenlets import Runners

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_POOL_SIZE = 40
MAX_OVERFLOW = 8  # PostgreSQL connections a process may open beyond its pool size


def normalize_url(url: str) -> str:
    """Turn a bare file path into an SQLite URL and pick psycopg 3 for PostgreSQL."""
    if "://" not in url:
        return f"sqlite:///{url}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class Database:
    """One engine per process, and the transactions the services run in."""

    def __init__(
        self, url: str, *, pool_size: int = 8, pool_timeout: float = 30.0, echo: bool = False
    ) -> None:
        self.url = normalize_url(url)
        self.is_sqlite = make_url(self.url).get_backend_name() == "sqlite"
        self._write_lock = threading.Lock()
        self._kept_lock = threading.Lock()
        self._kept_connections: dict[int, Connection] = {}
        self._keep_at_most = SQLITE_POOL_SIZE if self.is_sqlite else pool_size
        options: dict[str, Any] = {"echo": echo, "pool_pre_ping": not self.is_sqlite}
        if self.is_sqlite:
            # SQLite connections are cheap to keep and costly to reopen (the PRAGMAs):
            # keep one for every thread that may run a call at once (the server's thread
            # pool holds 40), so that a busy server does not open and close overflow
            # connections on every request.
            options["connect_args"] = {"check_same_thread": False, "timeout": 30}
            options["pool_size"] = max(pool_size, SQLITE_POOL_SIZE)
            options["max_overflow"] = 32
        else:
            options["pool_size"] = pool_size
            options["max_overflow"] = MAX_OVERFLOW
            options["pool_timeout"] = pool_timeout
            options["connect_args"] = {"options": _postgresql_options(self.url)}
        self.engine: Engine = create_engine(self.url, **options)
        if self.is_sqlite:
            _install_sqlite_hooks(self.engine)
        self._pool_size = pool_size
        self._pool_timeout = pool_timeout
        self._concurrent: _Concurrent | None = None
        self._runners = Runners()

    async def start_concurrent(self) -> None:
        """On PostgreSQL, open the asyncpg engine that calls made through `concurrently` use; on
        the event loop that will serve them (asyncpg connections belong to one loop).
        SQLite has nothing to wait on (a query is a function call), so it stays inline."""
        if self.is_sqlite or self._concurrent is not None:
            return
        url = make_url(self.url).set(drivername="postgresql+asyncpg")
        engine = create_async_engine(
            url, poolclass=NullPool, connect_args={"server_settings": dict(GENERIC_PLANS)}
        )
        self._concurrent = _Concurrent(engine, size=self._pool_size, timeout=self._pool_timeout)

    async def stop_concurrent(self) -> None:
        concurrent, self._concurrent = self._concurrent, None
        if concurrent is not None:
            await self._runners.run(concurrent.release)
            await concurrent.engine.dispose()

    async def concurrently(self, func: Callable[..., T], *args: Any) -> T:
        """Run `func(*args)`, which may open transactions, from the event loop: in a
        greenlet over asyncpg once `start_concurrent` has run, so that the loop serves
        other requests while its queries wait; inline otherwise."""
        if self._concurrent is None:
            return func(*args)
        return await self._runners.run(func, *args)

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[Connection]:
        """Yield a connection inside a transaction that commits on success."""
        if self._concurrent is not None and in_greenlet():
            with self._concurrent.transaction(write=write) as conn:
                yield conn
            return
        if not self.is_sqlite:
            if write:
                with self.engine.begin() as conn:
                    yield conn
                return
            # Reads run in autocommit: under READ COMMITTED every statement takes its own
            # snapshot inside a transaction too, so BEGIN and COMMIT would only add two
            # round trips to the server.
            with self._kept() as conn, conn.begin():
                yield conn
            return
        if not write:
            with self._kept() as conn, conn.begin():
                yield conn
            return
        with self._write_lock, self._kept() as conn:
            conn.execution_options(sqlite_immediate=True)
            driver: Any = conn.connection.driver_connection
            try:
                with conn.begin():
                    changes = driver.total_changes
                    yield conn
                    if driver.total_changes != changes:
                        _bump_revision(driver)
            finally:
                conn.execution_options(sqlite_immediate=False)

    @contextmanager
    def _kept(self) -> Iterator[Connection]:
        """This thread's connection, kept open between its transactions (on PostgreSQL,
        between its reads, in autocommit).

        Checking a connection out of the pool and back in costs SQLAlchemy more than a
        small read costs SQLite (measured: 23 us for an empty transaction against 6 us
        for BEGIN, a SELECT by id and COMMIT on the driver), and on PostgreSQL the
        check-out's ping is one more round trip to the server; so each thread keeps
        one. At most `SQLITE_POOL_SIZE` threads do on SQLite and `pool_size` on
        PostgreSQL (leaving the overflow to the others); those others and nested
        transactions check one out as usual. A kept PostgreSQL connection is not pinged
        (a round trip per read); instead `_server_gone` reads what the server sent while
        it sat idle, so one that a restarted server closed is replaced before use. A
        transaction that fails hands its connection back to the pool, and `dispose()`
        closes them all. They are kept by
        thread id, not in thread-local storage, so that a thread that ends leaves its
        connection to be closed here rather than to the garbage collector."""
        ident = threading.get_ident()
        with self._kept_lock:
            conn = self._kept_connections.pop(ident, None)
        if conn is not None and not self.is_sqlite and _server_gone(conn):
            conn.invalidate()
            conn.close()
            conn = None
        with self._kept_lock:
            if conn is None and len(self._kept_connections) < self._keep_at_most:
                conn = self.engine.connect()
                if not self.is_sqlite:
                    conn.execution_options(isolation_level="AUTOCOMMIT")
        if conn is None:  # too many threads: no keeping
            with self.engine.connect() as plain:
                yield plain
            return
        try:
            yield conn
        except BaseException:
            conn.close()
            raise
        with self._kept_lock:
            extra = self._kept_connections.setdefault(ident, conn)  # a nested one came back first
        if extra is not conn:
            conn.close()

    def data_version(self, conn: Connection) -> str:
        """A value that changes whenever anything is committed, read inside the caller's
        transaction: two reads that see the same value see the same data.

        SQLite: the revision row that every write transaction bumps (a write made
        outside Milepost is not seen until the next write through it). PostgreSQL: the
        transaction snapshot (`xmin:xmax:in-progress ids`), which differs after any
        commit that assigned a transaction id; read at the statement's start, so the
        data read after it is as new as the value or newer, never older.
        """
        if self.is_sqlite:
            driver: Any = conn.connection.driver_connection
            row = driver.execute(_READ_REVISION).fetchone()
            return f"r{row[0] if row else 0}"
        cursor = conn.connection.cursor()  # psycopg's, or asyncpg's through its adapter
        try:
            cursor.execute("SELECT pg_current_snapshot()::text")
            row = cursor.fetchone()
            return f"s{row[0] if row else ''}"
        finally:
            cursor.close()

    def dispose(self) -> None:
        """Close the synchronous engine's connections (`stop_concurrent` closes the
        asyncpg ones, on their loop)."""
        with self._kept_lock:
            kept, self._kept_connections = list(self._kept_connections.values()), {}
        for conn in kept:
            conn.close()
        self.engine.dispose()


class _Concurrent:
    """The asyncpg connections of a server's event loop: at most `size`, each kept open
    once opened, and used by one call at a time; so at most `size` calls are in flight
    at once, which bounds the memory their results take (eight served getTicket faster
    than sixteen on the 2-core machine, and sixteen concurrent `getAll` misses built
    their thousand rows each at once).

    SQLAlchemy's pool would check a connection out and back in for every call, which
    costs about half as much as a small read itself (measured: 17 us against 35 us), so
    the connections are kept here instead, in one list. Every greenlet runs on the
    loop's thread, so there is no lock to take. A call that finds none idle opens one
    while fewer than `size` are open, and otherwise waits, up to `timeout` seconds, for
    the next one given back, which is handed to the waiting calls in turn. Connections
    stand in autocommit, for reads; a write switches its connection to a transaction
    for its duration. Nothing is pinged: asyncpg notices a connection the server closed
    while it sat idle (the loop reads its socket), and such a connection is replaced
    before use. The engine underneath keeps no pool of its own.
    """

    def __init__(self, engine: AsyncEngine, *, size: int, timeout: float = 30.0) -> None:
        self.engine = engine
        self._sync_engine = engine.sync_engine
        self._size = size
        self._timeout = timeout
        self._open = 0
        self._idle: list[Connection] = []
        self._waiting: deque[asyncio.Future[Connection | None]] = deque()

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[Connection]:
        conn = self._acquire()
        try:
            if write:
                _autocommit(conn, False)
            with conn.begin():
                yield conn
        except Exception:
            # Rolled back; a connection that is still sound serves the next call.
            if conn.invalidated or _closed(conn):
                self._discard(conn)
            else:
                self._give_back(conn, write)
            raise
        except BaseException:  # cancelled in the middle of a query, say
            self._discard(conn)
            raise
        self._give_back(conn, write)

    def _acquire(self) -> Connection:
        while self._idle:
            conn = self._idle.pop()
            if not _closed(conn):
                return conn
            self._discard(conn)
        if self._open >= self._size:
            found = self._wait()
            if found is not None:
                return found
        self._open += 1
        try:
            conn = self._sync_engine.connect()
        except BaseException:
            self._open -= 1
            raise
        _autocommit(conn, True)
        return conn

    def _wait(self) -> Connection | None:
        """The next connection given back, or None when one was closed (a new one may
        then be opened in its place)."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Connection | None] = loop.create_future()
        timer = loop.call_later(self._timeout, _expire, waiter, self._timeout)
        self._waiting.append(waiter)
        try:
            return await_(waiter)
        finally:
            timer.cancel()

    def _give_back(self, conn: Connection, write: bool) -> None:
        if write:
            _autocommit(conn, True)
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():  # not timed out or cancelled
                waiter.set_result(conn)
                return
        self._idle.append(conn)

    def _discard(self, conn: Connection) -> None:
        self._open -= 1
        try:
            conn.invalidate()
            conn.close()
        finally:
            while self._waiting:
                waiter = self._waiting.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    break

    def release(self) -> None:
        idle, self._idle = self._idle, []
        self._open -= len(idle)
        for conn in idle:
            conn.close()


def _expire(waiter: asyncio.Future[Connection | None], timeout: float) -> None:
    if not waiter.done():
        waiter.set_exception(
            SATimeoutError(f"no database connection was free within {timeout:g} s")
        )


def _closed(conn: Connection) -> bool:
    driver: Any = conn.connection.driver_connection
    return bool(driver.is_closed())


def _server_gone(conn: Connection) -> bool:
    """Whether the server behind an idle PostgreSQL connection has gone (restarted, or
    ended the session). An idle connection has nothing to read, as Milepost never
    LISTENs, unless the server closed it (after a FATAL message): one poll of the socket
    tells, without the round trip of a ping (100 us and more). Anything else the server
    might send an idle session (a setting reported after a reload) just costs a new
    connection."""
    driver: Any = conn.connection.driver_connection
    if driver.closed or driver.broken:
        return True
    readable, _, _ = select.select([driver.fileno()], [], [], 0)
    return bool(readable)


def _autocommit(conn: Connection, on: bool) -> None:
    """Switch a kept asyncpg connection between autocommit (reads) and transactions
    (writes) on the driver's adapter. Not with `execution_options(isolation_level=...)`:
    that registers a reset for the connection's return to the pool on every call, and
    these connections never return, so each write left 900 bytes behind for good (20 MB
    after a minute of addTicket). SQLAlchemy commits and rolls back as for any
    connection; the adapter opens a transaction only outside autocommit."""
    adapted: Any = conn.connection.dbapi_connection
    adapted.autocommit = on


# PostgreSQL plans a prepared statement (asyncpg prepares every statement; psycopg those
# a connection has run five times) for the values of each run, unless its generic plan,
# made once for any values, looks no costlier than those. For a list query with a
# LIMIT the generic plan's guesses (`id > $2` matches a third of the table) make it
# look several times costlier although it is the same plan, so a 100-row page of
# getAll was planned anew on every call: 4.3 ms of planning for its nine tables
# against 0.6 ms of running. Milepost's statements are few and index-driven, so its
# connections take the generic plan always. Hot reads also write their constants into
# their text (storage/prepared.py), which keeps their generic plans as good as the
# custom ones.
GENERIC_PLANS = {"plan_cache_mode": "force_generic_plan"}


def _postgresql_options(url: str) -> str:
    """libpq's `options` for psycopg connections: the URL's own, then GENERIC_PLANS."""
    given = make_url(url).query.get("options", "")
    ours = " ".join(f"-c {name}={value}" for name, value in GENERIC_PLANS.items())
    return f"{given if isinstance(given, str) else ' '.join(given)} {ours}".strip()


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the sqlite3 module so that BEGIN is ours.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        # Straight to the driver: the statement needs no parameters or result, and going
        # through `exec_driver_sql` would cost more than the BEGIN itself.
        conn.connection.driver_connection.execute(  # type: ignore[union-attr]
            "BEGIN IMMEDIATE" if immediate else "BEGIN"
        )


_READ_REVISION = "SELECT value FROM mp_revision WHERE id = 1"
_BUMP_REVISION = "UPDATE mp_revision SET value = value + 1 WHERE id = 1"


def _bump_revision(driver: sqlite3.Connection) -> None:
    """Count a write transaction that changed rows, on SQLite (`Database.data_version`);
    write transactions that change nothing (a worker's empty poll) leave it alone.
    Straight to the driver: it runs in every write. Before the first migration there is
    no row to bump."""
    try:
        driver.execute(_BUMP_REVISION)
    except sqlite3.OperationalError as error:
        if "no such table" not in str(error):
            raise


def insert_id(conn: Connection, statement: Insert) -> int:
    """Execute an INSERT of one row and return the new row's primary key."""
    key = conn.execute(statement).inserted_primary_key
    if key is None or key[0] is None:
        raise RuntimeError("the INSERT returned no primary key")
    return int(key[0])
