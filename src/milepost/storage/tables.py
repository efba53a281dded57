"""Tables, named as in Leantime's schema so that rows come back in Leantime's shapes.

Column names follow Leantime (`zp_*` tables, camelCase columns) wherever Leantime has the
concept; tables that only Milepost has are prefixed `mp_`. Text columns that Leantime
keeps as varchar (`editorId`, `priority`, `role`) stay strings, because their JSON type
is part of the wire contract.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

clients = Table(
    "zp_clients",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, default=""),
    Column("street", String(200), nullable=False, default=""),
    Column("zip", String(20), nullable=False, default=""),
    Column("city", String(100), nullable=False, default=""),
    Column("state", String(100), nullable=False, default=""),
    Column("country", String(100), nullable=False, default=""),
    Column("phone", String(100), nullable=False, default=""),
    Column("internet", String(200), nullable=False, default=""),
    Column("email", String(200), nullable=False, default=""),
    Column("published", Integer, nullable=False, default=1),
    Column("age", Integer, nullable=True),
    Column("modified", DateTime, nullable=True),
    # Optimistic concurrency: bumped on every change; see services/versions.py.
    Column("version", Integer, nullable=False, default=1, server_default="1"),
)

users = Table(
    "zp_user",
    metadata,
    Column("id", Integer, primary_key=True),
    # The e-mail address for people; a random 32-character id for API key principals.
    Column("username", String(175), nullable=False, unique=True),
    Column("password", String(255), nullable=False, default=""),
    Column("firstname", String(100), nullable=False, default=""),
    Column("lastname", String(100), nullable=False, default=""),
    Column("phone", String(25), nullable=False, default=""),
    Column("profileId", String(100), nullable=False, default=""),
    Column("lastlogin", DateTime, nullable=True),
    # 'a' active, 'i' invited, '' deactivated.
    Column("status", String(1), nullable=False, default="a"),
    Column("expires", DateTime, nullable=True),
    Column("role", String(20), nullable=False, default="20"),
    Column("clientId", Integer, nullable=True),
    Column("notifications", Integer, nullable=False, default=1),
    Column("description", Text, nullable=False, default=""),
    Column("jobTitle", String(200), nullable=False, default=""),
    Column("jobLevel", String(50), nullable=False, default=""),
    Column("department", String(200), nullable=False, default=""),
    Column("wage", Float, nullable=True),
    Column("hours", Float, nullable=True),
    Column("twoFAEnabled", Boolean, nullable=False, default=False),
    # '' for people who sign in with a password, 'api' for API key principals.
    Column("source", String(20), nullable=False, default=""),
    Column("createdOn", DateTime, nullable=True),
    Column("modified", DateTime, nullable=True),
    # Optimistic concurrency: bumped on every change; see services/versions.py.
    Column("version", Integer, nullable=False, default=1, server_default="1"),
)

projects = Table(
    "zp_projects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("clientId", Integer, nullable=True, index=True),
    Column("details", Text, nullable=False, default=""),
    # -1 closed, 0 or NULL open.
    Column("state", Integer, nullable=True, default=0),
    Column("hourBudget", String(255), nullable=False, default="0"),
    Column("dollarBudget", Integer, nullable=False, default=0),
    Column("active", Integer, nullable=True),
    Column("menuType", String(100), nullable=False, default="default"),
    # 'restricted' (members only), 'clients' (the client's users too) or 'all'.
    Column("psettings", String(20), nullable=False, default="restricted"),
    Column("parent", Integer, nullable=True),
    Column("type", String(20), nullable=False, default="project"),
    Column("start", DateTime, nullable=True),
    Column("end", DateTime, nullable=True),
    Column("sortIndex", Integer, nullable=True),
    Column("created", DateTime, nullable=True),
    Column("modified", DateTime, nullable=True),
    # Optimistic concurrency: bumped on every change; see services/versions.py.
    Column("version", Integer, nullable=False, default=1, server_default="1"),
)

project_members = Table(
    "zp_relationuserproject",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("userId", Integer, ForeignKey("zp_user.id", ondelete="CASCADE"), nullable=False),
    Column("projectId", Integer, ForeignKey("zp_projects.id", ondelete="CASCADE"), nullable=False),
    Column("wage", Float, nullable=True),
    # '' inherits the global role; otherwise a role key such as '20'.
    Column("projectRole", String(20), nullable=False, default=""),
    UniqueConstraint("userId", "projectId"),
    Index("ix_zp_relationuserproject_projectId", "projectId"),
)

tickets = Table(
    "zp_tickets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("projectId", Integer, ForeignKey("zp_projects.id"), nullable=False),
    Column("headline", String(255), nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
    Column("acceptanceCriteria", Text, nullable=False, default=""),
    Column("outcomeImpact", Text, nullable=False, default=""),
    Column("type", String(255), nullable=False, default="task"),
    Column("status", Integer, nullable=False, default=3),
    Column("priority", String(60), nullable=False, default=""),
    Column("userId", Integer, nullable=True),
    Column("editorId", String(75), nullable=False, default=""),
    Column("date", DateTime, nullable=True),
    Column("dateToFinish", DateTime, nullable=True),
    Column("editFrom", DateTime, nullable=True),
    Column("editTo", DateTime, nullable=True),
    Column("planHours", Float, nullable=False, default=0),
    Column("hourRemaining", Float, nullable=False, default=0),
    Column("storypoints", Float, nullable=False, default=0),
    Column("sprint", Integer, nullable=True),
    Column("tags", String(255), nullable=False, default=""),
    Column("url", String(255), nullable=True),
    Column("dependingTicketId", Integer, nullable=False, default=0),
    Column("milestoneid", Integer, nullable=False, default=0),
    Column("sortindex", BigInteger, nullable=True),
    Column("kanbanSortIndex", BigInteger, nullable=True),
    Column("modified", DateTime, nullable=True),
    Index("ix_zp_tickets_projectId_type", "projectId", "type"),
    # Keyset pages of one project walk this in id order instead of sorting the project.
    Index("ix_zp_tickets_projectId_id", "projectId", "id"),
    Index("ix_zp_tickets_dependingTicketId", "dependingTicketId"),
    Index("ix_zp_tickets_milestoneid", "milestoneid"),
    Index("ix_zp_tickets_modified", "modified"),
    # Optimistic concurrency: bumped on every change; see services/versions.py.
    Column("version", Integer, nullable=False, default=1, server_default="1"),
)

# Collaborators and other links between entities, as Leantime keeps them.
entity_relations = Table(
    "zp_entity_relationship",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entityA", Integer, nullable=False),
    Column("entityAType", String(45), nullable=False),
    Column("entityB", Integer, nullable=False),
    Column("entityBType", String(45), nullable=False),
    Column("relationship", String(45), nullable=False),
    Column("createdOn", DateTime, nullable=True),
    Column("createdBy", Integer, nullable=True),
    Index("ix_zp_entity_relationship_a", "entityAType", "entityA", "relationship"),
)

sprints = Table(
    "zp_sprints",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("projectId", Integer, ForeignKey("zp_projects.id"), nullable=False, index=True),
    Column("name", String(45), nullable=False, default=""),
    Column("startDate", DateTime, nullable=True),
    Column("endDate", DateTime, nullable=True),
    Column("modified", DateTime, nullable=True),
    # Optimistic concurrency: bumped on every change; see services/versions.py.
    Column("version", Integer, nullable=False, default=1, server_default="1"),
)

timesheets = Table(
    "zp_timesheets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("userId", Integer, nullable=False),
    Column("ticketId", Integer, nullable=False, index=True),
    Column("workDate", DateTime, nullable=False),
    Column("hours", Float, nullable=False, default=0),
    Column("description", Text, nullable=False, default=""),
    Column("kind", String(175), nullable=False, default="GENERAL_BILLABLE"),
    Column("invoicedEmpl", Integer, nullable=False, default=0),
    Column("invoicedComp", Integer, nullable=False, default=0),
    Column("invoicedEmplDate", DateTime, nullable=True),
    Column("invoicedCompDate", DateTime, nullable=True),
    Column("paid", Integer, nullable=False, default=0),
    Column("paidDate", DateTime, nullable=True),
    Column("rate", String(255), nullable=False, default=""),
    Column("modified", DateTime, nullable=True),
    UniqueConstraint("userId", "ticketId", "workDate", "kind"),
    # Optimistic concurrency: bumped on every change; see services/versions.py.
    Column("version", Integer, nullable=False, default=1, server_default="1"),
)

comments = Table(
    "zp_comment",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("module", String(200), nullable=False),
    Column("moduleId", Integer, nullable=False),
    Column("userId", Integer, nullable=False),
    Column("commentParent", Integer, nullable=False, default=0),
    Column("date", DateTime, nullable=True),
    Column("text", Text, nullable=False, default=""),
    Column("status", String(50), nullable=False, default=""),
    Column("modified", DateTime, nullable=True),
    Index("ix_zp_comment_module_moduleId", "module", "moduleId"),
    # Optimistic concurrency: bumped on every change; see services/versions.py.
    Column("version", Integer, nullable=False, default=1, server_default="1"),
)

settings = Table(
    "zp_settings",
    metadata,
    Column("key", String(175), primary_key=True),
    Column("value", Text, nullable=False, default=""),
)

access_tokens = Table(
    "zp_access_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("tokenable_type", String(255), nullable=False, default="user"),
    Column("tokenable_id", Integer, ForeignKey("zp_user.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False, default=""),
    # sha256 hex of the plaintext; the plaintext is shown once and never stored.
    Column("token", String(64), nullable=False, unique=True),
    Column("abilities", Text, nullable=False, default='["*"]'),
    Column("last_used_at", DateTime, nullable=True),
    Column("expires_at", DateTime, nullable=True),
    Column("created_at", DateTime, nullable=True),
    Column("updated_at", DateTime, nullable=True),
)

# API keys. Each key is also a `zp_user` row of source 'api' (its principal, as in
# Leantime); this table holds what a key has beyond a user row.
api_keys = Table(
    "mp_api_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "userId",
        Integer,
        ForeignKey("zp_user.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    # The public middle part of `lt_<keyId>_<secret>`, equal to the user row's username.
    Column("keyId", String(32), nullable=False, unique=True),
    Column("name", String(100), nullable=False, unique=True),
    # sha256 hex of the secret part.
    Column("digest", String(64), nullable=False),
    Column("allProjects", Boolean, nullable=False, default=False),
    # '3.8' answers results bare (the default); '3.7' wraps each result in a list.
    Column("resultFormat", String(8), nullable=False, default="3.8"),
    Column("expiresAt", DateTime, nullable=True),
    Column("revokedAt", DateTime, nullable=True),
    Column("lastUsedAt", DateTime, nullable=True),
    Column("createdAt", DateTime, nullable=False),
    Column("createdBy", Integer, nullable=True),
    # Calls per minute for this key; NULL uses the server's `rate_limit_per_minute`.
    Column("rateLimit", Integer, nullable=True),
)

# Web sign-in sessions. Only a SHA-256 digest of the session id is stored; the id itself
# lives in the browser's cookie. Rows are shared by every server process.
sessions = Table(
    "mp_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("digest", String(64), nullable=False, unique=True),
    Column("userId", Integer, ForeignKey("zp_user.id", ondelete="CASCADE"), nullable=False),
    Column("createdAt", DateTime, nullable=False),
    Column("lastSeenAt", DateTime, nullable=False),
    Column("expiresAt", DateTime, nullable=False, index=True),
    Index("ix_mp_sessions_userId", "userId"),
)

# Failed web sign-ins, counted per client address and per account (lower-cased e-mail)
# over a sliding window to throttle password guessing across all server processes.
sign_in_failures = Table(
    "mp_sign_in_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("address", String(64), nullable=False),
    Column("account", String(175), nullable=False),
    Column("failedAt", DateTime, nullable=False),
    Index("ix_mp_sign_in_failures_address", "address", "failedAt"),
    Index("ix_mp_sign_in_failures_account", "account", "failedAt"),
    Index("ix_mp_sign_in_failures_failedAt", "failedAt"),
)

# Every mutating call: who (principal, key), what (method, target ids), how it ended.
audit_log = Table(
    "mp_audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("userId", Integer, nullable=True),
    Column("principalKind", String(10), nullable=False),
    Column("keyId", Integer, nullable=True),
    Column("method", String(200), nullable=False),
    Column("targets", String(255), nullable=False, default=""),
    Column("outcome", String(80), nullable=False),
    Column("address", String(64), nullable=False, default=""),
    Index("ix_mp_audit_log_userId_at", "userId", "at"),
)

# Results of calls made with an Idempotency-Key, replayed for a retry with the same key.
idempotency = Table(
    "mp_idempotency",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scope", String(80), nullable=False),
    Column("key", String(255), nullable=False),
    Column("requestHash", String(64), nullable=False),
    Column("result", Text, nullable=False),
    Column("createdAt", DateTime, nullable=False),
    Column("expiresAt", DateTime, nullable=False, index=True),
    UniqueConstraint("scope", "key"),
)

# Webhook subscriptions: which events of which projects go to which URL, signed with
# `secret` (stored as given: the server needs it to sign).
webhooks = Table(
    "mp_webhooks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", String(2000), nullable=False),
    Column("secret", String(255), nullable=False),
    Column("events", Text, nullable=False, default="*"),
    Column("projects", Text, nullable=False, default=""),
    Column("active", Boolean, nullable=False, default=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("disabledReason", String(255), nullable=False, default=""),
    Column("createdAt", DateTime, nullable=False),
    Column("createdBy", Integer, nullable=True),
)

# The durable outbox: one row per (event, subscription), written in the transaction that
# made the change, delivered at least once by the worker.
outbox = Table(
    "mp_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("webhookId", Integer, ForeignKey("mp_webhooks.id", ondelete="CASCADE"), nullable=False),
    Column("event", String(60), nullable=False),
    Column("payload", Text, nullable=False),
    Column("createdAt", DateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("nextAttemptAt", DateTime, nullable=False),
    # 'pending', 'delivered' or 'failed' (gave up).
    Column("state", String(12), nullable=False, default="pending"),
    Column("lockedUntil", DateTime, nullable=True),
    Index("ix_mp_outbox_state_next", "state", "nextAttemptAt"),
)

# One row per delivery attempt, readable over the API.
webhook_deliveries = Table(
    "mp_webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("outboxId", Integer, nullable=False, index=True),
    Column("webhookId", Integer, nullable=False, index=True),
    Column("attempt", Integer, nullable=False),
    Column("at", DateTime, nullable=False),
    Column("statusCode", Integer, nullable=True),
    Column("error", String(500), nullable=False, default=""),
    Column("durationMs", Integer, nullable=False, default=0),
)

# Boards (Leantime's `zp_canvas`): wikis (type 'wiki'), goal boards ('goalcanvas'), idea
# boards ('idea') and the other canvas kinds, each in one project.
canvas = Table(
    "zp_canvas",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(255), nullable=False, default=""),
    Column("author", Integer, nullable=True),
    Column("created", DateTime, nullable=True),
    Column("projectId", Integer, ForeignKey("zp_projects.id"), nullable=False),
    Column("type", String(45), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("color", String(50), nullable=False, default="ocean"),
    Column("modified", DateTime, nullable=True),
    Index("ix_zp_canvas_projectId_type", "projectId", "type"),
    # Optimistic concurrency: bumped on every change; see services/versions.py.
    Column("version", Integer, nullable=False, default=1, server_default="1"),
)

# Items on a board (Leantime's `zp_canvas_items`): wiki articles (box 'article'), goals
# (box 'goal'), ideas (box 'idea'), ... Decimal metrics come back as strings, as from PDO.
canvas_items = Table(
    "zp_canvas_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("canvasId", Integer, ForeignKey("zp_canvas.id", ondelete="CASCADE"), nullable=False),
    Column("box", String(255), nullable=False, default=""),
    Column("title", String(255), nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
    Column("assumptions", Text, nullable=False, default=""),
    Column("data", Text, nullable=False, default=""),
    Column("conclusion", Text, nullable=False, default=""),
    Column("why_this_matters", Text, nullable=False, default=""),
    Column("starting_picture", Text, nullable=False, default=""),
    Column("author", Integer, nullable=True),
    Column("created", DateTime, nullable=True),
    Column("modified", DateTime, nullable=True),
    Column("sortindex", Integer, nullable=True),
    Column("status", String(255), nullable=False, default=""),
    Column("relates", String(255), nullable=False, default=""),
    # A varchar in Leantime, so a JSON string on the wire.
    Column("milestoneId", String(255), nullable=False, default=""),
    Column("parent", Integer, nullable=True),
    Column("featured", Integer, nullable=True),
    Column("tags", Text, nullable=False, default=""),
    Column("kpi", Integer, nullable=True),
    Column("data1", Text, nullable=False, default=""),
    Column("data2", Text, nullable=False, default=""),
    Column("data3", Text, nullable=False, default=""),
    Column("data4", Text, nullable=False, default=""),
    Column("data5", Text, nullable=False, default=""),
    Column("startDate", DateTime, nullable=True),
    Column("endDate", DateTime, nullable=True),
    Column("setting", Text, nullable=False, default=""),
    Column("metricType", String(45), nullable=False, default=""),
    Column("startValue", Numeric(10, 2), nullable=True),
    Column("currentValue", Numeric(10, 2), nullable=True),
    Column("endValue", Numeric(10, 2), nullable=True),
    Column("impact", Integer, nullable=True),
    Column("effort", Integer, nullable=True),
    Column("probability", Integer, nullable=True),
    Column("action", Text, nullable=False, default=""),
    Column("assignedTo", Integer, nullable=True),
    Index("ix_zp_canvas_items_canvasId_box", "canvasId", "box"),
    Index("ix_zp_canvas_items_modified", "modified"),
    # Optimistic concurrency: bumped on every change; see services/versions.py.
    Column("version", Integer, nullable=False, default=1, server_default="1"),
)

# Leantime's change log per entity (`zp_audit`); Milepost keeps wiki article history here:
# one row per change, `values` holding the change as JSON.
entity_audit = Table(
    "zp_audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("userId", Integer, nullable=True),
    Column("projectId", Integer, nullable=True),
    Column("action", String(45), nullable=False),
    Column("entity", String(45), nullable=False),
    Column("entityId", Integer, nullable=False),
    Column("values", Text, nullable=False, default=""),
    Column("date", DateTime, nullable=False),
    Index("ix_zp_audit_entity_entityId", "entity", "entityId"),
)

# Uploaded files. The content lives under the `data_dir` setting, named by `encName` (random);
# the uploaded name is kept only as `realName`, never used as a path.
files = Table(
    "zp_file",
    metadata,
    Column("id", Integer, primary_key=True),
    # project, ticket, client, user or private.
    Column("module", String(45), nullable=False),
    Column("moduleId", Integer, nullable=False),
    Column("userId", Integer, nullable=False),
    Column("extension", String(10), nullable=False, default=""),
    Column("encName", String(64), nullable=False, unique=True),
    Column("realName", String(255), nullable=False, default=""),
    Column("date", DateTime, nullable=False),
    # Milepost: the size in bytes.
    Column("size", BigInteger, nullable=False, default=0),
    Index("ix_zp_file_module_moduleId", "module", "moduleId"),
)

reactions = Table(
    "zp_reactions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("userId", Integer, nullable=False),
    Column("module", String(45), nullable=False),
    Column("moduleId", Integer, nullable=False),
    Column("reaction", String(45), nullable=False),
    Column("date", DateTime, nullable=False),
    UniqueConstraint("userId", "module", "moduleId", "reaction"),
    Index("ix_zp_reactions_module_moduleId", "module", "moduleId"),
)

notifications = Table(
    "zp_notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("userId", Integer, ForeignKey("zp_user.id", ondelete="CASCADE"), nullable=False),
    # 0 unread, 1 read.
    Column("read", Integer, nullable=False, default=0),
    Column("type", String(45), nullable=False, default=""),
    Column("module", String(45), nullable=False, default=""),
    Column("moduleId", Integer, nullable=True),
    Column("datetime", DateTime, nullable=False),
    Column("url", String(255), nullable=False, default=""),
    Column("authorId", Integer, nullable=True),
    Column("message", Text, nullable=False, default=""),
    Index("ix_zp_notifications_userId_read", "userId", "read"),
    Index("ix_zp_notifications_userId_datetime", "userId", "datetime"),
)

# Personal calendar events, each owned by its user.
calendar = Table(
    "zp_calendar",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("userId", Integer, ForeignKey("zp_user.id", ondelete="CASCADE"), nullable=False),
    Column("dateFrom", DateTime, nullable=True),
    Column("dateTo", DateTime, nullable=True),
    Column("description", Text, nullable=False, default=""),
    Column("kind", String(255), nullable=False, default=""),
    # 'true' or 'false', a varchar as in Leantime.
    Column("allDay", String(10), nullable=False, default="false"),
    Column("modified", DateTime, nullable=True),
    Index("ix_zp_calendar_userId_dateFrom", "userId", "dateFrom"),
    # Optimistic concurrency: bumped on every change; see services/versions.py.
    Column("version", Integer, nullable=False, default=1, server_default="1"),
)

# Links to external iCal feeds, per user. Milepost stores them but does not fetch them.
calendar_links = Table(
    "zp_gcallinks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("userId", Integer, ForeignKey("zp_user.id", ondelete="CASCADE"), nullable=False),
    Column("url", Text, nullable=False, default=""),
    Column("name", String(255), nullable=False, default=""),
    Column("colorClass", String(100), nullable=False, default=""),
    Index("ix_zp_gcallinks_userId", "userId"),
    # Optimistic concurrency: bumped on every change; see services/versions.py.
    Column("version", Integer, nullable=False, default=1, server_default="1"),
)

# Every recorded value of a goal's metric (`currentValue`), so its trend can be charted:
# written when a goal is created with a value and whenever the value changes.
goal_history = Table(
    "zp_goal_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("itemId", Integer, ForeignKey("zp_canvas_items.id", ondelete="CASCADE"), nullable=False),
    Column("value", Float, nullable=True),
    Column("userId", Integer, nullable=True),
    Column("dateRecorded", DateTime, nullable=False),
    Index("ix_zp_goal_history_itemId_dateRecorded", "itemId", "dateRecorded"),
)

# Running timers (Leantime's punch clock): who is clocked in on which ticket (`id`) since
# when (`punchIn`, unix seconds). Milepost allows one running timer per person.
punch_clock = Table(
    "zp_punch_clock",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column(
        "userId",
        Integer,
        ForeignKey("zp_user.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("minutes", Integer, nullable=True),
    Column("hours", Integer, nullable=True),
    Column("punchIn", BigInteger, nullable=False),
    UniqueConstraint("userId"),
)

# One row, bumped by every write transaction on SQLite, so that a reader can tell in one
# lookup whether anything was committed since a cached answer was built (PostgreSQL
# needs no row: its snapshot tells the same; see `Database.data_version`).
revision = Table(
    "mp_revision",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("value", BigInteger, nullable=False, default=0),
)
