"""Ticket vocabularies: status labels per project, priorities, efforts and types.

Status labels are kept per project in `zp_settings` under
`projectsettings.{projectId}.ticketlabels`, as JSON (Leantime keeps a PHP-serialised
array there). A project without its own labels uses Leantime's default seed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, TypedDict

import orjson
from sqlalchemy import bindparam, select

from milepost.storage import tables as t

if TYPE_CHECKING:
    from sqlalchemy import Connection

StatusType = Literal["NEW", "INPROGRESS", "DONE", "NONE"]


# One status column: its name, CSS class, kind, whether it shows on the board, its order.
StatusLabel = TypedDict(
    "StatusLabel",
    {"name": str, "class": str, "statusType": StatusType, "kanbanCol": bool, "sortKey": int},
)

# A project's status labels by status code, in board order.
Statuses = dict[int, dict[str, object]]


def _label(name: str, css: str, kind: StatusType, kanban: bool, sort: int) -> dict[str, object]:
    return {"name": name, "class": css, "statusType": kind, "kanbanCol": kanban, "sortKey": sort}


DEFAULT_STATUS_LABELS: dict[int, dict[str, object]] = {
    3: _label("New", "label-info", "NEW", True, 1),
    1: _label("Blocked", "label-important", "INPROGRESS", True, 2),
    4: _label("In Progress", "label-warning", "INPROGRESS", True, 3),
    2: _label("Waiting for Approval", "label-warning", "INPROGRESS", True, 4),
    0: _label("Done", "label-success", "DONE", True, 5),
    -1: _label("Archived", "label-default", "DONE", False, 6),
}

PRIORITY_LABELS: dict[str, str] = {
    "1": "Critical",
    "2": "High",
    "3": "Medium",
    "4": "Low",
    "5": "Lowest",
}

EFFORT_LABELS: dict[str, str] = {
    "0.5": "< 2min",
    "1": "XS",
    "2": "S",
    "3": "M",
    "5": "L",
    "8": "XL",
    "13": "XXL",
}

TICKET_TYPES: list[str] = ["task", "subtask", "story", "bug"]
ALL_TYPES: frozenset[str] = frozenset([*TICKET_TYPES, "milestone"])


# A project's stored labels (`key`: its `settings_key`). Built once: read on every ticket
# write, and a constant statement skips SQLAlchemy's per-call cache-key work.
STORED_LABELS = select(t.settings.c.value).where(t.settings.c.key == bindparam("key"))


def settings_key(project_id: int) -> str:
    return f"projectsettings.{project_id}.ticketlabels"


def status_labels(conn: Connection, project_id: int | None) -> dict[int, dict[str, object]]:
    """The project's labels by status code, in board order."""
    if project_id is None:
        return DEFAULT_STATUS_LABELS
    return from_stored(conn.execute(STORED_LABELS, {"key": settings_key(project_id)}).scalar())


def from_stored(stored: str | None) -> dict[int, dict[str, object]]:
    """The labels kept in a project's settings row (`STORED_LABELS`), in board order;
    Leantime's defaults when the project has none."""
    if not stored:
        return DEFAULT_STATUS_LABELS
    labels = {int(code): label for code, label in orjson.loads(stored).items()}
    labels.setdefault(-1, DEFAULT_STATUS_LABELS[-1])
    return dict(sorted(labels.items(), key=lambda item: int(str(item[1]["sortKey"]))))


def codes_of_type(labels: dict[int, dict[str, object]], *kinds: str) -> list[int]:
    return [code for code, label in labels.items() if label["statusType"] in kinds]


def first_of_type(labels: dict[int, dict[str, object]], kind: str, fallback: int) -> int:
    codes = codes_of_type(labels, kind)
    return codes[0] if codes else fallback


def wire_labels(labels: dict[int, dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(code): dict(label) for code, label in labels.items()}
