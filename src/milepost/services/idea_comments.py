"""Comments on ideas (the comment methods of Leantime's `Ideas` domain).

Idea comments are `zp_comment` rows of module 'idea'. Reading needs ideas.view in the
idea's project; commenting needs comments.create (commenter and above); authors delete
their own comments, deleting someone else's needs comments.moderate (manager and above).

Differences from Leantime: `addIdeaComment` accepts its union-typed `parentCommentId`
(Leantime cannot bind it over RPC) and checks that the parent is a comment on the same
idea; the author is the caller (`authorId`, `projectId` are ignored); replies are listed
with the comments they answer; deleting a comment deletes its replies.
"""

from __future__ import annotations

from sqlalchemy import func, insert, select

from milepost.services import comments
from milepost.services.boards import whole
from milepost.services.comments import Comment
from milepost.services.errors import InvalidParams, NotFound
from milepost.services.idea_rows import COMMENT_MODULE, viewable_item, writable_item
from milepost.services.operations import Context, operation
from milepost.storage import tables as t
from milepost.storage.database import insert_id

cc = t.comments.c
MAX_TEXT = 100_000


def _module(module: str) -> None:
    if module != COMMENT_MODULE:
        raise InvalidParams(
            f"param `module`: idea comments have module 'idea', got {module!r}",
            param="module",
            expected="'idea'",
        )


@operation("Ideas.Ideas.getIdeaComments")
def get_idea_comments(ctx: Context, module: str, entityId: int) -> list[Comment]:
    """The comments on an idea (module 'idea'), replies included, newest first. Empty
    for an idea the caller cannot see."""
    _module(module)
    if viewable_item(ctx, entityId) is None:
        return []
    query = comments.comment_select().where(cc.module == COMMENT_MODULE, cc.moduleId == entityId)
    query = query.order_by(cc.date.desc(), cc.id.desc())
    rows = ctx.conn.execute(ctx.page_query(query, cc.id, cc.modified))
    return [comments.shape(row) for row in rows]


@operation("Ideas.Ideas.countIdeaComments")
def count_idea_comments(ctx: Context, module: str, entityId: int) -> int:
    """How many comments an idea has (module 'idea'); 0 for an idea the caller cannot
    see."""
    _module(module)
    if viewable_item(ctx, entityId) is None:
        return 0
    query = select(func.count()).where(cc.module == COMMENT_MODULE, cc.moduleId == entityId)
    return int(ctx.conn.execute(query).scalar_one())


def _parent(ctx: Context, value: int | str | None, idea_id: int) -> int:
    if value in (None, "", 0, "0"):
        return 0
    try:
        parent = whole(value, "parentCommentId")
    except InvalidParams:
        parent = None
    found = None
    if parent is not None:
        found = ctx.conn.execute(
            select(cc.id).where(
                cc.id == parent, cc.module == COMMENT_MODULE, cc.moduleId == idea_id
            )
        ).first()
    if found is None or parent is None:
        raise InvalidParams(
            f"param `parentCommentId`: no comment {value!r} on idea {idea_id}",
            param="parentCommentId",
            expected="the id of a comment on the same idea, or 0",
        )
    return parent


@operation("Ideas.Ideas.addIdeaComment", writes=True)
def add_idea_comment(
    ctx: Context,
    *,
    text: str,
    ideaItemId: int,
    parentCommentId: int | str | None = 0,
    projectId: int | None = None,
    authorId: int | None = None,
) -> str:
    """Comment on an idea as the caller; a reply when `parentCommentId` names a comment
    on the same idea (0 or '' for none). Returns the new comment's id as a string, as
    Leantime does. Needs comments.create in the idea's project (commenter and above);
    -32002 for an idea the caller cannot see."""
    row = writable_item(ctx, ideaItemId, "comments.create", "ideaItemId")
    if not text.strip() or len(text) > MAX_TEXT:
        raise InvalidParams(
            f"param `text`: expected a comment of 1 to {MAX_TEXT} characters",
            param="text",
            expected=f"a non-empty text of at most {MAX_TEXT} characters",
        )
    comment_id = insert_id(
        ctx.conn,
        insert(t.comments).values(
            module=COMMENT_MODULE, moduleId=row.id, userId=ctx.principal.user_id,
            commentParent=_parent(ctx, parentCommentId, row.id), date=ctx.now, text=text,
            status="", modified=ctx.now,
        ),
    )  # fmt: skip
    comments.emit(ctx, comment_id, "created", row.projectId)
    return str(comment_id)


@operation("Ideas.Ideas.removeIdeaComment", writes=True)
def remove_idea_comment(ctx: Context, commentId: int) -> None:
    """Delete a comment on an idea, with its replies. Authors delete their own
    (comments.create needed); someone else's needs comments.moderate. Answers null, as
    Leantime. -32002 for a comment the caller cannot see."""
    row = ctx.conn.execute(
        select(t.comments).where(cc.id == commentId, cc.module == COMMENT_MODULE)
    ).first()
    if row is None:
        raise NotFound(f"no idea comment {commentId}")
    own = row.userId == ctx.principal.user_id
    idea = writable_item(
        ctx, row.moduleId, "comments.create" if own else "comments.moderate", "commentId"
    )
    comments.delete_thread(ctx, row)
    comments.emit(ctx, row.id, "deleted", idea.projectId)
