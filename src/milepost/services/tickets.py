"""Tickets: tasks, subtasks, bugs, stories and milestones (Leantime's `Tickets` domain).

Deliberate differences from Leantime, each where Leantime answers a failure as a
success or loses data:
- Bad input and missing rights are JSON-RPC errors (-32602, -32001, -32002), with
  Leantime's message key in `data.detail`, not `{"msg": ..., "type": "error"}` results.
- `updateTicket` is Leantime's full replace, except that `date` (the creation time) is
  kept instead of reset to now, and `projectId` defaults to the ticket's own project.
- References are checked: a status must be one of the project's labels, a milestone,
  parent or sprint must exist in the same project, an assignee must be a user.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from sqlalchemy import Integer, and_, bindparam, cast, delete, func, insert, or_, select, update

from milepost.services import attachments, labels, ticket_rows, webhooks
from milepost.services.errors import Forbidden, InvalidParams, NotFound
from milepost.services.operations import Context, answers_together, operation
from milepost.services.result_cache import Encoded
from milepost.services.scope import visible_projects
from milepost.services.ticket_rows import Ticket, TicketRow, tk
from milepost.services.values import Int64, limit_text, parse_date, with_time
from milepost.services.versions import checked_update
from milepost.storage import tables as t

MAX_HEADLINE = 255
MAX_TEXT = 1_000_000
MAX_LIST_LIMIT = 10_000


class TicketValues(TypedDict, total=False):
    """The fields of a ticket that add, update and patch methods accept."""

    id: int
    headline: str
    type: str
    description: str
    projectId: int
    status: int
    editorId: str
    priority: str
    storypoints: float
    planHours: float
    hourRemaining: float
    sprint: int | None
    tags: str
    milestoneid: int | None
    dependingTicketId: int | None
    dateToFinish: str | None
    timeToFinish: str | None
    editFrom: str | None
    timeFrom: str | None
    editTo: str | None
    timeTo: str | None
    acceptanceCriteria: str
    outcomeImpact: str
    collaborators: list[int]
    sortIndex: Int64 | None
    kanbanSortIndex: Int64 | None


class QuickTicket(TypedDict, total=False):
    """`quickAddTicket`'s params: a headline and project, and `milestone` for milestoneid."""

    headline: str
    projectId: int
    description: str
    status: int
    type: str
    editorId: str
    priority: str
    sprint: int | None
    milestone: int | None
    dateToFinish: str | None


class QuickMilestone(TypedDict, total=False):
    """`quickAddMilestone`'s params."""

    headline: str
    projectId: int
    editFrom: str | None
    editTo: str | None
    tags: str
    dependentMilestone: int | None
    editorId: str
    outcomeImpact: str
    status: int


class SearchCriteria(TypedDict, total=False):
    """Leantime's ticket filters. Multi-valued filters are comma-separated strings."""

    currentProject: int
    projects: str
    users: str
    milestone: str
    status: str
    type: str
    excludeType: str
    priority: str
    term: str
    sprint: str
    dateFrom: str
    dateTo: str
    orderBy: str


# Columns that patch methods may set (Leantime's list), by lower-cased name.
PATCHABLE = {
    name.lower(): name
    for name in [
        "headline",
        "type",
        "description",
        "projectId",
        "status",
        "date",
        "dateToFinish",
        "sprint",
        "storypoints",
        "priority",
        "hourRemaining",
        "planHours",
        "tags",
        "editorId",
        "userId",
        "editFrom",
        "editTo",
        "acceptanceCriteria",
        "outcomeImpact",
        "dependingTicketId",
        "milestoneid",
        "sortIndex",
        "kanbanSortIndex",
    ]
}
_DATE_FIELDS = {"dateToFinish": "timeToFinish", "editFrom": "timeFrom", "editTo": "timeTo"}
_TEXT_FIELDS = ("description", "acceptanceCriteria", "outcomeImpact")
_COLUMN = {"sortIndex": "sortindex"}


# -- vocabularies -----------------------------------------------------------------


@operation("Tickets.Tickets.getStatusLabels", permission="tickets.view", project="projectId")
def get_status_labels(ctx: Context, projectId: int | None = None) -> dict[str, labels.StatusLabel]:
    """The status labels of a project (Leantime's defaults without a project), keyed by
    status code in board order."""
    return labels.wire_labels(labels.status_labels(ctx.conn, projectId))  # type: ignore[return-value]


@operation("Tickets.Tickets.getKanbanColumns", permission="tickets.view")
def get_kanban_columns(ctx: Context) -> dict[str, labels.StatusLabel]:
    """The default status labels that are shown as board columns."""
    columns = labels.wire_labels(labels.DEFAULT_STATUS_LABELS)
    return {code: label for code, label in columns.items() if label["kanbanCol"]}  # type: ignore[misc]


@operation("Tickets.Tickets.getPriorityLabels", permission="tickets.view")
def get_priority_labels(ctx: Context) -> dict[str, str]:
    """Priority names by key: 1 Critical to 5 Lowest."""
    return dict(labels.PRIORITY_LABELS)


@operation("Tickets.Tickets.getEffortLabels", permission="tickets.view")
def get_effort_labels(ctx: Context) -> dict[str, str]:
    """Effort (story point) names by value, from 0.5 to 13."""
    return dict(labels.EFFORT_LABELS)


@operation("Tickets.Tickets.getTicketTypes", permission="tickets.view")
def get_ticket_types(ctx: Context) -> list[str]:
    """The ticket types: task, subtask, story and bug (milestones are separate)."""
    return list(labels.TICKET_TYPES)


# -- reading -------------------------------------------------------------------------


def _load(ctx: Context, ticket_id: int) -> Any:
    """The ticket row, or NotFound when it is missing or outside the caller's projects."""
    row = ctx.conn.execute(select(t.tickets).where(tk.id == ticket_id)).first()
    if row is None or not ctx.can_access_project(row.projectId):
        raise NotFound(f"no ticket {ticket_id}", reason="not_found")
    return row


def _read(ctx: Context, ticket_id: int) -> Ticket | None:
    return _visible(ctx, ticket_rows.fetch_one(ctx.conn, ticket_id))


def _visible(ctx: Context, row: ticket_rows.TicketJson | None) -> Ticket | None:
    if row is None or not ctx.can("tickets.view", row.projectId):
        return None
    return ticket_rows.ticket(ctx.conn, row)


@operation("Tickets.Tickets.getTicket", checks="tickets.view")
def get_ticket(ctx: Context, id: int) -> Ticket | Literal[False]:
    """One ticket with every field the edit methods accept, or false when it does not exist
    or lies outside the caller's projects."""
    return _read(ctx, id) or False


@answers_together(get_ticket)
def _get_tickets(
    ctx: Context, calls: list[dict[str, Any]]
) -> list[Ticket | Encoded | Literal[False]]:
    """getTicket for the members of a batch, in one query, each answer as the database
    encoded it (only the transport reads these answers)."""
    rows = ticket_rows.fetch_many(ctx.conn, {call["id"] for call in calls})
    # The tickets of a batch mostly share a few projects: ask once per project.
    allowed = {
        project: ctx.can("tickets.view", project)
        for project in {r.projectId for r in rows.values()}
    }
    answers: list[Ticket | Encoded | Literal[False]] = []
    for call in calls:
        row = rows.get(call["id"])
        if row is None or not allowed[row.projectId]:
            answers.append(False)
        else:
            answers.append(ticket_rows.encoded(ctx.conn, row))
    return answers


@operation("Tickets.Tickets.getAll", permission="tickets.view", cached=True)
def get_all(
    ctx: Context, searchCriteria: SearchCriteria | None = None, limit: int | None = None
) -> list[TicketRow]:
    """Tickets matching Leantime's search criteria, newest first, in the caller's projects.

    Archived tickets (status -1) are left out unless `status` asks for them, and so are
    tickets of closed projects unless `currentProject` or `projects` names them. `users`
    matches the assignee or a collaborator."""
    return _search(ctx, searchCriteria or {}, limit=limit)


def _search(
    ctx: Context,
    criteria: SearchCriteria,
    *,
    limit: int | None = None,
    extra: list[Any] | None = None,
    default_order: str = "date",
) -> list[TicketRow]:
    query = ticket_rows.joined_select().where(visible_projects(ctx.principal), *(extra or []))
    query = query.where(*_filters(ctx, criteria))
    query = query.order_by(*_order(criteria.get("orderBy") or default_order))
    if limit is not None:
        if limit < 0 or limit > MAX_LIST_LIMIT:
            raise InvalidParams(
                f"param `limit`: expected 0 to {MAX_LIST_LIMIT}, got {limit}",
                param="limit",
                expected=f"an integer from 0 to {MAX_LIST_LIMIT}",
            )
        query = query.limit(limit)
    query = ctx.page_query(query, tk.id, tk.modified)
    rows = ticket_rows.fetch(ctx.conn, query)
    names = _labels_for(ctx, {row["projectId"] for row in rows})
    return [ticket_rows.ticket_row(row, names.get(row["projectId"], {})) for row in rows]


def _labels_for(ctx: Context, project_ids: set[int]) -> dict[int, dict[int, dict[str, object]]]:
    return {pid: labels.status_labels(ctx.conn, pid) for pid in project_ids}


def _csv(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _csv_ints(text: str | None, param: str) -> list[int]:
    try:
        numbers = [int(part) for part in _csv(text)]
    except ValueError:
        numbers = None
    if numbers is None or any(not -(2**31) <= n < 2**31 for n in numbers):
        raise InvalidParams(
            f"param `{param}`: expected comma-separated 32-bit integers, got {text!r}",
            param=param,
            expected="comma-separated integers",
        )
    return numbers


def _filters(ctx: Context, criteria: SearchCriteria) -> list[Any]:
    where: list[Any] = []
    projects = _csv_ints(criteria.get("projects"), "searchCriteria.projects")
    if projects:
        where.append(tk.projectId.in_(projects))
    elif criteria.get("currentProject"):
        where.append(tk.projectId == criteria["currentProject"])
    else:
        where.append(func.coalesce(t.projects.c.state, 0) != -1)
    users = _csv(criteria.get("users"))
    if users:
        where.append(or_(tk.editorId.in_(users), tk.id.in_(_collaborating(users))))
    milestones = _csv_ints(criteria.get("milestone"), "searchCriteria.milestone")
    if milestones:
        where.append(tk.milestoneid.in_(milestones))
    where.extend(_status_filter(ctx, criteria, projects))
    types = [kind.lower() for kind in _csv(criteria.get("type"))]
    if types:
        where.append(func.lower(tk.type).in_(types))
    elif criteria.get("excludeType"):
        where.append(func.lower(tk.type).not_in([k.lower() for k in _csv(criteria["excludeType"])]))
    priorities = _csv(criteria.get("priority"))
    if priorities:
        where.append(tk.priority.in_(priorities))
    term = (criteria.get("term") or "").strip()
    if term:
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        matches = [
            tk.headline.ilike(pattern, escape="\\"),
            tk.description.ilike(pattern, escape="\\"),
            tk.tags == term,
        ]
        if term.isdigit():
            matches.append(tk.id == int(term))
        where.append(or_(*matches))
    sprint = criteria.get("sprint")
    if sprint == "backlog":
        where.append(or_(tk.sprint.is_(None), tk.sprint.in_([0, -1])))
    elif sprint:
        where.append(tk.sprint.in_(_csv_ints(sprint, "searchCriteria.sprint")))
    for field, compare in (("dateFrom", tk.date.__gt__), ("dateTo", tk.date.__lt__)):
        if criteria.get(field):
            where.append(compare(parse_date(criteria.get(field), f"searchCriteria.{field}")))
    return where


def _collaborating(users: list[str]) -> Any:
    """The ids of tickets on which any of `users` is a collaborator."""
    rel = t.entity_relations.c
    return select(rel.entityA).where(
        rel.entityAType == "Ticket",
        rel.relationship == "collaborator",
        rel.entityB.in_([int(user) for user in users if user.isdigit()]),
    )


def _status_filter(ctx: Context, criteria: SearchCriteria, projects: list[int]) -> list[Any]:
    status = (criteria.get("status") or "").strip()
    if status == "all":
        return []
    if not status:
        return [tk.status != -1]
    if status in ("done", "not_done"):
        # Status codes are per project; resolve done-ness with each project's labels.
        scope = projects or ([criteria["currentProject"]] if criteria.get("currentProject") else [])
        done = labels.codes_of_type(labels.DEFAULT_STATUS_LABELS, "DONE")
        clauses = [and_(tk.projectId == pid, tk.status.in_(_done_codes(ctx, pid))) for pid in scope]
        is_done = or_(*clauses) if clauses else tk.status.in_(done)
        return [is_done if status == "done" else ~is_done]
    return [tk.status.in_(_csv_ints(status, "searchCriteria.status"))]


def _done_codes(ctx: Context, project_id: int) -> list[int]:
    return labels.codes_of_type(labels.status_labels(ctx.conn, project_id), "DONE")


def _order(order_by: str) -> list[Any]:
    # Empty values sort last on every backend (SQLite and PostgreSQL disagree by default).
    orders = {
        "standard": [tk.sortindex.asc().nulls_last(), tk.id.desc()],
        "kanbansort": [tk.kanbanSortIndex.asc().nulls_last(), tk.id.desc()],
        "duedate": [tk.dateToFinish.asc().nulls_last(), tk.id.desc()],
        "priority": [tk.priority.asc(), tk.id.desc()],
        "date": [tk.date.desc().nulls_last(), tk.id.desc()],
        "id": [tk.id.asc()],
    }
    if order_by not in orders:
        raise InvalidParams(
            f"param `searchCriteria.orderBy`: expected one of {', '.join(orders)},"
            f" got {order_by!r}",
            param="searchCriteria.orderBy",
            expected="one of " + ", ".join(orders),
        )
    return orders[order_by]


@operation("Tickets.Tickets.getAllOpenUserTickets", permission="tickets.view")
def get_all_open_user_tickets(
    ctx: Context, userId: int | None = None, project: int | None = None
) -> list[TicketRow]:
    """Open (not done) tickets assigned to a user (the caller by default), optionally in
    one project."""
    criteria: SearchCriteria = {"users": str(userId or ctx.principal.user_id), "status": "not_done"}
    if project:
        criteria["currentProject"] = project
    return _search(ctx, criteria, extra=[tk.type != "milestone"], default_order="duedate")


@operation("Tickets.Tickets.getAllSubtasks", permission="tickets.view")
def get_all_subtasks(ctx: Context, ticketId: int) -> list[TicketRow] | Literal[False]:
    """The subtasks of a ticket, or false when the ticket is not visible to the caller."""
    row = ctx.conn.execute(select(tk.projectId).where(tk.id == ticketId)).first()
    if row is None or not ctx.can("tickets.view", row.projectId):
        return False
    return _search(
        ctx,
        {"status": "all", "currentProject": row.projectId},
        extra=[tk.dependingTicketId == ticketId],
        default_order="id",
    )


@operation("Tickets.Tickets.getAllMilestones", permission="tickets.view")
def get_all_milestones(
    ctx: Context, searchCriteria: SearchCriteria | None = None, sortBy: str = "standard"
) -> list[TicketRow]:
    """Milestones matching the criteria (usually `currentProject`), with progress."""
    criteria: SearchCriteria = {**(searchCriteria or {}), "type": "milestone"}
    criteria.setdefault("status", "all")
    criteria.setdefault("orderBy", "duedate" if sortBy == "duedate" else "standard")
    rows = _search(ctx, criteria)
    for row in rows:
        done, total = ticket_rows.milestone_progress(ctx.conn, row["id"], row["projectId"])
        extra: dict[str, Any] = row  # type: ignore[assignment]
        extra.update(
            doneTickets=done, allTickets=total, percentDone=ticket_rows.percent(done, total)
        )
    return rows


@operation("Tickets.Tickets.findTicket", permission="tickets.view", project="projectId")
def find_ticket(
    ctx: Context, term: str, projectId: int, userId: int | None = None
) -> list[TicketRow]:
    """Tickets of a project whose headline, description or id matches `term`."""
    criteria: SearchCriteria = {"term": term, "currentProject": projectId, "status": "all"}
    if userId:
        criteria["users"] = str(userId)
    return _search(ctx, criteria, limit=100)


# -- writing ---------------------------------------------------------------------------


# The write path's statements are built once: executing a constant statement skips the
# cache-key generation SQLAlchemy does for a statement built per call, which costs
# several times more than the SQL itself.
_PROJECT_EXISTS = select(t.projects.c.id).where(t.projects.c.id == bindparam("id"))
# A new ticket needs two things of its project: that it exists, and its status labels
# (for the default status, or to check the one given); one statement reads both.
_PROJECT_LABELS = select(t.projects.c.id, labels.STORED_LABELS.scalar_subquery()).where(
    t.projects.c.id == bindparam("id")
)
_USER_EXISTS = select(t.users.c.id).where(t.users.c.id == bindparam("id"))
_USERS_FOUND = select(t.users.c.id).where(t.users.c.id.in_(bindparam("ids", expanding=True)))
_SPRINT_IN_PROJECT = select(t.sprints.c.id).where(
    t.sprints.c.id == bindparam("id"), t.sprints.c.projectId == bindparam("project")
)
_TYPE_IN_PROJECT = select(tk.type).where(
    tk.id == bindparam("id"), tk.projectId == bindparam("project")
)
_INSERT_TICKET = insert(t.tickets)
_INSERT_RELATION = insert(t.entity_relations)
_DELETE_COLLABORATORS = delete(t.entity_relations).where(
    t.entity_relations.c.entityAType == "Ticket",
    t.entity_relations.c.entityA == bindparam("ticket"),
    t.entity_relations.c.relationship == "collaborator",
)


def _project_for_write(ctx: Context, project_id: Any, permission: str, param: str) -> int:
    _authorize_project(ctx, project_id, permission, param)
    if ctx.conn.execute(_PROJECT_EXISTS, {"id": project_id}).first() is None:
        raise InvalidParams(f"param `{param}`: no project {project_id}", param=param)
    return int(project_id)


def _project_for_create(ctx: Context, project_id: Any, param: str) -> tuple[int, labels.Statuses]:
    """The project of a new ticket, checked as `_project_for_write` does, and its labels."""
    _authorize_project(ctx, project_id, "tickets.create", param)
    found = ctx.conn.execute(
        _PROJECT_LABELS, {"id": project_id, "key": labels.settings_key(project_id)}
    ).first()
    if found is None:
        raise InvalidParams(f"param `{param}`: no project {project_id}", param=param)
    return int(project_id), labels.from_stored(found[1])


def _authorize_project(ctx: Context, project_id: Any, permission: str, param: str) -> None:
    if not project_id:
        raise InvalidParams(
            f"param `{param}`: project id is not set", param=param, expected="a project id"
        )
    ctx.authorize(permission, project_id)


def _columns(
    ctx: Context,
    values: dict[str, Any],
    project_id: int,
    param: str,
    milestone: str = "milestoneid",
    *,
    statuses: labels.Statuses | None = None,
) -> dict[str, Any]:
    """Validated column values for the fields present in `values`; `milestone` is the name
    the caller sent the milestone under (quick adds use their own), `statuses` the
    project's status labels when the caller has read them already."""
    limit_text(values, "headline", MAX_HEADLINE, param)
    limit_text(values, "tags", 255, param)
    for field in _TEXT_FIELDS:
        limit_text(values, field, MAX_TEXT, param)
    columns: dict[str, Any] = {}
    for field in (
        "headline", "description", "acceptanceCriteria", "outcomeImpact", "tags", "priority",
        "storypoints", "planHours", "hourRemaining", "sortIndex", "kanbanSortIndex", "userId",
    ):  # fmt: skip
        if field in values:
            default = "" if field in ("headline", "description", "acceptanceCriteria",
                                      "outcomeImpact", "tags", "priority") else None  # fmt: skip
            value = values[field]
            if value is None and field in ("storypoints", "planHours", "hourRemaining"):
                value = 0
            columns[_COLUMN.get(field, field)] = default if value is None else value
    if "type" in values:
        kind = (values["type"] or "task").lower()
        if kind not in labels.ALL_TYPES:
            raise InvalidParams(
                f"param `{param}.type`: expected one of {', '.join(sorted(labels.ALL_TYPES))},"
                f" got {values['type']!r}",
                param=f"{param}.type",
                expected="one of " + ", ".join(sorted(labels.ALL_TYPES)),
            )
        columns["type"] = kind
    if "status" in values and values["status"] is not None:
        allowed = labels.status_labels(ctx.conn, project_id) if statuses is None else statuses
        if values["status"] not in allowed:
            raise InvalidParams(
                f"param `{param}.status`: expected one of the project's status codes"
                f" {sorted(allowed)}, got {values['status']}",
                param=f"{param}.status",
                expected="a status code of the project",
            )
        columns["status"] = values["status"]
    if "editorId" in values:
        columns["editorId"] = _user_ref(ctx, values["editorId"], f"{param}.editorId")
    if "sprint" in values:
        columns["sprint"] = _sprint_ref(ctx, values["sprint"], project_id, f"{param}.sprint")
    if "milestoneid" in values:
        columns["milestoneid"] = _ticket_ref(
            ctx, values["milestoneid"], project_id, f"{param}.{milestone}", milestone=True
        )
    if "dependingTicketId" in values:
        columns["dependingTicketId"] = _ticket_ref(
            ctx, values["dependingTicketId"], project_id, f"{param}.dependingTicketId"
        )
    for field, time_field in _DATE_FIELDS.items():
        if field in values:
            date = parse_date(values[field], f"{param}.{field}")
            columns[field] = with_time(date, values.get(time_field), f"{param}.{time_field}")
    if "date" in values:
        columns["date"] = parse_date(values["date"], f"{param}.date") or ctx.now
    return columns


def _user_ref(ctx: Context, value: Any, param: str) -> str:
    text = "" if value in (None, "", "0", 0) else str(value).strip()
    if not text:
        return ""
    if not text.isdigit() or not ctx.conn.execute(_USER_EXISTS, {"id": int(text)}).first():
        raise InvalidParams(
            f"param `{param}`: no user {value!r}", param=param, expected="a user id"
        )
    return text


def _sprint_ref(ctx: Context, value: Any, project_id: int, param: str) -> int | None:
    if value in (None, 0, -1):
        return None
    found = ctx.conn.execute(_SPRINT_IN_PROJECT, {"id": value, "project": project_id}).first()
    if found is None:
        raise InvalidParams(
            f"param `{param}`: no sprint {value} in project {project_id}",
            param=param,
            expected="a sprint of the ticket's project",
        )
    return int(value)


def _ticket_ref(
    ctx: Context, value: Any, project_id: int, param: str, *, milestone: bool = False
) -> int:
    if not value:
        return 0
    found = ctx.conn.execute(_TYPE_IN_PROJECT, {"id": value, "project": project_id}).first()
    if found is None or (milestone and found.type != "milestone"):
        what = "milestone" if milestone else "ticket"
        raise InvalidParams(
            f"param `{param}`: no {what} {value} in project {project_id}",
            param=param,
            expected=f"a {what} of the same project",
        )
    return int(value)


def _collaborators(ctx: Context, ticket_id: int, users: list[int], param: str) -> None:
    found = set(ctx.conn.execute(_USERS_FOUND, {"ids": users}).scalars()) if users else set()
    missing = sorted(set(users) - found)
    if missing:
        raise InvalidParams(f"param `{param}`: no user {missing[0]}", param=param)
    ctx.conn.execute(_DELETE_COLLABORATORS, {"ticket": ticket_id})
    if users:
        ctx.conn.execute(
            _INSERT_RELATION,
            [
                {
                    "entityA": ticket_id,
                    "entityAType": "Ticket",
                    "entityB": user,
                    "entityBType": "User",
                    "relationship": "collaborator",
                    "createdOn": ctx.now,
                    "createdBy": ctx.principal.user_id,
                }
                for user in sorted(set(users))
            ],
        )


def _create(
    ctx: Context, values: dict[str, Any], param: str, milestone: str = "milestoneid"
) -> int:
    project_id, statuses = _project_for_create(ctx, values.get("projectId"), f"{param}.projectId")
    if not (values.get("headline") or "").strip():
        raise InvalidParams(
            "notifications.ticket_save_error_no_headline",
            param=f"{param}.headline",
            expected="a non-empty headline",
        )
    columns = _columns(ctx, values, project_id, param, milestone, statuses=statuses)
    columns.setdefault("status", labels.first_of_type(statuses, "NEW", 3))
    columns.setdefault("type", "task")
    columns.update(projectId=project_id, userId=ctx.principal.user_id, modified=ctx.now)
    columns.setdefault("date", ctx.now)
    ticket_id = _insert(ctx, columns)
    if values.get("collaborators"):
        _collaborators(ctx, ticket_id, values["collaborators"], f"{param}.collaborators")
    _emit(ctx, ticket_id, "created", columns["type"], project_id)
    return ticket_id


def _insert(ctx: Context, columns: dict[str, Any]) -> int:
    key = ctx.conn.execute(_INSERT_TICKET, columns).inserted_primary_key
    if key is None or key[0] is None:
        raise RuntimeError("the INSERT returned no primary key")
    return int(key[0])


@operation("Tickets.Tickets.addTicket", checks="tickets.create", writes=True)
def add_ticket(ctx: Context, values: TicketValues) -> int:
    """Create a ticket in `values.projectId` and return its id.

    Needs tickets.create in that project. The author is the caller; the status defaults
    to the project's first NEW status. An empty headline is -32602."""
    return _create(ctx, dict(values), "values")


@operation("Tickets.Tickets.quickAddTicket", checks="tickets.create", writes=True)
def quick_add_ticket(ctx: Context, params: QuickTicket) -> int:
    """Create a ticket from a headline and project (the board's quick add); assigned to the
    caller unless `editorId` says otherwise, `milestone` sets the milestone."""
    values: dict[str, Any] = dict(params)
    if not (values.get("headline") or "").strip():
        raise InvalidParams("Headline Missing", param="params.headline", expected="a headline")
    values.setdefault("editorId", str(ctx.principal.user_id))
    if "milestone" in values:
        values["milestoneid"] = values.pop("milestone")
    return _create(ctx, values, "params", milestone="milestone")


@operation("Tickets.Tickets.quickAddMilestone", checks="tickets.create", writes=True)
def quick_add_milestone(ctx: Context, params: QuickMilestone) -> int:
    """Create a milestone: headline, project, date range (editFrom, editTo), colour in
    `tags`, owner in `editorId`, parent milestone in `dependentMilestone`."""
    values: dict[str, Any] = dict(params)
    if not (values.get("headline") or "").strip():
        raise InvalidParams("Headline Missing", param="params.headline", expected="a headline")
    if "dependentMilestone" in values:
        values["milestoneid"] = values.pop("dependentMilestone")
    values.setdefault("tags", "#1b75bb")
    values.setdefault("editorId", str(ctx.principal.user_id))
    values["type"] = "milestone"
    return _create(ctx, values, "params", milestone="dependentMilestone")


def _editable(ctx: Context, ticket_id: Any, param: str) -> Any:
    if ticket_id is None:
        raise InvalidParams(
            f"Required Parameter Missing: {param}", param=param, expected="a ticket id"
        )
    row = _load(ctx, ticket_id)
    if not ctx.can("tickets.edit", row.projectId):
        raise Forbidden("notifications.ticket_save_error_no_access")
    return row


def _kind(ticket_type: str | None) -> str:
    return "milestone" if ticket_type == "milestone" else "ticket"


def _emit(ctx: Context, ticket_id: int, action: str, ticket_type: str, project_id: int) -> None:
    webhooks.emit(
        ctx,
        _kind(ticket_type),
        action,
        ticket_id,
        project_id=project_id,
        data=(lambda: _read(ctx, ticket_id)) if action != "deleted" else (lambda: None),
    )


def _apply(
    ctx: Context,
    row: Any,
    values: dict[str, Any],
    param: str,
    expected_version: int | None = None,
) -> None:
    project_id = row.projectId
    target = values.get("projectId") or project_id
    if target != project_id:
        _project_for_write(ctx, target, "tickets.create", f"{param}.projectId")
    columns = _columns(ctx, values, target, param)
    columns.update(projectId=target, modified=ctx.now)
    checked_update(
        ctx, t.tickets, row.id, columns, expected_version=expected_version, what="ticket"
    )
    if "collaborators" in values:
        _collaborators(ctx, row.id, values["collaborators"] or [], f"{param}.collaborators")
    _emit(ctx, row.id, "updated", columns.get("type", row.type), target)


@operation("Tickets.Tickets.updateTicket", checks="tickets.edit", writes=True)
def update_ticket(ctx: Context, values: TicketValues, expectedVersion: int | None = None) -> bool:
    """Replace a ticket with `values` (Leantime's full replace: fields left out are
    cleared). Returns true. Send what getTicket returned, changed, to keep the rest.
    With `expectedVersion` (Milepost), a ticket changed since is a -32005 conflict."""
    row = _editable(ctx, values.get("id"), "values.id")
    full: dict[str, Any] = {
        "headline": "", "description": "", "acceptanceCriteria": "", "outcomeImpact": "",
        "tags": "", "priority": "", "editorId": "", "storypoints": 0, "planHours": 0,
        "hourRemaining": 0, "sprint": None, "milestoneid": 0, "dependingTicketId": 0,
        "dateToFinish": None, "editFrom": None, "editTo": None, "collaborators": [],
        "type": row.type, "status": row.status,
    }  # fmt: skip
    full.update({key: value for key, value in values.items() if value is not None})
    if not str(full["headline"]).strip():
        raise InvalidParams(
            "notifications.ticket_save_error_no_headline",
            param="values.headline",
            expected="a non-empty headline",
        )
    _apply(ctx, row, full, "values", expectedVersion)
    return True


def _patch(
    ctx: Context, id: int, values: dict[str, Any], param: str, expected: int | None = None
) -> bool:
    row = _editable(ctx, id, "id")
    known = {
        PATCHABLE[key.lower()]: value for key, value in values.items() if key.lower() in PATCHABLE
    }
    if "collaborators" in values:
        known["collaborators"] = values["collaborators"]
    if not known:
        return False
    if "headline" in known and not str(known["headline"] or "").strip():
        raise InvalidParams(
            "notifications.ticket_save_error_no_headline",
            param=f"{param}.headline",
            expected="a non-empty headline",
        )
    _apply(ctx, row, known, param, expected)
    return True


@operation("Tickets.Tickets.patchTicket", checks="tickets.edit", writes=True)
def patch_ticket(
    ctx: Context, id: int, values: TicketValues, expectedVersion: int | None = None
) -> bool:
    """Change only the given fields of a ticket. Returns true, or false when `values` held
    no field that can be patched. -32002 for a ticket the caller cannot see, -32001
    without tickets.edit in its project, -32005 when `expectedVersion` is stale."""
    return _patch(ctx, id, dict(values), "values", expectedVersion)


@operation("Tickets.Tickets.patch", checks="tickets.edit", writes=True, legacy=True)
def patch(ctx: Context, id: int, params: TicketValues, expectedVersion: int | None = None) -> bool:
    """Leantime 3.8's name for patchTicket (same checks, `params` instead of `values`)."""
    return _patch(ctx, id, dict(params), "params", expectedVersion)


@operation("Tickets.Tickets.markTicketDone", checks="tickets.edit", writes=True)
def mark_ticket_done(ctx: Context, id: int) -> bool:
    """Set a ticket to its project's first DONE status. Returns true."""
    row = _editable(ctx, id, "id")
    done = labels.first_of_type(labels.status_labels(ctx.conn, row.projectId), "DONE", 0)
    checked_update(
        ctx,
        t.tickets,
        id,
        {"status": done, "modified": ctx.now},
        expected_version=None,
        what="ticket",
    )
    _emit(ctx, id, "updated", row.type, row.projectId)
    return True


@operation("Tickets.Tickets.moveTicket", checks="tickets.edit", writes=True)
def move_ticket(ctx: Context, id: int, projectId: int) -> bool:
    """Move a ticket and its subtasks to another project; sprint, milestone and parent
    links are cleared. Needs tickets.edit here and tickets.create there."""
    row = _editable(ctx, id, "id")
    _project_for_write(ctx, projectId, "tickets.create", "projectId")
    moved = update(t.tickets).values(
        projectId=projectId, sprint=None, milestoneid=0, modified=ctx.now, version=tk.version + 1
    )
    ctx.conn.execute(moved.where(tk.id == row.id).values(dependingTicketId=0))
    ctx.conn.execute(moved.where(tk.dependingTicketId == row.id))
    _emit(ctx, row.id, "updated", row.type, projectId)
    return True


def _remove(ctx: Context, ticket_id: int) -> None:
    rel = t.entity_relations.c
    ctx.conn.execute(
        update(t.tickets).where(tk.dependingTicketId == ticket_id).values(dependingTicketId=0)
    )
    ctx.conn.execute(
        delete(t.entity_relations).where(
            or_(
                and_(rel.entityAType == "Ticket", rel.entityA == ticket_id),
                and_(rel.entityBType == "Ticket", rel.entityB == ticket_id),
            )
        )
    )
    attachments.forget(ctx, "ticket", ticket_id)
    ctx.conn.execute(delete(t.tickets).where(tk.id == ticket_id))


def _deletable(ctx: Context, ticket_id: int) -> Any:
    row = _load(ctx, ticket_id)
    if not ctx.can("tickets.delete", row.projectId):
        raise Forbidden("notifications.ticket_delete_error")
    return row


@operation("Tickets.Tickets.delete", checks="tickets.delete", writes=True)
def delete_ticket(ctx: Context, id: int) -> bool:
    """Delete a ticket (a milestone is deleted as deleteMilestone does). Its subtasks
    stay, unparented. Returns true."""
    row = _deletable(ctx, id)
    if row.type == "milestone":
        return _delete_milestone(ctx, row)
    _remove(ctx, id)
    _emit(ctx, id, "deleted", row.type, row.projectId)
    return True


def _delete_milestone(ctx: Context, row: Any) -> bool:
    ctx.conn.execute(
        update(t.tickets)
        .where(tk.milestoneid == row.id)
        .values(milestoneid=0, modified=ctx.now, version=tk.version + 1)
    )
    _remove(ctx, row.id)
    _emit(ctx, row.id, "deleted", "milestone", row.projectId)
    return True


@operation("Tickets.Tickets.deleteMilestone", checks="tickets.delete", writes=True)
def delete_milestone(ctx: Context, id: int) -> bool:
    """Delete a milestone; its tickets are unlinked, not deleted. Returns true."""
    row = _deletable(ctx, id)
    if row.type != "milestone":
        raise InvalidParams(f"param `id`: ticket {id} is not a milestone", param="id")
    return _delete_milestone(ctx, row)


def project_progress(ctx: Context, project_id: int) -> tuple[int, int]:
    """(done, all) counts of a project's tickets, milestones left out."""
    done_codes = _done_codes(ctx, project_id)
    row = ctx.conn.execute(
        select(
            func.count(),
            func.coalesce(func.sum(cast(tk.status.in_(done_codes), Integer)), 0),
        ).where(tk.projectId == project_id, tk.type != "milestone", tk.status != -1)
    ).one()
    return int(row[1]), int(row[0])
