"""Reading tickets: the joined query and the shapes Leantime answers with.

`getTicket` answers a `Ticket` (every public property of Leantime's ticket model, in its
order); list methods answer `TicketRow`s (the columns plus the names joined in by
Leantime's search query).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from sqlalchemy import Integer, Select, and_, cast, func, select

from milepost.services import labels
from milepost.services.values import fmt_date, fmt_time, num
from milepost.storage import tables as t

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
            t.sprints.c.name.label("sprintName"),
            parent.c.headline.label("parentHeadline"),
            milestone.c.headline.label("milestoneHeadline"),
            milestone.c.tags.label("milestoneColor"),
            booked_hours(),
        )
        .join(t.projects, t.projects.c.id == tk.projectId)
        .outerjoin(t.clients, t.clients.c.id == t.projects.c.clientId)
        .outerjoin(author, author.c.id == tk.userId)
        .outerjoin(t.sprints, t.sprints.c.id == tk.sprint)
        .outerjoin(parent, and_(parent.c.id == tk.dependingTicketId, tk.dependingTicketId > 0))
        .outerjoin(milestone, and_(milestone.c.id == tk.milestoneid, tk.milestoneid > 0))
    )


# Built once: statements are immutable, and reusing one keeps SQLAlchemy's compiled
# cache warm instead of building and hashing the same expression on every call.
_JOINED = _joined_select()


def joined_select() -> Select[Any]:
    """Tickets with project, client, author, sprint, parent and milestone joined; the
    assignee's names are added by `fetch` (`editorId` is a string column, so joining on
    it would scan the users table for every row)."""
    return _JOINED


def fetch(conn: Connection, query: Select[Any]) -> list[dict[str, Any]]:
    """Run a `joined_select()` query; each row as a dict, with the assignee's names."""
    result = conn.execute(query)
    keys = list(result.keys())
    records = [dict(zip(keys, row, strict=True)) for row in result.all()]
    editor_ids = {int(r["editorId"]) for r in records if r["editorId"].isdigit()}
    editors: dict[str, Any] = {}
    if editor_ids:
        users = conn.execute(
            select(
                t.users.c.id, t.users.c.firstname, t.users.c.lastname, t.users.c.profileId
            ).where(t.users.c.id.in_(editor_ids))
        )
        editors = {str(user.id): user for user in users}
    for record in records:
        user = editors.get(record["editorId"])
        record["editorFirstname"] = user.firstname if user else None
        record["editorLastname"] = user.lastname if user else None
        record["editorProfileId"] = user.profileId if user else None
    return records


def collaborators_of(conn: Connection, ticket_id: int) -> list[int]:
    rel = t.entity_relations.c
    return list(
        conn.execute(
            select(rel.entityB)
            .where(
                rel.entityAType == "Ticket",
                rel.entityA == ticket_id,
                rel.relationship == "collaborator",
            )
            .order_by(rel.entityB)
        ).scalars()
    )


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


def ticket(conn: Connection, row: dict[str, Any]) -> Ticket:
    """The full getTicket shape for a record from `fetch`."""
    done = total = None
    done_percent = None
    if row["type"] == "milestone":
        done, total = milestone_progress(conn, row["id"], row["projectId"])
        done_percent = percent(done, total)
    children = list(
        conn.execute(
            select(tk.id).where(tk.dependingTicketId == row["id"]).order_by(tk.id)
        ).scalars()
    )
    return {
        "id": row["id"],
        "headline": row["headline"],
        "type": row["type"] or "task",
        "description": row["description"],
        "projectId": row["projectId"],
        "projectDescription": row["projectDescription"],
        "editorId": row["editorId"],
        "userId": row["userId"],
        "priority": row["priority"],
        "sortIndex": row["sortindex"],
        "date": fmt_date(row["date"]),
        "timelineDate": fmt_date(row["date"]),
        "timelineDateToFinish": fmt_date(row["dateToFinish"]),
        "dateToFinish": fmt_date(row["dateToFinish"]),
        "timeToFinish": fmt_time(row["dateToFinish"]),
        "status": row["status"],
        "storypoints": num(row["storypoints"]),  # type: ignore[typeddict-item]
        "hourRemaining": num(row["hourRemaining"]),  # type: ignore[typeddict-item]
        "planHours": num(row["planHours"]),  # type: ignore[typeddict-item]
        "sprint": row["sprint"],
        "acceptanceCriteria": row["acceptanceCriteria"],
        "outcomeImpact": row["outcomeImpact"],
        "tags": row["tags"],
        "url": row["url"],
        "editFrom": fmt_date(row["editFrom"]),
        "timeFrom": fmt_time(row["editFrom"]),
        "editTo": fmt_date(row["editTo"]),
        "timeTo": fmt_time(row["editTo"]),
        "dependingTicketId": row["dependingTicketId"],
        "parentHeadline": row["parentHeadline"],
        "milestoneid": row["milestoneid"],
        "projectName": row["projectName"],
        "clientName": row["clientName"],
        "userFirstname": row["authorFirstname"],
        "userLastname": row["authorLastname"],
        "editorFirstname": row["editorFirstname"],
        "editorLastname": row["editorLastname"],
        "doneTickets": done,
        "allTickets": total,
        "percentDone": done_percent,
        "milestoneHeadline": row["milestoneHeadline"],
        "milestoneColor": row["milestoneColor"],
        "editorProfileId": row["editorProfileId"],
        "bookedHours": num(row["bookedHours"]),
        "children": children,
        "collaborators": collaborators_of(conn, row["id"]),
        "modified": fmt_date(row["modified"]),
        "version": row["version"],
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
