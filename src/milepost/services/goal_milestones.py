"""Milestones that track goals (the milestone methods of Leantime's `Goalcanvas` domain).

A milestone tracks a goal through a `zp_entity_relationship` row (GoalItem -> Ticket,
relationship 'tracked_by'); only milestones of the goal's own project can. Reading needs
goals.view in the goal's project, linking goals.edit. Goals the caller cannot see read as
having no milestones; see goals.py for the rest of the domain.
"""

from __future__ import annotations

from typing import Any, TypedDict

from sqlalchemy import delete, insert, or_, select

from milepost.services import goal_rows
from milepost.services.boards import half_up, milestone_in
from milepost.services.errors import InvalidParams
from milepost.services.goal_rows import BOARD_TYPE, BOX, Goal, MilestoneChip
from milepost.services.operations import Context, operation
from milepost.services.values import fmt_date
from milepost.services.versions import checked_update
from milepost.storage import tables as t

cv, ci, rc = t.canvas.c, t.canvas_items.c, t.entity_relations.c
MAX_GOAL_IDS = 1000


class MilestoneSummary(TypedDict):
    """How many of a goal's milestones are done, in progress and not started."""

    total: int
    done: int
    inProgress: int
    notStarted: int


class GoalMilestones(TypedDict):
    """A goal's milestones and their summary."""

    milestones: list[MilestoneChip]
    summary: MilestoneSummary


class GoalRollup(TypedDict):
    """A goal's progress through its milestones: counts by state, the mean of their
    progress, their date range and the first one not done."""

    goalId: int
    total: int
    done: int
    inProgress: int
    notStarted: int
    percentComplete: int
    startDate: str | None
    endDate: str | None
    currentMilestoneId: int | None


@operation("Goalcanvas.Goalcanvas.getGoalsByMilestone", legacy=True)
def get_goals_by_milestone(ctx: Context, milestoneId: int) -> list[Goal]:
    """Leantime 3.8's method: the goals a milestone tracks (as getCanvasItemsById lists
    them). Empty for a milestone the caller cannot see."""
    tc = t.tickets.c
    project_id = ctx.conn.execute(
        select(tc.projectId).where(tc.id == milestoneId, tc.type == "milestone")
    ).scalar()
    if project_id is None or not ctx.can("goals.view", project_id):
        return []
    linked = select(rc.entityA).where(rc.entityB == milestoneId, *goal_rows.link_filter())
    query = goal_rows.goal_select().where(
        or_(ci.id.in_(linked), ci.milestoneId == str(milestoneId)), cv.projectId == project_id
    )
    return goal_rows.shaped(ctx, list(ctx.conn.execute(query.order_by(ci.id))))


def _summary(chips: list[MilestoneChip]) -> MilestoneSummary:
    kinds = [chip["statusType"] for chip in chips]
    done, busy = kinds.count("DONE"), kinds.count("INPROGRESS")
    return {
        "total": len(chips),
        "done": done,
        "inProgress": busy,
        "notStarted": len(chips) - done - busy,
    }


def _chips_of(ctx: Context, goal_id: int) -> list[MilestoneChip] | None:
    if goal_rows.viewable(ctx, goal_id) is None:
        return None
    return goal_rows.chips(ctx, [goal_id])[goal_id]


@operation("Goalcanvas.Goalcanvas.getGoalMilestones")
def get_goal_milestones(ctx: Context, goalId: int) -> GoalMilestones:
    """The milestones tracking a goal (in progress first, then not started, then done;
    each by due date) and how many are in each state. Empty for a goal the caller
    cannot see."""
    chips = _chips_of(ctx, goalId) or []
    return {"milestones": chips, "summary": _summary(chips)}


@operation("Goalcanvas.Goalcanvas.getMilestonesByGoal")
def get_milestones_by_goal(ctx: Context, goalId: int) -> list[MilestoneChip]:
    """The milestones tracking a goal, in working order. Empty for a goal the caller
    cannot see."""
    return _chips_of(ctx, goalId) or []


@operation("Goalcanvas.Goalcanvas.getMilestonesForGoals")
def get_milestones_for_goals(ctx: Context, goalIds: list[int]) -> dict[str, list[MilestoneChip]]:
    """The milestones of many goals at once, keyed by goal id. Every goal the caller can
    see has a key (an empty list without milestones); other goals are left out."""
    if len(goalIds) > MAX_GOAL_IDS:
        raise InvalidParams(
            f"param `goalIds`: expected at most {MAX_GOAL_IDS} ids, got {len(goalIds)}",
            param="goalIds",
            expected=f"at most {MAX_GOAL_IDS} goal ids",
        )
    rows = ctx.conn.execute(
        select(ci.id, cv.projectId)
        .join(t.canvas, cv.id == ci.canvasId)
        .where(ci.id.in_(goalIds), ci.box == BOX, cv.type == BOARD_TYPE)
    )
    visible = [row.id for row in rows if ctx.can("goals.view", row.projectId)]
    chips = goal_rows.chips(ctx, visible)
    return {str(goal_id): chips[goal_id] for goal_id in sorted(visible)}


@operation("Goalcanvas.Goalcanvas.getGoalRollup")
def get_goal_rollup(ctx: Context, goalId: int) -> GoalRollup:
    """A goal's progress through its milestones: counts by state, `percentComplete` (the
    mean of their progress), the earliest start and latest end among them, and the first
    one not done. Zeros for a goal the caller cannot see or without milestones."""
    chips = _chips_of(ctx, goalId) or []
    summary = _summary(chips)
    rollup: GoalRollup = {
        "goalId": goalId, **summary, "percentComplete": 0,
        "startDate": None, "endDate": None, "currentMilestoneId": None,
    }  # fmt: skip
    if not chips:
        return rollup
    tc = t.tickets.c
    ids = [chip["id"] for chip in chips]
    ranges = ctx.conn.execute(select(tc.editFrom, tc.editTo).where(tc.id.in_(ids))).all()
    starts = [row.editFrom for row in ranges if row.editFrom is not None]
    ends = [row.editTo for row in ranges if row.editTo is not None]
    rollup["percentComplete"] = half_up(sum(chip["percentDone"] for chip in chips) / len(chips))
    rollup["startDate"] = fmt_date(min(starts)) if starts else None
    rollup["endDate"] = fmt_date(max(ends)) if ends else None
    rollup["currentMilestoneId"] = next(
        (chip["id"] for chip in chips if chip["statusType"] != "DONE"), None
    )
    return rollup


def _touch(ctx: Context, goal_id: int) -> None:
    checked_update(
        ctx, t.canvas_items, goal_id, {"modified": ctx.now}, expected_version=None, what="goal"
    )


def _link(ctx: Context, goal_id: int, milestone_id: int) -> None:
    ctx.conn.execute(
        insert(t.entity_relations).values(
            entityA=goal_id,
            entityB=milestone_id,
            createdOn=ctx.now,
            createdBy=ctx.principal.user_id,
            **goal_rows.LINK,
        )
    )


def _unlink(ctx: Context, goal_id: int, milestone_ids: list[int] | None = None) -> int:
    statement = delete(t.entity_relations).where(rc.entityA == goal_id, *goal_rows.link_filter())
    if milestone_ids is not None:
        statement = statement.where(rc.entityB.in_(milestone_ids))
    return int(ctx.conn.execute(statement).rowcount)


@operation("Goalcanvas.Goalcanvas.addMilestoneToGoal", writes=True)
def add_milestone_to_goal(ctx: Context, goalId: int, milestoneId: int) -> bool:
    """Let a milestone of the goal's project track the goal (other links stay). Returns
    true, also when the link existed. Needs goals.edit; -32002 for a goal the caller
    cannot see, -32602 for a milestone that is not one of the project's."""
    row = goal_rows.writable(ctx, goalId, "goals.edit", "goalId")
    milestone_in(ctx, milestoneId, row.projectId, "milestoneId")
    if milestoneId not in goal_rows.milestone_ids(ctx, goalId):
        _link(ctx, goalId, milestoneId)
        _touch(ctx, goalId)
        goal_rows.emit(ctx, goalId, "updated", row.projectId)
    return True


@operation("Goalcanvas.Goalcanvas.removeMilestoneFromGoal", writes=True)
def remove_milestone_from_goal(ctx: Context, goalId: int, milestoneId: int) -> bool:
    """Unlink one milestone from a goal (other links stay). True when a link was removed,
    false when there was none. Needs goals.edit; -32002 for a goal the caller cannot
    see."""
    row = goal_rows.writable(ctx, goalId, "goals.edit", "goalId")
    if not _unlink(ctx, goalId, [milestoneId]):
        return False
    _touch(ctx, goalId)
    goal_rows.emit(ctx, goalId, "updated", row.projectId)
    return True


def sync_milestones(ctx: Context, goal_id: int, value: Any, project_id: int) -> str:
    """Make the goal's milestone links exactly `value` (an id, a list, or empty); answers
    the legacy `milestoneId` column value (the first id, or '')."""
    values = value if isinstance(value, list) else [value]
    wanted: list[int] = []
    for index, one in enumerate(values):
        param = "values.milestoneId" + (f"[{index}]" if isinstance(value, list) else "")
        milestone = milestone_in(ctx, one, project_id, param)
        if milestone is not None and milestone not in wanted:
            wanted.append(milestone)
    current = goal_rows.milestone_ids(ctx, goal_id)
    stale = [milestone for milestone in current if milestone not in wanted]
    if stale:
        _unlink(ctx, goal_id, stale)
    for milestone in wanted:
        if milestone not in current:
            _link(ctx, goal_id, milestone)
    return str(wanted[0]) if wanted else ""
