"""Changing projects beyond addProject and patch: the full edit, delete, duplicate, and the
order and state of projects on the project board.

Every method needs the global projects.* permission (managers and above) and access to
each project it touches; a project outside the caller's projects is -32002. Deliberate
differences from Leantime:
- `deleteProject` refuses (-32005) a project that still has tickets, sprints, boards or
  files, instead of leaving them without a project; delete those first.
- `duplicateProject` copies the project, its status and idea labels, its milestones and
  tickets (dates moved by the difference between the two start dates, sprints left
  out) and, with `assignSameUsers`, its members; boards, comments, files and logged
  time stay with the original.
- `patchProjectStatusAndSorting` sets the projects' `state` (open or closed), the one
  project status Milepost keeps.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, TypedDict
from urllib.parse import parse_qsl

from sqlalchemy import delete, insert, select, update

from milepost.services import projects, settings_service, tickets
from milepost.services.errors import Conflict, InvalidParams
from milepost.services.operations import Context, operation
from milepost.services.projects import ProjectValues
from milepost.services.values import parse_date
from milepost.services.versions import checked_update
from milepost.storage import tables as t
from milepost.storage.database import insert_id

pc, tc = t.projects.c, t.tickets.c
MAX_SORTED = 1000
STATES = {"0": 0, "open": 0, "-1": -1, "closed": -1}
_EDITABLE = {
    "name": "",
    "details": "",
    "clientId": None,
    "hourBudget": "0",
    "dollarBudget": 0,
    "psettings": "restricted",
    "menuType": "default",
    "parent": None,
    "start": None,
    "end": None,
}


class ProjectPosition(TypedDict, total=False):
    """A project and its new place on the project board."""

    id: int
    sortIndex: int


def _fail(param: str, expected: str, value: Any) -> InvalidParams:
    return InvalidParams(
        f"param `{param}`: expected {expected}, got {value!r}", param=param, expected=expected
    )


# -- editing -------------------------------------------------------------------------------


def _apply(ctx: Context, project_id: int, values: dict[str, Any], expected: int | None) -> bool:
    """Projects.patch's change, with errors naming `values` (the param these methods take)."""
    projects._editable(ctx, project_id)
    if "name" in values and not str(values["name"] or "").strip():
        raise InvalidParams("param `values.name`: a project needs a name", param="values.name")
    columns = projects._columns(ctx, values, "values")
    if not columns:
        return False
    columns["modified"] = ctx.now
    checked_update(ctx, t.projects, project_id, columns, expected_version=expected, what="project")
    projects._emit(ctx, project_id, "updated")
    return True


@operation("Projects.Projects.patchProject", permission="projects.edit", writes=True)
def patch_project(
    ctx: Context, id: int, values: ProjectValues, expectedVersion: int | None = None
) -> bool:
    """Change the given fields of a project (Leantime 3.9's name for Projects.patch).
    Returns true, or false when `values` held no field to change; -32005 when
    `expectedVersion` is stale."""
    return _apply(ctx, id, dict(values), expectedVersion)


@operation("Projects.Projects.editProject", permission="projects.edit", writes=True)
def edit_project(
    ctx: Context, values: ProjectValues, id: int, expectedVersion: int | None = None
) -> None:
    """Replace the editable fields of project `id` with `values` (Leantime's full edit:
    name, details, clientId, hourBudget, dollarBudget, psettings, menuType, parent,
    start, end; a field left out gets the value a new project has). `type` and `state`
    change only when sent. Send what getProject returned, changed, to keep the rest."""
    full: dict[str, Any] = dict(_EDITABLE)
    full.update({key: value for key, value in values.items() if value is not None})
    full["name"] = full["name"] or ""
    _apply(ctx, id, full, expectedVersion)


def _deletable(ctx: Context, project_id: int) -> None:
    projects._editable(ctx, project_id)
    blockers = (
        ("tickets", select(tc.id).where(tc.projectId == project_id)),
        ("sprints", select(t.sprints.c.id).where(t.sprints.c.projectId == project_id)),
        ("boards", select(t.canvas.c.id).where(t.canvas.c.projectId == project_id)),
        (
            "files",
            select(t.files.c.id).where(
                t.files.c.module == "project", t.files.c.moduleId == project_id
            ),
        ),
    )
    for what, query in blockers:
        if ctx.conn.execute(query.limit(1)).first() is not None:
            raise Conflict(
                f"project {project_id} still has {what}; delete them first",
                reason=f"has_{what}",
            )


@operation("Projects.Projects.deleteProject", permission="projects.delete", writes=True)
def delete_project(ctx: Context, id: int) -> bool:
    """Delete a project that has no tickets, sprints, boards or files (-32005 otherwise),
    with its memberships, comments, reactions and settings; its sub-projects lose their
    parent. Returns true."""
    _deletable(ctx, id)
    projects._emit(ctx, id, "deleted")
    cm, rx = t.comments.c, t.reactions.c
    ctx.conn.execute(update(t.projects).where(pc.parent == id).values(parent=None))
    ctx.conn.execute(delete(t.project_members).where(t.project_members.c.projectId == id))
    ctx.conn.execute(delete(t.comments).where(cm.module == "project", cm.moduleId == id))
    ctx.conn.execute(delete(t.reactions).where(rx.module == "project", rx.moduleId == id))
    ctx.conn.execute(delete(t.settings).where(t.settings.c.key.like(f"projectsettings.{id}.%")))
    ctx.conn.execute(delete(t.projects).where(pc.id == id))
    ctx.after_commit(ctx.services.principals_changed)
    return True


# -- duplicating -----------------------------------------------------------------------------


def _shifted(value: dt.datetime | None, shift: dt.timedelta) -> dt.datetime | None:
    return None if value is None else value + shift


def _copy_project(
    ctx: Context, source: Any, name: str, client_id: int | None, start: dt.datetime
) -> tuple[int, dt.timedelta]:
    shift = start - source.start if source.start is not None else dt.timedelta(0)
    columns = {
        column: getattr(source, column)
        for column in ("details", "hourBudget", "dollarBudget", "menuType", "psettings",
                       "parent", "type")
    }  # fmt: skip
    columns.update(
        name=name,
        clientId=client_id,
        state=0,
        start=start,
        end=_shifted(source.end, shift),
        created=ctx.now,
        modified=ctx.now,
    )
    return insert_id(ctx.conn, insert(t.projects).values(**columns)), shift


def _copy_tickets(ctx: Context, source_id: int, target_id: int, shift: dt.timedelta) -> None:
    rows = ctx.conn.execute(
        select(t.tickets).where(tc.projectId == source_id).order_by(tc.id)
    ).all()
    new_ids: dict[int, int] = {}
    skipped = {"id", "projectId", "sprint", "version", "milestoneid", "dependingTicketId"}
    for row in sorted(rows, key=lambda r: r.type != "milestone"):  # milestones first
        columns = {k: v for k, v in row._mapping.items() if k not in skipped}
        columns.update(
            projectId=target_id,
            userId=ctx.principal.user_id,
            date=ctx.now,
            modified=ctx.now,
            dateToFinish=_shifted(row.dateToFinish, shift),
            editFrom=_shifted(row.editFrom, shift),
            editTo=_shifted(row.editTo, shift),
        )
        new_ids[row.id] = insert_id(ctx.conn, insert(t.tickets).values(**columns))
    for row in rows:
        links = {
            "milestoneid": new_ids.get(row.milestoneid, 0),
            "dependingTicketId": new_ids.get(row.dependingTicketId, 0),
        }
        ctx.conn.execute(update(t.tickets).where(tc.id == new_ids[row.id]).values(**links))
        tickets._emit(ctx, new_ids[row.id], "created", row.type, target_id)


def _copy_members(ctx: Context, source_id: int, target_id: int, same_users: bool) -> None:
    projects.add_member(ctx, ctx.principal.user_id, target_id)
    if not same_users:
        return
    m, u = t.project_members.c, t.users.c
    members = ctx.conn.execute(
        select(m.userId, m.projectRole)
        .join(t.users, u.id == m.userId)
        .where(m.projectId == source_id, u.source != "api")
    ).all()
    for user_id, role in members:
        projects.add_member(ctx, user_id, target_id, role)


@operation("Projects.Projects.duplicateProject", permission="projects.create", writes=True)
def duplicate_project(  # noqa: PLR0917 - Leantime's signature
    ctx: Context,
    projectId: int,
    clientId: int,
    projectName: str,
    userStartDate: str,
    assignSameUsers: bool,
) -> int:
    """Copy a project under a new name for client `clientId` (0: none), starting on
    `userStartDate`: its settings, labels, milestones and tickets (dates moved with the
    start; sprints, boards, comments, files and logged time are not copied). The caller
    becomes a member, and so do the original's members with `assignSameUsers`. Returns
    the new project's id. Needs projects.create and access to the original."""
    projects._editable(ctx, projectId)
    name = projectName.strip()
    if not name or len(name) > 100:
        raise _fail("projectName", "a name of 1 to 100 characters", projectName)
    start = parse_date(userStartDate, "userStartDate")
    if start is None:
        raise _fail("userStartDate", "the new project's start date", userStartDate)
    client = clientId or None
    if (
        client
        and not ctx.conn.execute(select(t.clients.c.id).where(t.clients.c.id == client)).first()
    ):
        raise _fail("clientId", "a client id, or 0 for none", clientId)
    source = ctx.conn.execute(select(t.projects).where(pc.id == projectId)).one()
    new_id, shift = _copy_project(ctx, source, name, client, start)
    for kind in ("ticketlabels", "idealabels"):
        stored = settings_service.read(ctx, f"projectsettings.{projectId}.{kind}")
        if stored is not None:
            settings_service.write(ctx, f"projectsettings.{new_id}.{kind}", stored)
    _copy_members(ctx, projectId, new_id, assignSameUsers)
    _copy_tickets(ctx, projectId, new_id, shift)
    projects._emit(ctx, new_id, "created")
    return new_id


# -- the project board -----------------------------------------------------------------------


def _int(value: Any, param: str, low: int, high: int) -> int:
    text = str(value).strip()
    if (
        isinstance(value, bool)
        or not re.fullmatch(r"-?\d{1,19}", text)
        or not low <= int(text) <= high
    ):
        raise _fail(param, f"an integer from {low} to {high}", value)
    return int(text)


def _positions(params: Any) -> list[tuple[int, int]]:
    if isinstance(params, dict):
        pairs = list(params.items())
    elif isinstance(params, list):
        pairs = [
            (item.get("id"), item.get("sortIndex", (n + 1) * 100))
            if isinstance(item, dict)
            else (item, (n + 1) * 100)
            for n, item in enumerate(params)
        ]
    else:
        raise _fail("params", "a list of project ids or an object {id: sortIndex}", params)
    if len(pairs) > MAX_SORTED:
        raise _fail("params", f"at most {MAX_SORTED} projects", len(pairs))
    return [
        (_int(id, "params.id", 1, 2**31 - 1), _int(index, "params.sortIndex", 0, 2**31 - 1))
        for id, index in pairs
    ]


def _place(ctx: Context, project_id: int, columns: dict[str, Any]) -> None:
    projects._editable(ctx, project_id)
    checked_update(
        ctx, t.projects, project_id, {**columns, "modified": ctx.now},
        expected_version=None, what="project",
    )  # fmt: skip
    projects._emit(ctx, project_id, "updated")


@operation("Projects.Projects.sortProjects", permission="projects.edit", writes=True)
def sort_projects(ctx: Context, params: list[int | ProjectPosition] | dict[str, int]) -> bool:
    """Set the order (`sortIndex`) of projects: a list of ids in their new order (placed
    at 100, 200, ...), a list of {id, sortIndex}, or an object {id: sortIndex}. All or
    nothing. Returns true."""
    for project_id, index in _positions(params):
        _place(ctx, project_id, {"sortIndex": index})
    return True


@operation("Projects.Projects.updateProjectSorting", permission="projects.edit", writes=True,
           legacy=True)  # fmt: skip
def update_project_sorting(
    ctx: Context, params: list[int | ProjectPosition] | dict[str, int]
) -> bool:
    """(Leantime 3.8) The same as sortProjects."""
    return sort_projects(ctx, params)


def _column(value: Any, param: str) -> list[int]:
    if isinstance(value, str):
        value = [item for _key, item in parse_qsl(value)]
    if not isinstance(value, list):
        raise _fail(param, "a list of project ids", value)
    return [_int(item, param, 1, 2**31 - 1) for item in value]


@operation(
    "Projects.Projects.patchProjectStatusAndSorting", permission="projects.edit", writes=True
)
def patch_project_status_and_sorting(
    ctx: Context, params: dict[str, list[int] | str], handler: str | None = None
) -> bool:
    """Apply the project board's columns: `params` maps a state ('open' or '0',
    'closed' or '-1') to the ids of the projects in that column, top to bottom (a list,
    or jQuery's "project[]=1&project[]=2"). Each project gets the state and its place
    (`sortIndex` 100, 200, ...). All or nothing; `handler` is ignored. Returns true."""
    for key, column in params.items():
        if str(key).lower() not in STATES:
            raise _fail("params", "keys 'open' ('0') or 'closed' ('-1')", key)
        state = STATES[str(key).lower()]
        for position, project_id in enumerate(_column(column, f"params.{key}"), start=1):
            _place(ctx, project_id, {"state": state, "sortIndex": position * 100})
    return True


@operation("Projects.Projects.updateProjectStatusAndSorting", permission="projects.edit",
           writes=True, legacy=True)  # fmt: skip
def update_project_status_and_sorting(
    ctx: Context, params: dict[str, list[int] | str], handler: str | None = None
) -> bool:
    """(Leantime 3.8) The same as patchProjectStatusAndSorting."""
    return patch_project_status_and_sorting(ctx, params, handler)
