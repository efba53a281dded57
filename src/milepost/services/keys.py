"""API keys and personal access tokens (Leantime's `Api` and `Auth.AccessToken` methods).

A key is created by an admin with a name, a role, and either a set of projects or all
projects (including ones created later); the secret is returned once and only its
SHA-256 digest is stored. A key is identified by its user row id (as `getAPIKeys`
reports it) or by its unique name. Nobody creates, changes or revokes a key that can do
more than they can: the role is capped at the caller's, and the projects at those the
caller may access.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, TypedDict

from sqlalchemy import delete, insert, select, update

from milepost.services import auth
from milepost.services.errors import Conflict, Forbidden, InvalidParams, NotFound
from milepost.services.operations import Context, operation
from milepost.services.permissions import Role
from milepost.services.projects import grant_role_check
from milepost.services.values import fmt_date, parse_date
from milepost.storage import tables as t
from milepost.storage.database import insert_id

kc = t.api_keys.c
MAX_NAME = 100


class KeyValues(TypedDict, total=False):
    """A key's fields: `name` (or Leantime's `firstname`), `role`, `status` ('a' active,
    '' deactivated), `allProjects`, `expires`, and `resultFormat` ('3.8' bare results, or
    '3.7' for integrations that expect every result wrapped in a list), and `rateLimit`
    (calls per minute; null for the server's default, 0 for none)."""

    name: str
    firstname: str
    role: str
    status: str
    allProjects: bool
    expires: str | None
    resultFormat: Literal["3.8", "3.7"]
    rateLimit: int | None


class NewKey(TypedDict):
    """A created key. `apiKey` is the whole secret to send as x-api-key; it is shown once.
    `user` and `passwordClean` are its two halves, as Leantime returns them."""

    id: int
    name: str
    firstname: str
    role: str
    user: str
    passwordClean: str
    apiKey: str
    allProjects: bool
    projects: list[int]
    expires: str | None


class KeyInfo(TypedDict):
    """A key as listed: never its secret; `username` is cut to 5 characters as in Leantime."""

    id: int
    name: str
    firstname: str
    username: str
    role: str
    status: str
    allProjects: bool
    projects: list[int]
    resultFormat: str
    rateLimit: int | None
    expires: str | None
    created: str | None
    lastUsed: str | None
    revoked: str | None


def _role(value: Any, param: str) -> Role:
    try:
        return Role.parse(value)
    except ValueError as error:
        raise InvalidParams(f"param `{param}`: {error}", param=param, expected="a role") from None


def _rate_limit(value: int | None) -> int | None:
    if value is not None and value < 0:
        raise InvalidParams(
            f"param `values.rateLimit`: expected calls per minute (0 or more), got {value}",
            param="values.rateLimit",
            expected="calls per minute, or null for the server default",
        )
    return value


def _check_projects(ctx: Context, projects: list[int], param: str) -> list[int]:
    wanted = sorted(set(projects))
    known = set(
        ctx.conn.execute(select(t.projects.c.id).where(t.projects.c.id.in_(wanted))).scalars()
    )
    for project_id in wanted:
        if project_id not in known:
            raise InvalidParams(f"param `{param}`: no project {project_id}", param=param)
        if not ctx.can_access_project(project_id):
            raise Forbidden(f"you have no access to project {project_id} to hand out")
    return wanted


def _set_projects(ctx: Context, user_id: int, projects: list[int]) -> None:
    ctx.conn.execute(delete(t.project_members).where(t.project_members.c.userId == user_id))
    if projects:
        ctx.conn.execute(
            insert(t.project_members),
            [{"userId": user_id, "projectId": p, "projectRole": ""} for p in projects],
        )


def _name(values: dict[str, Any]) -> str:
    name = str(values.get("name") or values.get("firstname") or "").strip()
    if not name:
        raise InvalidParams("param `values.name`: a key needs a name", param="values.name")
    if len(name) > MAX_NAME:
        raise InvalidParams(
            f"param `values.name`: expected at most {MAX_NAME} characters", param="values.name"
        )
    return name


def create_key(ctx: Context, values: dict[str, Any], projects: list[int]) -> NewKey:
    name = _name(values)
    role = _role(values.get("role", Role.EDITOR.value), "values.role")
    grant_role_check(ctx.principal, role)
    all_projects = bool(values.get("allProjects"))
    if all_projects and not ctx.principal.sees_every_project():
        raise Forbidden("only a caller who sees every project can create an all-projects key")
    projects = _check_projects(ctx, projects, "projects")
    if ctx.conn.execute(select(kc.id).where(kc.name == name)).first():
        raise Conflict(f"a key named {name!r} exists", reason="duplicate_name")
    expires = parse_date(values.get("expires"), "values.expires")
    key_id, secret = auth.random_text(auth.KEY_ID_LENGTH), auth.random_text(auth.KEY_SECRET_LENGTH)
    user_id = insert_id(
        ctx.conn,
        insert(t.users).values(
            username=key_id,
            firstname=name,
            role=str(role.value),
            status="a",
            source="api",
            createdOn=ctx.now,
            modified=ctx.now,
        ),
    )
    ctx.conn.execute(
        insert(t.api_keys).values(
            userId=user_id,
            keyId=key_id,
            name=name,
            digest=auth.digest(secret),
            allProjects=all_projects,
            resultFormat=values.get("resultFormat") or "3.8",
            rateLimit=_rate_limit(values.get("rateLimit")),
            expiresAt=expires,
            createdAt=ctx.now,
            createdBy=ctx.principal.user_id,
        )
    )
    _set_projects(ctx, user_id, projects)
    return {
        "id": user_id,
        "name": name,
        "firstname": name,
        "role": str(role.value),
        "user": key_id,
        "passwordClean": secret,
        "apiKey": auth.format_key(key_id, secret),
        "allProjects": all_projects,
        "projects": projects,
        "expires": fmt_date(expires),
    }


@operation("Api.Api.createAPIKey", permission="api.manage", writes=True)
def create_api_key(ctx: Context, values: KeyValues) -> NewKey:
    """Create an API key with a name and role (and no projects unless `allProjects`).
    The secret in `apiKey` is shown once. Needs api.manage (admin and above)."""
    return create_key(ctx, dict(values), [])


@operation("Api.Api.createApiKeyWithProjects", permission="api.manage", writes=True)
def create_api_key_with_projects(
    ctx: Context, values: KeyValues, projects: list[int] | None = None
) -> NewKey:
    """Create an API key with access to `projects`. The secret is shown once."""
    return create_key(ctx, dict(values), projects or [])


def _keys_query() -> Any:
    return select(t.api_keys, t.users.c.role, t.users.c.status).join(
        t.users, t.users.c.id == kc.userId
    )


def _projects_of(ctx: Context, user_id: int) -> list[int]:
    return sorted(
        ctx.conn.execute(
            select(t.project_members.c.projectId).where(t.project_members.c.userId == user_id)
        ).scalars()
    )


def _info(ctx: Context, row: Any) -> KeyInfo:
    return {
        "id": row.userId,
        "name": row.name,
        "firstname": row.name,
        "username": row.keyId[:5],
        "role": row.role,
        "status": row.status,
        "allProjects": bool(row.allProjects),
        "projects": _projects_of(ctx, row.userId),
        "resultFormat": row.resultFormat,
        "rateLimit": row.rateLimit,
        "expires": fmt_date(row.expiresAt),
        "created": fmt_date(row.createdAt),
        "lastUsed": fmt_date(row.lastUsedAt),
        "revoked": fmt_date(row.revokedAt),
    }


@operation("Api.Api.getAPIKeys", permission="api.manage")
def get_api_keys(ctx: Context) -> list[KeyInfo]:
    """Every API key, without secrets, in order of creation."""
    rows = ctx.conn.execute(_keys_query().order_by(kc.id))
    return [_info(ctx, row) for row in rows]


def find_key(ctx: Context, name_or_id: str | int) -> Any:
    query = _keys_query()
    text = str(name_or_id).strip()
    row = ctx.conn.execute(query.where(kc.name == text)).first()
    if row is None and text.isdigit():
        row = ctx.conn.execute(query.where(kc.userId == int(text))).first()
    if row is None:
        raise NotFound(f"no API key named or numbered {text!r}")
    return row


def _manageable(ctx: Context, row: Any) -> None:
    """Nobody changes or revokes a key that can do more than they can: one with a role
    above theirs, or with projects (or all projects) they cannot access themselves."""
    if Role.parse(row.role) > ctx.principal.role:
        raise Forbidden(f"API key {row.userId} holds a role above yours")
    if row.allProjects and not ctx.principal.sees_every_project():
        raise Forbidden(f"API key {row.userId} reaches every project; you do not")
    for project_id in _projects_of(ctx, row.userId):
        if not ctx.can_access_project(project_id):
            raise Forbidden(f"API key {row.userId} reaches project {project_id}; you do not")


@operation("Api.Api.getProjectRelationIds", permission="api.manage")
def get_project_relation_ids(ctx: Context, id: int) -> list[int]:
    """The ids of the projects an API key (by its user id) may access."""
    return _projects_of(ctx, find_key(ctx, id).userId)


@operation("Api.Api.updateApiKey", permission="api.manage", writes=True)
def update_api_key(
    ctx: Context, id: int, postValues: KeyValues, projects: list[int] | None = None
) -> bool:
    """Change a key's name, role, status, expiry or result format, and with `projects`
    its project set. Returns true. -32001 for a key that reaches a role or a project the
    caller does not have."""
    row = find_key(ctx, id)
    _manageable(ctx, row)
    values: dict[str, Any] = dict(postValues)
    user_columns: dict[str, Any] = {"modified": ctx.now}
    key_columns: dict[str, Any] = {}
    if values.get("name") or values.get("firstname"):
        name = _name(values)
        if ctx.conn.execute(select(kc.id).where(kc.name == name, kc.id != row.id)).first():
            raise Conflict(f"a key named {name!r} exists", reason="duplicate_name")
        key_columns["name"] = user_columns["firstname"] = name
    if values.get("role") is not None:
        role = _role(values["role"], "postValues.role")
        grant_role_check(ctx.principal, role)
        user_columns["role"] = str(role.value)
    if values.get("status") is not None:
        if values["status"] not in ("a", ""):
            raise InvalidParams(
                "param `postValues.status`: expected 'a' (active) or '' (deactivated)",
                param="postValues.status",
            )
        user_columns["status"] = values["status"]
    if "expires" in values:
        key_columns["expiresAt"] = parse_date(values["expires"], "postValues.expires")
    if values.get("resultFormat"):
        key_columns["resultFormat"] = values["resultFormat"]
    if "rateLimit" in values:
        key_columns["rateLimit"] = _rate_limit(values["rateLimit"])
    if values.get("allProjects") is not None:
        if values["allProjects"] and not ctx.principal.sees_every_project():
            raise Forbidden("only a caller who sees every project can grant all projects")
        key_columns["allProjects"] = bool(values["allProjects"])
    ctx.conn.execute(update(t.users).where(t.users.c.id == row.userId).values(**user_columns))
    if key_columns:
        ctx.conn.execute(update(t.api_keys).where(kc.id == row.id).values(**key_columns))
    if projects is not None:
        _set_projects(ctx, row.userId, _check_projects(ctx, projects, "projects"))
    ctx.after_commit(ctx.services.principals_changed)
    return True


@operation("Api.Api.revokeAPIKey", permission="api.manage", writes=True)
def revoke_api_key(ctx: Context, id: int) -> bool:
    """Revoke a key for good (Milepost; Leantime deletes the key's user row instead).
    Calls with it are answered 401 with reason `revoked`. Returns true. -32001 for a key
    that reaches a role or a project the caller does not have."""
    row = find_key(ctx, id)
    _manageable(ctx, row)
    if row.revokedAt is None:
        ctx.conn.execute(update(t.api_keys).where(kc.id == row.id).values(revokedAt=ctx.now))
    ctx.after_commit(ctx.services.principals_changed)
    return True


class NewToken(TypedDict):
    """A personal access token; `token` is shown once."""

    id: int
    name: str
    userId: int
    token: str
    expires: str | None


def create_token(ctx: Context, user_id: int, name: str, expires: dt.datetime | None) -> NewToken:
    plain = auth.random_text(auth.TOKEN_LENGTH)
    token_id = insert_id(
        ctx.conn,
        insert(t.access_tokens).values(
            tokenable_type="user",
            tokenable_id=user_id,
            name=name,
            token=auth.digest(plain),
            expires_at=expires,
            created_at=ctx.now,
            updated_at=ctx.now,
        ),
    )
    return {
        "id": token_id,
        "name": name,
        "userId": user_id,
        "token": plain,
        "expires": fmt_date(expires),
    }


@operation("Auth.AccessToken.revokeCurrentToken", writes=True)
def revoke_current_token(ctx: Context) -> bool:
    """Delete the personal access token this call was made with. Returns true, or false
    when the call was not made with a token."""
    token_id = ctx.principal.token_id
    if token_id is None:
        return False
    ctx.conn.execute(delete(t.access_tokens).where(t.access_tokens.c.id == token_id))
    ctx.after_commit(ctx.services.principals_changed)
    return True
