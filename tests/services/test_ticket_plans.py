"""The plans PostgreSQL chooses for ticket reads once it has statistics (autovacuum's
ANALYZE), on data shaped like a real tracker's: most tickets have no parent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert

from milepost.services import ticket_rows
from milepost.storage import tables as t
from milepost.storage.database import Database, insert_id
from milepost.storage.migrate import upgrade
from tests.conftest import database_for

TICKETS = 3000


@pytest.fixture
def analyzed(tmp_path: Path) -> Iterator[Database]:
    with database_for("postgresql", tmp_path) as url:
        database = Database(url)
        try:
            upgrade(database)
            now = dt.datetime(2026, 1, 1)
            with database.transaction(write=True) as conn:
                project = insert_id(
                    conn, insert(t.projects).values(name="p", created=now, modified=now)
                )
                rows = [
                    {"projectId": project, "headline": f"t{n}", "date": now, "modified": now}
                    for n in range(TICKETS)
                ]
                conn.execute(insert(t.tickets), rows)
            with database.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
            yield database
        finally:
            database.dispose()


def test_reading_tickets_by_id_never_scans_the_ticket_table(analyzed: Database) -> None:
    statement = ticket_rows._BY_IDS.statement  # what fetch_many runs
    with analyzed.transaction(write=False) as conn:
        compiled = statement.compile(dialect=conn.dialect)
        params = compiled.construct_params({"ticket_ids": [5, 50, 500]})
        plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + str(compiled), params))
        found = ticket_rows.fetch_many(conn, {5, 50, 500})
    assert sorted(found) == [5, 50, 500]
    assert "Seq Scan on zp_tickets" not in plan, plan


def test_the_ticket_read_is_planned_once_not_on_every_call(analyzed: Database) -> None:
    """Its constants are part of its text: bound as parameters, they made the generic plan
    look costly, and PostgreSQL planned each run anew (2 ms against 0.1 ms to run)."""
    with analyzed.transaction(write=False) as conn:
        for ticket_id in range(1, 13):  # psycopg prepares a statement from its fifth run
            assert ticket_rows.fetch_one(conn, ticket_id) is not None
        plans = conn.exec_driver_sql(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE '%%FROM zp_tickets JOIN%%'"
        ).all()
    assert len(plans) == 1
    generic, custom = plans[0]
    assert generic >= 1, (generic, custom)
