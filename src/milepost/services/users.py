"""People (Leantime's `Users` domain) and the caller's identity (`Auth.getUserId`).

The user directory (names, roles, e-mail) is readable by every principal; password
hashes and other secrets never leave the service layer. Passwords are hashed with
Argon2id. API key principals are user rows of source 'api' and are left out of the
directory, as in Leantime.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, insert, select, update

from milepost.services.errors import Conflict, Forbidden, InvalidParams, NotFound
from milepost.services.operations import Context, operation
from milepost.services.permissions import Role
from milepost.services.projects import grant_role_check
from milepost.services.values import fmt_date, limit_text
from milepost.services.versions import checked_update
from milepost.storage import tables as t
from milepost.storage.database import insert_id

uc = t.users.c
_hasher = PasswordHasher()
MIN_PASSWORD = 8
STATUSES = ("a", "i", "")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


class User(TypedDict):
    """A person, without password or other secrets."""

    id: int
    username: str
    firstname: str
    lastname: str
    phone: str
    profileId: str
    role: str
    status: str
    clientId: int | None
    clientName: str | None
    jobTitle: str
    jobLevel: str
    department: str
    description: str
    notifications: int
    twoFAEnabled: bool
    source: str
    lastlogin: str | None
    createdOn: str | None
    modified: str | None
    version: int


class UserValues(TypedDict, total=False):
    """The fields addUser and editUser accept (`user` is Leantime's older name for
    `username`)."""

    username: str
    user: str
    password: str
    firstname: str
    lastname: str
    phone: str
    role: str
    status: str
    clientId: int | None
    jobTitle: str
    jobLevel: str
    department: str
    description: str
    notifications: int


def _select() -> Any:
    return select(t.users, t.clients.c.name.label("clientName")).outerjoin(
        t.clients, t.clients.c.id == uc.clientId
    )


def _user(row: Any) -> User:
    return {
        "id": row.id,
        # An API key's user row holds the key's public id; show only its start, as
        # Api.getAPIKeys does.
        "username": row.username[:5] if row.source == "api" else row.username,
        "firstname": row.firstname,
        "lastname": row.lastname,
        "phone": row.phone,
        "profileId": row.profileId,
        "role": row.role,
        "status": row.status,
        "clientId": row.clientId,
        "clientName": row.clientName,
        "jobTitle": row.jobTitle,
        "jobLevel": row.jobLevel,
        "department": row.department,
        "description": row.description,
        "notifications": row.notifications,
        "twoFAEnabled": bool(row.twoFAEnabled),
        "source": row.source,
        "lastlogin": fmt_date(row.lastlogin),
        "createdOn": fmt_date(row.createdOn),
        "modified": fmt_date(row.modified),
        "version": row.version,
    }


@operation("Auth.Auth.getUserId", legacy=True)
def get_user_id(ctx: Context) -> int:
    """The caller's user id (for an API key, the id of the key's own user row)."""
    return ctx.principal.user_id


@operation("Users.Users.getUser")
def get_user(ctx: Context, id: int | None = None) -> User | Literal[False]:
    """One user, or the caller when `id` is left out; false when there is no such user.
    API keys are not users to others: another key's id answers false."""
    user_id = ctx.principal.user_id if id is None else id
    query = _select().where(uc.id == user_id)
    if user_id != ctx.principal.user_id:
        query = query.where(uc.source != "api")
    row = ctx.conn.execute(query).first()
    return False if row is None else _user(row)


@operation("Users.Users.getAll", permission="users.view")
def get_all(ctx: Context, activeOnly: bool = False) -> list[User]:
    """Every person (API keys left out), by last name; only active ones with `activeOnly`."""
    query = _select().where(uc.source != "api").order_by(uc.lastname, uc.firstname, uc.id)
    if activeOnly:
        query = query.where(uc.status == "a")
    return [_user(row) for row in ctx.conn.execute(query)]


@operation("Users.Users.getUserByEmail", permission="users.view")
def get_user_by_email(ctx: Context, email: str, status: str = "a") -> User | Literal[False]:
    """The user with this e-mail address (case-insensitive) and status, or false."""
    query = _select().where(func.lower(uc.username) == email.strip().lower(), uc.source != "api")
    if status:
        query = query.where(uc.status == status)
    row = ctx.conn.execute(query).first()
    return False if row is None else _user(row)


def _columns(ctx: Context, values: dict[str, Any], param: str) -> dict[str, Any]:
    for field, maximum in (("username", 175), ("firstname", 100), ("lastname", 100), ("phone", 25)):
        limit_text(values, field, maximum, param)
    columns: dict[str, Any] = {}
    if "user" in values and "username" not in values:
        values["username"] = values["user"]
    if values.get("username") is not None:
        email = str(values["username"]).strip()
        if "@" not in email:
            raise InvalidParams(
                f"param `{param}.username`: expected an e-mail address, got {email!r}",
                param=f"{param}.username",
                expected="an e-mail address",
            )
        columns["username"] = email
    for field in ("firstname", "lastname", "phone", "jobTitle", "jobLevel", "department",
                  "description", "notifications"):  # fmt: skip
        if values.get(field) is not None:
            columns[field] = values[field]
    if values.get("role") is not None:
        try:
            role = Role.parse(values["role"])
        except ValueError as error:
            raise InvalidParams(
                f"param `{param}.role`: {error}", param=f"{param}.role", expected="a role"
            ) from None
        grant_role_check(ctx.principal, role)
        columns["role"] = str(role.value)
    if "status" in values and values["status"] is not None:
        if values["status"] not in STATUSES:
            raise InvalidParams(
                f"param `{param}.status`: expected 'a', 'i' or '', got {values['status']!r}",
                param=f"{param}.status",
                expected="'a' (active), 'i' (invited) or '' (deactivated)",
            )
        columns["status"] = values["status"]
    if "clientId" in values:
        columns["clientId"] = _client_ref(ctx, values["clientId"], f"{param}.clientId")
    if values.get("password"):
        if len(values["password"]) < MIN_PASSWORD:
            raise InvalidParams(
                f"param `{param}.password`: expected at least {MIN_PASSWORD} characters",
                param=f"{param}.password",
                expected=f"at least {MIN_PASSWORD} characters",
            )
        columns["password"] = hash_password(values["password"])
    return columns


def _client_ref(ctx: Context, client_id: int | None, param: str) -> int | None:
    if not client_id:
        return None
    if ctx.conn.execute(select(t.clients.c.id).where(t.clients.c.id == client_id)).first() is None:
        raise InvalidParams(
            f"param `{param}`: no client {client_id}", param=param, expected="a client id"
        )
    return client_id


def _unique_email(ctx: Context, email: str, except_id: int | None = None) -> None:
    query = select(uc.id).where(func.lower(uc.username) == email.lower())
    if except_id is not None:
        query = query.where(uc.id != except_id)
    if ctx.conn.execute(query).first():
        raise Conflict(f"a user with the e-mail {email} exists", reason="duplicate_email")


def create_user(ctx: Context, values: dict[str, Any], param: str = "values") -> int:
    columns = _columns(ctx, values, param)
    if "username" not in columns:
        raise InvalidParams(
            f"Required Parameter Missing: {param}.username",
            param=f"{param}.username",
            expected="an e-mail address",
        )
    _unique_email(ctx, columns["username"])
    columns.setdefault("role", str(Role.EDITOR.value))
    columns.setdefault("status", "a")
    columns.update(source="", createdOn=ctx.now, modified=ctx.now)
    return insert_id(ctx.conn, insert(t.users).values(**columns))


@operation("Users.Users.addUser", permission="users.create", writes=True)
def add_user(ctx: Context, values: UserValues) -> int:
    """Create a person and return the id. `username` is the e-mail address; the role
    defaults to editor and may not exceed the caller's. Needs users.create (manager+)."""
    return create_user(ctx, dict(values))


def _target(ctx: Context, user_id: int) -> Any:
    row = ctx.conn.execute(select(t.users).where(uc.id == user_id, uc.source != "api")).first()
    if row is None:
        raise NotFound(f"no user {user_id}")
    if Role.parse(row.role) > ctx.principal.role:
        raise Forbidden(f"user {user_id} holds a role above yours")
    return row


@operation("Users.Users.editUser", permission="users.edit", writes=True)
def edit_user(
    ctx: Context, values: UserValues, id: int, expectedVersion: int | None = None
) -> bool:
    """Change the given fields of user `id`. Needs users.edit (admin and above); nobody
    edits or grants a role above their own. Returns true; with `expectedVersion`
    (Milepost), a user changed since is a -32005 conflict."""
    _target(ctx, id)
    columns = _columns(ctx, dict(values), "values")
    if "username" in columns:
        _unique_email(ctx, columns["username"], except_id=id)
    columns["modified"] = ctx.now
    checked_update(ctx, t.users, id, columns, expected_version=expectedVersion, what="user")
    ctx.after_commit(ctx.services.principals_changed)
    return True


@operation("Users.Users.deleteUser", permission="users.delete", writes=True)
def delete_user(ctx: Context, id: int) -> bool:
    """Delete user `id` with their memberships and tokens. Nobody deletes themselves or
    the last owner. Returns true."""
    row = _target(ctx, id)
    if id == ctx.principal.user_id:
        raise InvalidParams("param `id`: you cannot delete yourself", param="id")
    if Role.parse(row.role) == Role.OWNER:
        owners = ctx.conn.execute(
            select(func.count()).where(uc.role == str(Role.OWNER.value), uc.source != "api")
        ).scalar_one()
        if owners <= 1:
            raise Conflict("the last owner cannot be deleted", reason="last_owner")
    ctx.conn.execute(delete(t.project_members).where(t.project_members.c.userId == id))
    ctx.conn.execute(delete(t.access_tokens).where(t.access_tokens.c.tokenable_id == id))
    ctx.conn.execute(update(t.tickets).where(t.tickets.c.editorId == str(id)).values(editorId=""))
    ctx.conn.execute(delete(t.users).where(uc.id == id))
    ctx.after_commit(ctx.services.principals_changed)
    return True
