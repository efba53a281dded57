"""Clients: the companies projects are done for (Leantime's `Clients` domain)."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from sqlalchemy import delete, insert, select, update

from milepost.services.errors import Conflict, InvalidParams, NotFound
from milepost.services.operations import Context, operation
from milepost.services.values import fmt_date, limit_text
from milepost.services.versions import checked_update
from milepost.storage import tables as t
from milepost.storage.database import insert_id

cc = t.clients.c
FIELDS = ("name", "street", "zip", "city", "state", "country", "phone", "internet", "email")


class Client(TypedDict):
    """A client with its address and contact fields."""

    id: int
    name: str
    street: str
    zip: str
    city: str
    state: str
    country: str
    phone: str
    internet: str
    email: str
    published: int
    modified: str | None
    version: int


class ClientValues(TypedDict, total=False):
    """The fields create and editClient accept (`id` names the client to edit)."""

    id: int
    name: str
    street: str
    zip: str
    city: str
    state: str
    country: str
    phone: str
    internet: str
    email: str


def _client(row: Any) -> Client:
    return {
        "id": row.id,
        **{field: getattr(row, field) for field in FIELDS},  # type: ignore[typeddict-item]
        "published": row.published,
        "modified": fmt_date(row.modified),
        "version": row.version,
    }


def _columns(values: dict[str, Any]) -> dict[str, Any]:
    for field in FIELDS:
        limit_text(values, field, 200, "values")
    return {field: values[field] for field in FIELDS if values.get(field) is not None}


@operation("Clients.Clients.getAll", permission="clients.view")
def get_all(ctx: Context, searchparams: dict[str, Any] | None = None) -> list[Client]:
    """Every client, by name."""
    rows = ctx.conn.execute(select(t.clients).order_by(cc.name, cc.id))
    return [_client(row) for row in rows]


@operation("Clients.Clients.get", permission="clients.view")
def get(ctx: Context, id: int) -> Client | Literal[False]:
    """One client, or false when there is none with this id."""
    row = ctx.conn.execute(select(t.clients).where(cc.id == id)).first()
    return False if row is None else _client(row)


@operation("Clients.Clients.create", permission="clients.create", writes=True)
def create(ctx: Context, values: ClientValues) -> int:
    """Create a client and return its id. A name is required."""
    if not (values.get("name") or "").strip():
        raise InvalidParams("param `values.name`: a client needs a name", param="values.name")
    columns = _columns(dict(values))
    columns["modified"] = ctx.now
    return insert_id(ctx.conn, insert(t.clients).values(**columns))


@operation("Clients.Clients.editClient", permission="clients.edit", writes=True)
def edit_client(ctx: Context, values: ClientValues, expectedVersion: int | None = None) -> bool:
    """Change the given fields of client `values.id`. Returns true; with
    `expectedVersion` (Milepost), a client changed since is a -32005 conflict."""
    client_id = values.get("id")
    if not client_id:
        raise InvalidParams("Required Parameter Missing: values.id", param="values.id")
    if ctx.conn.execute(select(cc.id).where(cc.id == client_id)).first() is None:
        raise NotFound(f"no client {client_id}")
    columns = _columns(dict(values))
    if "name" in columns and not columns["name"].strip():
        raise InvalidParams("param `values.name`: a client needs a name", param="values.name")
    columns["modified"] = ctx.now
    checked_update(
        ctx, t.clients, client_id, columns, expected_version=expectedVersion, what="client"
    )
    return True


@operation("Clients.Clients.delete", permission="clients.delete", writes=True)
def delete_client(ctx: Context, id: int) -> bool:
    """Delete a client that has no projects; its users are detached. Returns true."""
    if ctx.conn.execute(select(cc.id).where(cc.id == id)).first() is None:
        raise NotFound(f"no client {id}")
    if ctx.conn.execute(select(t.projects.c.id).where(t.projects.c.clientId == id)).first():
        raise Conflict(f"client {id} still has projects", reason="has_projects")
    ctx.conn.execute(update(t.users).where(t.users.c.clientId == id).values(clientId=None))
    ctx.conn.execute(delete(t.clients).where(cc.id == id))
    return True
