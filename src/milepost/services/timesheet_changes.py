"""Changing time entries beyond logTime and deleteTime: Leantime's addTime, the entry
edit (updateTime), the weekly grid's cell (upsertTime), and the invoice and paid flags.

Your own entries need timesheets.create / timesheets.edit (editor and above); someone
else's, and the invoice and paid flags, need timesheets.manage (managers and above). An
entry whose ticket is out of the caller's reach is -32002. Changes announce themselves
as timesheet webhook events.
"""

from __future__ import annotations

from typing import Any, TypedDict, cast

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from milepost.services import timesheets
from milepost.services.errors import Conflict, Forbidden, InvalidParams, NotFound
from milepost.services.operations import Context, operation
from milepost.services.timesheet_entries import load
from milepost.services.timesheets import TimeParams
from milepost.storage import tables as t

tc = t.timesheets.c
MAX_IDS = 1000


class EntryValues(TypedDict, total=False):
    """An entry's fields for addTime and updateTime: `id` (updateTime), `ticketId` (or
    Leantime's `ticket`), `hours`, `kind`, the work day in `date` (or `workDate`),
    `description`, `userId` (managers only), and the flags `invoicedEmpl`,
    `invoicedComp` and `paid` (0 or 1; managers only)."""

    id: int
    ticketId: int
    ticket: int
    hours: float | str
    kind: str
    date: str
    workDate: str
    description: str
    userId: int
    invoicedEmpl: int
    invoicedComp: int
    paid: int


def _values_ticket(values: dict[str, Any]) -> int:
    ticket = values.get("ticketId") or values.get("ticket")
    if not ticket:
        raise InvalidParams(
            "Ticket Id is a required field", param="values.ticketId", expected="a ticket id"
        )
    return int(ticket)


@operation("Timesheets.Timesheets.addTime", permission="timesheets.create", writes=True)
def add_time(ctx: Context, values: EntryValues) -> None:
    """Log time as logTime does, with the ticket inside `values` (`ticketId`, or
    Leantime's `ticket`) and the day in `date` (or `workDate`)."""
    fields: dict[str, Any] = dict(values)
    if "date" not in fields and fields.get("workDate"):
        fields["date"] = fields["workDate"]
    params = {
        key: fields[key]
        for key in ("hours", "kind", "date", "description", "userId")
        if fields.get(key) is not None
    }
    timesheets.log_time(ctx, _values_ticket(fields), cast(TimeParams, params))


def _own_or_manager(ctx: Context, row: Any) -> None:
    if row.userId != ctx.principal.user_id and not ctx.can("timesheets.manage"):
        raise Forbidden(
            f"time entry {row.id} is someone else's; changing it needs timesheets.manage"
        )


def _entry_columns(ctx: Context, row: Any, fields: dict[str, Any]) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    if fields.get("ticketId") or fields.get("ticket"):
        ticket = _values_ticket(fields)
        timesheets._ticket_project(ctx, ticket)
        columns["ticketId"] = ticket
    if fields.get("hours") is not None:
        columns["hours"] = timesheets.parse_hours(fields["hours"], "values.hours")
    if fields.get("kind") is not None:
        columns["kind"] = timesheets._kind(fields["kind"])
    day = fields.get("date") or fields.get("workDate")
    if day:
        columns["workDate"] = timesheets._work_day({"date": day})
    if fields.get("description") is not None:
        columns["description"] = str(fields["description"])
        if len(columns["description"]) > timesheets.MAX_DESCRIPTION:
            raise InvalidParams(
                f"param `values.description`: expected at most {timesheets.MAX_DESCRIPTION}"
                " characters",
                param="values.description",
            )
    for flag, stamp in (("invoicedEmpl", "invoicedEmplDate"), ("invoicedComp", "invoicedCompDate"),
                        ("paid", "paidDate")):  # fmt: skip
        if fields.get(flag) is None:
            continue
        value = 1 if fields[flag] in (1, True, "1") else 0
        if value == getattr(row, flag):
            continue  # sent back unchanged, as a read-modify-write does
        if not ctx.can("timesheets.manage"):
            raise Forbidden(f"changing the {flag} flag needs timesheets.manage")
        columns[flag] = value
        columns[stamp] = ctx.now if value else None
    return columns


@operation("Timesheets.Timesheets.updateTime", checks="timesheets.edit", writes=True)
def update_time(ctx: Context, values: EntryValues, expectedVersion: int | None = None) -> None:
    """Change the given fields of time entry `values.id`: ticket, hours, kind, day,
    description, and (managers) the invoice and paid flags. Your own entries need
    timesheets.edit, someone else's timesheets.manage. -32005 when another entry of the
    same person, ticket, day and kind exists, or when `expectedVersion` is stale."""
    ctx.authorize("timesheets.edit")
    fields: dict[str, Any] = dict(values)
    row = load(ctx, int(fields.get("id") or 0)) if fields.get("id") else None
    if row is None:
        raise NotFound(f"no time entry {fields.get('id')}")
    _own_or_manager(ctx, row)
    columns = _entry_columns(ctx, row, fields)
    key = {name: columns.get(name, getattr(row, name)) for name in ("ticketId", "workDate", "kind")}
    clash = ctx.conn.execute(
        select(tc.id).where(
            tc.userId == row.userId,
            tc.id != row.id,
            *(tc[name] == value for name, value in key.items()),
        )
    ).first()
    if clash is not None:
        raise Conflict(
            f"time entry {clash.id} holds that person, ticket, day and kind already",
            reason="duplicate_entry",
        )
    columns["modified"] = ctx.now
    statement = (
        update(t.timesheets).where(tc.id == row.id).values(**columns, version=tc.version + 1)
    )
    if expectedVersion is not None:
        statement = statement.where(tc.version == expectedVersion)
    if ctx.conn.execute(statement).rowcount == 0:
        raise Conflict(
            f"time entry {row.id} is no longer at version {expectedVersion}; read it again",
            reason="stale_version",
        )
    timesheets._emit(ctx, row.id, "updated", row.projectId)


@operation("Timesheets.Timesheets.upsertTime", permission="timesheets.create", writes=True)
def upsert_time(ctx: Context, ticketId: int, params: TimeParams) -> bool:
    """Set the hours of an entry (the grid's cell): as logTime, but the hours replace
    those of the entry of the same person, ticket, day and kind instead of adding to
    them; 0 hours removes the entry. The description is kept unless sent. Returns true."""
    project_id = timesheets._ticket_project(ctx, ticketId)
    values: dict[str, Any] = dict(params)
    if values.get("hours") in (None, ""):
        raise InvalidParams("Hours is a required field", param="params.hours")
    key = {
        "userId": timesheets._logging_user(ctx, values.get("userId")),
        "ticketId": ticketId,
        "workDate": timesheets._work_day(values),
        "kind": timesheets._kind(values.get("kind")),
    }
    where = [tc[name] == value for name, value in key.items()]
    if values["hours"] in (0, "0", 0.0):
        existing = ctx.conn.execute(select(tc.id).where(*where)).scalar()
        if existing is not None:
            timesheets._emit(ctx, existing, "deleted", project_id)
            ctx.conn.execute(delete(t.timesheets).where(tc.id == existing))
        return True
    hours = timesheets.parse_hours(values["hours"], "params.hours")
    description = str(values.get("description") or "")
    if len(description) > timesheets.MAX_DESCRIPTION:
        raise InvalidParams(
            f"param `params.description`: expected at most {timesheets.MAX_DESCRIPTION} characters",
            param="params.description",
        )
    row = {**key, "hours": hours, "description": description, "modified": ctx.now}
    dialect = postgresql if ctx.conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(t.timesheets).values(**row)
    changes: dict[str, Any] = {"hours": hours, "modified": ctx.now, "version": tc.version + 1}
    if values.get("description") is not None:
        changes["description"] = row["description"]
    ctx.conn.execute(
        statement.on_conflict_do_update(
            index_elements=[tc.userId, tc.ticketId, tc.workDate, tc.kind], set_=changes
        )
    )
    entry_id, version = ctx.conn.execute(select(tc.id, tc.version).where(*where)).one()
    timesheets._emit(ctx, entry_id, "created" if version == 1 else "updated", project_id)
    return True


def _entry_ids(values: list[int] | None, param: str) -> list[int]:
    ids = sorted(set(values or []))
    if len(ids) > MAX_IDS:
        raise InvalidParams(f"param `{param}`: expected at most {MAX_IDS} ids", param=param)
    return ids


@operation("Timesheets.Timesheets.updateInvoices", permission="timesheets.manage", writes=True)
def update_invoices(
    ctx: Context,
    invEmpl: list[int],
    invComp: list[int] | None = None,
    paid: list[int] | None = None,
) -> bool:
    """Mark time entries as invoiced to the employee (`invEmpl`), invoiced to the
    client (`invComp`) and paid (`paid`), each with today's date. All or nothing:
    -32002 names an entry that does not exist or is out of reach. Needs
    timesheets.manage. Returns true."""
    marks = (
        (_entry_ids(invEmpl, "invEmpl"), "invoicedEmpl", "invoicedEmplDate"),
        (_entry_ids(invComp, "invComp"), "invoicedComp", "invoicedCompDate"),
        (_entry_ids(paid, "paid"), "paid", "paidDate"),
    )
    projects: dict[int, int] = {}
    for ids, _flag_name, _stamp in marks:
        for entry_id in ids:
            row = load(ctx, entry_id)
            if row is None:
                raise NotFound(f"no time entry {entry_id}")
            projects[entry_id] = row.projectId
    for ids, flag, stamp in marks:
        if ids:
            ctx.conn.execute(
                update(t.timesheets)
                .where(tc.id.in_(ids))
                .values({flag: 1, stamp: ctx.now, "modified": ctx.now, "version": tc.version + 1})
            )
    for entry_id, project_id in sorted(projects.items()):
        timesheets._emit(ctx, entry_id, "updated", project_id)
    return True
