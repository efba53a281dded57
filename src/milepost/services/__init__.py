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
    client_queries,
    clients,
    comment_reactions,
    comments,
    files,
    goal_boards,
    goal_milestones,
    goals,
    idea_boards,
    idea_comments,
    ideas,
    keys,
    milestone_queries,
    notifications,
    polling,
    project_changes,
    project_members,
    project_queries,
    projects,
    punch_clock,
    reactions,
    report_engine,
    reports,
    settings_service,
    sprints,
    system,
    tags,
    ticket_changes,
    ticket_queries,
    ticket_views,
    tickets,
    timesheet_changes,
    timesheet_entries,
    timesheets,
    tokens,
    unsupported,
    user_queries,
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
    client_queries,
    comment_reactions,
    milestone_queries,
    polling,
    project_changes,
    project_members,
    project_queries,
    punch_clock,
    ticket_changes,
    ticket_queries,
    ticket_views,
    timesheet_entries,
    timesheet_changes,
    unsupported,
    user_queries,
)


def system_principal() -> Principal:
    """The principal the command line acts as: an owner who sees every project."""
    return Principal(user_id=0, role=Role.OWNER, kind="user", name="milepost command line")
