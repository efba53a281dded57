"""What hangs off an entity by module and id: comments, files, reactions, notifications.

Leantime keeps these in tables of their own that point at the entity by a module word
and an id, with no foreign key. Whoever deletes an entity calls `forget` in the same
transaction, so nothing is left behind that no one can reach; stored file contents are
removed from disk after the transaction commits.
"""

from __future__ import annotations

from sqlalchemy import and_, delete, or_, select

from milepost.services import entities, files
from milepost.services.operations import Context
from milepost.storage import tables as t

# The module words each kind of entity is stored under, Leantime's spellings included.
_SPELLINGS = {
    "ticket": ("ticket", "tickets", "milestone"),
    "project": ("project", "projects"),
    "article": ("article", "wiki"),
    "goal": ("goal", "goalcanvasitem"),
    "idea": ("idea", "ideas"),
    "comment": ("comment",),
}


def forget(ctx: Context, module: str, module_id: int) -> None:
    """Remove the comments, files, reactions and notifications of one entity."""
    spellings = _SPELLINGS.get(entities.normalize(module), (module,))
    comment_ids = list(
        ctx.conn.execute(
            select(t.comments.c.id).where(
                t.comments.c.module.in_(spellings), t.comments.c.moduleId == module_id
            )
        ).scalars()
    )
    for table in (t.comments, t.reactions, t.notifications):
        ctx.conn.execute(
            delete(table).where(table.c.module.in_(spellings), table.c.moduleId == module_id)
        )
    if comment_ids:
        ctx.conn.execute(
            delete(t.reactions).where(
                and_(t.reactions.c.module == "comment", t.reactions.c.moduleId.in_(comment_ids))
            )
        )
    stored = ctx.conn.execute(
        select(t.files.c.id, t.files.c.encName).where(
            or_(*(t.files.c.module == word for word in spellings)),
            t.files.c.moduleId == module_id,
        )
    ).all()
    if stored:
        ctx.conn.execute(delete(t.files).where(t.files.c.id.in_([row.id for row in stored])))
        for row in stored:
            files.discard_after_commit(ctx, row.encName)
