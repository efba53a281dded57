"""Ticket changes beyond add/update/patch: status by kind, reopening, subtasks, the board's
sorting and quick adds, milestone dialogs, and a project's status labels.

Every change goes through the checks of `patchTicket` / `addTicket` (tickets.py): the
ticket must be visible (-32002), the caller needs tickets.edit / tickets.create in its
project (-32001), and the values are validated. A change of several tickets is all or
nothing. Deliberate differences from Leantime:
- `saveStatusLabels` takes the project in `params.projectId` (Leantime uses the web
  session's project), needs projectsettings.labels.manage (as Setting.saveProjectLabel
  does; Leantime asks only tickets.edit), and refuses to drop a status that tickets of
  the project still have (-32005), where Leantime leaves those tickets without a label.
- Quick adds and dialogs answer errors instead of `{"status": "error", ...}` arrays.
"""

from __future__ import annotations

import re
from typing import Any, TypedDict, cast
from urllib.parse import parse_qsl

import orjson
from sqlalchemy import func, select

from milepost.services import comments, labels, settings_service, ticket_queries, tickets
from milepost.services.comments import CommentValues
from milepost.services.errors import Conflict, InvalidParams, NotFound
from milepost.services.operations import Context, operation
from milepost.services.ticket_queries import TicketRef
from milepost.services.ticket_rows import tk
from milepost.services.tickets import QuickTicket, TicketValues
from milepost.services.values import Int64
from milepost.storage import tables as t

MAX_LABELS = 50
MAX_LABEL = 100
MAX_SORTED = 1000
STATUS_TYPES = ("NEW", "INPROGRESS", "DONE", "NONE")
_CSS_CLASS = re.compile(r"[A-Za-z0-9_ -]{0,50}")
_TRUE = ("1", "true", "on", "yes")

# One status label as saveStatusLabels takes it in its plain JSON form.
LabelValues = TypedDict(
    "LabelValues",
    {"name": str, "class": str, "statusType": str, "kanbanCol": bool, "sortKey": int},
    total=False,
)


class StatusLabelParams(TypedDict, total=False):
    """The project (`projectId`) and its labels, either as JSON (`labels`: an object
    keyed by status code) or in Leantime's form style: `labelKeys` (the codes) with
    `label-<code>`, `labelClass-<code>`, `labelType-<code>` (NEW, INPROGRESS, DONE or
    NONE), `labelKanbanCol-<code>` and `labelSort-<code>` for each code."""

    projectId: int
    labels: dict[str, LabelValues]
    labelKeys: list[int]


class SubtaskValues(TypedDict, total=False):
    """A subtask's fields; `subtaskId` (or `id`) names the subtask to change, and 'new'
    or nothing makes a new one."""

    subtaskId: int | str
    id: int
    headline: str
    description: str
    status: int
    editorId: str
    priority: str
    storypoints: float
    planHours: float
    hourRemaining: float
    dateToFinish: str | None


class MilestoneParams(TypedDict, total=False):
    """A milestone's fields as the milestone dialog sends them; `id` names the one to
    change, `dependentMilestone` is the parent milestone."""

    id: int
    headline: str
    projectId: int
    editFrom: str | None
    editTo: str | None
    tags: str
    dependentMilestone: int | None
    editorId: str
    outcomeImpact: str
    description: str
    status: int


class SortEntry(TypedDict, total=False):
    """A ticket and its new position."""

    id: int
    sortIndex: Int64


class QuickAddResult(TypedDict):
    """What the board's quick add answers: the new ticket's id, and whether the form
    stays open for the next one."""

    success: bool
    ticketId: int
    stayOpen: bool


# -- status ---------------------------------------------------------------------------------


def _status_of_kind(ctx: Context, ticket_id: int, kind: str, param: str) -> int:
    row = tickets._editable(ctx, ticket_id, param)
    codes = labels.codes_of_type(labels.status_labels(ctx.conn, row.projectId), kind)
    if not codes:
        raise InvalidParams(
            f"param `{param}`: project {row.projectId} has no status of type {kind}",
            param=param,
            expected=f"a ticket whose project has a {kind} status",
        )
    return codes[0]


@operation("Tickets.Tickets.markTicketReopen", checks="tickets.edit", writes=True)
def mark_ticket_reopen(ctx: Context, id: int) -> bool:
    """Set a ticket to its project's first NEW status. Returns true."""
    status = _status_of_kind(ctx, id, "NEW", "id")
    return tickets.patch_ticket(ctx, id, {"status": status})


@operation("Tickets.Tickets.setTicketStatusByType", checks="tickets.edit", writes=True)
def set_ticket_status_by_type(ctx: Context, ticketId: int, statusType: str) -> bool:
    """Set a ticket to its project's first status of a type: NEW, INPROGRESS or DONE.
    Returns true; -32602 when the project has no status of that type."""
    kind = statusType.strip().upper()
    if kind not in STATUS_TYPES[:3]:
        raise InvalidParams(
            f"param `statusType`: expected NEW, INPROGRESS or DONE, got {statusType!r}",
            param="statusType",
            expected="NEW, INPROGRESS or DONE",
        )
    status = _status_of_kind(ctx, ticketId, kind, "ticketId")
    return tickets.patch_ticket(ctx, ticketId, {"status": status})


# -- status labels -------------------------------------------------------------------------


def _label_fail(param: str, expected: str, value: Any) -> InvalidParams:
    return InvalidParams(
        f"param `{param}`: expected {expected}, got {value!r}", param=param, expected=expected
    )


def _flag(value: Any) -> bool:
    return value is True or str(value).strip().lower() in _TRUE


def _int(value: Any, param: str, low: int, high: int) -> int:
    text = str(value).strip()
    if (
        isinstance(value, bool)
        or not re.fullmatch(r"-?\d{1,19}", text)
        or not low <= int(text) <= high
    ):
        raise _label_fail(param, f"an integer from {low} to {high}", value)
    return int(text)


def _label(code: int, entry: dict[str, Any], param: str) -> dict[str, object]:
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_LABEL or "<" in name:
        raise _label_fail(f"{param}.name", f"a name of 1 to {MAX_LABEL} characters", name)
    css = entry.get("class") or "label-default"
    if not isinstance(css, str) or not _CSS_CLASS.fullmatch(css):
        raise _label_fail(f"{param}.class", "a CSS class name (letters, digits, - and _)", css)
    kind = str(entry.get("statusType") or "").upper()
    if kind not in STATUS_TYPES:
        raise _label_fail(f"{param}.statusType", "one of " + ", ".join(STATUS_TYPES), kind)
    return {
        "name": name.strip(),
        "class": css,
        "statusType": kind,
        "kanbanCol": _flag(entry.get("kanbanCol")),
        "sortKey": _int(entry.get("sortKey", code), f"{param}.sortKey", -1000, 1000),
    }


def _form_labels(params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Leantime's form-style keys (`label-3`, `labelType-3`, ...) as JSON entries."""
    keys = params.get("labelKeys")
    if not isinstance(keys, list):
        raise _label_fail("params.labelKeys", "a list of status codes", keys)
    return {
        str(key): {
            "name": params.get(f"label-{key}"),
            "class": params.get(f"labelClass-{key}"),
            "statusType": params.get(f"labelType-{key}"),
            "kanbanCol": params.get(f"labelKanbanCol-{key}", False),
            "sortKey": params.get(f"labelSort-{key}", position),
        }
        for position, key in enumerate(keys, start=1)
    }


def _new_labels(params: dict[str, Any]) -> dict[int, dict[str, object]]:
    entries = params.get("labels") if "labels" in params else _form_labels(params)
    if not isinstance(entries, dict) or not entries or len(entries) > MAX_LABELS:
        raise _label_fail("params.labels", f"1 to {MAX_LABELS} labels keyed by code", entries)
    result: dict[int, dict[str, object]] = {}
    for key, entry in entries.items():
        code = _int(key, "params.labels", -1, 1000)
        if not isinstance(entry, dict):
            raise _label_fail(f"params.labels.{key}", "an object", entry)
        result[code] = _label(code, entry, f"params.labels.{key}")
    if not labels.codes_of_type(result, "NEW"):
        raise _label_fail("params.labels", "at least one status of type NEW", sorted(result))
    if -1 not in result:
        last = max(int(str(label["sortKey"])) for label in result.values())
        result[-1] = {**labels.DEFAULT_STATUS_LABELS[-1], "sortKey": last + 1}
    return dict(sorted(result.items(), key=lambda item: int(str(item[1]["sortKey"]))))


@operation("Tickets.Tickets.saveStatusLabels", checks="projectsettings.labels.manage", writes=True)
def save_status_labels(ctx: Context, params: StatusLabelParams) -> bool:
    """Replace the status labels of project `params.projectId` (see StatusLabelParams
    for the two forms). A label needs a name, a statusType and may set its CSS class,
    whether it is a board column (`kanbanCol`) and its place (`sortKey`); at least one
    must be of type NEW; -1 Archived is kept. -32005 when a dropped status is still
    used by a ticket of the project. Needs projectsettings.labels.manage there."""
    project_id = params.get("projectId")
    if not project_id:
        raise InvalidParams(
            "Required Parameter Missing: params.projectId",
            param="params.projectId",
            expected="the project whose labels to save",
        )
    ctx.authorize("projectsettings.labels.manage", project_id)
    if not ctx.conn.execute(select(t.projects.c.id).where(t.projects.c.id == project_id)).first():
        raise NotFound(f"no project {project_id}")
    new = _new_labels(dict(params))
    used = ctx.conn.execute(
        select(tk.status, func.count()).where(tk.projectId == project_id).group_by(tk.status)
    ).all()
    dropped = sorted(status for status, _count in used if status not in new)
    if dropped:
        raise Conflict(
            f"tickets of project {project_id} still have the status {dropped[0]}; move them"
            " to another status first",
            reason="status_in_use",
        )
    text = orjson.dumps(labels.wire_labels(new)).decode()
    settings_service.write(ctx, labels.settings_key(project_id), text)
    return True


# -- subtasks and sorting ---------------------------------------------------------------


def _ticket_id(ref: int | TicketRef, param: str) -> int:
    value = ref.get("id") if isinstance(ref, dict) else ref
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise InvalidParams(
            f"param `{param}`: expected a ticket id or a ticket object with its id",
            param=param,
            expected="a ticket id, or an object with `id`",
        )
    return value


@operation("Tickets.Tickets.upsertSubtask", checks="tickets.create", writes=True)
def upsert_subtask(ctx: Context, values: SubtaskValues, parentTicket: int | TicketRef) -> bool:
    """Add a subtask to `parentTicket` (its id, or the ticket as getTicket returns it),
    or change one when `values.subtaskId` names a subtask of it. A new subtask takes
    the parent's project, sprint and milestone. Returns true."""
    parent_id = _ticket_id(parentTicket, "parentTicket")
    parent = tickets._load(ctx, parent_id)
    fields: dict[str, Any] = dict(values)
    target = fields.pop("subtaskId", None) or fields.pop("id", None)
    fields.pop("id", None)
    if target in (None, "", "new"):
        fields.update(
            type="subtask",
            projectId=parent.projectId,
            dependingTicketId=parent.id,
            milestoneid=parent.milestoneid or None,
            sprint=parent.sprint,
        )
        fields.setdefault("headline", "")
        tickets.add_ticket(ctx, cast(TicketValues, fields))
        return True
    sub_id = _int(target, "values.subtaskId", 1, 2**31 - 1)
    child = ctx.conn.execute(select(tk.dependingTicketId).where(tk.id == sub_id)).scalar()
    if child != parent.id:
        raise NotFound(f"ticket {parent.id} has no subtask {sub_id}")
    return tickets.patch_ticket(ctx, sub_id, cast(TicketValues, fields))


def _positions(params: Any, param: str) -> list[tuple[int, int]]:
    """(ticket id, sort index) pairs from a list of ids, a list of {id, sortIndex}, or
    an object {id: sortIndex}."""
    if isinstance(params, dict):
        pairs = [(key, value) for key, value in params.items()]
    elif isinstance(params, list):
        pairs = [
            (item.get("id"), item.get("sortIndex", (n + 1) * 100))
            if isinstance(item, dict)
            else (item, (n + 1) * 100)
            for n, item in enumerate(params)
        ]
    else:
        raise _label_fail(param, "a list of ticket ids or an object {id: sortIndex}", params)
    if len(pairs) > MAX_SORTED:
        raise _label_fail(param, f"at most {MAX_SORTED} tickets", len(pairs))
    return [
        (_int(id, f"{param}.id", 1, 2**31 - 1), _int(index, f"{param}.sortIndex", -(2**62), 2**62))
        for id, index in pairs
    ]


@operation("Tickets.Tickets.sortTickets", checks="tickets.edit", writes=True)
def sort_tickets(ctx: Context, params: list[int | SortEntry] | dict[str, Int64]) -> bool:
    """Set the manual order (`sortIndex`) of tickets: a list of ids in their new order
    (placed at 100, 200, ...), a list of {id, sortIndex}, or an object {id: sortIndex}.
    All or nothing. Returns true."""
    for ticket_id, index in _positions(params, "params"):
        tickets.patch_ticket(ctx, ticket_id, {"sortIndex": index})
    return True


@operation("Tickets.Tickets.updateTicketSorting", checks="tickets.edit", writes=True, legacy=True)
def update_ticket_sorting(ctx: Context, params: list[int | SortEntry] | dict[str, Int64]) -> bool:
    """(Leantime 3.8) The same as sortTickets."""
    return sort_tickets(ctx, params)


def _column_ids(value: Any, param: str) -> list[int]:
    """A board column's tickets: a list of ids, or jQuery's "ticket[]=1&ticket[]=2"."""
    if isinstance(value, str):
        value = [item for _key, item in parse_qsl(value)]
    if not isinstance(value, list):
        raise _label_fail(param, "a list of ticket ids", value)
    return [_int(item, param, 1, 2**31 - 1) for item in value]


@operation("Tickets.Tickets.updateTicketStatusAndSorting", checks="tickets.edit", writes=True)
def update_ticket_status_and_sorting(
    ctx: Context, params: dict[str, list[int] | str], handler: str | None = None
) -> bool:
    """Apply a board's columns: `params` maps each status code to the ids of the tickets
    in that column, top to bottom (a list, or jQuery's "ticket[]=1&ticket[]=2"). Each
    ticket gets the status and its place (`kanbanSortIndex` 100, 200, ...). All or
    nothing; `handler` is accepted and ignored. Returns true."""
    for status, column in params.items():
        code = _int(status, "params", -1, 1000)
        for position, ticket_id in enumerate(_column_ids(column, f"params.{status}"), start=1):
            tickets.patch_ticket(
                ctx, ticket_id, {"status": code, "kanbanSortIndex": position * 100}
            )
    return True


# -- milestones ----------------------------------------------------------------------------


def _milestone_values(ctx: Context, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    milestone_id = params.pop("id", None)
    if not milestone_id:
        raise InvalidParams(
            "Required Parameter Missing: params.id", param="params.id", expected="a milestone id"
        )
    row = tickets._load(ctx, milestone_id)
    if row.type != "milestone":
        raise InvalidParams(
            f"param `params.id`: ticket {milestone_id} is not a milestone",
            param="params.id",
            expected="a milestone id",
        )
    if "dependentMilestone" in params:
        params["milestoneid"] = params.pop("dependentMilestone")
    params.pop("type", None)
    return int(milestone_id), params


@operation("Tickets.Tickets.quickUpdateMilestone", checks="tickets.edit", writes=True)
def quick_update_milestone(
    ctx: Context, params: MilestoneParams, expectedVersion: int | None = None
) -> bool:
    """Change the given fields of milestone `params.id` (headline, editFrom and editTo,
    colour in `tags`, owner in `editorId`, parent in `dependentMilestone`, ...).
    Returns true; -32005 when `expectedVersion` is stale."""
    milestone_id, fields = _milestone_values(ctx, dict(params))
    return tickets._patch(ctx, milestone_id, fields, "params", expectedVersion)


@operation("Tickets.Tickets.updateMilestoneFromDialog", checks="tickets.edit", writes=True)
def update_milestone_from_dialog(
    ctx: Context, params: MilestoneParams, expectedVersion: int | None = None
) -> bool:
    """The milestone dialog's save: the same as quickUpdateMilestone."""
    return quick_update_milestone(ctx, params, expectedVersion)


@operation("Tickets.Tickets.createMilestoneFromDialog", checks="tickets.create", writes=True)
def create_milestone_from_dialog(ctx: Context, params: MilestoneParams) -> int:
    """The milestone dialog's create: as quickAddMilestone, returns the new id."""
    values: dict[str, Any] = {k: v for k, v in params.items() if k != "id"}
    return tickets.quick_add_milestone(ctx, cast(tickets.QuickMilestone, values))


@operation("Tickets.Tickets.addMilestoneComment", checks="comments.create", writes=True)
def add_milestone_comment(ctx: Context, params: CommentValues, milestone: int | TicketRef) -> bool:
    """Comment on a milestone (its id, or the milestone as getMilestone returns it) as
    the caller, as Comments.addComment does for a ticket. Returns true."""
    milestone_id = _ticket_id(milestone, "milestone")
    if tickets._load(ctx, milestone_id).type != "milestone":
        raise InvalidParams(
            f"param `milestone`: ticket {milestone_id} is not a milestone",
            param="milestone",
            expected="a milestone id",
        )
    return comments.add_comment(ctx, params, "ticket", milestone_id)


# -- quick adds on the board ----------------------------------------------------------------


def _swimlane(field: str, swimlane: str) -> tuple[str, Any]:
    """The ticket field and value a board lane stands for."""
    text = swimlane.strip()
    if field in ("status", "milestoneid", "sprint"):
        empty = text.lower() in ("", "backlog", "0")
        value: Any = None if empty and field != "status" else _int(text, "swimlane", -1, 2**31 - 1)
        return ("milestone" if field == "milestoneid" else field), value
    if field == "storypoints":
        try:
            return field, float(text or 0)
        except ValueError:
            raise _label_fail("swimlane", "an effort value", swimlane) from None
    return field, text


def _quick_add(
    ctx: Context,
    form: dict[str, Any],
    swimlane: str | None,
    group_by: str | None,
    stay_open: bool,
) -> QuickAddResult:
    field = ticket_queries.group_field(group_by, "groupBy")
    if field is not None and swimlane is not None:
        key, value = _swimlane(field, swimlane)
        form[key] = value
    ticket_id = tickets.quick_add_ticket(ctx, cast(QuickTicket, form))
    return {"success": True, "ticketId": ticket_id, "stayOpen": stay_open}


@operation("Tickets.Tickets.quickAddTicketFromKanban", checks="tickets.create", writes=True)
def quick_add_ticket_from_kanban(
    ctx: Context,
    formParams: QuickTicket,
    swimlane: str | None = None,
    groupBy: str | None = None,
    stayOpen: bool = False,
) -> QuickAddResult:
    """Add a ticket from a board column, as quickAddTicket does with `formParams`; on a
    board grouped by `groupBy` (getAllGrouped's values), the lane's value `swimlane`
    sets that field too. Answers the new id."""
    return _quick_add(ctx, dict(formParams), swimlane, groupBy, stayOpen)


@operation("Tickets.Tickets.quickAddProgramTicket", checks="tickets.create", writes=True)
def quick_add_program_ticket(  # noqa: PLR0917 - Leantime's signature
    ctx: Context,
    formParams: QuickTicket,
    swimlane: str | None,
    groupBy: str | None,
    stayOpen: bool,
    projectId: int,
    statusType: str,
) -> QuickAddResult:
    """Add a ticket to project `projectId` from a program board: as
    quickAddTicketFromKanban, with the project's first status of `statusType` (NEW,
    INPROGRESS or DONE)."""
    ctx.authorize("tickets.create", projectId)
    kind = statusType.strip().upper()
    codes = labels.codes_of_type(labels.status_labels(ctx.conn, projectId), kind)
    if kind not in STATUS_TYPES[:3] or not codes:
        raise _label_fail("statusType", "NEW, INPROGRESS or DONE", statusType)
    form: dict[str, Any] = {**formParams, "projectId": projectId, "status": codes[0]}
    return _quick_add(ctx, form, swimlane, groupBy, stayOpen)
