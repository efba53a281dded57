"""Reading tickets: the joined query and the shapes Leantime answers with.

`getTicket` answers a `Ticket` (every public property of Leantime's ticket model, in its
order); list methods answer `TicketRow`s (the columns plus the names joined in by
Leantime's search query).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict

from sqlalchemy import Integer, Select, and_, bindparam, cast, func, select

from milepost.services import labels
from milepost.services.values import fmt_date, fmt_time, num
from milepost.storage import tables as t
from milepost.storage.prepared import Prepared
from milepost.storage.sql import IdArray, id_list, ids_of, in_ids, int_or_null

if TYPE_CHECKING:
    from sqlalchemy import Connection


class Ticket(TypedDict):
    """A ticket, subtask, bug, story or milestone with the names Leantime joins in."""

    id: int
    headline: str
    type: str
    description: str
    projectId: int
    projectDescription: str | None
    editorId: str
    userId: int | None
    priority: str
    sortIndex: int | None
    date: str | None
    timelineDate: str | None
    timelineDateToFinish: str | None
    dateToFinish: str | None
    timeToFinish: str | None
    status: int
    storypoints: float
    hourRemaining: float
    planHours: float
    sprint: int | None
    acceptanceCriteria: str
    outcomeImpact: str
    tags: str
    url: str | None
    editFrom: str | None
    timeFrom: str | None
    editTo: str | None
    timeTo: str | None
    dependingTicketId: int
    parentHeadline: str | None
    milestoneid: int
    projectName: str | None
    clientName: str | None
    userFirstname: str | None
    userLastname: str | None
    editorFirstname: str | None
    editorLastname: str | None
    doneTickets: int | None
    allTickets: int | None
    percentDone: float | None
    milestoneHeadline: str | None
    milestoneColor: str | None
    editorProfileId: str | None
    bookedHours: float | None
    children: list[int] | None
    collaborators: list[int]
    modified: str | None
    version: int


class TicketRow(TypedDict):
    """A ticket as list methods (`getAll`, `getAllSubtasks`, ...) answer it."""

    id: int
    headline: str
    type: str
    description: str
    projectId: int
    status: int
    priority: str
    userId: int | None
    editorId: str
    date: str | None
    dateToFinish: str | None
    editFrom: str | None
    editTo: str | None
    planHours: float
    hourRemaining: float
    storypoints: float
    sprint: int | None
    tags: str
    dependingTicketId: int
    milestoneid: int
    acceptanceCriteria: str
    sortIndex: int | None
    kanbanSortIndex: int | None
    modified: str | None
    sprintName: str | None
    projectName: str | None
    clientName: str | None
    clientId: int | None
    authorFirstname: str | None
    authorLastname: str | None
    authorProfileId: str | None
    editorFirstname: str | None
    editorLastname: str | None
    editorProfileId: str | None
    milestoneHeadline: str | None
    milestoneColor: str | None
    parentHeadline: str | None
    bookedHours: float | None
    commentCount: int
    fileCount: int
    subtaskCount: int
    statusLabel: str | None
    version: int


author = t.users.alias("author")
editor = t.users.alias("editor")
parent = t.tickets.alias("parent")
milestone = t.tickets.alias("milestone")
tk = t.tickets.c


def booked_hours() -> Any:
    return (
        select(func.sum(t.timesheets.c.hours))
        .where(t.timesheets.c.ticketId == tk.id)
        .scalar_subquery()
        .label("bookedHours")
    )


def _joined_select() -> Select[Any]:
    return (
        select(
            t.tickets,
            t.projects.c.name.label("projectName"),
            t.projects.c.details.label("projectDescription"),
            t.projects.c.clientId.label("clientId"),
            t.clients.c.name.label("clientName"),
            author.c.firstname.label("authorFirstname"),
            author.c.lastname.label("authorLastname"),
            author.c.profileId.label("authorProfileId"),
            editor.c.firstname.label("editorFirstname"),
            editor.c.lastname.label("editorLastname"),
            editor.c.profileId.label("editorProfileId"),
            t.sprints.c.name.label("sprintName"),
            parent.c.headline.label("parentHeadline"),
            milestone.c.headline.label("milestoneHeadline"),
            milestone.c.tags.label("milestoneColor"),
            booked_hours(),
        )
        .join(t.projects, t.projects.c.id == tk.projectId)
        .outerjoin(t.clients, t.clients.c.id == t.projects.c.clientId)
        .outerjoin(author, author.c.id == tk.userId)
        # editorId is a varchar: comparing the users' key with its integer value keeps
        # the key's index in use (casting the key to text would scan users per row).
        .outerjoin(editor, editor.c.id == int_or_null(tk.editorId))
        .outerjoin(t.sprints, t.sprints.c.id == tk.sprint)
        .outerjoin(parent, and_(parent.c.id == tk.dependingTicketId, tk.dependingTicketId > 0))
        .outerjoin(milestone, and_(milestone.c.id == tk.milestoneid, tk.milestoneid > 0))
    )


# Statements are built once: building one costs several times what running it costs
# (SQLAlchemy derives a cache key from the whole expression on every build), so the hot
# statements are module constants with bound parameters.
_JOINED = _joined_select()
_rel = t.entity_relations.c
_child = t.tickets.alias("child")


class TicketRecord(NamedTuple):
    """What getTicket's statement reads for one ticket, in the statement's column order:
    the list shape's columns less the four only lists answer, and the ids of subtasks and
    collaborators. A tuple with names: cheaper to build than a dict, and each column
    left out is one value fewer for the driver to make."""

    id: int
    projectId: int
    headline: str
    description: str
    acceptanceCriteria: str
    outcomeImpact: str
    type: str
    status: int
    priority: str
    userId: int | None
    editorId: str
    date: dt.datetime | None
    dateToFinish: dt.datetime | None
    editFrom: dt.datetime | None
    editTo: dt.datetime | None
    planHours: float
    hourRemaining: float
    storypoints: float
    sprint: int | None
    tags: str
    url: str | None
    dependingTicketId: int
    milestoneid: int
    sortindex: int | None
    modified: dt.datetime | None
    version: int
    projectName: str | None
    projectDescription: str | None
    clientName: str | None
    authorFirstname: str | None
    authorLastname: str | None
    editorFirstname: str | None
    editorLastname: str | None
    editorProfileId: str | None
    parentHeadline: str | None
    milestoneHeadline: str | None
    milestoneColor: str | None
    bookedHours: float | None
    children: str | None
    collaborators: str | None


_columns = {
    **_JOINED.selected_columns,
    # `> 0` says what `= tk.id` already implies, for PostgreSQL's planner: most tickets
    # have no parent (0), so once ANALYZE has seen that, it expects `= <any ticket>` to
    # match nearly every row and scans the whole table once per ticket read; with the
    # range it expects no rows and takes the index.
    "children": select(id_list(_child.c.id))
    .where(_child.c.dependingTicketId == tk.id, _child.c.dependingTicketId > 0)
    .scalar_subquery()
    .label("children"),
    "collaborators": select(id_list(_rel.entityB))
    .where(
        _rel.entityAType == "Ticket",
        _rel.entityA == tk.id,
        _rel.relationship == "collaborator",
    )
    .scalar_subquery()
    .label("collaborators"),
}
_FULL = _JOINED.with_only_columns(
    *(_columns[name] for name in TicketRecord._fields), maintain_column_froms=False
)
# getTicket's statements run on the driver (storage/prepared.py): the hottest reads.
_BY_ID = Prepared(_FULL.where(tk.id == bindparam("ticket_id")))
_BY_IDS = Prepared(_FULL.where(in_ids(tk.id, bindparam("ticket_ids", type_=IdArray()))))


def joined_select() -> Select[Any]:
    """Tickets with project, client, author, assignee, sprint, parent and milestone joined."""
    return _JOINED


def fetch(
    conn: Connection, query: Select[Any], params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Run a `joined_select()` query; each row as a dict."""
    result = conn.execute(query, params)
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.all()]


def fetch_one(conn: Connection, ticket_id: int) -> TicketRecord | None:
    """The record of one ticket for `ticket`, or None."""
    found = _BY_ID.tuples(conn, {"ticket_id": ticket_id})
    return TicketRecord._make(found[0]) if found else None


def fetch_many(conn: Connection, ticket_ids: set[int]) -> dict[int, TicketRecord]:
    """The records of several tickets for `ticket`, by id (missing ids left out)."""
    found = _BY_IDS.tuples(conn, {"ticket_ids": sorted(ticket_ids)})
    return {values[0]: TicketRecord._make(values) for values in found}


def milestone_progress(conn: Connection, milestone_id: int, project_id: int) -> tuple[int, int]:
    """(done, all) counts of the tickets under a milestone."""
    done_codes = labels.codes_of_type(labels.status_labels(conn, project_id), "DONE")
    row = conn.execute(
        select(
            func.count(),
            func.coalesce(func.sum(cast(tk.status.in_(done_codes), Integer)), 0),
        ).where(tk.milestoneid == milestone_id, tk.type != "milestone")
    ).one()
    return int(row[1]), int(row[0])


def percent(done: int, total: int) -> float | int:
    value = num(round(done / total * 100, 2)) if total else 0
    assert value is not None
    return value


def ticket(conn: Connection, row: TicketRecord) -> Ticket:
    """The full getTicket shape for a record from `fetch_one`."""
    done = total = None
    done_percent = None
    if row.type == "milestone":
        done, total = milestone_progress(conn, row.id, row.projectId)
        done_percent = percent(done, total)
    date, finish = fmt_date(row.date), fmt_date(row.dateToFinish)
    return {
        "id": row.id,
        "headline": row.headline,
        "type": row.type or "task",
        "description": row.description,
        "projectId": row.projectId,
        "projectDescription": row.projectDescription,
        "editorId": row.editorId,
        "userId": row.userId,
        "priority": row.priority,
        "sortIndex": row.sortindex,
        "date": date,
        "timelineDate": date,
        "timelineDateToFinish": finish,
        "dateToFinish": finish,
        "timeToFinish": fmt_time(row.dateToFinish),
        "status": row.status,
        "storypoints": num(row.storypoints),  # type: ignore[typeddict-item]
        "hourRemaining": num(row.hourRemaining),  # type: ignore[typeddict-item]
        "planHours": num(row.planHours),  # type: ignore[typeddict-item]
        "sprint": row.sprint,
        "acceptanceCriteria": row.acceptanceCriteria,
        "outcomeImpact": row.outcomeImpact,
        "tags": row.tags,
        "url": row.url,
        "editFrom": fmt_date(row.editFrom),
        "timeFrom": fmt_time(row.editFrom),
        "editTo": fmt_date(row.editTo),
        "timeTo": fmt_time(row.editTo),
        "dependingTicketId": row.dependingTicketId,
        "parentHeadline": row.parentHeadline,
        "milestoneid": row.milestoneid,
        "projectName": row.projectName,
        "clientName": row.clientName,
        "userFirstname": row.authorFirstname,
        "userLastname": row.authorLastname,
        "editorFirstname": row.editorFirstname,
        "editorLastname": row.editorLastname,
        "doneTickets": done,
        "allTickets": total,
        "percentDone": done_percent,
        "milestoneHeadline": row.milestoneHeadline,
        "milestoneColor": row.milestoneColor,
        "editorProfileId": row.editorProfileId,
        "bookedHours": num(row.bookedHours),
        "children": ids_of(row.children),
        "collaborators": ids_of(row.collaborators),
        "modified": fmt_date(row.modified),
        "version": row.version,
    }


def ticket_row(row: dict[str, Any], status_names: dict[int, dict[str, object]]) -> TicketRow:
    """The list shape for a record from `fetch`."""
    label = status_names.get(row["status"])
    return {
        "id": row["id"],
        "headline": row["headline"],
        "type": row["type"] or "task",
        "description": row["description"],
        "projectId": row["projectId"],
        "status": row["status"],
        "priority": row["priority"],
        "userId": row["userId"],
        "editorId": row["editorId"],
        "date": fmt_date(row["date"]),
        "dateToFinish": fmt_date(row["dateToFinish"]),
        "editFrom": fmt_date(row["editFrom"]),
        "editTo": fmt_date(row["editTo"]),
        "planHours": num(row["planHours"]),  # type: ignore[typeddict-item]
        "hourRemaining": num(row["hourRemaining"]),  # type: ignore[typeddict-item]
        "storypoints": num(row["storypoints"]),  # type: ignore[typeddict-item]
        "sprint": row["sprint"],
        "tags": row["tags"],
        "dependingTicketId": row["dependingTicketId"],
        "milestoneid": row["milestoneid"],
        "acceptanceCriteria": row["acceptanceCriteria"],
        "sortIndex": row["sortindex"],
        "kanbanSortIndex": row["kanbanSortIndex"],
        "modified": fmt_date(row["modified"]),
        "sprintName": row["sprintName"],
        "projectName": row["projectName"],
        "clientName": row["clientName"],
        "clientId": row["clientId"],
        "authorFirstname": row["authorFirstname"],
        "authorLastname": row["authorLastname"],
        "authorProfileId": row["authorProfileId"],
        "editorFirstname": row["editorFirstname"],
        "editorLastname": row["editorLastname"],
        "editorProfileId": row["editorProfileId"],
        "milestoneHeadline": row["milestoneHeadline"],
        "milestoneColor": row["milestoneColor"],
        "parentHeadline": row["parentHeadline"],
        "bookedHours": num(row["bookedHours"]),
        "commentCount": 0,
        "fileCount": 0,
        "subtaskCount": 0,
        "statusLabel": (
            str(label["name"]) if label is not None and label["statusType"] != "DONE" else None
        ),
        "version": row["version"],
    }
