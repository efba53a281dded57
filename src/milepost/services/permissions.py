"""Roles, the permission table, and who may reach which project.

The table is Leantime 3.9's default grant map (each role holds the grants of the roles
below it), written as "the least role that holds the permission" plus its scope:
global permissions are checked against the caller's global role, project permissions
against the caller's role in that project and the caller's access to it.

One deliberate difference from Leantime: `users.view` is held by every role, so the user
directory (names, roles, e-mail; never secrets) is readable by every principal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Literal


class Role(IntEnum):
    """Leantime's role keys, stored as strings in `zp_user.role`."""

    READONLY = 5
    COMMENTER = 10
    EDITOR = 20
    MANAGER = 30
    ADMIN = 40
    OWNER = 50

    @classmethod
    def parse(cls, value: str | int) -> Role:
        """Accept a role key (`20`, `"20"`) or a name (`editor`), as the CLI and API do."""
        text = str(value).strip().lower()
        if text.isdigit() and int(text) in cls._value2member_map_:
            return cls(int(text))
        for role in cls:
            if role.name.lower() == text:
                return role
        raise ValueError(
            f"unknown role {value!r}: expected one of "
            + ", ".join(f"{r.name.lower()} ({r.value})" for r in cls)
        )

    @property
    def label(self) -> str:
        return self.name.lower()


Scope = Literal["global", "project"]


@dataclass(frozen=True, slots=True)
class Permission:
    key: str
    least_role: Role
    scope: Scope


def _table(*entries: tuple[str, Role, Scope]) -> dict[str, Permission]:
    return {key: Permission(key, role, scope) for key, role, scope in entries}


R, C, E, M, A = Role.READONLY, Role.COMMENTER, Role.EDITOR, Role.MANAGER, Role.ADMIN
_CONTENT = ("sprints", "goals", "ideas", "blueprints", "wiki", "calendar")

PERMISSIONS: dict[str, Permission] = _table(
    ("tickets.view", R, "project"),
    ("tickets.comment", C, "project"),
    ("tickets.upload", C, "project"),
    ("tickets.create", E, "project"),
    ("tickets.edit", E, "project"),
    ("tickets.delete", E, "project"),
    ("projects.view", R, "project"),
    ("projects.create", M, "global"),
    ("projects.edit", M, "global"),
    ("projects.delete", M, "global"),
    ("users.view", R, "global"),
    ("users.create", M, "global"),
    ("users.edit", A, "global"),
    ("users.delete", A, "global"),
    ("users.import", A, "global"),
    ("clients.view", A, "global"),
    ("clients.create", A, "global"),
    ("clients.edit", A, "global"),
    ("clients.delete", A, "global"),
    ("timesheets.view", E, "global"),
    ("timesheets.create", E, "global"),
    ("timesheets.edit", E, "global"),
    ("timesheets.delete", E, "global"),
    ("timesheets.manage", M, "global"),
    *((f"{domain}.view", R, "project") for domain in _CONTENT),
    *((f"{domain}.{verb}", E, "project") for domain in _CONTENT for verb in ("create", "edit")),
    *((f"{domain}.delete", E, "project") for domain in _CONTENT),
    ("calendar.manage", A, "global"),
    ("comments.view", R, "project"),
    ("comments.create", C, "project"),
    ("comments.moderate", M, "project"),
    ("files.view", R, "project"),
    ("files.upload", C, "project"),
    ("files.delete", E, "project"),
    ("reports.view", R, "project"),
    ("projectsettings.labels.manage", M, "project"),
    ("company.settings.view", A, "global"),
    ("company.settings.edit", A, "global"),
    ("api.manage", A, "global"),
    ("audit.view", A, "global"),
    ("webhooks.manage", A, "global"),
    ("plugins.manage", A, "global"),
    ("connector.manage", A, "global"),
)


PrincipalKind = Literal["user", "key", "token", "session"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a person (by password session or personal token) or an API key.

    `memberships` maps each project the principal belongs to onto its per-project role
    (None inherits the global role). For API keys it is exactly the key's project set.
    """

    user_id: int
    role: Role
    kind: PrincipalKind
    name: str
    client_id: int | None = None
    memberships: dict[int, Role | None] = field(default_factory=dict)
    all_projects: bool = False
    key_id: int | None = None
    token_id: int | None = None
    legacy_results: bool = False
    rate_limit: int | None = None  # calls per minute; None uses the server default

    @property
    def is_key(self) -> bool:
        return self.kind == "key"

    def role_in(self, project_id: int) -> Role:
        """The effective role in a project: managers and above keep their global role."""
        if self.role >= Role.MANAGER:
            return self.role
        project_role = self.memberships.get(project_id)
        if project_role is None or project_role >= Role.ADMIN:
            return self.role
        return project_role

    def holds(self, permission: Permission, project_id: int | None = None) -> bool:
        """Whether the role (global, or effective in the project) holds the permission."""
        if permission.scope == "global" or project_id is None:
            return self.role >= permission.least_role
        return self.role_in(project_id) >= permission.least_role

    def sees_every_project(self) -> bool:
        """Keys see only their projects (or all, if made so); admins and owners see all."""
        if self.is_key:
            return self.all_projects
        return self.role >= Role.ADMIN

    def may_access_project(self, project_id: int, psettings: str, client_id: int | None) -> bool:
        """Leantime's project access rule, stricter for keys (never 'open to all')."""
        if self.sees_every_project() or project_id in self.memberships:
            return True
        if self.is_key:
            return False
        if psettings == "all":
            return True
        return psettings == "clients" and client_id is not None and client_id == self.client_id


def permission(key: str) -> Permission:
    try:
        return PERMISSIONS[key]
    except KeyError:
        raise LookupError(f"no permission {key!r} in the permission table") from None
