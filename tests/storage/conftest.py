"""Helpers for the storage tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert

from milepost.storage.database import Database
from tests.conftest import database_for


@contextmanager
def database_with(
    backend: str, workdir: Path, table: Table, rows: list[dict[str, Any]]
) -> Iterator[Database]:
    """A fresh database on `backend` holding `table` (with the rest of its metadata) and `rows`."""
    with database_for(backend, workdir) as url:
        database = Database(url)
        table.metadata.create_all(database.engine)
        with database.transaction(write=True) as conn:
            conn.execute(insert(table), rows)
        try:
            yield database
        finally:
            database.dispose()
