"""Wikis and their articles, with each article's history (Leantime's `Wiki` domain).

As in Leantime, a wiki is a board in `zp_canvas` of type 'wiki' and an article is an
item of that board in `zp_canvas_items` with box 'article'; `data` holds the article's
icon and `status` is 'published' or 'draft'. Every change to an article is kept in
`zp_audit` (entity 'article'), one row per changed field, which `getArticleActivity`
answers; a content edit keeps the text before and after.

Deliberate differences from Leantime:
- `getAllProjectWikis` does not create a 'Default' wiki when a project has none (a read
  never writes); create one with `createWiki`.
- `updateArticle` changes the fields it is sent and keeps the others (Leantime blanks
  them), and `getAllWikiHeadlines` shows drafts of the caller only, whatever `userId` says.
- Refusals are errors: -32602 for bad input, -32001 without the right, -32002 for a wiki
  or article that does not exist or lies outside the caller's projects.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

import orjson
from sqlalchemy import String, cast, delete, insert, or_, select, update
from sqlalchemy.orm import aliased

from milepost.services import attachments
from milepost.services.errors import InvalidParams, NotFound
from milepost.services.operations import Context, operation
from milepost.services.values import fmt_date, limit_text
from milepost.services.versions import checked_update
from milepost.storage import tables as t
from milepost.storage.database import insert_id

cv, ci, ac = t.canvas.c, t.canvas_items.c, t.entity_audit.c
WIKI = "wiki"
ARTICLE = "article"
STATUSES = ("published", "draft")
MAX_TITLE = 255
MAX_TEXT = 1_000_000
MAX_TAGS = 1000
MAX_ICON = 255
MAX_ACTIVITY = 1000


class WikiValues(TypedDict, total=False):
    """A wiki's fields: its `title` and, when creating, the `projectId` it belongs to.
    `author` is always the caller; `category` is accepted and ignored."""

    id: int
    title: str
    projectId: int
    author: int
    category: str


class Wiki(TypedDict):
    """A wiki (Leantime's wiki model), with Milepost's `modified` and `version`."""

    id: int
    title: str
    author: int | None
    created: str | None
    projectId: int
    category: str | None
    modified: str | None
    version: int


class ArticleValues(TypedDict, total=False):
    """An article's fields. `canvasId` is the wiki (when creating), `parent` another
    article of the same wiki (0 or null for a top-level article), `data` the icon,
    `status` 'published' (the default) or 'draft', `milestoneId` a milestone of the
    wiki's project ('' or 0 for none)."""

    id: int
    title: str
    description: str
    canvasId: int
    parent: int | None
    tags: str
    data: str
    status: str
    milestoneId: int | str | None


class Article(TypedDict):
    """An article with its author and milestone (Leantime's article model, in its order),
    then Milepost's `version`. The milestone progress fields are null, as in Leantime."""

    id: int
    title: str
    description: str
    canvasId: int
    parent: int | None
    tags: str
    data: str
    status: str
    created: str | None
    modified: str | None
    author: int | None
    milestoneId: str
    firstname: str | None
    lastname: str | None
    profileId: str | None
    sortindex: int | None
    projectId: int
    milestoneHeadline: str | None
    milestoneEditTo: str | None
    doneTickets: int | None
    openTicketsEffort: float | None
    doneTicketsEffort: float | None
    allTicketsEffort: float | None
    allTickets: int | None
    percentDone: float | None
    version: int


class Headline(TypedDict):
    """An entry of a wiki's table of contents."""

    id: int
    title: str
    parent: int | None
    sortindex: int | None
    status: str
    data: str


class Activity(TypedDict):
    """One change to an article: `action` is article.create, article.title,
    article.status, article.parent, article.milestone, article.icon, article.tags or
    article.edit; `values` holds what changed (`from`, `to`; the title for a create)."""

    type: str
    action: str
    date: str | None
    firstname: str
    lastname: str
    profileId: str
    values: dict[str, Any]


# -- wikis ----------------------------------------------------------------------------


def _wiki(row: Any) -> Wiki:
    return {
        "id": row.id,
        "title": row.title,
        "author": row.author,
        "created": fmt_date(row.created),
        "projectId": row.projectId,
        "category": None,
        "modified": fmt_date(row.modified),
        "version": row.version,
    }


def _wiki_row(ctx: Context, wiki_id: int | None, permission: str = "wiki.view") -> Any:
    """The wiki row once the caller holds `permission` in its project; NotFound when it
    is missing or hidden."""
    row = None
    if wiki_id is not None:
        row = ctx.conn.execute(select(t.canvas).where(cv.id == wiki_id, cv.type == WIKI)).first()
    if row is None or not ctx.can_access_project(row.projectId):
        raise NotFound(f"no wiki {wiki_id}")
    ctx.authorize(permission, row.projectId)
    return row


def _title(values: dict[str, Any], param: str) -> str:
    title = values.get("title")
    if not isinstance(title, str) or not title.strip():
        raise InvalidParams(
            f"param `{param}.title`: expected a non-empty title",
            param=f"{param}.title",
            expected="a non-empty string",
        )
    limit_text(values, "title", MAX_TITLE, param)
    return title.strip()


@operation("Wiki.Wiki.getAllProjectWikis", permission="wiki.view", project="projectId")
def get_all_project_wikis(ctx: Context, projectId: int) -> list[Wiki]:
    """The wikis of a project, oldest first. Needs wiki.view there. Unlike Leantime, a
    project without wikis answers [] (no 'Default' wiki is created on read)."""
    query = select(t.canvas).where(cv.projectId == projectId, cv.type == WIKI)
    query = ctx.page_query(query.order_by(cv.id), cv.id, cv.modified)
    return [_wiki(row) for row in ctx.conn.execute(query)]


@operation("Wiki.Wiki.getWiki", checks="wiki.view")
def get_wiki(ctx: Context, id: int) -> Wiki | Literal[False]:
    """One wiki, or false when it does not exist or lies outside the caller's projects."""
    try:
        return _wiki(_wiki_row(ctx, id))
    except NotFound:
        return False


@operation("Wiki.Wiki.createWiki", checks="wiki.create", writes=True)
def create_wiki(ctx: Context, wiki: WikiValues) -> str:
    """Create a wiki titled `wiki.title` in `wiki.projectId`, authored by the caller.
    Needs wiki.create there. Returns the new id as a string, as Leantime does."""
    values: dict[str, Any] = dict(wiki)
    project_id = values.get("projectId")
    if not project_id:
        raise InvalidParams(
            "param `wiki.projectId`: expected the project the wiki belongs to",
            param="wiki.projectId",
            expected="a project id",
        )
    title = _title(values, "wiki")
    ctx.authorize("wiki.create", project_id)
    if not ctx.conn.execute(select(t.projects.c.id).where(t.projects.c.id == project_id)).first():
        raise NotFound(f"no project {project_id}")
    wiki_id = insert_id(
        ctx.conn,
        insert(t.canvas).values(
            title=title,
            projectId=project_id,
            author=ctx.principal.user_id,
            type=WIKI,
            created=ctx.now,
            modified=ctx.now,
        ),
    )
    return str(wiki_id)


@operation("Wiki.Wiki.updateWiki", checks="wiki.edit", writes=True)
def update_wiki(
    ctx: Context, wiki: WikiValues, wikiId: int, expectedVersion: int | None = None
) -> bool:
    """Rename wiki `wikiId` to `wiki.title`. Needs wiki.edit in its project. Returns
    true; -32005 when `expectedVersion` (Milepost) is stale."""
    row = _wiki_row(ctx, wikiId, "wiki.edit")
    title = _title(dict(wiki), "wiki")
    checked_update(
        ctx,
        t.canvas,
        row.id,
        {"title": title, "modified": ctx.now},
        expected_version=expectedVersion,
        what="wiki",
    )
    return True


@operation("Wiki.Wiki.deleteWiki", checks="wiki.delete", writes=True)
def delete_wiki(ctx: Context, id: int) -> bool:
    """Delete a wiki with all its articles and their history. Needs wiki.delete in its
    project. Returns true."""
    row = _wiki_row(ctx, id, "wiki.delete")
    article_ids = list(ctx.conn.execute(select(ci.id).where(ci.canvasId == row.id)).scalars())
    ctx.conn.execute(
        delete(t.entity_audit).where(ac.entity == ARTICLE, ac.entityId.in_(article_ids))
    )
    for article_id in article_ids:
        attachments.forget(ctx, ARTICLE, article_id)
    ctx.conn.execute(delete(t.canvas_items).where(ci.canvasId == row.id))
    ctx.conn.execute(delete(t.canvas).where(cv.id == row.id))
    return True


# -- reading articles -------------------------------------------------------------------


def _article_select() -> Any:
    milestone = aliased(t.tickets, name="milestone")
    u = t.users.c
    return (
        select(
            t.canvas_items,
            cv.projectId,
            u.firstname,
            u.lastname,
            u.profileId,
            milestone.c.headline.label("milestoneHeadline"),
            milestone.c.editTo.label("milestoneEditTo"),
        )
        .join(t.canvas, cv.id == ci.canvasId)
        .outerjoin(t.users, u.id == ci.author)
        .outerjoin(milestone, cast(milestone.c.id, String) == ci.milestoneId)
        .where(ci.box == ARTICLE, cv.type == WIKI)
    )


def _article(row: Any) -> Article:
    return {
        "id": row.id,
        "title": row.title,
        "description": row.description,
        "canvasId": row.canvasId,
        "parent": row.parent,
        "tags": row.tags,
        "data": row.data,
        "status": row.status,
        "created": fmt_date(row.created),
        "modified": fmt_date(row.modified),
        "author": row.author,
        "milestoneId": row.milestoneId,
        "firstname": row.firstname,
        "lastname": row.lastname,
        "profileId": row.profileId,
        "sortindex": row.sortindex,
        "projectId": row.projectId,
        "milestoneHeadline": row.milestoneHeadline,
        "milestoneEditTo": fmt_date(row.milestoneEditTo),
        "doneTickets": None,
        "openTicketsEffort": None,
        "doneTicketsEffort": None,
        "allTicketsEffort": None,
        "allTickets": None,
        "percentDone": None,
        "version": row.version,
    }


def _article_row(ctx: Context, article_id: int | None, permission: str = "wiki.view") -> Any:
    """The article row once the caller holds `permission` in its project; NotFound when
    it is missing or hidden."""
    row = None
    if article_id is not None:
        row = ctx.conn.execute(_article_select().where(ci.id == article_id)).first()
    if row is None or not ctx.can_access_project(row.projectId):
        raise NotFound(f"no article {article_id}")
    ctx.authorize(permission, row.projectId)
    return row


@operation("Wiki.Wiki.getArticle", checks="wiki.view")
def get_article(
    ctx: Context, id: int | None, projectId: int | None = None
) -> Article | Literal[False]:
    """One article, or false when it does not exist or lies outside the caller's projects.

    With `projectId`, the article must be in that project; when it is not, the project's
    featured article is answered instead (as Leantime does), or false if there is none.
    Needs wiki.view in the article's project."""
    query = _article_select().where(ci.id == id) if id is not None else None
    if projectId is not None and query is not None:
        query = query.where(cv.projectId == projectId)
    row = ctx.conn.execute(query).first() if query is not None else None
    if row is None and projectId is not None:
        featured = _article_select().where(cv.projectId == projectId, ci.featured == 1)
        row = ctx.conn.execute(featured.order_by(ci.id).limit(1)).first()
    if row is None or not ctx.can("wiki.view", row.projectId):
        return False
    return _article(row)


@operation("Wiki.Wiki.getAllWikiHeadlines", checks="wiki.view")
def get_all_wiki_headlines(
    ctx: Context, wikiId: int, userId: int | None = None
) -> list[Headline] | Literal[False]:
    """A wiki's table of contents: its published articles and the caller's own drafts,
    by parent and title. `userId` is accepted for Leantime clients and ignored (the
    caller's drafts are shown, nobody else's). False when the wiki does not exist or lies
    outside the caller's projects."""
    try:
        wiki = _wiki_row(ctx, wikiId)
    except NotFound:
        return False
    visible = or_(
        ci.status == "published", (ci.status == "draft") & (ci.author == ctx.principal.user_id)
    )
    query = (
        select(ci.id, ci.title, ci.parent, ci.sortindex, ci.status, ci.data, ci.modified)
        .where(ci.canvasId == wiki.id, ci.box == ARTICLE, visible)
        .order_by(ci.parent.asc().nulls_first(), ci.title, ci.id)
    )
    rows = ctx.conn.execute(ctx.page_query(query, ci.id, ci.modified))
    return [
        {
            "id": row.id,
            "title": row.title,
            "parent": row.parent,
            "sortindex": row.sortindex,
            "status": row.status,
            "data": row.data,
        }
        for row in rows
    ]


@operation("Wiki.Wiki.getArticleActivity", checks="wiki.view")
def get_article_activity(ctx: Context, articleId: int, limit: int = 20) -> list[Activity]:
    """The history of an article, newest first: who changed what, when (up to `limit`
    entries, at most 1000). [] when the article does not exist or lies outside the
    caller's projects. Needs wiki.view in its project."""
    if not 1 <= limit <= MAX_ACTIVITY:
        raise InvalidParams(
            f"param `limit`: expected 1 to {MAX_ACTIVITY}, got {limit}",
            param="limit",
            expected=f"an integer from 1 to {MAX_ACTIVITY}",
        )
    try:
        _article_row(ctx, articleId)
    except NotFound:
        return []
    u = t.users.c
    rows = ctx.conn.execute(
        select(
            ac.action, ac["values"].label("changes"), ac.date, u.firstname, u.lastname, u.profileId
        )
        .outerjoin(t.users, u.id == ac.userId)
        .where(ac.entity == ARTICLE, ac.entityId == articleId)
        .order_by(ac.date.desc(), ac.id.desc())
        .limit(limit)
    )
    return [
        {
            "type": "audit",
            "action": row.action,
            "date": fmt_date(row.date),
            "firstname": row.firstname or "",
            "lastname": row.lastname or "",
            "profileId": row.profileId or "",
            "values": orjson.loads(row.changes) if row.changes else {},
        }
        for row in rows
    ]


# -- writing articles -------------------------------------------------------------------


def _record(ctx: Context, action: str, article_id: int, project_id: int, values: Any) -> None:
    ctx.conn.execute(
        insert(t.entity_audit).values(
            userId=ctx.principal.user_id,
            projectId=project_id,
            action=action,
            entity=ARTICLE,
            entityId=article_id,
            values=orjson.dumps(values).decode() if values is not None else "",
            date=ctx.now,
        )
    )


def _status(value: Any, param: str) -> str:
    if value not in STATUSES:
        raise InvalidParams(
            f"param `{param}`: expected one of {', '.join(STATUSES)}, got {value!r}",
            param=param,
            expected="one of " + ", ".join(STATUSES),
        )
    return str(value)


def _parent(ctx: Context, value: Any, wiki_id: int, article_id: int | None) -> int | None:
    if not value:
        return None
    if value == article_id:
        raise InvalidParams(
            "param `article.parent`: an article cannot be its own parent", param="article.parent"
        )
    found = ctx.conn.execute(
        select(ci.id).where(ci.id == value, ci.canvasId == wiki_id, ci.box == ARTICLE)
    ).first()
    if found is None:
        raise InvalidParams(
            f"param `article.parent`: no article {value} in wiki {wiki_id}",
            param="article.parent",
            expected="an article of the same wiki",
        )
    if article_id is not None and _descends_from(ctx, int(value), article_id):
        raise InvalidParams(
            f"param `article.parent`: article {value} lies below article {article_id}",
            param="article.parent",
            expected="an article that is not below this one",
        )
    return int(value)


def _descends_from(ctx: Context, article_id: int, ancestor: int) -> bool:
    seen: set[int] = set()
    current: int | None = article_id
    while current is not None and current not in seen:
        if current == ancestor:
            return True
        seen.add(current)
        current = ctx.conn.execute(select(ci.parent).where(ci.id == current)).scalar()
    return False


def _milestone(ctx: Context, value: Any, project_id: int) -> str:
    if value in (None, "", 0, "0"):
        return ""
    text = str(value).strip()
    found = None
    if text.isdigit():
        found = ctx.conn.execute(
            select(t.tickets.c.id).where(
                t.tickets.c.id == int(text),
                t.tickets.c.projectId == project_id,
                t.tickets.c.type == "milestone",
            )
        ).first()
    if found is None:
        raise InvalidParams(
            f"param `article.milestoneId`: no milestone {value!r} in project {project_id}",
            param="article.milestoneId",
            expected="a milestone of the wiki's project",
        )
    return text


def _columns(
    ctx: Context, values: dict[str, Any], wiki: Any, article_id: int | None
) -> dict[str, Any]:
    """Validated columns for the article fields present in `values`."""
    for field, maximum in (("description", MAX_TEXT), ("tags", MAX_TAGS), ("data", MAX_ICON)):
        limit_text(values, field, maximum, "article")
    columns: dict[str, Any] = {}
    if "title" in values:
        columns["title"] = _title(values, "article")
    for field in ("description", "tags", "data"):
        if field in values:
            columns[field] = values[field] or ""
    if "status" in values:
        columns["status"] = _status(values["status"], "article.status")
    if "parent" in values:
        columns["parent"] = _parent(ctx, values["parent"], wiki.id, article_id)
    if "milestoneId" in values:
        columns["milestoneId"] = _milestone(ctx, values["milestoneId"], wiki.projectId)
    return columns


@operation("Wiki.Wiki.createArticle", checks="wiki.create", writes=True)
def create_article(ctx: Context, article: ArticleValues) -> str:
    """Create an article in wiki `article.canvasId`, authored by the caller. Needs
    wiki.create in the wiki's project. Returns the new id as a string, as Leantime does."""
    values: dict[str, Any] = dict(article)
    if not values.get("canvasId"):
        raise InvalidParams(
            "param `article.canvasId`: expected the wiki the article belongs to",
            param="article.canvasId",
            expected="a wiki id",
        )
    wiki = _wiki_row(ctx, values["canvasId"], "wiki.create")
    values.setdefault("status", "published")
    if "title" not in values:
        _title(values, "article")
    columns = _columns(ctx, values, wiki, None)
    article_id = insert_id(
        ctx.conn,
        insert(t.canvas_items).values(
            **columns,
            box=ARTICLE,
            canvasId=wiki.id,
            author=ctx.principal.user_id,
            created=ctx.now,
            modified=ctx.now,
            sortindex=10,
        ),
    )
    _record(ctx, "article.create", article_id, wiki.projectId, {"title": columns["title"]})
    return str(article_id)


# What each recorded field is called in the history, in the order Leantime records them.
_HISTORY = (
    ("title", "article.title"),
    ("status", "article.status"),
    ("parent", "article.parent"),
    ("milestoneId", "article.milestone"),
    ("data", "article.icon"),
    ("tags", "article.tags"),
    ("description", "article.edit"),
)


@operation("Wiki.Wiki.updateArticle", checks="wiki.edit", writes=True)
def update_article(
    ctx: Context,
    article: ArticleValues,
    existingArticle: ArticleValues | None = None,
    expectedVersion: int | None = None,
) -> bool:
    """Change the fields of article `article.id` that `article` holds (the others keep
    their values) and record each change in its history. Needs wiki.edit in its project.
    Returns true. `existingArticle` is accepted for Leantime clients and ignored (the
    history compares with the stored article); -32005 when `expectedVersion` (Milepost)
    is stale."""
    values: dict[str, Any] = dict(article)
    row = _article_row(ctx, values.get("id"), "wiki.edit")
    wiki = ctx.conn.execute(select(t.canvas).where(cv.id == row.canvasId)).one()
    values.pop("canvasId", None)
    columns = _columns(ctx, values, wiki, row.id)
    checked_update(
        ctx,
        t.canvas_items,
        row.id,
        {**columns, "modified": ctx.now},
        expected_version=expectedVersion,
        what="article",
    )
    for field, action in _HISTORY:
        before, after = getattr(row, field), columns.get(field, getattr(row, field))
        if before != after:
            _record(ctx, action, row.id, row.projectId, {"from": before, "to": after})
    return True


@operation("Wiki.Wiki.deleteArticle", checks="wiki.delete", writes=True)
def delete_article(ctx: Context, id: int) -> bool:
    """Delete an article and its history; its sub-articles move up to its parent. Needs
    wiki.delete in its project. Returns true."""
    row = _article_row(ctx, id, "wiki.delete")
    ctx.conn.execute(
        update(t.canvas_items)
        .where(ci.parent == row.id, ci.canvasId == row.canvasId)
        .values(parent=row.parent, modified=ctx.now, version=ci.version + 1)
    )
    ctx.conn.execute(delete(t.entity_audit).where(ac.entity == ARTICLE, ac.entityId == row.id))
    attachments.forget(ctx, ARTICLE, row.id)
    ctx.conn.execute(delete(t.canvas_items).where(ci.id == row.id))
    return True
