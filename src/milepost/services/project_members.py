"""Who belongs to a project and who can reach it: membership rows, per-project roles,
access checks, the people to notify, and the company directory as Projects lists it.

Reading the members of a project needs projects.view there; adding and removing
members needs projects.edit (managers and above) and access to the project. Members
are people: API keys get their projects through the Api methods only. Answers about a
project outside the caller's projects are what Leantime answers for a missing one
(false, '' or []), so nothing leaks.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from sqlalchemy import delete, false, or_, select, true

from milepost.services import projects, users
from milepost.services.errors import InvalidParams
from milepost.services.operations import Context, operation
from milepost.services.permissions import Role
from milepost.services.projects import Member
from milepost.services.users import User
from milepost.storage import tables as t

uc, mc, pc = t.users.c, t.project_members.c, t.projects.c


class Relation(TypedDict):
    """A membership row: the user, the project (with its name), the per-project role
    ('' inherits the global role) and the wage."""

    id: int
    userId: int
    projectId: int
    projectName: str
    projectRole: str
    wage: float | None


class NotifyInfo(TypedDict):
    """A member who gets notifications."""

    id: int
    firstname: str
    lastname: str
    username: str
    profileId: str
    notifications: int


def _visible(ctx: Context, project_id: int) -> bool:
    exists = ctx.conn.execute(select(pc.id).where(pc.id == project_id)).first()
    return exists is not None and ctx.can_access_project(project_id)


def _member_row(row: Any) -> Member:
    return {
        "id": row.id,
        "firstname": row.firstname,
        "lastname": row.lastname,
        "username": row.username,
        "role": row.role,
        "profileId": row.profileId,
        "status": row.status,
        "jobTitle": row.jobTitle,
        "projectRole": row.projectRole or "",
    }


def access_condition(conn: Any, project_id: int) -> Any:
    """A condition on `zp_user` for the people who can access a project (Leantime's rule:
    members, admins and owners, everyone for 'all', the client's people for 'clients')."""
    project = conn.execute(select(pc.psettings, pc.clientId).where(pc.id == project_id)).first()
    if project is None:
        return false()
    members = select(mc.userId).where(mc.projectId == project_id)
    admins = uc.role.in_([str(Role.ADMIN.value), str(Role.OWNER.value)])
    everyone = true() if project.psettings == "all" else false()
    client = (
        uc.clientId == project.clientId
        if project.psettings == "clients" and project.clientId is not None
        else false()
    )
    return or_(uc.id.in_(members), admins, everyone, client)


def people_with_access(ctx: Context, project_id: int, *where: Any) -> list[Member]:
    rows = ctx.conn.execute(
        select(t.users, mc.projectRole)
        .outerjoin(t.project_members, (mc.userId == uc.id) & (mc.projectId == project_id))
        .where(access_condition(ctx.conn, project_id), uc.source != "api", *where)
        .order_by(uc.lastname, uc.firstname, uc.id)
    )
    return [_member_row(row) for row in rows]


@operation(
    "Projects.Projects.getUsersWithAccessToProject", permission="projects.view", project="projectId"
)
def get_users_with_access_to_project(ctx: Context, projectId: int) -> list[Member]:
    """The people who can access a project: its members, admins and owners, everyone
    when the project is open to all, the client's people when open to its client."""
    return people_with_access(ctx, projectId)


@operation("Users.Users.getUsersWithProjectAccess", legacy=True, permission="projects.view")
def get_users_with_project_access(
    ctx: Context, currentUser: int | None = None, projectId: int = 0
) -> list[Member]:
    """(Leantime 3.8) The people who can access a project, as
    Projects.getUsersWithAccessToProject answers; [] for a project the caller cannot
    see. `currentUser` is accepted and ignored."""
    if not projectId or not _visible(ctx, projectId):
        return []
    return people_with_access(ctx, projectId)


def _notified(ctx: Context, project_id: int) -> Any:
    return ctx.conn.execute(
        select(t.users)
        .join(t.project_members, mc.userId == uc.id)
        .where(
            mc.projectId == project_id,
            uc.source != "api",
            uc.status == "a",
            uc.notifications != 0,
        )
        .order_by(uc.id)
    ).all()


@operation("Projects.Projects.getUsersToNotify", permission="projects.view", project="projectId")
def get_users_to_notify(ctx: Context, projectId: int) -> list[int]:
    """The ids of a project's active members who have notifications on."""
    return [row.id for row in _notified(ctx, projectId)]


@operation(
    "Projects.Projects.getAllUserInfoToNotify", permission="projects.view", project="projectId"
)
def get_all_user_info_to_notify(ctx: Context, projectId: int) -> list[NotifyInfo]:
    """A project's active members who have notifications on, with their names."""
    return [
        {
            "id": row.id,
            "firstname": row.firstname,
            "lastname": row.lastname,
            "username": row.username,
            "profileId": row.profileId,
            "notifications": row.notifications,
        }
        for row in _notified(ctx, projectId)
    ]


def _membership_query(ctx: Context, user_id: int) -> Any:
    return (
        select(t.project_members, pc.name.label("projectName"))
        .join(t.projects, pc.id == mc.projectId)
        .where(mc.userId == user_id)
        .order_by(mc.projectId)
    )


@operation("Projects.Projects.getProjectIdAssignedToUser")
def get_project_id_assigned_to_user(ctx: Context, userId: int) -> list[int] | Literal[False]:
    """The ids of the projects a user is a member of (among the caller's projects);
    false when there is no such user."""
    if ctx.conn.execute(select(uc.id).where(uc.id == userId)).first() is None:
        return False
    rows = ctx.conn.execute(_membership_query(ctx, userId)).all()
    return [row.projectId for row in rows if ctx.can_access_project(row.projectId)]


@operation("Projects.Projects.getUserProjectRelation")
def get_user_project_relation(
    ctx: Context, userId: int, projectId: int | None = None
) -> list[Relation]:
    """A user's membership rows (in one project, when given), among the caller's
    projects."""
    query = _membership_query(ctx, userId)
    if projectId is not None:
        query = query.where(mc.projectId == projectId)
    return [
        {
            "id": row.id,
            "userId": row.userId,
            "projectId": row.projectId,
            "projectName": row.projectName,
            "projectRole": row.projectRole or "",
            "wage": row.wage,
        }
        for row in ctx.conn.execute(query)
        if ctx.can_access_project(row.projectId)
    ]


@operation("Projects.Projects.getProjectRole")
def get_project_role(ctx: Context, userId: int, projectId: int) -> str:
    """A user's role in a project: the per-project role key ('20', ...), or '' when the
    user inherits the global role, is no member, or the project is not the caller's."""
    if not _visible(ctx, projectId):
        return ""
    role = ctx.conn.execute(
        select(mc.projectRole).where(mc.userId == userId, mc.projectId == projectId)
    ).scalar()
    return str(role or "")


@operation("Projects.Projects.isUserMemberOfProject")
def is_user_member_of_project(ctx: Context, userId: int, projectId: int) -> bool:
    """Whether the user is a member of the project (false for a project that is not the
    caller's)."""
    if not _visible(ctx, projectId):
        return False
    found = ctx.conn.execute(
        select(mc.id).where(mc.userId == userId, mc.projectId == projectId)
    ).first()
    return found is not None


@operation("Projects.Projects.isUserAssignedToProject")
def is_user_assigned_to_project(ctx: Context, userId: int, projectId: int) -> bool:
    """Whether the user can access the project by Leantime's rule (member, admin or
    owner, or open to them); false for a project that is not the caller's."""
    if not _visible(ctx, projectId):
        return False
    query = select(uc.id).where(uc.id == userId, access_condition(ctx.conn, projectId))
    return ctx.conn.execute(query).first() is not None


def _project_role(ctx: Context, value: str) -> str:
    text = value.strip()
    if text in ("", "inherit", "inherited"):
        return ""
    try:
        role = Role.parse(text)
    except ValueError as error:
        raise InvalidParams(
            f"param `projectRole`: {error}", param="projectRole", expected="a role or ''"
        ) from None
    projects.grant_role_check(ctx.principal, role)
    return str(role.value)


@operation("Projects.Projects.addUserToProject", permission="projects.edit", writes=True)
def add_user_to_project(ctx: Context, userId: int, projectId: int, projectRole: str = "") -> bool:
    """Make a person a member of a project, with a per-project role ('' inherits the
    global role; never above the caller's). Returns true, or false when the person is
    a member already. Needs projects.edit and access to the project."""
    projects._editable(ctx, projectId)
    projects._require_person(ctx, userId, "userId")
    role = _project_role(ctx, projectRole)
    if is_user_member_of_project(ctx, userId, projectId):
        return False
    projects.add_member(ctx, userId, projectId, role)
    return True


@operation(
    "Projects.Projects.deleteAllUserProjectRelations", permission="projects.edit", writes=True
)
def delete_all_user_project_relations(ctx: Context, userId: int) -> None:
    """Remove a person from every project the caller can access (memberships elsewhere
    stay). Needs projects.edit."""
    projects._require_person(ctx, userId, "userId")
    reachable = [
        project_id
        for project_id in projects._memberships_of(ctx, userId)
        if ctx.can_access_project(project_id)
    ]
    if reachable:
        ctx.conn.execute(
            delete(t.project_members).where(mc.userId == userId, mc.projectId.in_(reachable))
        )
    ctx.after_commit(ctx.services.principals_changed)


@operation("Projects.Projects.getAllUsers")
def get_all_users(ctx: Context, activeOnly: bool = False) -> list[User]:
    """Every person (API keys left out), by last name; only active ones with
    `activeOnly`. The same directory as Users.getAll."""
    return users.get_all(ctx, activeOnly)


@operation("Projects.Projects.getEmployees")
def get_employees(ctx: Context) -> list[User]:
    """The active people of the company itself (those of no client), by last name."""
    return [user for user in users.get_all(ctx, True) if user["clientId"] is None]
