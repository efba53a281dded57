"""Loading and shaping goals: access checks, the shapes Leantime answers with, metric
progress, KPI roll-ups and the milestones that track a goal.

A goal is a board item with box 'goal' on a board of type 'goalcanvas'. Its metric runs
from `startValue` to `endValue`; `currentValue` is where it stands, or, for a goal set to
'linkAndReport', the sum of the goals that report into it (its KPI children, see
`rollup`). Milestones track goals through `zp_entity_relationship` rows (GoalItem ->
Ticket, relationship 'tracked_by').
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypedDict

from sqlalchemy import select

from milepost.services import boards, labels, webhooks
from milepost.services.boards import authorized, decimal_text, half_up, missing, number, zulu
from milepost.services.canvas_rows import (
    ItemBody,
    ItemKey,
    PolledKey,
    item_select,
    item_values,
    pick,
)
from milepost.services.scope import visible_projects
from milepost.services.values import fmt_date, num
from milepost.storage import tables as t

if TYPE_CHECKING:
    from milepost.services.operations import Context

cv, ci, tc, rc = t.canvas.c, t.canvas_items.c, t.tickets.c, t.entity_relations.c
BOARD_TYPE = "goalcanvas"
BOX = "goal"
COMMENT_MODULE = "goalcanvasitem"
LINK = {"entityAType": "GoalItem", "entityBType": "Ticket", "relationship": "tracked_by"}
_CHIP_ORDER = {"INPROGRESS": 0, "NEW": 1, "DONE": 2}


class MilestoneChip(TypedDict):
    """A milestone tracking a goal: name, colour, due date, status and progress."""

    id: int
    headline: str
    color: str
    editTo: str | None
    status: int
    statusType: str
    percentDone: int


class Goal(ItemKey, ItemBody):
    """A goal as Leantime lists a board's items, with its milestones and progress."""

    status: str
    relates: str
    milestoneId: str
    parent: int | None
    title: str
    tags: str
    kpi: int | None
    data1: str
    data2: str
    data3: str
    data4: str
    data5: str
    startDate: str | None
    endDate: str | None
    setting: str
    metricType: str
    startValue: str | None
    currentValue: str | None
    endValue: str | None
    impact: int | None
    effort: int | None
    probability: int | None
    action: str
    assignedTo: int | None
    authorFirstname: str | None
    authorLastname: str | None
    authorProfileId: str | None
    milestoneHeadline: str | None
    milestoneEditTo: str | None
    commentCount: int
    percentDone: int
    milestones: list[MilestoneChip]
    goalProgress: float
    projectId: int
    version: int


class _PolledGoalKey(PolledKey):
    title: str


class PolledGoal(_PolledGoalKey, ItemBody):
    """A goal as the poll methods answer it: dates in ISO 8601 UTC; `id` is
    "<id>-<modified>" in pollForUpdatedGoals."""

    status: str
    relates: str
    milestoneId: str
    kpi: int | None
    data1: str
    data2: str
    data3: str
    data4: str
    data5: str
    startDate: str | None
    endDate: str | None
    setting: str
    metricType: str
    startValue: str | None
    currentValue: str | None
    endValue: str | None
    impact: int | None
    effort: int | None
    probability: int | None
    action: str
    assignedTo: int | None
    parent: int | None
    tags: str
    projectId: int


# The texts a goal answers with '' rather than null, and its metrics (DECIMAL strings).
_TEXTS = (
    *("description", "assumptions", "data", "conclusion", "box", "status", "relates"),
    *("milestoneId", "title", "tags", "setting", "metricType", "action"),
    *("data1", "data2", "data3", "data4", "data5"),
)
_METRICS = ("startValue", "currentValue", "endValue")


def goal_select() -> Any:
    """Goals with their board's project and title, author, legacy milestone and comment
    count joined in."""
    return item_select(BOARD_TYPE, COMMENT_MODULE).where(ci.box == BOX)


def _values(row: Any, date: Callable[[dt.datetime | None], str | None]) -> dict[str, Any]:
    values = item_values(row, date)
    values.update({field: values[field] or "" for field in _TEXTS})
    values.update({field: decimal_text(values[field]) for field in _METRICS})
    values.update(startDate=date(row.startDate), endDate=date(row.endDate))
    return values


def goal(row: Any, chips: list[MilestoneChip], rolled_up: float | None) -> Goal:
    """The list shape of a row of `goal_select()`; `rolled_up` replaces currentValue."""
    values = _values(row, fmt_date)
    current = number(row.currentValue) if rolled_up is None else rolled_up
    if rolled_up is not None:
        values["currentValue"] = decimal_text(rolled_up)
    values.update(
        percentDone=0,
        milestones=chips,
        goalProgress=progress(row.startValue, current, row.endValue),
    )
    return pick(values, Goal)


def polled(row: Any, updated: bool) -> PolledGoal:
    """The poll shape of a row of `goal_select()`."""
    values = _values(row, zulu)
    if updated:
        values["id"] = f"{row.id}-{fmt_date(row.modified) or ''}"
    return pick(values, PolledGoal)


def progress(start: Any, current: float, end: Any) -> float:
    """Percent of the way from start to end value, 0 to 100 (0 without a range)."""
    total = number(end) - number(start)
    if total == 0:
        return 0
    share = round(round((current - number(start)) / total, 2) * 100, 2)
    value = num(max(0.0, min(100.0, share)))
    return 0 if value is None else value


# -- KPI roll-ups --------------------------------------------------------------------


def children(ctx: Context, parent_ids: Iterable[int]) -> list[Any]:
    """The goals that report into any of `parent_ids` (their `kpi`), with board and project."""
    ids = list(parent_ids)
    if not ids:
        return []
    return list(
        ctx.conn.execute(
            select(
                ci.id,
                ci.title,
                ci.kpi,
                ci.setting,
                ci.metricType,
                ci.startValue,
                ci.currentValue,
                ci.endValue,
                ci.canvasId,
                cv.title.label("boardTitle"),
                cv.projectId,
                t.projects.c.name.label("projectName"),
            )
            .join(t.canvas, cv.id == ci.canvasId)
            .join(t.projects, t.projects.c.id == cv.projectId)
            .where(ci.kpi.in_(ids), ci.box == BOX, cv.type == BOARD_TYPE)
            .order_by(ci.id)
        )
    )


def rollup(ctx: Context, parent_id: int) -> float:
    """The sum a 'linkAndReport' goal reports: each child's current value, or, for a child
    that itself links and reports, the sum of its own children's current values."""
    kids = children(ctx, [parent_id])
    reporting = [kid.id for kid in kids if kid.setting == "linkAndReport"]
    grandchildren = children(ctx, reporting)
    total = sum(number(kid.currentValue) for kid in kids if kid.setting != "linkAndReport")
    total += sum(number(grandchild.currentValue) for grandchild in grandchildren)
    return num(round(total, 2)) or 0


# -- milestones ----------------------------------------------------------------------


def milestone_ids(ctx: Context, goal_id: int) -> list[int]:
    return list(
        ctx.conn.execute(
            select(rc.entityB)
            .where(rc.entityA == goal_id, *link_filter())
            .distinct()
            .order_by(rc.entityB)
        ).scalars()
    )


def link_filter() -> list[Any]:
    """The WHERE clauses that pick goal-milestone links."""
    return [getattr(rc, column) == value for column, value in LINK.items()]


def chips(ctx: Context, goal_ids: list[int]) -> dict[int, list[MilestoneChip]]:
    """The milestones tracking each goal, in working order (in progress, not started,
    done; then by due date), only those in projects the caller may see."""
    if not goal_ids:
        return {}
    edges = ctx.conn.execute(
        select(rc.entityA, rc.entityB).where(rc.entityA.in_(goal_ids), *link_filter()).distinct()
    ).all()
    wanted = {milestone for _, milestone in edges}
    details = {
        row.id: row
        for row in ctx.conn.execute(
            select(tc.id, tc.headline, tc.tags, tc.editTo, tc.status, tc.projectId)
            .join(t.projects, t.projects.c.id == tc.projectId)
            .where(tc.id.in_(wanted), tc.type == "milestone", visible_projects(ctx.principal))
        )
    }
    kinds = {pid: _kinds(ctx, pid) for pid in {row.projectId for row in details.values()}}
    done = milestone_percent(ctx, list(details))
    result: dict[int, list[MilestoneChip]] = {goal_id: [] for goal_id in goal_ids}
    for goal_id, milestone_id in edges:
        row = details.get(milestone_id)
        if row is None:
            continue
        result[goal_id].append(
            {
                "id": row.id,
                "headline": row.headline,
                "color": row.tags or "var(--grey)",
                "editTo": fmt_date(row.editTo),
                "status": row.status,
                "statusType": kinds[row.projectId].get(row.status, "NEW"),
                "percentDone": done.get(row.id, 0),
            }
        )
    for goal_chips in result.values():
        goal_chips.sort(
            key=lambda c: (_CHIP_ORDER.get(c["statusType"], 1), c["editTo"] or "9999-12-31")
        )
    return result


def _kinds(ctx: Context, project_id: int) -> dict[int, str]:
    return {
        code: str(label["statusType"])
        for code, label in labels.status_labels(ctx.conn, project_id).items()
    }


def milestone_percent(ctx: Context, milestone_ids: list[int]) -> dict[int, int]:
    """Each milestone's done share of its tickets' effort (no effort counts as 3)."""
    if not milestone_ids:
        return {}
    rows = ctx.conn.execute(
        select(tc.milestoneid, tc.projectId, tc.status, tc.storypoints).where(
            tc.milestoneid.in_(milestone_ids), tc.type != "milestone"
        )
    ).all()
    kinds: dict[int, dict[int, str]] = {}
    done: dict[int, float] = {}
    total: dict[int, float] = {}
    for row in rows:
        if row.projectId not in kinds:
            kinds[row.projectId] = _kinds(ctx, row.projectId)
        effort = float(row.storypoints or 0) or 3.0
        total[row.milestoneid] = total.get(row.milestoneid, 0.0) + effort
        if kinds[row.projectId].get(row.status) == "DONE":
            done[row.milestoneid] = done.get(row.milestoneid, 0.0) + effort
    return {
        milestone: half_up(done.get(milestone, 0.0) / total[milestone] * 100)
        if total.get(milestone)
        else 0
        for milestone in milestone_ids
    }


# -- loading -------------------------------------------------------------------------


def load(ctx: Context, goal_id: int) -> Any:
    """The goal row with its board, project, author and legacy milestone, or None."""
    return ctx.conn.execute(goal_select().where(ci.id == goal_id)).first()


def viewable(ctx: Context, goal_id: int) -> Any:
    """The goal row when the caller may view it, else None."""
    row = load(ctx, goal_id)
    return row if row is not None and ctx.can("goals.view", row.projectId) else None


def writable(ctx: Context, goal_id: Any, permission: str, param: str) -> Any:
    """The goal row once the caller holds `permission` in its project (-32002 for a goal
    the caller cannot see)."""
    if goal_id is None:
        raise missing(param, "a goal id")
    return authorized(ctx, load(ctx, goal_id), permission, f"no goal {goal_id}")


def writable_board(ctx: Context, board_id: Any, permission: str, param: str) -> Any:
    """The goal board row once the caller holds `permission` in its project."""
    return boards.writable_board(ctx, board_id, BOARD_TYPE, permission, param, noun="goal board")


def shaped(ctx: Context, rows: list[Any]) -> list[Goal]:
    """Goal rows in the list shape, with their milestones and roll-ups."""
    tracking = chips(ctx, [row.id for row in rows])
    return [
        goal(
            row,
            tracking.get(row.id, []),
            rollup(ctx, row.id) if row.setting == "linkAndReport" else None,
        )
        for row in rows
    ]


def emit(ctx: Context, goal_id: int, action: str, project_id: int) -> None:
    """Tell webhook listeners that a goal changed."""

    def data() -> Goal | None:
        row = load(ctx, goal_id)
        return None if row is None else shaped(ctx, [row])[0]

    webhooks.emit(ctx, "goal", action, goal_id, project_id=project_id, data=data)
