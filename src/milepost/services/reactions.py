"""Reactions to entities: likes, votes, favourites, watches (Leantime's `Reactions` domain).

A reaction names its target by `module` and `moduleId` (ticket, project, comment,
article, idea, goal; Leantime's plurals `tickets` and `projects` mean the same and are
stored singular). Reacting and reading reactions need projects.view in the target's
project, as in Leantime 3.9; a target that does not exist or lies outside the caller's
projects is -32002 for writes and answers [] for reads. Reactions come in types
(sentiment, content, entity): a person holds at most one reaction of each type per
entity, so a second 'like'-type reaction answers false.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from sqlalchemy import delete, func, insert, select

from milepost.services import entities
from milepost.services.errors import InvalidParams, NotFound
from milepost.services.operations import Context, operation
from milepost.services.values import fmt_date
from milepost.storage import tables as t

rc = t.reactions.c

REACTION_TYPES: dict[str, tuple[str, ...]] = {
    "sentimentReactions": (
        "like", "anger", "love", "support", "celebrate", "interesting", "sad", "funny",
    ),
    "contentReactions": ("upvote", "downvote"),
    "entityReactions": ("favorite", "watch"),
}  # fmt: skip
REACTIONS = tuple(reaction for group in REACTION_TYPES.values() for reaction in group)


class GroupedReaction(TypedDict):
    """How often one reaction was given to an entity."""

    reactionCount: int
    reaction: str


class ReactionRow(TypedDict):
    """One person's reaction."""

    id: int
    reaction: str
    date: str | None
    module: str
    moduleId: int
    userId: int


class Reactor(TypedDict):
    userId: int
    name: str


class ReactionWithUsers(TypedDict):
    """One reaction to an entity with who gave it."""

    reaction: str
    reactionCount: int
    users: list[Reactor]


def reaction_type(reaction: str) -> str | None:
    for kind, reactions in REACTION_TYPES.items():
        if reaction in reactions:
            return kind
    return None


def _module(module: str) -> str:
    name = entities.normalize(module)
    if name not in entities.MODULES:
        raise InvalidParams(
            f"param `module`: expected one of {', '.join(sorted(entities.MODULES))},"
            f" got {module!r}",
            param="module",
            expected="one of " + ", ".join(sorted(entities.MODULES)),
        )
    return name


def _visible(ctx: Context, module: str, module_id: int) -> bool:
    project_id = entities.project_of(ctx.conn, module, module_id)
    return project_id is not None and ctx.can("projects.view", project_id)


def _target(ctx: Context, module: str, module_id: int, reaction: str) -> str:
    """The canonical module of a reaction the caller may give or take back."""
    name = _module(module)
    if reaction_type(reaction) is None:
        raise InvalidParams(
            f"param `reaction`: expected one of {', '.join(REACTIONS)}, got {reaction!r}",
            param="reaction",
            expected="a reaction name",
        )
    if not _visible(ctx, name, module_id):
        raise NotFound(f"no {name} {module_id}")
    return name


@operation("Reactions.Reactions.react", checks="projects.view", writes=True)
def react(ctx: Context, module: str, moduleId: int, reaction: str) -> bool:
    """React to an entity as the caller. True when the reaction was added; false when
    the caller already gave a reaction of the same type (see getReactionType) to it."""
    name = _target(ctx, module, moduleId, reaction)
    kind = reaction_type(reaction)
    given = ctx.conn.execute(
        select(rc.reaction).where(
            rc.userId == ctx.principal.user_id, rc.module == name, rc.moduleId == moduleId
        )
    ).scalars()
    if any(reaction_type(previous) == kind for previous in given):
        return False
    ctx.conn.execute(
        insert(t.reactions).values(
            userId=ctx.principal.user_id,
            module=name,
            moduleId=moduleId,
            reaction=reaction,
            date=ctx.now,
        )
    )
    return True


@operation("Reactions.Reactions.unreact", checks="projects.view", writes=True)
def unreact(ctx: Context, module: str, moduleId: int, reaction: str) -> bool:
    """Take back the caller's reaction. True when it was removed, false when the caller
    had not given it."""
    name = _target(ctx, module, moduleId, reaction)
    removed = ctx.conn.execute(
        delete(t.reactions).where(
            rc.userId == ctx.principal.user_id,
            rc.module == name,
            rc.moduleId == moduleId,
            rc.reaction == reaction,
        )
    ).rowcount
    return bool(removed)


@operation("Reactions.Reactions.getReactionType")
def get_reaction_type(ctx: Context, reaction: str) -> str | Literal[False]:
    """The type of a reaction: sentimentReactions (like, anger, love, support,
    celebrate, interesting, sad, funny), contentReactions (upvote, downvote) or
    entityReactions (favorite, watch); false for an unknown reaction."""
    return reaction_type(reaction) or False


@operation("Reactions.Reactions.getGroupedEntityReactions", checks="projects.view")
def get_grouped_entity_reactions(
    ctx: Context, module: str, moduleId: int
) -> list[GroupedReaction] | Literal[False]:
    """How often each reaction was given to an entity, by reaction. [] when the entity
    does not exist or lies outside the caller's projects."""
    name = _module(module)
    if not _visible(ctx, name, moduleId):
        return []
    rows = ctx.conn.execute(
        select(func.count().label("reactionCount"), rc.reaction)
        .where(rc.module == name, rc.moduleId == moduleId)
        .group_by(rc.reaction)
        .order_by(rc.reaction)
    )
    return [{"reactionCount": int(row.reactionCount), "reaction": row.reaction} for row in rows]


@operation("Reactions.Reactions.getUserReactions")
def get_user_reactions(
    ctx: Context,
    userId: int,
    module: str = "",
    moduleId: int | None = None,
    reaction: str = "",
) -> list[ReactionRow] | Literal[False]:
    """A person's reactions, optionally to one module, one entity, or of one kind. Only
    reactions to entities the caller may see are answered (all of the caller's own)."""
    query = select(t.reactions).where(rc.userId == userId)
    if module:
        query = query.where(rc.module == _module(module))
    if moduleId is not None:
        query = query.where(rc.moduleId == moduleId)
    if reaction:
        query = query.where(rc.reaction == reaction)
    rows = ctx.conn.execute(query.order_by(rc.id)).all()
    own = userId == ctx.principal.user_id
    return [
        {
            "id": row.id,
            "reaction": row.reaction,
            "date": fmt_date(row.date),
            "module": row.module,
            "moduleId": row.moduleId,
            "userId": row.userId,
        }
        for row in rows
        if own or _visible(ctx, row.module, row.moduleId)
    ]


@operation("Reactions.Reactions.getEntityReactionsWithUsers", checks="projects.view")
def get_entity_reactions_with_users(
    ctx: Context, module: str, moduleId: int
) -> list[ReactionWithUsers]:
    """Each reaction given to an entity, with its count and the people who gave it
    (id and name). [] when the entity does not exist or lies outside the caller's
    projects."""
    name = _module(module)
    if not _visible(ctx, name, moduleId):
        return []
    u = t.users.c
    rows = ctx.conn.execute(
        select(rc.reaction, rc.userId, u.firstname, u.lastname)
        .outerjoin(t.users, u.id == rc.userId)
        .where(rc.module == name, rc.moduleId == moduleId)
        .order_by(rc.id)
    )
    grouped: dict[str, ReactionWithUsers] = {}
    for row in rows:
        entry = grouped.setdefault(
            row.reaction, {"reaction": row.reaction, "reactionCount": 0, "users": []}
        )
        entry["reactionCount"] += 1
        name_text = f"{row.firstname or ''} {row.lastname or ''}".strip()
        entry["users"].append({"userId": row.userId, "name": name_text})
    return list(grouped.values())
