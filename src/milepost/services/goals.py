"""Goals with metrics on goal boards (Leantime's `Goalcanvas` domain).

Reading needs goals.view in the board's project, writing goals.create / edit / delete
(editor and above). Goals and boards outside the caller's projects read as missing
(an empty list, 0, or false, as Leantime answers) and cannot be written (-32002).

Milestones that track goals are in goal_milestones.py, goal boards in goal_boards.py.

Leantime edits goals only through web-page controllers, so Milepost adds what a client
needs for a read-modify-write round trip, marked "(Milepost)": `getGoal`, `editGoal`,
`deleteGoal`, `deleteGoalboard` and `getGoalHistory`. Other deliberate differences:
- input is checked (metric values are numbers, statuses and settings are Leantime's
  words, linked goals, milestones and users exist) instead of stored as sent;
- keyed results (`getChildrenbyKPI`, `getParentKPIs`, `getMilestonesForGoals`) are JSON
  objects even when empty, where Leantime answers `[]`;
- goals of projects the caller cannot see are left out of `getChildrenbyKPI` and
  `getParentKPIs` (their values still count in a parent's roll-up).
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from sqlalchemy import and_, delete, insert, or_, select, update

from milepost.services import attachments, goal_rows
from milepost.services.boards import MAX_TITLE, board, decimal_text, parse_decimal, text, whole
from milepost.services.errors import InvalidParams
from milepost.services.goal_milestones import sync_milestones
from milepost.services.goal_rows import BOARD_TYPE, BOX, Goal, PolledGoal
from milepost.services.operations import Context, operation
from milepost.services.scope import visible_projects
from milepost.services.values import fmt_date, parse_date
from milepost.services.versions import checked_update
from milepost.storage import tables as t
from milepost.storage.database import insert_id

cv, ci, rc, hc = t.canvas.c, t.canvas_items.c, t.entity_relations.c, t.goal_history.c
STATUSES = ("", "status_ontrack", "status_atrisk", "status_miss")
SETTINGS = ("", "linkonly", "linkAndReport", "nolink")


_TEXTS = ("description", "assumptions", "data", "conclusion", "tags", "action")


_DATA = ("data1", "data2", "data3", "data4", "data5")


class GoalValues(TypedDict, total=False):
    """A goal's fields. `canvasId` is its goal board; `title` (or `description`) says
    what it is; the metric runs from `startValue` to `endValue` with `currentValue`
    where it stands (numbers, or numeric strings); `metricType` names the unit; `status`
    is status_ontrack, status_atrisk or status_miss; `setting` is linkonly,
    linkAndReport (the current value is the sum of the goals reporting into it) or
    nolink; `kpi` is the goal it reports into; `parent` a parent goal; `milestoneId`
    one milestone id or a list of them (the milestones tracking the goal); `assignedTo`
    a user id."""

    id: int
    canvasId: int
    box: str
    title: str
    description: str
    assumptions: str
    data: str
    conclusion: str
    status: str
    relates: str
    milestoneId: int | list[int] | str | None
    kpi: int | str | None
    parent: int | str | None
    tags: str
    data1: str
    data2: str
    data3: str
    data4: str
    data5: str
    startDate: str | None
    endDate: str | None
    setting: str
    metricType: str
    startValue: float | str | None
    currentValue: float | str | None
    endValue: float | str | None
    impact: int | str | None
    effort: int | str | None
    probability: int | str | None
    action: str
    assignedTo: int | str | None
    sortindex: int | str | None


class ChildGoal(TypedDict):
    """A goal that reports into another (or into one of its children)."""

    id: int
    title: str
    startValue: str | None
    endValue: str | None
    currentValue: str | None
    metricType: str
    boardTitle: str
    canvasId: int
    projectName: str


class ParentKpi(TypedDict):
    """A goal of a parent program or strategy that this project's goals can report into."""

    id: int
    description: str
    project: str
    board: str


class GoalValue(TypedDict):
    """One recorded value of a goal's metric."""

    id: int
    itemId: int
    value: float | None
    userId: int | None
    dateRecorded: str | None


# -- reading goals -------------------------------------------------------------------


@operation("Goalcanvas.Goalcanvas.getCanvasItemsById")
def get_canvas_items_by_id(ctx: Context, id: int) -> list[Goal]:
    """The goals on goal board `id`, by box and sort order, each with its milestones and
    `goalProgress` (percent from start to end value). Empty for a board the caller
    cannot see."""
    found = board(ctx, id, BOARD_TYPE)
    if found is None or not ctx.can("goals.view", found.projectId):
        return []
    query = goal_rows.goal_select().where(ci.canvasId == id)
    query = query.order_by(ci.sortindex.asc().nulls_last(), ci.id)
    return goal_rows.shaped(ctx, list(ctx.conn.execute(ctx.page_query(query, ci.id, ci.modified))))


@operation("Goalcanvas.Goalcanvas.getGoal")
def get_goal(ctx: Context, id: int) -> Goal | Literal[False]:
    """(Milepost) One goal as getCanvasItemsById lists it, or false when it does not exist
    or lies outside the caller's projects."""
    row = goal_rows.viewable(ctx, id)
    return False if row is None else goal_rows.shaped(ctx, [row])[0]


@operation("Goalcanvas.Goalcanvas.getChildGoalsForReporting")
def get_child_goals_for_reporting(ctx: Context, parentId: int) -> float:
    """The sum a goal's KPI children report: each child's current value, or for a child
    set to linkAndReport the sum of its own children. 0 for a goal the caller cannot
    see."""
    if goal_rows.viewable(ctx, parentId) is None:
        return 0
    return goal_rows.rollup(ctx, parentId)


def _child(row: Any) -> ChildGoal:
    return {
        "id": row.id,
        "title": row.title or "",
        "startValue": decimal_text(row.startValue),
        "endValue": decimal_text(row.endValue),
        "currentValue": decimal_text(row.currentValue),
        "metricType": row.metricType or "",
        "boardTitle": row.boardTitle or "",
        "canvasId": row.canvasId,
        "projectName": row.projectName,
    }


@operation("Goalcanvas.Goalcanvas.getChildrenbyKPI")
def get_childrenby_kpi(ctx: Context, parentId: int) -> dict[str, ChildGoal]:
    """The goals reporting into a goal and the goals reporting into those, keyed by id;
    only goals in projects the caller can see. Empty for a goal the caller cannot see."""
    if goal_rows.viewable(ctx, parentId) is None:
        return {}
    kids = goal_rows.children(ctx, [parentId])
    family = kids + goal_rows.children(ctx, [kid.id for kid in kids])
    return {str(row.id): _child(row) for row in family if ctx.can("goals.view", row.projectId)}


@operation("Goalcanvas.Goalcanvas.getParentKPIs", permission="goals.view", project="projectId")
def get_parent_kpis(ctx: Context, projectId: int) -> dict[str, ParentKpi]:
    """The goals this project's goals can report into: goals set to linkonly or
    linkAndReport on the boards of the project's parent and grandparent, keyed by id."""
    parents: list[int] = []
    current: int | None = projectId
    for _ in range(2):
        current = ctx.conn.execute(
            select(t.projects.c.parent).where(t.projects.c.id == current)
        ).scalar()
        if not current:
            break
        parents.append(int(current))
    rows = ctx.conn.execute(
        select(ci.id, ci.description, t.projects.c.name, cv.title)
        .join(t.canvas, cv.id == ci.canvasId)
        .join(t.projects, t.projects.c.id == cv.projectId)
        .where(
            cv.projectId.in_(parents),
            cv.type == BOARD_TYPE,
            ci.box == BOX,
            ci.setting.in_(["linkAndReport", "linkonly"]),
            visible_projects(ctx.principal),
        )
        .order_by(cv.id, ci.id)
    )
    return {
        str(row.id): {
            "id": row.id,
            "description": row.description or "",
            "project": row.name,
            "board": row.title or "",
        }
        for row in rows
    }


@operation("Goalcanvas.Goalcanvas.getGoalHistory")
def get_goal_history(ctx: Context, goalId: int) -> list[GoalValue] | Literal[False]:
    """(Milepost) Every recorded value of a goal's metric, oldest first: one when the
    goal was created with a value and one for each change. False for a goal the caller
    cannot see."""
    if goal_rows.viewable(ctx, goalId) is None:
        return False
    query = select(t.goal_history).where(hc.itemId == goalId).order_by(hc.dateRecorded, hc.id)
    return [
        {
            "id": row.id,
            "itemId": row.itemId,
            "value": row.value,
            "userId": row.userId,
            "dateRecorded": fmt_date(row.dateRecorded),
        }
        for row in ctx.conn.execute(query)
    ]


# -- writing goals -------------------------------------------------------------------


def _choice(values: dict[str, Any], field: str, allowed: tuple[str, ...]) -> str:
    value = values.get(field) or ""
    if value not in allowed:
        raise InvalidParams(
            f"param `values.{field}`: expected one of {', '.join(repr(a) for a in allowed)},"
            f" got {value!r}",
            param=f"values.{field}",
            expected="one of " + ", ".join(repr(a) for a in allowed),
        )
    return str(value)


def _goal_ref(
    ctx: Context, value: Any, param: str, goal_id: int | None, project: int | None
) -> int | None:
    """A linked goal: one the caller can see (in `project`, when given), not the goal itself."""
    ref = whole(value, param)
    if not ref:
        return None
    row = goal_rows.viewable(ctx, ref)
    if row is None or ref == goal_id or (project is not None and row.projectId != project):
        where = f" in project {project}" if project is not None else ""
        raise InvalidParams(
            f"param `{param}`: no other goal {ref}{where}", param=param, expected="a goal id"
        )
    return ref


def _user_ref(ctx: Context, value: Any, param: str) -> int | None:
    user_id = whole(value, param)
    if not user_id:
        return None
    if ctx.conn.execute(select(t.users.c.id).where(t.users.c.id == user_id)).first() is None:
        raise InvalidParams(
            f"param `{param}`: no user {user_id}", param=param, expected="a user id"
        )
    return user_id


def _columns(
    ctx: Context, values: dict[str, Any], project_id: int, goal_id: int | None
) -> dict[str, Any]:
    """Validated columns for the fields present in `values` (every field for a new goal)."""
    new = goal_id is None
    columns: dict[str, Any] = {}

    def wanted(field: str) -> bool:
        return new or field in values

    if wanted("title"):
        columns["title"] = text(values, "title", "values", MAX_TITLE)
    for field in (*_TEXTS, *_DATA):
        if wanted(field):
            columns[field] = text(values, field, "values")
    if wanted("relates"):
        columns["relates"] = text(values, "relates", "values", MAX_TITLE)
    if wanted("metricType"):
        columns["metricType"] = text(values, "metricType", "values", 45)
    if wanted("status"):
        columns["status"] = _choice(values, "status", STATUSES)
    if wanted("setting"):
        columns["setting"] = _choice(values, "setting", SETTINGS)
    for field in ("startValue", "currentValue", "endValue"):
        if wanted(field):
            columns[field] = parse_decimal(values.get(field), f"values.{field}")
    for field in ("startDate", "endDate"):
        if wanted(field):
            columns[field] = parse_date(values.get(field), f"values.{field}")
    for field in ("impact", "effort", "probability", "sortindex"):
        if wanted(field):
            columns[field] = whole(values.get(field), f"values.{field}")
    if wanted("kpi"):
        columns["kpi"] = _goal_ref(ctx, values.get("kpi"), "values.kpi", goal_id, None)
    if wanted("parent"):
        columns["parent"] = _goal_ref(
            ctx, values.get("parent"), "values.parent", goal_id, project_id
        )
    if wanted("assignedTo"):
        columns["assignedTo"] = _user_ref(ctx, values.get("assignedTo"), "values.assignedTo")
    return columns


def _check_named(columns: dict[str, Any], row: Any) -> None:
    title = columns.get("title", row.title if row is not None else "")
    description = columns.get("description", row.description if row is not None else "")
    if not (title or "").strip() and not (description or "").strip():
        raise InvalidParams(
            "param `values.title`: a goal needs a title (or a description)",
            param="values.title",
            expected="a non-empty title",
        )


def _record(ctx: Context, goal_id: int, value: float | None) -> None:
    if value is not None:
        ctx.conn.execute(
            insert(t.goal_history).values(
                itemId=goal_id, value=value, userId=ctx.principal.user_id, dateRecorded=ctx.now
            )
        )


@operation("Goalcanvas.Goalcanvas.createGoal", writes=True)
def create_goal(ctx: Context, values: GoalValues) -> str:
    """Create a goal on the goal board `values.canvasId` and return its id as a string,
    as Leantime does. Needs goals.create in the board's project; a title (or
    description) is required. The author is the caller. -32002 for a board the caller
    cannot see, -32602 naming a bad field."""
    fields: dict[str, Any] = dict(values)
    found = goal_rows.writable_board(ctx, fields.get("canvasId"), "goals.create", "values.canvasId")
    if fields.get("box") not in (None, "", BOX):
        raise InvalidParams(
            f"param `values.box`: goals have box 'goal', got {fields['box']!r}",
            param="values.box",
            expected="'goal'",
        )
    columns = _columns(ctx, fields, found.projectId, None)
    _check_named(columns, None)
    columns.update(
        canvasId=found.id, box=BOX, author=ctx.principal.user_id, created=ctx.now, modified=ctx.now
    )
    goal_id = insert_id(ctx.conn, insert(t.canvas_items).values(**columns))
    if "milestoneId" in fields:
        legacy = sync_milestones(ctx, goal_id, fields["milestoneId"], found.projectId)
        ctx.conn.execute(update(t.canvas_items).where(ci.id == goal_id).values(milestoneId=legacy))
    _record(ctx, goal_id, columns["currentValue"])
    goal_rows.emit(ctx, goal_id, "created", found.projectId)
    return str(goal_id)


@operation("Goalcanvas.Goalcanvas.editGoal", writes=True)
def edit_goal(ctx: Context, values: GoalValues, expectedVersion: int | None = None) -> bool:
    """(Milepost) Change the goal `values.id`. Send what getGoal (or getCanvasItemsById)
    returned, changed; fields left out keep their values, and the goal stays on its board
    (`canvasId` is ignored). `milestoneId` replaces the tracking milestones. Returns true.
    Needs goals.edit; -32002 for a goal the caller cannot see, -32005 when
    `expectedVersion` is stale."""
    fields: dict[str, Any] = dict(values)
    row = goal_rows.writable(ctx, fields.get("id"), "goals.edit", "values.id")
    columns = _columns(ctx, fields, row.projectId, row.id)
    _check_named(columns, row)
    if "milestoneId" in fields:
        columns["milestoneId"] = sync_milestones(ctx, row.id, fields["milestoneId"], row.projectId)
    columns["modified"] = ctx.now
    checked_update(
        ctx, t.canvas_items, row.id, columns, expected_version=expectedVersion, what="goal"
    )
    before = None if row.currentValue is None else round(float(row.currentValue), 2)
    if "currentValue" in columns and columns["currentValue"] != before:
        _record(ctx, row.id, columns["currentValue"])
    goal_rows.emit(ctx, row.id, "updated", row.projectId)
    return True


def remove_goals(ctx: Context, goal_ids: list[int]) -> None:
    """Delete goals with their links, comments and history; the goals that pointed at them
    (as KPI or parent) are unlinked and reported to webhooks as updated."""
    if not goal_ids:
        return
    linked = ctx.conn.execute(
        select(ci.id, cv.projectId)
        .join(t.canvas, cv.id == ci.canvasId)
        .where(or_(ci.kpi.in_(goal_ids), ci.parent.in_(goal_ids)), ci.id.not_in(goal_ids))
    ).all()
    for column in (ci.kpi, ci.parent):
        ctx.conn.execute(
            update(t.canvas_items)
            .where(column.in_(goal_ids), ci.id.not_in(goal_ids))
            .values({column.key: None, "modified": ctx.now, "version": ci.version + 1})
        )
    for row in linked:
        goal_rows.emit(ctx, row.id, "updated", row.projectId)
    ctx.conn.execute(
        delete(t.entity_relations).where(and_(rc.entityA.in_(goal_ids), *goal_rows.link_filter()))
    )
    for goal_id in goal_ids:
        attachments.forget(ctx, goal_rows.COMMENT_MODULE, goal_id)
    ctx.conn.execute(delete(t.goal_history).where(hc.itemId.in_(goal_ids)))
    ctx.conn.execute(delete(t.canvas_items).where(ci.id.in_(goal_ids)))


@operation("Goalcanvas.Goalcanvas.deleteGoal", writes=True)
def delete_goal(ctx: Context, id: int) -> bool:
    """(Milepost) Delete a goal with its milestone links, comments and history; goals that
    reported into it or had it as parent are unlinked. Returns true. Needs goals.delete;
    -32002 for a goal the caller cannot see."""
    row = goal_rows.writable(ctx, id, "goals.delete", "id")
    remove_goals(ctx, [row.id])
    goal_rows.emit(ctx, row.id, "deleted", row.projectId)
    return True


# -- polling -------------------------------------------------------------------------


def _polled(
    ctx: Context, projectId: int | None, board_id: int | None, *, updated: bool
) -> list[PolledGoal]:
    query = goal_rows.goal_select().join(t.projects, t.projects.c.id == cv.projectId)
    query = query.where(visible_projects(ctx.principal))
    if projectId:
        query = query.where(cv.projectId == projectId)
    if board_id:
        query = query.where(cv.id == board_id)
    query = query.order_by(ci.id)
    if not updated:
        query = ctx.page_query(query, ci.id, ci.modified)
    return [goal_rows.polled(row, updated) for row in ctx.conn.execute(query)]


@operation("Goalcanvas.Goalcanvas.pollGoals", permission="goals.view", project="projectId")
def poll_goals(
    ctx: Context, projectId: int | None = None, board: int | None = None
) -> list[PolledGoal]:
    """Every goal the caller can see (of one project or board, if given), dates in ISO
    8601 UTC, for integrations that poll."""
    return _polled(ctx, projectId, board, updated=False)


@operation(
    "Goalcanvas.Goalcanvas.pollForUpdatedGoals", permission="goals.view", project="projectId"
)
def poll_for_updated_goals(
    ctx: Context, projectId: int | None = None, board: int | None = None
) -> list[PolledGoal]:
    """The goals pollGoals answers, each `id` made "<id>-<modified>" so that a changed
    goal looks new to integrations that de-duplicate on id."""
    return _polled(ctx, projectId, board, updated=True)
