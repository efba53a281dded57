"""Clients beyond get/create/edit/delete: their people, their projects, their page, and
Leantime 3.9's names for the create and edit methods.

Every method needs the global clients.* permission (admins and above), as in Leantime.
Deliberate differences: `createClient` refuses a name another client has (-32005),
where Leantime answers false; a missing client is -32002 for writes and for
getClientPageData, false where Leantime answers false.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from sqlalchemy import func, select, update

from milepost.services import clients, projects, users
from milepost.services.clients import Client, ClientValues
from milepost.services.errors import Conflict, InvalidParams, NotFound
from milepost.services.operations import Context, operation
from milepost.services.projects import Project
from milepost.services.users import User
from milepost.storage import tables as t

cc, uc, pc = t.clients.c, t.users.c, t.projects.c


class ClientPage(TypedDict):
    """What a client's page shows: the client, its people and its projects."""

    client: Client
    users: list[User]
    projects: list[Project]


def _existing(ctx: Context, client_id: int) -> None:
    if ctx.conn.execute(select(cc.id).where(cc.id == client_id)).first() is None:
        raise NotFound(f"no client {client_id}")


def _people(ctx: Context, client_id: int) -> list[User]:
    query = users._select().where(uc.clientId == client_id, uc.source != "api")
    query = query.order_by(uc.lastname, uc.firstname, uc.id)
    return [users._user(row) for row in ctx.conn.execute(query)]


def _projects(ctx: Context, client_id: int) -> list[Project]:
    return projects._visible(ctx, pc.clientId == client_id)


@operation("Clients.Clients.isClient", permission="clients.view")
def is_client(ctx: Context, values: ClientValues) -> bool:
    """Whether a client with `values.name` exists (ignoring case and surrounding
    spaces)."""
    name = (values.get("name") or "").strip().lower()
    if not name:
        raise InvalidParams("param `values.name`: expected a client name", param="values.name")
    found = ctx.conn.execute(select(cc.id).where(func.lower(func.trim(cc.name)) == name)).first()
    return found is not None


@operation("Clients.Clients.hasTickets", permission="clients.view")
def has_tickets(ctx: Context, id: int) -> bool:
    """Whether any project of the client has tickets."""
    tc = t.tickets.c
    query = select(tc.id).join(t.projects, pc.id == tc.projectId).where(pc.clientId == id).limit(1)
    return ctx.conn.execute(query).first() is not None


@operation("Clients.Clients.getClientsUsers", permission="clients.view")
def get_clients_users(ctx: Context, clientId: int) -> list[User] | Literal[False]:
    """The people of a client, by last name; false when there is no such client."""
    if ctx.conn.execute(select(cc.id).where(cc.id == clientId)).first() is None:
        return False
    return _people(ctx, clientId)


@operation("Clients.Clients.getClientProjects", permission="clients.view")
def get_client_projects(ctx: Context, clientId: int) -> list[Project]:
    """The projects of a client that the caller can access, by name."""
    return _projects(ctx, clientId)


@operation("Clients.Clients.getUserClients", permission="clients.view", legacy=True)
def get_user_clients(ctx: Context, userId: int) -> list[Client]:
    """(Leantime 3.8) The client a user belongs to, as a list ([] for a user of no
    client)."""
    client_id = ctx.conn.execute(select(uc.clientId).where(uc.id == userId)).scalar()
    if client_id is None:
        return []
    found = clients.get(ctx, client_id)
    return [] if found is False else [found]


@operation("Clients.Clients.getClientPageData", permission="clients.view")
def get_client_page_data(ctx: Context, id: int) -> ClientPage:
    """A client with its people and the projects the caller can access; -32002 for a
    client that does not exist."""
    found = clients.get(ctx, id)
    if found is False:
        raise NotFound(f"no client {id}")
    return {"client": found, "users": _people(ctx, id), "projects": _projects(ctx, id)}


@operation("Clients.Clients.createClient", permission="clients.create", writes=True)
def create_client(ctx: Context, values: ClientValues) -> int:
    """Create a client and return its id: as create, but -32005 when another client has
    the name already."""
    if is_client(ctx, values):
        raise Conflict(
            f"a client named {values.get('name', '').strip()!r} exists", reason="duplicate_name"
        )
    return clients.create(ctx, values)


@operation("Clients.Clients.updateClient", permission="clients.edit", writes=True)
def update_client(ctx: Context, values: ClientValues, expectedVersion: int | None = None) -> bool:
    """Change the given fields of client `values.id` (Leantime 3.9's name for
    editClient). Returns true; -32005 when `expectedVersion` is stale."""
    return clients.edit_client(ctx, values, expectedVersion)


@operation("Clients.Clients.patch", permission="clients.edit", writes=True)
def patch(ctx: Context, id: int, params: ClientValues, expectedVersion: int | None = None) -> bool:
    """Change the given fields of client `id`. Returns true; -32005 when
    `expectedVersion` is stale."""
    values: dict[str, Any] = {**params, "id": id}
    return clients.edit_client(ctx, values, expectedVersion)  # type: ignore[arg-type]


@operation("Clients.Clients.removeUser", permission="clients.edit", writes=True)
def remove_user(ctx: Context, clientId: int, userId: int) -> bool:
    """Take a person out of a client (the person stays, belonging to no client).
    Returns true, or false when the person was not the client's."""
    _existing(ctx, clientId)
    changed = ctx.conn.execute(
        update(t.users)
        .where(uc.id == userId, uc.clientId == clientId, uc.source != "api")
        .values(clientId=None, modified=ctx.now, version=uc.version + 1)
    ).rowcount
    if changed:
        ctx.after_commit(ctx.services.principals_changed)
    return bool(changed)
