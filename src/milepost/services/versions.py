"""Optimistic concurrency: every editable row carries a version, bumped on each change.

Update methods take an `expectedVersion` as a parameter of its own. When given, the
change applies only if the row is still at that version (checked in the UPDATE's WHERE
clause, so two concurrent edits with the same expected version cannot both win); a
stale version is a -32005 conflict. A `version` that merely comes back inside `values`
(a client that read an object and writes it whole) is ignored, so Leantime clients
never meet a conflict they did not ask for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import update

from milepost.services.errors import Conflict

if TYPE_CHECKING:
    from sqlalchemy import Table

    from milepost.services.operations import Context


def checked_update(
    ctx: Context,
    table: Table,
    entity_id: int,
    values: dict[str, Any],
    *,
    expected_version: int | None,
    what: str,
) -> None:
    """UPDATE one row by id, bumping its version, if it is at `expected_version`."""
    values = {key: value for key, value in values.items() if key != "version"}
    statement = (
        update(table).where(table.c.id == entity_id).values(**values, version=table.c.version + 1)
    )
    if expected_version is not None:
        statement = statement.where(table.c.version == expected_version)
    if ctx.conn.execute(statement).rowcount == 0 and expected_version is not None:
        raise Conflict(
            f"{what} {entity_id} is no longer at version {expected_version}; read it again",
            reason="stale_version",
        )
