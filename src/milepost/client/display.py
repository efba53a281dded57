"""Results as text for people: a list of objects as an aligned table of its most useful
columns, an object as `key: value` lines, a scalar as itself.

`milepost call` prints with this; `--raw` prints JSON instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

# Columns worth a glance, in the order shown, when a row has them.
USEFUL_COLUMNS = (
    "id", "headline", "name", "title", "firstname", "lastname", "username", "email",
    "type", "status", "role", "projectName", "projectId", "clientName", "priority",
    "dateToFinish", "editorFirstname", "milestoneHeadline", "sprint", "modified",
)  # fmt: skip
MAX_COLUMNS = 7
MAX_CELL = 48


def render(result: Any) -> str:
    """The result as readable text (no trailing newline)."""
    if isinstance(result, list) and result and all(isinstance(row, dict) for row in result):
        return table(result)
    if isinstance(result, list):
        return "\n".join(scalar(item) for item in result) if result else "[]"
    if isinstance(result, dict):
        if result and all(isinstance(value, dict) for value in result.values()):
            return table([{"key": key, **value} for key, value in result.items()], first="key")
        return fields(result)
    return scalar(result)


def scalar(value: Any) -> str:
    """A value on one line: strings as they are, everything else as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def fields(record: Mapping[str, Any]) -> str:
    """`key: value` lines, the values aligned."""
    if not record:
        return "{}"
    width = max(len(str(key)) for key in record)
    lines = (f"{key + ':':<{width + 1}} {scalar(value)}".rstrip() for key, value in record.items())
    return "\n".join(lines)


def table(rows: Sequence[Mapping[str, Any]], first: str | None = None) -> str:
    """An aligned table of the rows' most useful columns; numbers right-aligned."""
    columns = choose_columns(rows, first)
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    numeric = [all(_is_number(row.get(column)) for row in rows) for column in columns]
    widths = [
        max(len(text) for text in (column, *(line[i] for line in cells)))
        for i, column in enumerate(columns)
    ]
    lines = [_line(columns, widths, numeric)]
    lines += [_line(line, widths, numeric) for line in cells]
    return "\n".join(lines)


def choose_columns(rows: Sequence[Mapping[str, Any]], first: str | None = None) -> list[str]:
    """The useful columns present, then other columns with scalar values, up to MAX_COLUMNS."""
    present: dict[str, None] = {}
    for row in rows:
        present.update(dict.fromkeys(row))
    chosen = [first] if first else []
    chosen += [column for column in USEFUL_COLUMNS if column in present and column != first]
    for column in present:
        if column not in chosen and all(_is_scalar(row.get(column)) for row in rows):
            chosen.append(column)
    return chosen[:MAX_COLUMNS]


def _is_number(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, dict | list)


def _cell(value: Any) -> str:
    text = "" if value is None else scalar(value).replace("\n", " ")
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _line(cells: Sequence[str], widths: Sequence[int], right: Sequence[bool]) -> str:
    parts = [
        text.rjust(width) if align else text.ljust(width)
        for text, width, align in zip(cells, widths, right, strict=True)
    ]
    return "  ".join(parts).rstrip()
