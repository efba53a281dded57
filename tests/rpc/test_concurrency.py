"""On PostgreSQL one server process keeps several calls in flight: a call waiting on the
database (here, a write waiting for a row lock held elsewhere) does not hold up the
process's other requests (`Database.concurrently`)."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pytest

from tests.conftest import Server


def plain_url(database_url: str) -> str:
    return database_url.replace("postgresql+psycopg://", "postgresql://")


def lock_waiters(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    ).fetchone()
    return int(row[0]) if row else 0


def test_a_call_waiting_on_a_lock_does_not_hold_up_other_requests(server: Server) -> None:
    if server.backend != "postgresql":
        pytest.skip("SQLite runs one call at a time per process")
    locked = server.call("Tickets.addTicket", {"values": {"headline": "locked", "projectId": 1}})
    other = server.call("Tickets.addTicket", {"values": {"headline": "free", "projectId": 1}})
    written: list[Any] = []

    def write() -> None:
        written.append(
            server.call("Tickets.patchTicket", {"id": locked, "values": {"headline": "written"}})
        )

    url = plain_url(server.database_url)
    with psycopg.connect(url) as holder, psycopg.connect(url, autocommit=True) as watcher:
        holder.execute("SELECT 1 FROM zp_tickets WHERE id = %s FOR UPDATE", (locked,))
        writer = threading.Thread(target=write)
        writer.start()
        for _ in range(500):
            if lock_waiters(watcher):
                break
            time.sleep(0.01)
        assert lock_waiters(watcher) == 1, "the write never waited on the lock"

        started = time.perf_counter()
        ticket = server.call("Tickets.getTicket", {"id": other})
        assert ticket["headline"] == "free"
        assert time.perf_counter() - started < 2
        assert writer.is_alive() and not written  # still waiting on the lock
        holder.rollback()  # releases the lock

    writer.join(timeout=10)
    assert written == [True]
    assert server.call("Tickets.getTicket", {"id": locked})["headline"] == "written"
