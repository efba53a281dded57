"""People beyond the directory basics: counts, searches, partial edits, and a person's
own profile, password and settings.

The directory (names, roles, e-mail) is readable by every principal; a person's own
profile, password and settings are changed only by that person (`userId` must be the
caller: -32001 otherwise), and API keys have none. Invitations, LDAP and profile
pictures are in unsupported.py.

Personal settings (`updateUserSettings`) are kept in `zp_settings` under
`usersettings.<userId>.<category>.<setting>`, as JSON.
"""

from __future__ import annotations

import re
from typing import Any, TypedDict

import orjson
from sqlalchemy import delete, func, or_, select

from milepost.services import project_members, projects, settings_service, users
from milepost.services.errors import Forbidden, InvalidParams
from milepost.services.operations import Context, operation
from milepost.services.projects import edit_user_project_relations
from milepost.services.scope import visible_projects
from milepost.services.users import User, UserValues
from milepost.services.versions import checked_update
from milepost.storage import tables as t

uc, mc, sc = t.users.c, t.project_members.c, t.settings.c
OWN_FIELDS = (
    "username", "firstname", "lastname", "phone", "jobTitle", "jobLevel", "department",
    "description", "notifications",
)  # fmt: skip
MAX_SETTING = 10_000
MAX_SEARCH = 100
_NAME = re.compile(r"[A-Za-z0-9_-]{1,50}")


class ProfileValues(TypedDict, total=False):
    """The fields of one's own profile: `username` (the e-mail address), names, phone,
    job details, description, and `notifications` (1 on, 0 off)."""

    username: str
    firstname: str
    lastname: str
    phone: str
    jobTitle: str
    jobLevel: str
    department: str
    description: str
    notifications: int


class ProfileSettings(TypedDict):
    """One's own user row and personal settings (by category, then setting)."""

    user: User
    settings: dict[str, dict[str, Any]]


class PersonName(TypedDict):
    """A person as searches list them."""

    id: int
    firstname: str
    lastname: str
    username: str
    profileId: str
    role: str


def _me(ctx: Context, user_id: int, what: str) -> None:
    """Refuse unless `user_id` is the calling person (`what`: profile, password, ...)."""
    if user_id != ctx.principal.user_id:
        raise Forbidden(f"only user {user_id} may read or change their own {what}")
    if ctx.principal.is_key:
        raise Forbidden(f"an API key has no {what}")


# -- the directory ---------------------------------------------------------------------------


@operation("Users.Users.getNumberOfUsers", permission="users.view")
def get_number_of_users(ctx: Context, activeOnly: bool = False, includeApi: bool = True) -> int:
    """How many users there are: people and, with `includeApi`, API keys; only active
    ones with `activeOnly`."""
    query = select(func.count()).select_from(t.users)
    if activeOnly:
        query = query.where(uc.status == "a")
    if not includeApi:
        query = query.where(uc.source != "api")
    return int(ctx.conn.execute(query).scalar_one())


@operation("Users.Users.getAllBySource", permission="users.view")
def get_all_by_source(ctx: Context, source: str) -> list[User]:
    """The users of a source ('' for people who sign in with a password; 'api' lists
    API keys, to callers with api.manage only), by last name."""
    if source == "api" and not ctx.can("api.manage"):
        return []
    query = users._select().where(uc.source == source).order_by(uc.lastname, uc.firstname, uc.id)
    return [users._user(row) for row in ctx.conn.execute(query)]


@operation("Users.Users.usernameExist", permission="users.view")
def username_exist(ctx: Context, username: str, notUserId: int | str = "") -> bool:
    """Whether a user has this e-mail address (ignoring case), other than `notUserId`.
    Unlike Leantime, `notUserId` can be sent (a number or a digit string)."""
    query = select(uc.id).where(func.lower(uc.username) == username.strip().lower())
    text = str(notUserId).strip()
    if text:
        if not re.fullmatch(r"\d{1,10}", text) or int(text) >= 2**31:
            raise InvalidParams(
                f"param `notUserId`: expected a user id, got {notUserId!r}",
                param="notUserId",
                expected="a user id or ''",
            )
        query = query.where(uc.id != int(text))
    return ctx.conn.execute(query).first() is not None


def _people_near(ctx: Context) -> Any:
    """A condition on `zp_user`: the caller and the people of the caller's projects."""
    if ctx.principal.sees_every_project():
        return uc.id.is_not(None)
    shared = (
        select(mc.userId)
        .join(t.projects, t.projects.c.id == mc.projectId)
        .where(visible_projects(ctx.principal))
    )
    return or_(uc.id.in_(shared), uc.id == ctx.principal.user_id)


@operation("Users.Users.getAllVisibleToUser", permission="users.view")
def get_all_visible_to_user(ctx: Context) -> list[User]:
    """The people the caller works with: members of the caller's projects (everyone,
    for admins and keys with every project), by last name."""
    query = users._select().where(uc.source != "api", _people_near(ctx))
    query = query.order_by(uc.lastname, uc.firstname, uc.id)
    return [users._user(row) for row in ctx.conn.execute(query)]


@operation("Users.Users.searchProjectUsers")
def search_project_users(
    ctx: Context, projectId: int | None = None, query: str = ""
) -> list[PersonName]:
    """People whose name or e-mail contains `query` (ignoring case; at most 100): those
    who can access project `projectId`, or the people the caller works with. [] for a
    project the caller cannot see."""
    text = query.strip().lower()
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    match = or_(
        *(func.lower(column).like(pattern, escape="\\") for column in
          (uc.firstname, uc.lastname, uc.username, uc.firstname + " " + uc.lastname))
    )  # fmt: skip
    if projectId is not None:
        if not ctx.conn.execute(
            select(t.projects.c.id).where(t.projects.c.id == projectId)
        ).first() or not ctx.can_access_project(projectId):
            return []
        scope = project_members.access_condition(ctx.conn, projectId)
    else:
        scope = _people_near(ctx)
    rows = ctx.conn.execute(
        select(t.users)
        .where(uc.source != "api", scope, match)
        .order_by(uc.lastname, uc.firstname, uc.id)
        .limit(MAX_SEARCH)
    )
    return [
        {
            "id": row.id,
            "firstname": row.firstname,
            "lastname": row.lastname,
            "username": row.username,
            "profileId": row.profileId,
            "role": row.role,
        }
        for row in rows
    ]


@operation("Users.Users.getUserProjectIds", permission="users.view")
def get_user_project_ids(ctx: Context, userId: int) -> list[int]:
    """The ids of the projects a user is a member of, among the caller's projects."""
    return [p for p in projects._memberships_of(ctx, userId) if ctx.can_access_project(p)]


# -- editing others -------------------------------------------------------------------------


@operation("Users.Users.patchUser", checks="users.edit", writes=True)
def patch_user(
    ctx: Context, id: int, params: UserValues, expectedVersion: int | None = None
) -> bool:
    """Change the given fields of a user. Your own profile fields (see ProfileValues)
    need nothing more; anything else, or another user, needs users.edit (admins and
    above), never above the caller's role. Returns true; -32005 when `expectedVersion`
    is stale."""
    values = dict(params)
    if id == ctx.principal.user_id and set(values) <= set(OWN_FIELDS) and not ctx.principal.is_key:
        _save_own(ctx, id, values, expectedVersion)
        return True
    ctx.authorize("users.edit")
    return users.edit_user(ctx, params, id, expectedVersion)


@operation("Users.Users.updateUser", permission="users.edit", writes=True)
def update_user(
    ctx: Context,
    values: UserValues,
    id: int,
    projects: list[int] | None = None,
    expectedVersion: int | None = None,
) -> None:
    """Change the given fields of user `id` and, when `projects` is sent, make the user
    a member of exactly those projects (among the caller's). Needs users.edit."""
    users.edit_user(ctx, values, id, expectedVersion)
    if projects is not None:
        edit_user_project_relations(ctx, id, projects)


# -- one's own profile ------------------------------------------------------------------------


def _save_own(
    ctx: Context, user_id: int, values: dict[str, Any], expected: int | None = None
) -> None:
    own = {key: value for key, value in values.items() if key in OWN_FIELDS}
    columns = users._columns(ctx, own, "post")
    if "username" in columns:
        users._unique_email(ctx, columns["username"], except_id=user_id)
    columns["modified"] = ctx.now
    checked_update(ctx, t.users, user_id, columns, expected_version=expected, what="user")
    ctx.after_commit(ctx.services.principals_changed)


@operation("Users.Users.getOwnProfileSettings")
def get_own_profile_settings(ctx: Context, userId: int) -> ProfileSettings:
    """Your own user row and personal settings (`userId` must be you)."""
    _me(ctx, userId, "profile")
    row = ctx.conn.execute(users._select().where(uc.id == userId)).one()
    prefix = f"usersettings.{userId}."
    settings: dict[str, dict[str, Any]] = {}
    for key, value in ctx.conn.execute(select(sc.key, sc.value).where(sc.key.like(prefix + "%"))):
        category, _, name = key[len(prefix) :].partition(".")
        settings.setdefault(category, {})[name] = orjson.loads(value)
    return {"user": users._user(row), "settings": settings}


@operation("Users.Users.saveOwnProfile", writes=True)
def save_own_profile(
    ctx: Context, userId: int, post: ProfileValues, expectedVersion: int | None = None
) -> str:
    """Change your own profile (`userId` must be you): the fields of ProfileValues;
    others are ignored. Answers Leantime's message key; -32005 for an e-mail address
    another user has."""
    _me(ctx, userId, "profile")
    _save_own(ctx, userId, dict(post), expectedVersion)
    return "notifications.profile_edited"


@operation("Users.Users.editOwn", writes=True, legacy=True)
def edit_own(ctx: Context, values: ProfileValues, id: int) -> None:
    """(Leantime 3.8) Change your own profile, as saveOwnProfile."""
    _me(ctx, id, "profile")
    _save_own(ctx, id, dict(values))


@operation("Users.Users.changeOwnPassword", writes=True)
def change_own_password(
    ctx: Context, userId: int, currentPassword: str, newPassword: str, confirmPassword: str
) -> str:
    """Change your own password (`userId` must be you): the current one, then the new
    one twice (at least 8 characters). Answers Leantime's message key; -32602 when the
    current password is wrong or the new ones differ."""
    _me(ctx, userId, "password")
    stored = ctx.conn.execute(select(uc.password).where(uc.id == userId)).scalar_one()
    if not users.verify_password(stored, currentPassword):
        raise InvalidParams(
            "notifications.password_incorrect",
            param="currentPassword",
            expected="your current password",
        )
    if newPassword != confirmPassword:
        raise InvalidParams(
            "notifications.passwords_dont_match",
            param="confirmPassword",
            expected="the new password again",
        )
    if len(newPassword) < users.MIN_PASSWORD:
        raise InvalidParams(
            f"param `newPassword`: expected at least {users.MIN_PASSWORD} characters",
            param="newPassword",
            expected=f"at least {users.MIN_PASSWORD} characters",
        )
    columns: dict[str, Any] = {"password": users.hash_password(newPassword)}
    columns["modified"] = ctx.now
    checked_update(ctx, t.users, userId, columns, expected_version=None, what="user")
    return "notifications.password_changed"


@operation("Users.Users.checkPasswordStrength", legacy=True)
def check_password_strength(ctx: Context, password: str) -> bool:
    """(Leantime 3.8) Whether Milepost accepts the password: at least 8 characters."""
    return len(password) >= users.MIN_PASSWORD


def _setting_name(value: str, param: str) -> str:
    if not _NAME.fullmatch(value):
        raise InvalidParams(
            f"param `{param}`: expected 1 to 50 letters, digits, _ or -, got {value!r}",
            param=param,
            expected="1 to 50 letters, digits, _ or -",
        )
    return value


@operation("Users.Users.updateUserSettings", writes=True)
def update_user_settings(ctx: Context, category: str, setting: str, value: Any | None) -> bool:
    """Keep a personal setting of yours (any JSON value, up to 10,000 characters once
    encoded; null, or no value, removes it), read back with getOwnProfileSettings.
    Returns true."""
    if ctx.principal.is_key:
        raise Forbidden("an API key has no personal settings")
    key = (
        f"usersettings.{ctx.principal.user_id}."
        f"{_setting_name(category, 'category')}.{_setting_name(setting, 'setting')}"
    )
    if value is None:
        ctx.conn.execute(delete(t.settings).where(sc.key == key))
        return True
    text = orjson.dumps(value).decode()
    if len(text) > MAX_SETTING:
        raise InvalidParams(
            f"param `value`: expected at most {MAX_SETTING} characters as JSON, got {len(text)}",
            param="value",
            expected=f"at most {MAX_SETTING} characters as JSON",
        )
    settings_service.write(ctx, key, text)
    return True
