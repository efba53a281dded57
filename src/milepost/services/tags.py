"""Tags in use in a project (Leantime's `Tags` domain), for autocompletion.

Tags are the comma-separated `tags` of the project's tickets and board items (wiki
articles, goals, ideas). Milestones are left out: Leantime keeps a milestone's colour in
its `tags`. Leantime leaves `getTags` ungated; Milepost needs projects.view in the project.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from milepost.services.operations import Context, operation
from milepost.storage import tables as t

_MARKUP = re.compile(r"<[^>]*>")


def _split(values: list[str | None]) -> set[str]:
    return {tag.strip() for value in values if value for tag in value.split(",") if tag.strip()}


@operation("Tags.Tags.getTags", permission="projects.view", project="projectId")
def get_tags(ctx: Context, projectId: int, term: str) -> list[str]:
    """The distinct tags used in a project that contain `term` (case-sensitive, markup
    removed; an empty term matches every tag), sorted."""
    tk = t.tickets.c
    ticket_tags = ctx.conn.execute(
        select(tk.tags).where(tk.projectId == projectId, tk.type != "milestone", tk.tags != "")
    ).scalars()
    item_tags = ctx.conn.execute(
        select(t.canvas_items.c.tags)
        .join(t.canvas, t.canvas.c.id == t.canvas_items.c.canvasId)
        .where(t.canvas.c.projectId == projectId, t.canvas_items.c.tags != "")
    ).scalars()
    needle = _MARKUP.sub("", term)
    return sorted(tag for tag in _split([*ticket_tags, *item_tags]) if needle in tag)
