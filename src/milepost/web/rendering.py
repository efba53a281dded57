"""Templates: one Jinja2 environment with autoescaping on, and the filters pages use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from milepost.services.labels import PRIORITY_LABELS
from milepost.services.permissions import Role

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def role_label(value: Any) -> str:
    try:
        return Role.parse(value).label
    except ValueError:
        return str(value)


def short_date(value: str | None) -> str:
    """`Y-m-d H:i:s` as `Y-m-d`; empty for no date."""
    return (value or "")[:10]


def short_time(value: str | None) -> str:
    """`Y-m-d H:i:s` as `Y-m-d H:i`; empty for no date."""
    return (value or "")[:16]


def person(first: str | None, last: str | None) -> str:
    return f"{first or ''} {last or ''}".strip()


def priority_label(value: Any) -> str:
    return PRIORITY_LABELS.get(str(value), "")


def hours(value: Any) -> str:
    if value in (None, ""):
        return "0"
    return f"{float(value):g}"


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        role=role_label,
        day=short_date,
        minute=short_time,
        priority=priority_label,
        hours=hours,
    )
    env.globals.update(person=person, roles=[(role.value, role.label) for role in Role])
    return env
