"""Comments on tickets, projects, wiki articles, ideas and goals (`Comments` domain).

A comment belongs to an entity named by `module` ('ticket', 'project', 'article',
'idea' or 'goalcanvasitem') and its id, and to that entity's project: reading needs
comments.view there, writing comments.create (commenter and above). Authors edit and
delete their own comments; changing someone
else's needs comments.moderate (manager and above) in the project. An entity outside
the caller's projects is treated as missing.

Differences from Leantime: refusals are errors (-32001, -32002) instead of `false`, and
deleting a comment deletes its replies with it instead of leaving them unreachable.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from sqlalchemy import and_, delete, insert, or_, select

from milepost.services import entities, webhooks
from milepost.services.errors import InvalidParams, NotFound
from milepost.services.operations import Context, operation
from milepost.services.values import fmt_date
from milepost.services.versions import checked_update
from milepost.storage import tables as t
from milepost.storage.database import insert_id

cc = t.comments.c
# Leantime's module words for what can be commented on (goals as `goalcanvasitem`).
MODULES = ("ticket", "project", "article", "idea", "goalcanvasitem")
MAX_TEXT = 100_000
MAX_STATUS = 50


class CommentValues(TypedDict, total=False):
    """A comment's fields: `text`, and for a reply `father` (or `parentId`), the id of
    the comment replied to; `status` is a free label (Leantime uses it for status
    updates)."""

    text: str
    father: int
    parentId: int
    status: str


class Comment(TypedDict):
    """A comment with its author's name, as Leantime lists it."""

    id: int
    module: str
    text: str
    date: str | None
    rawDate: str | None
    timelineDate: str | None
    moduleId: int
    userId: int
    commentParent: int
    status: str
    firstname: str | None
    lastname: str | None
    profileId: str | None
    userModified: str | None


def _project_of(ctx: Context, module: str, entity_id: int) -> int:
    """The project of the commented entity; NotFound when it is missing or hidden."""
    if module not in MODULES:
        raise InvalidParams(
            f"param `module`: expected one of {', '.join(MODULES)}, got {module!r}",
            param="module",
            expected="one of " + ", ".join(MODULES),
        )
    project_id = entities.project_of(ctx.conn, module, entity_id)
    if project_id is None or not ctx.can_access_project(project_id):
        raise NotFound(f"no {module} {entity_id}")
    return int(project_id)


def shape(row: Any) -> Comment:
    """A row of `comment_select()` as the comment methods answer it."""
    date = fmt_date(row.date)
    return {
        "id": row.id,
        "module": row.module,
        "text": row.text,
        "date": date,
        "rawDate": date,
        "timelineDate": f"{row.date.year},{row.date.month:02},{row.date.day}" if row.date else None,
        "moduleId": row.moduleId,
        "userId": row.userId,
        "commentParent": row.commentParent,
        "status": row.status,
        "firstname": row.firstname,
        "lastname": row.lastname,
        "profileId": row.profileId,
        "userModified": fmt_date(row.userModified),
    }


@operation("Comments.Comments.getComments")
def get_comments(
    ctx: Context, module: str, entityId: int, commentOrder: int = 0, parent: int = 0
) -> list[Comment] | Literal[False]:
    """The comments on an entity (a `module` word such as 'ticket', 'project',
    'article', 'idea' or 'goalcanvasitem', and its id) whose parent is `parent` (0:
    top-level comments; a comment id: its replies), newest first, or oldest first
    with `commentOrder` 1. False when the entity is missing or outside the
    caller's projects."""
    try:
        project_id = _project_of(ctx, module, entityId)
    except NotFound:
        return False
    ctx.authorize("comments.view", project_id)
    order = cc.date.asc() if commentOrder == 1 else cc.date.desc()
    rows = ctx.conn.execute(
        comment_select()
        .where(cc.module == module, cc.moduleId == entityId, cc.commentParent == parent)
        .order_by(order, cc.id.asc() if commentOrder == 1 else cc.id.desc())
    )
    return [shape(row) for row in rows]


def comment_select() -> Any:
    """Comments with their author's name, picture and last change joined in."""
    u = t.users.c
    return select(
        t.comments, u.firstname, u.lastname, u.profileId, u.modified.label("userModified")
    ).outerjoin(t.users, u.id == cc.userId)


def _text(values: dict[str, Any], param: str) -> str:
    text = values.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InvalidParams(
            f"param `{param}.text`: a comment needs a non-empty text",
            param=f"{param}.text",
            expected="a non-empty string",
        )
    if len(text) > MAX_TEXT:
        raise InvalidParams(
            f"param `{param}.text`: expected at most {MAX_TEXT} characters, got {len(text)}",
            param=f"{param}.text",
            expected=f"at most {MAX_TEXT} characters",
        )
    return text


def _parent(ctx: Context, values: dict[str, Any], module: str, entity_id: int) -> int:
    father = values.get("father")
    if father is None:
        father = values.get("parentId")
    if not father:
        return 0
    found = ctx.conn.execute(
        select(cc.id).where(cc.id == father, cc.module == module, cc.moduleId == entity_id)
    ).first()
    if found is None:
        raise InvalidParams(
            f"param `values.father`: no comment {father} on {module} {entity_id}",
            param="values.father",
            expected="the id of a comment on the same entity",
        )
    return int(father)


@operation("Comments.Comments.addComment", checks="comments.create", writes=True)
def add_comment(
    ctx: Context, values: CommentValues, module: str, entityId: int, entity: Any = None
) -> bool:
    """Comment on an entity (a `module` word such as 'ticket', 'project', 'article',
    'idea' or 'goalcanvasitem', and its id) as the caller; a reply when `values.father`
    names a comment on the same entity. Needs comments.create in the entity's
    project (commenter and above). Returns true, as Leantime does (not the
    id). `entity` is accepted for Leantime clients and ignored."""
    project_id = _project_of(ctx, module, entityId)
    ctx.authorize("comments.create", project_id)
    fields: dict[str, Any] = dict(values)
    text = _text(fields, "values")
    status = str(fields.get("status") or "")
    if len(status) > MAX_STATUS:
        raise InvalidParams(
            f"param `values.status`: expected at most {MAX_STATUS} characters",
            param="values.status",
        )
    comment_id = insert_id(
        ctx.conn,
        insert(t.comments).values(
            module=module,
            moduleId=entityId,
            userId=ctx.principal.user_id,
            commentParent=_parent(ctx, fields, module, entityId),
            date=ctx.now,
            text=text,
            status=status,
            modified=ctx.now,
        ),
    )
    emit(ctx, comment_id, "created", project_id)
    return True


def emit(ctx: Context, comment_id: int, action: str, project_id: int) -> None:
    """Tell webhook listeners that a comment changed."""

    def data() -> Comment | None:
        row = ctx.conn.execute(comment_select().where(cc.id == comment_id)).first()
        return None if row is None else shape(row)

    webhooks.emit(ctx, "comment", action, comment_id, project_id=project_id, data=data)


def _modifiable(ctx: Context, comment_id: int) -> tuple[Any, int]:
    """The comment row, once the caller may change it (author, or moderator)."""
    row = ctx.conn.execute(select(t.comments).where(cc.id == comment_id)).first()
    if row is None:
        raise NotFound(f"no comment {comment_id}")
    try:
        project_id = _project_of(ctx, row.module, row.moduleId)
    except (NotFound, InvalidParams):
        raise NotFound(f"no comment {comment_id}") from None
    own = row.userId == ctx.principal.user_id
    ctx.authorize("comments.create" if own else "comments.moderate", project_id)
    return row, project_id


@operation("Comments.Comments.editComment", checks="comments.create", writes=True)
def edit_comment(ctx: Context, values: CommentValues, id: int) -> bool:
    """Replace the text of comment `id`. Authors edit their own comments; editing
    someone else's needs comments.moderate in the project. Returns true."""
    row, project_id = _modifiable(ctx, id)
    text = _text(dict(values), "values")
    checked_update(
        ctx, t.comments, row.id, {"text": text, "modified": ctx.now},
        expected_version=None, what="comment",
    )  # fmt: skip
    emit(ctx, row.id, "updated", project_id)
    return True


@operation("Comments.Comments.deleteComment", checks="comments.create", writes=True)
def delete_comment(ctx: Context, commentId: int) -> bool:
    """Delete a comment and its replies. Authors delete their own comments; deleting
    someone else's needs comments.moderate in the project. Returns true."""
    row, project_id = _modifiable(ctx, commentId)
    emit(ctx, row.id, "deleted", project_id)
    delete_thread(ctx, row)
    return True


def delete_thread(ctx: Context, row: Any) -> None:
    """Delete the comment `row` and the replies to it."""
    replies = and_(cc.commentParent == row.id, cc.module == row.module, cc.moduleId == row.moduleId)
    ctx.conn.execute(delete(t.comments).where(or_(cc.id == row.id, replies)))
