"""Which project an entity belongs to, for the domains that point at entities by name.

Reactions, files and notifications name their target as Leantime does, by a `module`
word and an id (`ticket` 12, `project` 3, `comment` 40, `article` 7). Access to the
target is decided by the project it lives in; an unknown module or a missing entity has
no project, and callers treat that as "not found".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from milepost.services.auth import load_principal
from milepost.services.permissions import Principal
from milepost.storage import tables as t

if TYPE_CHECKING:
    from sqlalchemy import Connection

# Leantime spells some modules in the plural; they mean the same entity.
ALIASES = {
    "tickets": "ticket",
    "projects": "project",
    "milestone": "ticket",
    "wiki": "article",
    "goalcanvasitem": "goal",
}
# Items on boards, by the module word that names them.
CANVAS_MODULES = frozenset({"article", "idea", "goal", "canvasitem"})
MODULES = frozenset({"ticket", "project", "comment", *CANVAS_MODULES})


def normalize(module: str) -> str:
    """The canonical spelling of a module word (lower case, singular)."""
    word = module.strip().lower()
    return ALIASES.get(word, word)


def project_of(conn: Connection, module: str, module_id: int) -> int | None:
    """The project of the entity, or None for an unknown module or a missing entity."""
    module = normalize(module)
    if module == "comment":
        row = conn.execute(
            select(t.comments.c.module, t.comments.c.moduleId).where(t.comments.c.id == module_id)
        ).first()
        if row is None or normalize(row.module) == "comment":
            return None
        return project_of(conn, row.module, row.moduleId)
    if module == "project":
        query = select(t.projects.c.id).where(t.projects.c.id == module_id)
    elif module == "ticket":
        query = select(t.tickets.c.projectId).where(t.tickets.c.id == module_id)
    elif module in CANVAS_MODULES:
        query = (
            select(t.canvas.c.projectId)
            .join(t.canvas_items, t.canvas_items.c.canvasId == t.canvas.c.id)
            .where(t.canvas_items.c.id == module_id)
        )
    else:
        return None
    found = conn.execute(query).scalar()
    return None if found is None else int(found)


def principal_of(conn: Connection, user_id: int) -> Principal | None:
    """The principal a user (or API key) row stands for, to ask what it may see."""
    key = conn.execute(
        select(t.api_keys.c.allProjects).where(t.api_keys.c.userId == user_id)
    ).first()
    if key is None:
        return load_principal(conn, user_id, kind="user")
    return load_principal(conn, user_id, kind="key", all_projects=key.allProjects)


def may_access(conn: Connection, principal: Principal, project_id: int) -> bool:
    """Leantime's project access rule for a principal other than the caller."""
    row = conn.execute(
        select(t.projects.c.psettings, t.projects.c.clientId).where(t.projects.c.id == project_id)
    ).first()
    return row is not None and principal.may_access_project(project_id, row[0], row[1])
