"""The service layer: every rule (validation, permissions, effects) lives here once.

Transports (JSON-RPC, MCP, web pages, the CLI) call `ServiceLayer.call` with a
principal and bound arguments; nothing here knows about HTTP or JSON-RPC.
"""

from __future__ import annotations

from types import ModuleType

from milepost.services import (
    audit,
    calendar,
    canvas,
    clients,
    comments,
    files,
    goal_boards,
    goal_milestones,
    goals,
    idea_boards,
    idea_comments,
    ideas,
    keys,
    notifications,
    projects,
    reactions,
    report_engine,
    reports,
    settings_service,
    sprints,
    system,
    tags,
    tickets,
    timesheets,
    tokens,
    users,
    webhooks,
    wiki,
)
from milepost.services.permissions import Principal, Role

DOMAINS: tuple[ModuleType, ...] = (
    tickets,
    projects,
    users,
    clients,
    keys,
    tokens,
    comments,
    timesheets,
    audit,
    webhooks,
    system,
    wiki,
    files,
    tags,
    reactions,
    settings_service,
    notifications,
    calendar,
    sprints,
    goals,
    goal_milestones,
    goal_boards,
    ideas,
    idea_boards,
    idea_comments,
    canvas,
    reports,
    report_engine,
)


def system_principal() -> Principal:
    """The principal the command line acts as: an owner who sees every project."""
    return Principal(user_id=0, role=Role.OWNER, kind="user", name="milepost command line")
