"""Reading projects beyond getProject and getAll: by type, as a hierarchy, by client, by
activity, and the vocabularies of the project form.

Leantime leaves most of these ungated; Milepost answers them with projects the caller
may access only, so a key never learns of projects outside its set. A user's projects
are those the user can access and the caller can see too.
"""

from __future__ import annotations

import re
from typing import Any, Literal, TypedDict

from sqlalchemy import func, select

from milepost.services import projects
from milepost.services.errors import InvalidParams
from milepost.services.operations import Context, operation
from milepost.services.projects import Project
from milepost.storage import tables as t

pc = t.projects.c

PROJECT_TYPES: dict[str, str] = {
    "project": "label.project",
    "strategy": "label.strategy",
    "program": "label.program",
}
MENU_TYPES: dict[str, str] = {
    "default": "label.menu_type.default",
    "full_menu": "label.menu_type.full_menu",
}
MAX_GIVEN = 10_000


class ClientName(TypedDict):
    """A client, by id and name."""

    id: int
    name: str


class AssignedHierarchy(TypedDict):
    """A user's projects, flat and as a tree (each project with its `children`), and
    the favourites (Milepost has none)."""

    allAssignedProjects: list[Project]
    allAssignedProjectsHierarchy: list[dict[str, Any]]
    favoriteProjects: list[Project]


class AvailableHierarchy(TypedDict):
    """The projects a user can access, flat and as a tree, and their clients."""

    allAvailableProjects: list[Project]
    allAvailableProjectsHierarchy: list[dict[str, Any]]
    clients: list[ClientName]


class NewProjectDefaults(TypedDict):
    """The values a new project starts with."""

    name: str
    details: str
    type: str
    psettings: str
    menuType: str
    parent: int | None
    clientId: int | None
    start: str | None
    end: str | None
    hourBudget: str
    dollarBudget: int


@operation("Projects.Projects.getProjectTypes")
def get_project_types(ctx: Context) -> dict[str, str]:
    """The project types (project, strategy, program), each with its label key."""
    return dict(PROJECT_TYPES)


@operation("Projects.Projects.getMenuTypes")
def get_menu_types(ctx: Context) -> dict[str, str]:
    """The menu types a project's `menuType` holds, each with its label key."""
    return dict(MENU_TYPES)


@operation("Projects.Projects.getNewProjectDefaults")
def get_new_project_defaults(ctx: Context, parent: str = "") -> NewProjectDefaults:
    """The values addProject uses for what it is not sent, with `parent` (a program or
    strategy id) as the parent when given."""
    text = str(parent).strip()
    if text and (not re.fullmatch(r"\d{1,10}", text) or int(text) >= 2**31):
        raise InvalidParams(
            f"param `parent`: expected a project id, got {parent!r}",
            param="parent",
            expected="a project id or ''",
        )
    return {
        "name": "",
        "details": "",
        "type": "project",
        "psettings": "restricted",
        "menuType": "default",
        "parent": projects._parent_ref(ctx, int(text), "parent") if text else None,
        "clientId": None,
        "start": None,
        "end": None,
        "hourBudget": "0",
        "dollarBudget": 0,
    }


@operation("Projects.Projects.getProjectName", permission="projects.view", project="projectId")
def get_project_name(ctx: Context, projectId: int) -> str | None:
    """A project's name, or null when there is no such project."""
    name = ctx.conn.execute(select(pc.name).where(pc.id == projectId)).scalar()
    return None if name is None else str(name)


@operation("Projects.Projects.hasTickets", permission="projects.view", project="id")
def has_tickets(ctx: Context, id: int) -> bool:
    """Whether a project has tickets (milestones count)."""
    tc = t.tickets.c
    return ctx.conn.execute(select(tc.id).where(tc.projectId == id).limit(1)).first() is not None


@operation("Projects.Projects.getAllProjects")
def get_all_projects(ctx: Context) -> list[Project]:
    """Every project the caller can access, of every type, open and closed, by name."""
    return projects._visible(ctx)


@operation("Projects.Projects.getAllStrategies")
def get_all_strategies(ctx: Context) -> list[Project]:
    """The strategies (projects of type strategy) the caller can access, by name."""
    return projects._visible(ctx, pc.type == "strategy")


@operation("Projects.Projects.getAllPrograms")
def get_all_programs(ctx: Context) -> list[Project]:
    """The programs (projects of type program) the caller can access, by name."""
    return projects._visible(ctx, pc.type == "program")


@operation("Projects.Projects.getProjectsByUserActivity")
def get_projects_by_user_activity(ctx: Context) -> list[Project]:
    """The caller's projects, the one with the most recent change to a ticket first
    (projects without tickets last, by name)."""
    tc = t.tickets.c
    latest = dict(
        ctx.conn.execute(select(tc.projectId, func.max(tc.modified)).group_by(tc.projectId)).all()
    )
    rows = projects._visible(ctx)
    return sorted(rows, key=lambda p: (latest.get(p["id"]) is None, _desc(latest.get(p["id"]))))


def _desc(value: Any) -> float:
    return -value.timestamp() if value is not None else 0.0


def _available(ctx: Context, user_id: int, status: str, client_id: int | None) -> list[Project]:
    rows = projects.get_projects_user_has_access_to(ctx, user_id)
    wanted = {row["id"] for row in projects._visible(ctx, *projects._status_filter(status))}
    return [
        row
        for row in rows
        if row["id"] in wanted and (not client_id or row["clientId"] == client_id)
    ]


def _tree(rows: list[Project]) -> list[dict[str, Any]]:
    """The projects as a tree: those whose parent is not among them at the top."""
    ids = {row["id"] for row in rows}
    plain: list[dict[str, Any]] = [
        {**row, "parent": row["parent"] if row["parent"] in ids else None} for row in rows
    ]
    return _children(plain, None, set())


@operation("Projects.Projects.getProjectHierarchyAssignedToUser")
def get_project_hierarchy_assigned_to_user(
    ctx: Context, userId: int, projectStatus: str = "open", clientId: int | None = None
) -> AssignedHierarchy:
    """The projects a user is a member of (open ones by default; 'closed' or 'all'),
    flat and as a tree of programs and their projects."""
    rows = projects.get_projects_assigned_to_user(ctx, userId, projectStatus, clientId)
    return {
        "allAssignedProjects": rows,
        "allAssignedProjectsHierarchy": _tree(rows),
        "favoriteProjects": [],
    }


@operation("Projects.Projects.getProjectHierarchyAvailableToUser")
def get_project_hierarchy_available_to_user(
    ctx: Context, userId: int, projectStatus: str = "open", clientId: int | None = None
) -> AvailableHierarchy:
    """The projects a user can access (open ones by default), flat and as a tree, with
    their clients."""
    rows = _available(ctx, userId, projectStatus, clientId)
    return {
        "allAvailableProjects": rows,
        "allAvailableProjectsHierarchy": _tree(rows),
        "clients": _clients_of(rows),
    }


def _clients_of(rows: list[Project]) -> list[ClientName]:
    found = {row["clientId"]: row["clientName"] or "" for row in rows if row["clientId"]}
    return [{"id": int(id), "name": name} for id, name in sorted(found.items())]


@operation("Projects.Projects.getAllClientsAvailableToUser")
def get_all_clients_available_to_user(
    ctx: Context, userId: int, projectStatus: str = "open"
) -> list[ClientName]:
    """The clients of the projects a user can access (open ones by default)."""
    return _clients_of(_available(ctx, userId, projectStatus, None))


@operation("Projects.Projects.getClientManagerProjects")
def get_client_manager_projects(ctx: Context, userId: int, clientId: int) -> list[Project]:
    """The projects of a client that a user can access, open and closed."""
    return _available(ctx, userId, "all", clientId)


def _given(value: Any, param: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or len(value) > MAX_GIVEN:
        raise InvalidParams(
            f"param `{param}`: expected a list of projects", param=param, expected="a list"
        )
    for index, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("id"), int):
            raise InvalidParams(
                f"param `{param}[{index}]`: expected a project object with an integer id",
                param=f"{param}[{index}]",
                expected="a project object with `id`",
            )
    return value


def _parent_of(project: dict[str, Any]) -> int | None:
    parent = project.get("parent")
    return parent if isinstance(parent, int) and parent > 0 else None


@operation("Projects.Projects.findMyChildren")
def find_my_children(
    ctx: Context, currentParentId: int | None, projects: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Arrange the given projects (objects with `id` and `parent`) as a tree under
    `currentParentId` (null or 0: the top): each project with its `children`. Only the
    given projects are read."""
    rows = _given(projects, "projects")
    return _children(rows, currentParentId or None, set())


def _children(rows: list[dict[str, Any]], node: int | None, seen: set[int]) -> list[dict[str, Any]]:
    """The rows under `node`, each with its own children; a row is placed once, so a
    parent loop in the input ends instead of recursing forever."""
    kids = [row for row in rows if _parent_of(row) == node and row["id"] not in seen]
    seen.update(row["id"] for row in kids)
    return [{**row, "children": _children(rows, row["id"], seen)} for row in kids]


@operation("Projects.Projects.cleanParentRelationship")
def clean_parent_relationship(ctx: Context, projects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The given projects with `parent` set to null where the parent is not among them,
    so that findMyChildren puts them at the top."""
    rows = _given(projects, "projects")
    ids = {row["id"] for row in rows}
    return [{**row, "parent": _parent_of(row) if _parent_of(row) in ids else None} for row in rows]


@operation("Projects.Projects.getProjectIdbyName")
def get_project_idby_name(
    ctx: Context, allProjects: list[dict[str, Any]] | None, projectName: str
) -> int | Literal[False]:
    """The id of the project named `projectName` (ignoring case) among `allProjects`
    (objects with `id` and `name`), or among the caller's projects when it is null;
    false when none is."""
    rows: list[Any] = (
        projects._visible(ctx) if allProjects is None else _given(allProjects, "allProjects")
    )
    wanted = projectName.strip().lower()
    for row in rows:
        if str(row.get("name") or "").strip().lower() == wanted:
            return int(row["id"])
    return False


@operation("Projects.Projects.getClientsFromProjectList", legacy=True)
def get_clients_from_project_list(
    ctx: Context, projects: list[dict[str, Any]]
) -> dict[str, ClientName]:
    """(Leantime 3.8) The clients of the given projects (objects with `clientId` and
    `clientName`), keyed by client id."""
    rows = _given(projects, "projects")
    return {
        str(row["clientId"]): {"id": int(row["clientId"]), "name": str(row.get("clientName") or "")}
        for row in rows
        if isinstance(row.get("clientId"), int) and row["clientId"] > 0
    }
