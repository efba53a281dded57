"""Reactions to comments (Leantime 3.9's `Comments.toggleCommentReaction` and
`getCommentReactions`), kept as reactions of module 'comment' (see reactions.py).

Reacting needs comments.create in the comment's project (commenter and above), reading
comments.view; a comment outside the caller's projects is -32002. `userId` must be the
caller: nobody reacts in someone else's name.
"""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import select

from milepost.services import entities, reactions
from milepost.services.errors import Forbidden, NotFound
from milepost.services.operations import Context, operation
from milepost.storage import tables as t

rc = t.reactions.c


class CommentReaction(TypedDict):
    """How often a reaction was given to a comment, and whether by `userId`."""

    reaction: str
    reactionCount: int
    reactedByUser: bool


def _comment_project(ctx: Context, comment_id: int, permission: str) -> int:
    project_id = entities.project_of(ctx.conn, "comment", comment_id)
    if project_id is None or not ctx.can_access_project(project_id):
        raise NotFound(f"no comment {comment_id}")
    ctx.authorize(permission, project_id)
    return project_id


@operation("Comments.Comments.toggleCommentReaction", checks="comments.create", writes=True)
def toggle_comment_reaction(ctx: Context, userId: int, commentId: int, reaction: str) -> bool:
    """Give a reaction (like, love, upvote, ... see Reactions.getReactionType) to a
    comment as the caller, or take it back when the caller had given it. True when
    something changed; false when the caller already gave another reaction of the same
    type."""
    if userId != ctx.principal.user_id:
        raise Forbidden("reactions are given in one's own name only")
    _comment_project(ctx, commentId, "comments.create")
    given = ctx.conn.execute(
        select(rc.id).where(
            rc.userId == userId,
            rc.module == "comment",
            rc.moduleId == commentId,
            rc.reaction == reaction,
        )
    ).first()
    if given is not None:
        return reactions.unreact(ctx, "comment", commentId, reaction)
    return reactions.react(ctx, "comment", commentId, reaction)


@operation("Comments.Comments.getCommentReactions", checks="comments.view")
def get_comment_reactions(ctx: Context, commentId: int, userId: int) -> list[CommentReaction]:
    """The reactions to a comment with their counts, and whether `userId` gave each."""
    _comment_project(ctx, commentId, "comments.view")
    rows = reactions.get_entity_reactions_with_users(ctx, "comment", commentId)
    return [
        {
            "reaction": row["reaction"],
            "reactionCount": row["reactionCount"],
            "reactedByUser": any(user["userId"] == userId for user in row["users"]),
        }
        for row in rows
    ]
