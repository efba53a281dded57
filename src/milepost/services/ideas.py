"""Idea boards and their ideas (Leantime's `Ideas` domain).

An idea board is a board of type 'idea'; its ideas are board items whose `box` is the
column they stand in: idea, research, prototype, validation, implemented or deferred.
Reading needs ideas.view in the board's project, writing ideas.create / edit / delete
(editor and above). Boards and ideas outside the caller's projects read as missing (an
empty list, an empty title, false) and cannot be written (-32002).

Boards are in idea_boards.py, comments in idea_comments.py, shapes and access checks in
idea_rows.py.

Deliberate differences from Leantime:
- the author of a board or idea is the caller; `authorId` and `projectId` params are
  accepted for Leantime clients and ignored (the project is the board's);
- refusals are errors (-32001, -32002, -32602) where Leantime answers false or 0, and a
  batch (`reorderIdeas`, `bulkUpdateStatus`) changes nothing unless every item may change;
- columns, milestones and boards are checked; `patchIdeaItem` changes only the item's
  own fields (Leantime writes any column it is sent);
- `updateIdeaItem` keeps the fields it is not sent instead of blanking them;
- the poll methods answer the ideas of every column (Leantime only those in 'idea').
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from sqlalchemy import insert, update

from milepost.services import idea_rows, tickets
from milepost.services.boards import MAX_INT, MAX_TITLE, milestone_in, text
from milepost.services.errors import InvalidParams
from milepost.services.operations import Context, operation
from milepost.services.scope import visible_projects
from milepost.services.ticket_rows import TicketRow
from milepost.services.versions import checked_update
from milepost.storage import tables as t
from milepost.storage.database import insert_id

cv, ci = t.canvas.c, t.canvas_items.c
MAX_BATCH = 1000
PATCHABLE = (
    "description", "assumptions", "data", "conclusion", "box", "status", "tags", "milestoneId",
    "sortindex", "title",
)  # fmt: skip


class IdeaInput(TypedDict, total=False):
    """An idea's fields: `canvasId` (its board), `box` (its column: idea, research,
    prototype, validation, implemented or deferred), `description` (the idea), `data`,
    `assumptions`, `conclusion`, `status` (a free label), `tags` and `milestoneId`.
    For updates: `itemId` (or `id`) names the idea, `existingMilestone` links a
    milestone, `newMilestone` creates one with that headline and links it."""

    itemId: int
    id: int
    canvasId: int
    box: str
    description: str
    data: str
    assumptions: str
    conclusion: str
    status: str
    tags: str
    title: str
    milestoneId: int | str | None
    existingMilestone: int | str | None
    newMilestone: str
    sortindex: int | None


class SortEntry(TypedDict):
    """An idea and its new position."""

    id: int
    sortIndex: int


@operation("Ideas.Ideas.getBoardItems")
def get_board_items(ctx: Context, boardId: int) -> list[idea_rows.IdeaItem]:
    """The ideas on a board in their sort order; empty for a board the caller cannot see."""
    if idea_rows.viewable_board(ctx, boardId) is None:
        return []
    return [idea_rows.shape_item(row) for row in _items(ctx, ci.canvasId == boardId)]


def _items(ctx: Context, *where: Any) -> list[Any]:
    query = idea_rows.item_select().where(*where).order_by(ci.sortindex.asc().nulls_last(), ci.id)
    return list(ctx.conn.execute(ctx.page_query(query, ci.id, ci.modified)))


@operation("Ideas.Ideas.getIdeaItem")
def get_idea_item(
    ctx: Context, id: int | None = None, type: str = "idea"
) -> idea_rows.IdeaDetail | idea_rows.NewIdea | list[idea_rows.IdeaDetail]:
    """One idea; without `id`, an empty idea in column `type` (the form for a new one).
    An empty list when the idea does not exist or lies outside the caller's projects."""
    if id is None:
        return {
            "id": "", "box": type, "tags": "", "description": "", "status": "idea",
            "assumptions": "", "data": "", "conclusion": "", "milestoneHeadline": "",
            "milestoneId": "",
        }  # fmt: skip
    row = _detail_row(ctx, id)
    return [] if row is None else idea_rows.shape_detail(row)


def _detail_row(ctx: Context, item_id: int) -> Any:
    if idea_rows.viewable_item(ctx, item_id) is None:
        return None
    return ctx.conn.execute(idea_rows.item_select().where(ci.id == item_id)).first()


@operation("Ideas.Ideas.getRawIdeaItem")
def get_raw_idea_item(ctx: Context, id: int | None = None) -> idea_rows.IdeaDetail | Literal[False]:
    """One idea as stored, or false when it does not exist or lies outside the caller's
    projects."""
    row = None if id is None else _detail_row(ctx, id)
    if row is None:
        return False
    detail = idea_rows.shape_detail(row)
    detail["box"] = row.box
    return detail


def _column(value: Any, param: str) -> str:
    column = "idea" if value in (None, "", "0") else value
    if column not in idea_rows.COLUMNS:
        raise InvalidParams(
            f"param `{param}`: expected one of {', '.join(idea_rows.COLUMNS)}, got {value!r}",
            param=param,
            expected="one of " + ", ".join(idea_rows.COLUMNS),
        )
    return str(column)


def _description(values: dict[str, Any], param: str) -> str:
    description = text(values, "description", param)
    if not description.strip():
        raise InvalidParams(
            f"param `{param}.description`: an idea needs a description",
            param=f"{param}.description",
            expected="a non-empty description",
        )
    return description


def _fields(ctx: Context, values: dict[str, Any], project_id: int, param: str) -> dict[str, Any]:
    """Validated columns for the idea fields present in `values`."""
    columns: dict[str, Any] = {}
    if "description" in values:
        columns["description"] = _description(values, param)
    for field in ("data", "assumptions", "conclusion", "tags"):
        if field in values:
            columns[field] = text(values, field, param)
    for field in ("status", "title"):
        if field in values:
            columns[field] = text(values, field, param, MAX_TITLE)
    if "box" in values:
        columns["box"] = _column(values["box"], f"{param}.box")
    if "milestoneId" in values:
        milestone = milestone_in(ctx, values["milestoneId"], project_id, f"{param}.milestoneId")
        columns["milestoneId"] = "" if milestone is None else str(milestone)
    if "sortindex" in values:
        columns["sortindex"] = values["sortindex"]
    return columns


@operation("Ideas.Ideas.createIdeaItem", writes=True)
def create_idea_item(
    ctx: Context, input: IdeaInput, projectId: int | None = None, authorId: int | None = None
) -> int:
    """Put a new idea on the board `input.canvasId` (column `box`, default 'idea') and
    return its id. Needs ideas.create in the board's project; a description is required.
    The author is the caller; `projectId` and `authorId` are ignored."""
    values: dict[str, Any] = dict(input)
    found = idea_rows.writable_board(ctx, values.get("canvasId"), "ideas.create", "input.canvasId")
    values.setdefault("description", "")
    values.setdefault("box", "idea")
    columns = _fields(ctx, values, found.projectId, "input")
    columns.update(
        canvasId=found.id, author=ctx.principal.user_id, created=ctx.now, modified=ctx.now
    )
    return insert_id(ctx.conn, insert(t.canvas_items).values(**columns))


@operation("Ideas.Ideas.updateIdeaItem", writes=True)
def update_idea_item(
    ctx: Context,
    input: IdeaInput,
    projectId: int | None = None,
    authorId: int | None = None,
    expectedVersion: int | None = None,
) -> int:
    """Change the idea `input.itemId` (or `input.id`) and return its id. Fields left out
    keep their values; `canvasId` moves it to another idea board (ideas.edit needed
    there too); `existingMilestone` links a milestone and `newMilestone` creates one with
    that headline (tickets.create needed). Needs ideas.edit; -32002 for an idea the
    caller cannot see, -32005 when `expectedVersion` is stale."""
    values: dict[str, Any] = dict(input)
    row = idea_rows.writable_item(
        ctx, values.get("itemId") or values.get("id"), "ideas.edit", "input.itemId"
    )
    target = row
    if values.get("canvasId") not in (None, 0, row.canvasId):
        target = idea_rows.writable_board(ctx, values["canvasId"], "ideas.edit", "input.canvasId")
    if values.get("existingMilestone") not in (None, ""):
        values["milestoneId"] = values["existingMilestone"]
    if (values.get("newMilestone") or "").strip():
        values["milestoneId"] = tickets.quick_add_milestone(
            ctx,
            {
                "headline": values["newMilestone"].strip(),
                "projectId": target.projectId,
                "tags": "#ccc",
            },
        )
    columns = _fields(ctx, values, target.projectId, "input")
    columns.update(canvasId=target.id if target is not row else row.canvasId, modified=ctx.now)
    checked_update(
        ctx, t.canvas_items, row.id, columns, expected_version=expectedVersion, what="idea"
    )
    return int(row.id)


@operation("Ideas.Ideas.patchIdeaItem", writes=True)
def patch_idea_item(
    ctx: Context, id: int, params: IdeaInput, expectedVersion: int | None = None
) -> bool:
    """Change only the given fields of an idea (description, assumptions, data,
    conclusion, box, status, tags, milestoneId, sortindex, title; others are ignored).
    Returns true, or false when `params` held none of them. Needs ideas.edit; -32002 for
    an idea the caller cannot see."""
    row = idea_rows.writable_item(ctx, id, "ideas.edit", "id")
    values = {key: value for key, value in dict(params).items() if key in PATCHABLE}
    if not values:
        return False
    columns = _fields(ctx, values, row.projectId, "params")
    columns["modified"] = ctx.now
    checked_update(
        ctx, t.canvas_items, row.id, columns, expected_version=expectedVersion, what="idea"
    )
    return True


@operation("Ideas.Ideas.removeMilestone", writes=True)
def remove_milestone(ctx: Context, ideaItemId: int) -> None:
    """Unlink an idea's milestone. Answers null, as Leantime. Needs ideas.edit; -32002 for
    an idea the caller cannot see."""
    row = idea_rows.writable_item(ctx, ideaItemId, "ideas.edit", "ideaItemId")
    checked_update(
        ctx, t.canvas_items, row.id, {"milestoneId": "", "modified": ctx.now},
        expected_version=None, what="idea",
    )  # fmt: skip


@operation("Ideas.Ideas.deleteCanvasItem", writes=True)
def delete_canvas_item(ctx: Context, id: int) -> bool:
    """Delete an idea and its comments. Returns true. Needs ideas.delete; -32002 for an
    idea the caller cannot see."""
    row = idea_rows.writable_item(ctx, id, "ideas.delete", "id")
    idea_rows.remove_items(ctx, [row.id])
    return True


def _batch(ctx: Context, ids: list[int], param: str) -> None:
    if len(ids) > MAX_BATCH:
        raise InvalidParams(
            f"param `{param}`: expected at most {MAX_BATCH} ideas, got {len(ids)}",
            param=param,
            expected=f"at most {MAX_BATCH} ideas",
        )
    for item_id in dict.fromkeys(ids):
        idea_rows.writable_item(ctx, item_id, "ideas.edit", param)


@operation("Ideas.Ideas.reorderIdeas", writes=True)
def reorder_ideas(ctx: Context, payload: list[SortEntry]) -> bool:
    """Set the sort position of ideas: a list of {id, sortIndex}. Returns true. Needs
    ideas.edit in the project of every idea; otherwise nothing changes (-32001, or
    -32002 for an idea the caller cannot see)."""
    for index, entry in enumerate(payload):
        for field in ("id", "sortIndex"):
            if entry.get(field) is None:
                raise InvalidParams(
                    f"Required Parameter Missing: payload[{index}].{field}",
                    param=f"payload[{index}].{field}",
                    expected="an integer",
                )
    _batch(ctx, [entry["id"] for entry in payload], "payload")
    for entry in payload:
        ctx.conn.execute(
            update(t.canvas_items)
            .where(ci.id == entry["id"])
            .values(sortindex=entry["sortIndex"], modified=ctx.now, version=ci.version + 1)
        )
    return True


def _listed_ids(value: Any, param: str) -> list[int]:
    """Ids from jQuery sortable's "item[]=1&item[]=2" (or a plain list of ids)."""
    if isinstance(value, list):
        parts = [str(part) for part in value]
    elif isinstance(value, str):
        parts = [part.split("=", 1)[-1] for part in value.split("&") if part]
    else:
        parts = ["?"]
    if not all(part.strip().isdigit() and int(part) < MAX_INT for part in parts):
        raise InvalidParams(
            f'param `{param}`: expected "item[]=<id>&item[]=<id>..." or a list of ids,'
            f" got {value!r}",
            param=param,
            expected="item[]=<id>&... or a list of ids",
        )
    return [int(part) for part in parts]


@operation("Ideas.Ideas.bulkUpdateStatus", writes=True)
def bulk_update_status(ctx: Context, payload: dict[str, Any]) -> bool:
    """Move ideas between columns, as the board's drag and drop does: an object from
    column to jQuery sortable's "item[]=<id>&item[]=<id>..." (or a list of ids). The
    position in each list becomes the sort order. Returns true. Needs ideas.edit for
    every idea; otherwise nothing changes."""
    moves = {
        _column(column, f"payload.{column}"): _listed_ids(ids, f"payload.{column}")
        for column, ids in payload.items()
    }
    _batch(ctx, [item_id for ids in moves.values() for item_id in ids], "payload")
    for column, ids in moves.items():
        for position, item_id in enumerate(ids):
            ctx.conn.execute(
                update(t.canvas_items)
                .where(ci.id == item_id)
                .values(box=column, sortindex=position, modified=ctx.now, version=ci.version + 1)
            )
    return True


@operation("Ideas.Ideas.getProjectMilestones", permission="ideas.view", project="projectId")
def get_project_milestones(ctx: Context, projectId: int) -> list[TicketRow]:
    """The milestones of a project an idea can be linked to, as getAllMilestones lists
    them."""
    return tickets.get_all_milestones(ctx, {"currentProject": projectId})


def _poll(
    ctx: Context, projectId: int | None, board_id: int | None, updated: bool
) -> list[idea_rows.PolledIdea]:
    query = idea_rows.item_select().join(t.projects, t.projects.c.id == cv.projectId)
    query = query.where(visible_projects(ctx.principal)).order_by(ci.id)
    if projectId:
        query = query.where(cv.projectId == projectId)
    if board_id:
        query = query.where(cv.id == board_id)
    if not updated:
        query = ctx.page_query(query, ci.id, ci.modified)
    return [idea_rows.shape_polled(row, updated) for row in ctx.conn.execute(query)]


@operation("Ideas.Ideas.pollForNewIdeas", permission="ideas.view", project="projectId")
def poll_for_new_ideas(
    ctx: Context, projectId: int | None = None, board: int | None = None
) -> list[idea_rows.PolledIdea]:
    """Every idea the caller can see (of one project or board, if given), dates in ISO
    8601 UTC, for integrations that poll."""
    return _poll(ctx, projectId, board, updated=False)


@operation("Ideas.Ideas.pollForUpdatedIdeas", permission="ideas.view", project="projectId")
def poll_for_updated_ideas(
    ctx: Context, projectId: int | None = None, board: int | None = None
) -> list[idea_rows.PolledIdea]:
    """The ideas pollForNewIdeas answers, each `id` made "<id>-<modified>" so that a
    changed idea looks new to integrations that de-duplicate on id."""
    return _poll(ctx, projectId, board, updated=True)
