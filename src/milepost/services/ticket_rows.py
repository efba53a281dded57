"""Reading tickets: the joined query and the shapes Leantime answers with.

`getTicket` answers a `Ticket` (every public property of Leantime's ticket model, in its
order); list methods answer `TicketRow`s (the columns plus the names joined in by
Leantime's search query).

A `Ticket` is written as JSON by the database (`_ticket_json`): a batch of getTicket
sends the text as it is, and a single call decodes it. So the shape has one definition,
in SQL, and no 50-key dict is built per ticket in Python for a batch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict

import orjson
from sqlalchemy import Integer, Select, and_, bindparam, cast, func, literal_column, null, select

from milepost.services import labels
from milepost.services.result_cache import Encoded
from milepost.services.values import fmt_date, num
from milepost.storage import tables as t
from milepost.storage.prepared import Prepared
from milepost.storage.sql import (
    IdArray,
    in_ids,
    int_or_null,
    json_ids,
    json_object,
    wire_date,
    wire_number,
    wire_time,
)

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
        .outerjoin(parent, and_(parent.c.id == tk.dependingTicketId, tk.dependingTicketId > _ZERO))
        .outerjoin(milestone, and_(milestone.c.id == tk.milestoneid, tk.milestoneid > _ZERO))
    )


# Written into the statement's text, not bound: PostgreSQL runs the list queries built
# on `joined_select()` with generic plans (storage/database.py: GENERIC_PLANS), and a
# generic plan cannot see `> $1`: it would guess that a third of the tickets have a
# parent or milestone, where with the literal it knows from its statistics that most
# have none. storage/prepared.py does the same for the hot reads' constants.
_ZERO = literal_column("0", Integer)


# Statements are built once: building one costs several times what running it costs
# (SQLAlchemy derives a cache key from the whole expression on every build), so the hot
# statements are module constants with bound parameters.
_JOINED = _joined_select()
_rel = t.entity_relations.c
_child = t.tickets.alias("child")


def _ticket_json() -> json_object:
    """getTicket's shape, written by the database (storage/sql.py): the keys in
    Leantime's order, the values as `values.py` writes them. The counts of a milestone's
    tickets are left null here and filled in by `ticket`."""
    number, date, time = wire_number, wire_date, wire_time
    return json_object(
        ("id", tk.id),
        ("headline", tk.headline),
        ("type", func.coalesce(func.nullif(tk.type, ""), "task")),
        ("description", tk.description),
        ("projectId", tk.projectId),
        ("projectDescription", t.projects.c.details),
        ("editorId", tk.editorId),
        ("userId", tk.userId),
        ("priority", tk.priority),
        ("sortIndex", tk.sortindex),
        ("date", date(tk.date)),
        ("timelineDate", date(tk.date)),
        ("timelineDateToFinish", date(tk.dateToFinish)),
        ("dateToFinish", date(tk.dateToFinish)),
        ("timeToFinish", time(tk.dateToFinish)),
        ("status", tk.status),
        ("storypoints", number(tk.storypoints)),
        ("hourRemaining", number(tk.hourRemaining)),
        ("planHours", number(tk.planHours)),
        ("sprint", tk.sprint),
        ("acceptanceCriteria", tk.acceptanceCriteria),
        ("outcomeImpact", tk.outcomeImpact),
        ("tags", tk.tags),
        ("url", tk.url),
        ("editFrom", date(tk.editFrom)),
        ("timeFrom", time(tk.editFrom)),
        ("editTo", date(tk.editTo)),
        ("timeTo", time(tk.editTo)),
        ("dependingTicketId", tk.dependingTicketId),
        ("parentHeadline", parent.c.headline),
        ("milestoneid", tk.milestoneid),
        ("projectName", t.projects.c.name),
        ("clientName", t.clients.c.name),
        ("userFirstname", author.c.firstname),
        ("userLastname", author.c.lastname),
        ("editorFirstname", editor.c.firstname),
        ("editorLastname", editor.c.lastname),
        ("doneTickets", null()),
        ("allTickets", null()),
        ("percentDone", null()),
        ("milestoneHeadline", milestone.c.headline),
        ("milestoneColor", milestone.c.tags),
        ("editorProfileId", editor.c.profileId),
        (
            "bookedHours",
            select(number(func.sum(t.timesheets.c.hours)))
            .where(t.timesheets.c.ticketId == tk.id)
            .scalar_subquery(),
        ),
        # `> 0` says what `= tk.id` already implies, for PostgreSQL's planner: most
        # tickets have no parent (0), so once ANALYZE has seen that, it expects
        # `= <any ticket>` to match nearly every row and scans the whole table once per
        # ticket read; with the range it expects no rows and takes the index.
        (
            "children",
            json_ids(
                _child.c.id, _child.c.dependingTicketId == tk.id, _child.c.dependingTicketId > 0
            ),
        ),
        (
            "collaborators",
            json_ids(
                _rel.entityB,
                _rel.entityAType == "Ticket",
                _rel.entityA == tk.id,
                _rel.relationship == "collaborator",
            ),
        ),
        ("modified", date(tk.modified)),
        ("version", tk.version),
    )


class TicketJson(NamedTuple):
    """A ticket as getTicket's statement reads it: what visibility and milestones need
    to know, and the rest as JSON text."""

    id: int
    projectId: int
    type: str | None
    json: str


_READ = _JOINED.with_only_columns(
    tk.id, tk.projectId, tk.type, _ticket_json().label("json"), maintain_column_froms=False
)
# getTicket's statements run on the driver (storage/prepared.py): the hottest reads.
_BY_ID = Prepared(_READ.where(tk.id == bindparam("ticket_id")))
_BY_IDS = Prepared(_READ.where(in_ids(tk.id, bindparam("ticket_ids", type_=IdArray()))))


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


def fetch_one(conn: Connection, ticket_id: int) -> TicketJson | None:
    """One ticket for `ticket` or `encoded`, or None."""
    found = _BY_ID.tuples(conn, {"ticket_id": ticket_id})
    return TicketJson._make(found[0]) if found else None


def fetch_many(conn: Connection, ticket_ids: set[int]) -> dict[int, TicketJson]:
    """Several tickets for `ticket` or `encoded`, by id (missing ids left out)."""
    found = _BY_IDS.tuples(conn, {"ticket_ids": sorted(ticket_ids)})
    return {values[0]: TicketJson._make(values) for values in found}


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


def ticket(conn: Connection, row: TicketJson) -> Ticket:
    """The full getTicket shape of a ticket from `fetch_one` or `fetch_many`."""
    shape: Ticket = orjson.loads(row.json)
    if row.type == "milestone":
        done, total = milestone_progress(conn, row.id, row.projectId)
        shape["doneTickets"], shape["allTickets"] = done, total
        shape["percentDone"] = percent(done, total)
    return shape


def encoded(conn: Connection, row: TicketJson) -> Encoded | Ticket:
    """The getTicket shape as the database wrote it, for a transport to send as it is; a
    milestone's comes decoded, with its tickets counted."""
    if row.type == "milestone":
        return ticket(conn, row)
    return Encoded(row.json)


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
