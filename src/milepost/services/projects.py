"""Projects and project membership (Leantime's `Projects` domain).

Leantime leaves several project readers ungated (`getProjectsAssignedToUser`,
`getProjectsUserHasAccessTo`, `findProject`); Milepost answers them only with projects
the caller may access too, so no key learns of projects outside its set.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from sqlalchemy import delete, func, insert, select

from milepost.services import ticket_rows, tickets, webhooks
from milepost.services.errors import Forbidden, InvalidParams, NotFound
from milepost.services.operations import Context, operation
from milepost.services.permissions import Principal, Role
from milepost.services.scope import visible_projects
from milepost.services.values import fmt_date, limit_text, parse_date
from milepost.services.versions import checked_update
from milepost.storage import tables as t
from milepost.storage.database import insert_id

pc = t.projects.c
PSETTINGS = ("restricted", "clients", "all")
PROJECT_TYPES = ("project", "program", "strategy")


class Project(TypedDict):
    """A project row with its client's name."""

    id: int
    name: str
    clientId: int | None
    details: str
    state: int | None
    hourBudget: str
    dollarBudget: int
    active: int | None
    menuType: str
    psettings: str
    parent: int | None
    type: str
    start: str | None
    end: str | None
    sortIndex: int | None
    created: str | None
    modified: str | None
    clientName: str | None
    isFavorite: bool
    version: int


class ProjectValues(TypedDict, total=False):
    """The fields addProject and patch accept. `type` is project, program or strategy;
    `psettings` restricted (members only), clients (the client's people too) or all."""

    name: str
    clientId: int | None
    details: str
    state: int | None
    hourBudget: str
    dollarBudget: int
    menuType: str
    psettings: str
    parent: int | None
    type: str
    start: str | None
    end: str | None
    sortIndex: int | None
    assignedUsers: list[int]


class Member(TypedDict):
    """A user assigned to a project, with the per-project role ('' inherits)."""

    id: int
    firstname: str
    lastname: str
    username: str
    role: str
    profileId: str
    status: str
    jobTitle: str
    projectRole: str


class Progress(TypedDict):
    """Share of a project's tickets that are done, and its planned end."""

    percent: float
    doneTickets: int
    allTickets: int
    estimatedCompletionDate: str | None
    plannedCompletionDate: str | None


def _select() -> Any:
    return select(t.projects, t.clients.c.name.label("clientName")).outerjoin(
        t.clients, t.clients.c.id == pc.clientId
    )


def _project(row: Any) -> Project:
    return {
        "id": row.id,
        "name": row.name,
        "clientId": row.clientId,
        "details": row.details,
        "state": row.state,
        "hourBudget": row.hourBudget,
        "dollarBudget": row.dollarBudget,
        "active": row.active,
        "menuType": row.menuType,
        "psettings": row.psettings,
        "parent": row.parent,
        "type": row.type,
        "start": fmt_date(row.start),
        "end": fmt_date(row.end),
        "sortIndex": row.sortIndex,
        "created": fmt_date(row.created),
        "modified": fmt_date(row.modified),
        "clientName": row.clientName,
        "isFavorite": False,
        "version": row.version,
    }


def _visible(ctx: Context, *where: Any) -> list[Project]:
    query = _select().where(visible_projects(ctx.principal), *where).order_by(pc.name, pc.id)
    return [_project(row) for row in ctx.conn.execute(query)]


@operation("Projects.Projects.getProject", permission="projects.view", project="id")
def get_project(ctx: Context, id: int) -> Project | Literal[False]:
    """One project, or false when it does not exist."""
    row = ctx.conn.execute(_select().where(pc.id == id)).first()
    return False if row is None else _project(row)


@operation("Projects.Projects.getAll")
def get_all(ctx: Context, showClosedProjects: bool = False) -> list[Project]:
    """The caller's projects (of type project), open and closed, by name."""
    return _visible(ctx, pc.type.in_(["project", ""]))


def _memberships_of(ctx: Context, user_id: int) -> list[int]:
    return list(
        ctx.conn.execute(
            select(t.project_members.c.projectId).where(t.project_members.c.userId == user_id)
        ).scalars()
    )


def _status_filter(project_status: str) -> list[Any]:
    if project_status == "open":
        return [func.coalesce(pc.state, 0) != -1]
    if project_status == "closed":
        return [pc.state == -1]
    return []


@operation("Projects.Projects.getProjectsAssignedToUser")
def get_projects_assigned_to_user(
    ctx: Context,
    userId: int,
    projectStatus: str = "open",
    clientId: int | None = None,
    projectTypes: str = "all",
) -> list[Project]:
    """Projects the user is a member of (open ones by default), among those the caller may
    see."""
    where = [pc.id.in_(_memberships_of(ctx, userId)), *_status_filter(projectStatus)]
    if clientId:
        where.append(pc.clientId == clientId)
    if projectTypes != "all":
        where.append(pc.type.in_(tickets._csv(projectTypes)))
    return _visible(ctx, *where)


@operation("Projects.Projects.getProjectsUserHasAccessTo")
def get_projects_user_has_access_to(ctx: Context, userId: int | None = None) -> list[Project]:
    """Projects a user (the caller by default) can access, among those the caller may see."""
    if userId is None or userId == ctx.principal.user_id:
        return _visible(ctx)
    from milepost.services.auth import load_principal

    key = ctx.conn.execute(
        select(t.api_keys.c.allProjects).where(t.api_keys.c.userId == userId)
    ).first()
    if key is None:
        other = load_principal(ctx.conn, userId, kind="user")
    else:
        other = load_principal(ctx.conn, userId, kind="key", all_projects=key.allProjects)
    if other is None:
        return []
    return _visible(ctx, visible_projects(other))


@operation("Projects.Projects.findProject")
def find_project(ctx: Context, term: str = "") -> list[Project]:
    """The caller's projects whose name contains `term`."""
    pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return _visible(ctx, pc.name.ilike(pattern, escape="\\"))


@operation(
    "Projects.Projects.getUsersAssignedToProject", permission="projects.view", project="projectId"
)
def get_users_assigned_to_project(
    ctx: Context, projectId: int, teamOnly: bool = False
) -> list[Member]:
    """The members of a project with their per-project role (API keys left out)."""
    u, m = t.users.c, t.project_members.c
    rows = ctx.conn.execute(
        select(t.users, m.projectRole)
        .join(t.project_members, m.userId == u.id)
        .where(m.projectId == projectId, u.source != "api")
        .order_by(u.lastname, u.firstname, u.id)
    )
    return [
        {
            "id": row.id,
            "firstname": row.firstname,
            "lastname": row.lastname,
            "username": row.username,
            "role": row.role,
            "profileId": row.profileId,
            "status": row.status,
            "jobTitle": row.jobTitle,
            "projectRole": row.projectRole,
        }
        for row in rows
    ]


@operation("Projects.Projects.getProjectProgress", permission="projects.view", project="projectId")
def get_project_progress(ctx: Context, projectId: int) -> Progress:
    """How far a project is: the percent of its tickets that are done."""
    done, total = tickets.project_progress(ctx, projectId)
    end = ctx.conn.execute(select(pc.end).where(pc.id == projectId)).scalar()
    return {
        "percent": ticket_rows.percent(done, total),
        "doneTickets": done,
        "allTickets": total,
        "estimatedCompletionDate": None,
        "plannedCompletionDate": fmt_date(end),
    }


def _columns(ctx: Context, values: dict[str, Any], param: str) -> dict[str, Any]:
    limit_text(values, "name", 100, param)
    columns: dict[str, Any] = {}
    for field in ("name", "details", "state", "hourBudget", "dollarBudget", "menuType",
                  "sortIndex"):  # fmt: skip
        if field in values:
            columns[field] = values[field]
    if "type" in values:
        columns["type"] = _one_of(values["type"] or "project", PROJECT_TYPES, f"{param}.type")
    if "parent" in values:
        columns["parent"] = _parent_ref(ctx, values["parent"], f"{param}.parent")
    if "clientId" in values:
        client = values["clientId"] or None
        if (
            client
            and not ctx.conn.execute(select(t.clients.c.id).where(t.clients.c.id == client)).first()
        ):
            raise InvalidParams(
                f"param `{param}.clientId`: no client {client}", param=f"{param}.clientId"
            )
        columns["clientId"] = client
    if "psettings" in values:
        columns["psettings"] = _one_of(values["psettings"], PSETTINGS, f"{param}.psettings")
    for field in ("start", "end"):
        if field in values:
            columns[field] = parse_date(values[field], f"{param}.{field}")
    return columns


def _one_of(value: Any, allowed: tuple[str, ...], param: str) -> str:
    if value not in allowed:
        raise InvalidParams(
            f"param `{param}`: expected one of {', '.join(allowed)}, got {value!r}",
            param=param,
            expected="one of " + ", ".join(allowed),
        )
    return str(value)


def _parent_ref(ctx: Context, parent: int | None, param: str) -> int | None:
    """The parent (in Leantime a program or strategy): a project the caller may access."""
    if not parent:
        return None
    exists = ctx.conn.execute(select(pc.id).where(pc.id == parent)).first()
    if exists is None or not ctx.can_access_project(parent):
        raise InvalidParams(
            f"param `{param}`: no project {parent}", param=param, expected="a project id"
        )
    return parent


def add_member(ctx: Context, user_id: int, project_id: int, project_role: str = "") -> None:
    exists = ctx.conn.execute(
        select(t.project_members.c.id).where(
            t.project_members.c.userId == user_id, t.project_members.c.projectId == project_id
        )
    ).first()
    if exists is None:
        ctx.conn.execute(
            insert(t.project_members).values(
                userId=user_id, projectId=project_id, projectRole=project_role
            )
        )
    ctx.after_commit(ctx.services.principals_changed)


@operation("Projects.Projects.addProject", permission="projects.create", writes=True)
def add_project(ctx: Context, values: ProjectValues) -> int:
    """Create a project and return its id. The caller becomes a member, and so do the
    users in `assignedUsers`. Needs projects.create (manager and above)."""
    if not (values.get("name") or "").strip():
        raise InvalidParams("param `values.name`: a project needs a name", param="values.name")
    columns = _columns(ctx, dict(values), "values")
    columns.update(created=ctx.now, modified=ctx.now)
    project_id = insert_id(ctx.conn, insert(t.projects).values(**columns))
    assigned = set(values.get("assignedUsers") or []) - {ctx.principal.user_id}
    for user in sorted(assigned):
        _require_person(ctx, user, "values.assignedUsers")
    for user in {ctx.principal.user_id, *assigned}:
        add_member(ctx, user, project_id)
    _emit(ctx, project_id, "created")
    return project_id


def _emit(ctx: Context, project_id: int, action: str) -> None:
    def data() -> Project | None:
        row = ctx.conn.execute(_select().where(pc.id == project_id)).first()
        return None if row is None else _project(row)

    webhooks.emit(ctx, "project", action, project_id, project_id=project_id, data=data)


def _require_person(ctx: Context, user_id: int, param: str) -> None:
    """A person's user row; API keys' projects are set only through the Api methods."""
    uc = t.users.c
    if not ctx.conn.execute(select(uc.id).where(uc.id == user_id, uc.source != "api")).first():
        raise InvalidParams(
            f"param `{param}`: no user {user_id}", param=param, expected="a person's user id"
        )


def _editable(ctx: Context, project_id: int) -> None:
    if not ctx.can_access_project(project_id):
        raise NotFound(f"no project {project_id}")
    if not ctx.conn.execute(select(pc.id).where(pc.id == project_id)).first():
        raise NotFound(f"no project {project_id}")


@operation("Projects.Projects.patch", permission="projects.edit", writes=True)
def patch(ctx: Context, id: int, params: ProjectValues, expectedVersion: int | None = None) -> bool:
    """Change the given fields of a project. Needs projects.edit and access to it; with
    `expectedVersion` (Milepost), a project changed since is a -32005 conflict."""
    _editable(ctx, id)
    if "name" in params and not (params["name"] or "").strip():
        raise InvalidParams("param `params.name`: a project needs a name", param="params.name")
    columns = _columns(ctx, dict(params), "params")
    if not columns:
        return False
    columns["modified"] = ctx.now
    checked_update(ctx, t.projects, id, columns, expected_version=expectedVersion, what="project")
    _emit(ctx, id, "updated")
    return True


@operation("Projects.Projects.editUserProjectRelations", permission="projects.edit", writes=True)
def edit_user_project_relations(ctx: Context, id: int, projects: list[int]) -> bool:
    """Make user `id` a member of exactly `projects` (among the projects the caller may
    see; memberships elsewhere are left as they are). `id` is a person: API keys get their
    projects through Api.updateApiKey. Returns true."""
    _require_person(ctx, id, "id")
    for project_id in projects:
        if not ctx.can_access_project(project_id):
            raise Forbidden(f"no access to project {project_id}")
    current = set(_memberships_of(ctx, id))
    reachable = {p for p in current if ctx.can_access_project(p)}
    wanted = set(projects)
    gone = reachable - wanted
    if gone:
        ctx.conn.execute(
            delete(t.project_members).where(
                t.project_members.c.userId == id, t.project_members.c.projectId.in_(gone)
            )
        )
    for project_id in sorted(wanted - current):
        add_member(ctx, id, project_id)
    ctx.after_commit(ctx.services.principals_changed)
    return True


def grant_role_check(principal: Principal, role: Role) -> None:
    """Nobody hands out a role above their own."""
    if role > principal.role:
        raise Forbidden(
            f"cannot grant the role {role.label} above your own ({principal.role.label})"
        )
