"""Each person's notification inbox (Leantime's `Notifications` domain).

Every method acts on the caller's own notifications: reading, counting, marking read
and unread. Notifications come from `addNotifications` and `processMentions`; Milepost
creates none on its own (assigning a ticket notifies nobody). A notification for
someone else must point at an entity (`module`, `moduleId`: ticket, project, comment,
article, idea, goal) in a project that both the caller and the recipient can access,
and its author is always the caller, so nobody forges messages into strangers' inboxes.

Not supported: push tokens (Milepost sends no push notifications) and flash messages
(the API has no browser session; `consumeFlashNotification` answers null).
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any, Literal, TypedDict

from sqlalchemy import func, insert, select, update

from milepost.services import entities
from milepost.services.errors import Forbidden, InvalidParams, NotFound, NotSupported
from milepost.services.operations import Context, operation
from milepost.services.values import fmt_date, limit_text, parse_id
from milepost.storage import tables as t

nc = t.notifications.c
MAX_BATCH = 1000
MAX_MESSAGE = 10_000
MAX_LEGACY_PAGE = 1000
FILTERS = ("type", "module", "moduleId", "read")


class Notification(TypedDict):
    """A notification with its author's name. `read` is 0 (unread) or 1."""

    id: int
    userId: int
    read: int
    type: str
    module: str
    moduleId: int | None
    datetime: str | None
    url: str
    message: str
    authorId: int | None
    firstname: str | None
    lastname: str | None


class NotificationValues(TypedDict, total=False):
    """A notification to add: the recipient `userId`, a `type` (e.g. 'mention'), the
    entity it is about (`module`, `moduleId`), the `message` and a `url`. `authorId`,
    `read` and `datetime` are set by the server (the caller, unread, now)."""

    userId: int
    type: str
    module: str
    moduleId: int
    message: str
    url: str
    authorId: int
    read: int
    datetime: str


class InboxFilter(TypedDict, total=False):
    """getAllNotifications' filters (Leantime passes any column; Milepost these)."""

    type: str
    module: str
    moduleId: int
    read: int


# -- reading -------------------------------------------------------------------------------


def _select(ctx: Context) -> Any:
    u = t.users.c
    return (
        select(t.notifications, u.firstname, u.lastname)
        .outerjoin(t.users, u.id == nc.authorId)
        .where(nc.userId == ctx.principal.user_id)
    )


def _notification(row: Any) -> Notification:
    return {
        "id": row.id,
        "userId": row.userId,
        "read": row.read,
        "type": row.type,
        "module": row.module,
        "moduleId": row.moduleId,
        "datetime": fmt_date(row.datetime),
        "url": row.url,
        "message": row.message,
        "authorId": row.authorId,
        "firstname": row.firstname,
        "lastname": row.lastname,
    }


def _list(ctx: Context, query: Any, start: int, count: int) -> list[Notification]:
    """Newest first in Leantime's window (offset, count), or a Milepost page when asked."""
    if ctx.page is not None and ctx.page.paged:
        query = ctx.page_query(query, nc.id)
    else:
        query = query.order_by(nc.datetime.desc(), nc.id.desc()).offset(start).limit(count)
    return [_notification(row) for row in ctx.conn.execute(query)]


@operation("Notifications.Notifications.getInbox")
def get_inbox(
    ctx: Context, showNewOnly: int = 0, limitStart: int = 0, limitEnd: int = 50
) -> list[Notification]:
    """The caller's notifications, newest first: unread ones only with `showNewOnly` 1;
    `limitStart` rows skipped, at most `limitEnd` (1 to 100) answered."""
    query = _select(ctx)
    if showNewOnly:
        query = query.where(nc.read == 0)
    return _list(ctx, query, max(0, limitStart), min(max(1, limitEnd), 100))


@operation("Notifications.Notifications.getAllNotifications", legacy=True)
def get_all_notifications(  # noqa: PLR0917 - Leantime's signature
    ctx: Context,
    userId: int,
    showNewOnly: bool = False,
    limitStart: int = 0,
    limitEnd: int = 100,
    filterOptions: InboxFilter | None = None,
) -> list[Notification] | Literal[False]:
    """Leantime 3.8's inbox: `userId` must be the caller's own id (-32001 otherwise).
    `filterOptions` narrows by type, module, moduleId or read; `limitEnd` is at most
    1000."""
    _own(ctx, userId)
    query = _select(ctx)
    if showNewOnly:
        query = query.where(nc.read == 0)
    for name, value in (filterOptions or {}).items():
        if name not in FILTERS:
            raise InvalidParams(
                f"param `filterOptions.{name}`: expected one of {', '.join(FILTERS)}",
                param=f"filterOptions.{name}",
                expected="one of " + ", ".join(FILTERS),
            )
        query = query.where(nc[name] == value)
    return _list(ctx, query, max(0, limitStart), min(max(1, limitEnd), MAX_LEGACY_PAGE))


@operation("Notifications.Notifications.getUnreadCount")
def get_unread_count(ctx: Context) -> int:
    """How many of the caller's notifications are unread."""
    count = ctx.conn.execute(
        select(func.count()).where(nc.userId == ctx.principal.user_id, nc.read == 0)
    ).scalar_one()
    return int(count)


# -- marking ---------------------------------------------------------------------------------


def _own(ctx: Context, user_id: Any) -> None:
    if user_id != ctx.principal.user_id:
        raise Forbidden(
            f"param `userId`: notifications of user {user_id} are not the caller's",
            reason="not_own",
        )


def _mark(ctx: Context, notification_id: int | str, read: int) -> bool:
    statement = update(t.notifications).where(nc.userId == ctx.principal.user_id)
    if notification_id == "all":
        ctx.conn.execute(statement.values(read=read))
        return True
    found = parse_id(notification_id, "id", "a notification id or 'all'")
    if not ctx.conn.execute(statement.where(nc.id == found).values(read=read)).rowcount:
        raise NotFound(f"no notification {found} of the caller")
    return True


@operation("Notifications.Notifications.markRead", writes=True)
def mark_read(ctx: Context, id: int | str) -> bool:
    """Mark one of the caller's notifications read, or all of them with 'all'. Returns
    true; -32002 for a notification that is not the caller's."""
    return _mark(ctx, id, 1)


@operation("Notifications.Notifications.markNotificationRead", writes=True, legacy=True)
def mark_notification_read(ctx: Context, id: int | str, userId: int) -> bool:
    """Leantime 3.8's markRead: `userId` must be the caller's own id (-32001 otherwise)."""
    _own(ctx, userId)
    return _mark(ctx, id, 1)


@operation("Notifications.Notifications.markNotificationUnread", writes=True)
def mark_notification_unread(ctx: Context, id: int) -> bool:
    """Mark one of the caller's notifications unread again. Returns true; -32002 for a
    notification that is not the caller's."""
    return _mark(ctx, id, 0)


# -- adding -------------------------------------------------------------------------------------


def _entity_project(ctx: Context, module: Any, module_id: Any, param: str) -> int | None:
    """The project of the entity a notification is about, checked against the caller."""
    if not module and not module_id:
        return None
    if not isinstance(module, str) or not isinstance(module_id, int):
        raise InvalidParams(
            f"param `{param}`: expected `module` and `moduleId` together",
            param=param,
            expected="a module word and an entity id",
        )
    project_id = entities.project_of(ctx.conn, module, module_id)
    if project_id is None or not ctx.can_access_project(project_id):
        raise NotFound(f"no {module} {module_id}")
    return project_id


def _recipient(ctx: Context, user_id: Any, project_id: int | None, param: str) -> int:
    """The recipient's id, once they may hear of the entity."""
    if not isinstance(user_id, int):
        raise InvalidParams(
            f"param `{param}.userId`: expected the recipient's user id",
            param=f"{param}.userId",
            expected="a user id",
        )
    if user_id == ctx.principal.user_id:
        return user_id
    other = entities.principal_of(ctx.conn, user_id)
    if other is None:
        raise InvalidParams(f"param `{param}.userId`: no user {user_id}", param=f"{param}.userId")
    if project_id is None or not entities.may_access(ctx.conn, other, project_id):
        raise Forbidden(
            f"param `{param}`: a notification for user {user_id} must be about an entity"
            " in a project that user can access",
            reason="recipient_without_access",
        )
    return user_id


def _row(ctx: Context, values: dict[str, Any], param: str) -> dict[str, Any]:
    for field, maximum in (("type", 45), ("module", 45), ("url", 255), ("message", MAX_MESSAGE)):
        limit_text(values, field, maximum, param)
    project_id = _entity_project(ctx, values.get("module"), values.get("moduleId"), param)
    return {
        "userId": _recipient(ctx, values.get("userId"), project_id, param),
        "read": 0,
        "type": values.get("type") or "",
        "module": entities.normalize(values.get("module") or ""),
        "moduleId": values.get("moduleId"),
        "datetime": ctx.now,
        "url": values.get("url") or "",
        "authorId": ctx.principal.user_id,
        "message": values.get("message") or "",
    }


@operation("Notifications.Notifications.addNotifications", writes=True)
def add_notifications(ctx: Context, notifications: list[NotificationValues]) -> bool | None:
    """Add notifications (at most 1000). The caller may notify themself about anything
    and others about an entity in a project both can access. Returns true, or null for
    an empty list, as Leantime does."""
    if not notifications:
        return None
    if len(notifications) > MAX_BATCH:
        raise InvalidParams(
            f"param `notifications`: expected at most {MAX_BATCH}, got {len(notifications)}",
            param="notifications",
            expected=f"at most {MAX_BATCH} notifications",
        )
    rows = [
        _row(ctx, dict(values), f"notifications[{index}]")
        for index, values in enumerate(notifications)
    ]
    ctx.conn.execute(insert(t.notifications), rows)
    return True


class _Mentions(HTMLParser):
    """Collects `data-tagged-user-id` of links, as Leantime's editor marks mentions."""

    def __init__(self) -> None:
        super().__init__()
        self.users: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        value = dict(attrs).get("data-tagged-user-id") if tag == "a" else None
        if value and value.strip().isdigit() and int(value) not in self.users:
            self.users.append(int(value))


@operation("Notifications.Notifications.processMentions", writes=True)
def process_mentions(  # noqa: PLR0917 - Leantime's signature
    ctx: Context, content: str, module: str, moduleId: int, authorId: int, url: str
) -> None:
    """Notify each person mentioned in `content` (HTML links carrying
    `data-tagged-user-id`) about the entity `module`/`moduleId`, once per entity, if
    they can access its project. The author is the caller (`authorId` is accepted and
    ignored); no e-mail is sent. -32002 when the entity is hidden from the caller."""
    if len(url) > 255:
        raise InvalidParams("param `url`: expected at most 255 characters", param="url")
    project_id = _entity_project(ctx, module, moduleId, "module")
    parser = _Mentions()
    parser.feed(content)
    name = entities.normalize(module)
    author = ctx.principal.name or "Someone"
    for user_id in parser.users:
        other = entities.principal_of(ctx.conn, user_id)
        if (
            other is None
            or project_id is None
            or not entities.may_access(ctx.conn, other, project_id)
        ):
            continue
        told = ctx.conn.execute(
            select(nc.id).where(
                nc.userId == user_id,
                nc.type == "mention",
                nc.module == name,
                nc.moduleId == moduleId,
            )
        ).first()
        if told is None:
            ctx.conn.execute(
                insert(t.notifications).values(
                    userId=user_id, read=0, type="mention", module=name, moduleId=moduleId,
                    datetime=ctx.now, url=url, authorId=ctx.principal.user_id,
                    message=f"{author} mentioned you",
                )
            )  # fmt: skip


@operation("Notifications.Notifications.consumeFlashNotification")
def consume_flash_notification(ctx: Context) -> None:
    """Always null: flash messages belong to a browser session, which API calls do not
    have (Leantime answers null when none is pending)."""
    return None


@operation("Notifications.Notifications.registerPushToken")
def register_push_token(
    ctx: Context,
    token: str,
    platform: str,
    deviceName: str | None = None,
    provider: str = "fcm",
) -> bool:
    """Not supported: Milepost sends no push notifications."""
    raise NotSupported("Milepost sends no push notifications; there is nothing to register")


@operation("Notifications.Notifications.unregisterPushToken")
def unregister_push_token(ctx: Context, token: str) -> bool:
    """Not supported: Milepost sends no push notifications."""
    raise NotSupported("Milepost sends no push notifications; there is nothing to unregister")
