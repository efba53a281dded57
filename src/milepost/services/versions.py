"""Optimistic concurrency: every editable row carries a version, bumped on each change.

Update methods take an `expectedVersion` as a parameter of its own. When given, the
change applies only if the row is still at that version (checked in the UPDATE's WHERE
clause, so two concurrent edits with the same expected version cannot both win); a
stale version is a -32005 conflict. A `version` that merely comes back inside `values`
(a client that read an object and writes it whole) is ignored, so Leantime clients
never meet a conflict they did not ask for.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, update

from milepost.services.errors import Conflict

if TYPE_CHECKING:
    from sqlalchemy import Table, Update

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
    params = {key: value for key, value in values.items() if key != "version"}
    params["entity_id"] = entity_id
    if expected_version is not None:
        params["expected_version"] = expected_version
    statement = _update_of(table, checked=expected_version is not None)
    if ctx.conn.execute(statement, params).rowcount == 0 and expected_version is not None:
        raise Conflict(
            f"{what} {entity_id} is no longer at version {expected_version}; read it again",
            reason="stale_version",
        )


@cache
def _update_of(table: Table, *, checked: bool) -> Update:
    """The version-bumping UPDATE of one row of `table`; the columns to set come with the
    parameters. Built once per table: a constant statement skips SQLAlchemy's per-call
    cache-key work, which costs several times more than the UPDATE itself."""
    statement = (
        update(table)
        .where(table.c.id == bindparam("entity_id"))
        .values(version=table.c.version + 1)
    )
    if checked:
        statement = statement.where(table.c.version == bindparam("expected_version"))
    return statement
