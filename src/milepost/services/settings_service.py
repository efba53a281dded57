"""Company settings and project labels (Leantime's `Setting` domain).

Settings live in `zp_settings` under Leantime's keys (`companysettings.sitename`,
`projectsettings.{projectId}.ticketlabels`, ...). Company settings need
company.settings.view / company.settings.edit (admins); project labels need
projectsettings.labels.manage in the project (managers and above).

Project labels: `ticketlabels` are the project's status labels (keyed by status code;
the same labels `Tickets.getStatusLabels` answers) and `idealabels` the idea board's
columns (keyed idea, research, prototype, validation, implemented, deferred), kept as
JSON `{key: name}`. Milepost has no retrospective or research boards, so their labels
(`retrolabels`, `researchlabels`) are -32602.

Leantime 3.8's `getSetting`, `saveSetting` and `deleteSetting` reach only the keys listed
in `READABLE` and `WRITABLE` (company settings and project labels), never anything else
the table holds; values written through them are checked as the company form checks them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypedDict

import orjson
from sqlalchemy import delete, insert, select, update

from milepost.services import labels
from milepost.services.errors import Forbidden, InvalidParams, NotFound
from milepost.services.operations import Context, operation
from milepost.storage import tables as t

sc = t.settings.c
LABEL_MODULES = ("ticketlabels", "idealabels")
IDEA_LABELS: dict[str, str] = {
    "idea": "Ideation",
    "research": "Discovery",
    "prototype": "Delivering",
    "validation": "In Review",
    "implemented": "Accepted",
    "deferred": "Deferred",
}
NOTIFICATION_CATEGORIES = ("tasks", "comments", "goals", "ideas", "projects", "boards")
RELEVANCE_LEVELS = ("all", "my_work")
MAX_LABEL = 100
MAX_NAME = 200
COMPANY = "companysettings."

_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?")


class CompanyValues(TypedDict):
    """The company settings as the settings page shows them."""

    logo: str
    primarycolor: str
    secondarycolor: str
    name: str
    language: str
    telemetryActive: bool
    messageFrequency: str


class CompanySettings(TypedDict):
    """The company settings, the notification categories on by default, and the default
    notification relevance ('all' or 'my_work')."""

    companySettings: CompanyValues
    defaultNotificationTypes: list[str]
    defaultRelevance: str


class CompanyParams(TypedDict, total=False):
    """saveCompanySettings' fields: the colours (`primarycolor` with `secondarycolor`,
    as #rgb or #rrggbb), and the main details (`name` with `language`, plus
    `messageFrequency` in seconds, `defaultNotificationEventTypes` from tasks, comments,
    goals, ideas, projects, boards, and `defaultNotificationRelevance`)."""

    primarycolor: str
    secondarycolor: str
    name: str
    language: str
    messageFrequency: int
    defaultNotificationEventTypes: list[str]
    defaultNotificationRelevance: str


# -- storage ------------------------------------------------------------------------------


def read(ctx: Context, key: str) -> str | None:
    return ctx.conn.execute(select(sc.value).where(sc.key == key)).scalar()


def write(ctx: Context, key: str, value: str) -> None:
    """Insert or replace one setting."""
    if ctx.conn.execute(update(t.settings).where(sc.key == key).values(value=value)).rowcount:
        return
    ctx.conn.execute(insert(t.settings).values(key=key, value=value))


def _fail(param: str, expected: str, value: Any) -> InvalidParams:
    return InvalidParams(
        f"param `{param}`: expected {expected}, got {value!r}", param=param, expected=expected
    )


# -- checks for values the company form and saveSetting write -------------------------------


def _color(value: Any, param: str) -> str:
    if not isinstance(value, str) or not _COLOR.fullmatch(value.strip()):
        raise _fail(param, "a colour as #rgb or #rrggbb", value)
    return value.strip()


def _name(value: Any, param: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME:
        raise _fail(param, f"a name of 1 to {MAX_NAME} characters", value)
    return value.strip()


def _language(value: Any, param: str) -> str:
    if not isinstance(value, str) or not _LANGUAGE.fullmatch(value.strip()):
        raise _fail(param, "a language tag such as en-US", value)
    return value.strip()


def _frequency(value: Any, param: str) -> str:
    text = str(value).strip() if isinstance(value, int | str) and value != "" else ""
    if not text.isdigit():
        raise _fail(param, "a whole number of seconds", value)
    return text


def _categories(value: Any, param: str) -> str:
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise _fail(param, "a list of notification categories", value) from None
    if not isinstance(value, list) or any(v not in NOTIFICATION_CATEGORIES for v in value):
        raise _fail(param, "a list from " + ", ".join(NOTIFICATION_CATEGORIES), value)
    return orjson.dumps(list(dict.fromkeys(value))).decode()


def _relevance(value: Any, param: str) -> str:
    if value not in RELEVANCE_LEVELS:
        raise _fail(param, "one of " + ", ".join(RELEVANCE_LEVELS), value)
    return str(value)


# Company settings that saveSetting may write, each with its check.
WRITABLE: dict[str, Callable[[Any, str], str]] = {
    COMPANY + "sitename": _name,
    COMPANY + "language": _language,
    COMPANY + "primarycolor": _color,
    COMPANY + "secondarycolor": _color,
    COMPANY + "messageFrequency": _frequency,
    COMPANY + "defaultNotificationEventTypes": _categories,
    COMPANY + "defaultNotificationRelevance": _relevance,
}
_PROJECT_LABELS = re.compile(r"projectsettings\.\d+\.(ticketlabels|idealabels)")


def readable(key: str) -> bool:
    """Whether getSetting may answer a key: the writable company settings, the logo
    path, and project labels."""
    return key in WRITABLE or key == COMPANY + "logoPath" or bool(_PROJECT_LABELS.fullmatch(key))


# -- company settings -------------------------------------------------------------------------


@operation("Setting.Setting.getCompanySettings", permission="company.settings.view")
def get_company_settings(ctx: Context, logoUrl: str = "") -> CompanySettings:
    """The company settings: logo (`logoUrl` when given, else the stored logo path),
    colours, name, language and message frequency, with the notification defaults.
    Needs company.settings.view (admins)."""

    def get(name: str, default: str = "") -> str:
        value = read(ctx, COMPANY + name)
        return default if value is None else value

    categories = read(ctx, COMPANY + "defaultNotificationEventTypes")
    relevance = get("defaultNotificationRelevance", "all")
    return {
        "companySettings": {
            "logo": logoUrl or get("logoPath"),
            "primarycolor": get("primarycolor"),
            "secondarycolor": get("secondarycolor"),
            "name": get("sitename", "Milepost"),
            "language": get("language", "en-US"),
            "telemetryActive": False,
            "messageFrequency": get("messageFrequency"),
        },
        "defaultNotificationTypes": (
            orjson.loads(categories) if categories else list(NOTIFICATION_CATEGORIES)
        ),
        "defaultRelevance": relevance if relevance in RELEVANCE_LEVELS else "all",
    }


@operation("Setting.Setting.saveCompanySettings", permission="company.settings.edit", writes=True)
def save_company_settings(ctx: Context, params: CompanyParams) -> bool:
    """Save the colours (when `primarycolor` is given; `secondarycolor` defaults to it)
    and the main details (when both `name` and `language` are given). True when either
    was saved, false when `params` held neither, as Leantime answers. Needs
    company.settings.edit (admins)."""
    values: dict[str, Any] = dict(params)
    changes: dict[str, str] = {}
    if values.get("primarycolor"):
        primary = _color(values["primarycolor"], "params.primarycolor")
        changes["primarycolor"] = primary
        changes["secondarycolor"] = _color(
            values.get("secondarycolor") or primary, "params.secondarycolor"
        )
    if values.get("name") and values.get("language"):
        changes["sitename"] = _name(values["name"], "params.name")
        changes["language"] = _language(values["language"], "params.language")
        changes["messageFrequency"] = _frequency(
            values.get("messageFrequency", 0), "params.messageFrequency"
        )
        changes["defaultNotificationEventTypes"] = _categories(
            values.get("defaultNotificationEventTypes", []), "params.defaultNotificationEventTypes"
        )
        changes["defaultNotificationRelevance"] = _relevance(
            values.get("defaultNotificationRelevance", "all"),
            "params.defaultNotificationRelevance",
        )
    for name, value in changes.items():
        write(ctx, COMPANY + name, value)
    return bool(changes)


# -- Leantime 3.8's raw settings -----------------------------------------------------------------


def _exposed(key: str, allowed: Callable[[str], bool]) -> str:
    if not allowed(key):
        raise Forbidden(
            f"setting {key!r} is not exposed over the API; the company settings"
            " (companysettings.*) and project labels are",
            reason="setting_not_exposed",
        )
    return key


@operation("Setting.Setting.getSetting", permission="company.settings.view", legacy=True)
def get_setting(ctx: Context, key: str, default: Any = False) -> Any:
    """Leantime 3.8's raw read of one setting: its stored text, or `default` (false)
    when it is not set. Only company settings and project labels are exposed (-32001
    otherwise). Needs company.settings.view."""
    value = read(ctx, _exposed(key, readable))
    return default if value is None else value


@operation(
    "Setting.Setting.saveSetting", permission="company.settings.edit", writes=True, legacy=True
)
def save_setting(ctx: Context, key: str, value: Any) -> bool:
    """Leantime 3.8's raw write of one company setting (sitename, language,
    primarycolor, secondarycolor, messageFrequency, defaultNotificationEventTypes,
    defaultNotificationRelevance), checked as saveCompanySettings checks it. Returns
    true. Needs company.settings.edit."""
    check = WRITABLE[_exposed(key, WRITABLE.__contains__)]
    write(ctx, key, check(value, "value"))
    return True


@operation(
    "Setting.Setting.deleteSetting", permission="company.settings.edit", writes=True, legacy=True
)
def delete_setting(ctx: Context, key: str) -> None:
    """Leantime 3.8's removal of one company setting (back to its default). Only the
    settings saveSetting writes can be removed. Needs company.settings.edit."""
    ctx.conn.execute(delete(t.settings).where(sc.key == _exposed(key, WRITABLE.__contains__)))


# -- project labels ----------------------------------------------------------------------------


def _label_module(module: str) -> str:
    if module not in LABEL_MODULES:
        raise InvalidParams(
            f"param `module`: expected one of {', '.join(LABEL_MODULES)}, got {module!r}"
            " (Milepost has no retrospective or research boards)",
            param="module",
            expected="one of " + ", ".join(LABEL_MODULES),
        )
    return module


def idea_labels(ctx: Context, project_id: int) -> dict[str, str]:
    """The idea board's column names of a project, by key."""
    stored = read(ctx, f"projectsettings.{project_id}.idealabels")
    names = dict(IDEA_LABELS)
    if stored:
        names.update({k: v for k, v in orjson.loads(stored).items() if k in IDEA_LABELS})
    return names


def _status_code(labelKey: int | str, allowed: dict[int, Any]) -> int:
    text = str(labelKey).strip()
    if not text.lstrip("-").isdigit() or int(text) not in allowed:
        raise _fail("labelKey", f"a status code of the project {sorted(allowed)}", labelKey)
    return int(text)


def _idea_key(labelKey: int | str) -> str:
    if str(labelKey) not in IDEA_LABELS:
        raise _fail("labelKey", "one of " + ", ".join(IDEA_LABELS), labelKey)
    return str(labelKey)


@operation(
    "Setting.Setting.getProjectLabel",
    permission="projectsettings.labels.manage",
    project="projectId",
)
def get_project_label(ctx: Context, module: str, labelKey: int | str, projectId: int) -> str:
    """The current name of one label of a project: a status (`ticketlabels`, `labelKey`
    a status code) or an idea board column (`idealabels`, `labelKey` idea, research, ...).
    Needs projectsettings.labels.manage in the project (managers and above)."""
    if _label_module(module) == "ticketlabels":
        status = labels.status_labels(ctx.conn, projectId)
        return str(status[_status_code(labelKey, status)]["name"])
    return idea_labels(ctx, projectId)[_idea_key(labelKey)]


@operation(
    "Setting.Setting.saveProjectLabel",
    permission="projectsettings.labels.manage",
    project="projectId",
    writes=True,
)
def save_project_label(
    ctx: Context, module: str, labelKey: int | str, newLabel: str, projectId: int
) -> None:
    """Rename one label of a project (see getProjectLabel); the other labels keep their
    names. Needs projectsettings.labels.manage in the project."""
    name = newLabel.strip()
    if not name or len(name) > MAX_LABEL or "<" in name:
        raise _fail("newLabel", f"a label of 1 to {MAX_LABEL} characters, without markup", newLabel)
    if not ctx.conn.execute(select(t.projects.c.id).where(t.projects.c.id == projectId)).first():
        raise NotFound(f"no project {projectId}")
    if _label_module(module) == "ticketlabels":
        status = {
            code: dict(label) for code, label in labels.status_labels(ctx.conn, projectId).items()
        }
        status[_status_code(labelKey, status)]["name"] = name
        write(
            ctx, labels.settings_key(projectId), orjson.dumps(labels.wire_labels(status)).decode()
        )
        return
    names = idea_labels(ctx, projectId)
    names[_idea_key(labelKey)] = name
    write(ctx, f"projectsettings.{projectId}.idealabels", orjson.dumps(names).decode())
