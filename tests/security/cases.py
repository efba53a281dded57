"""The authorization matrix's cases, generated from `rpc.discover` and the permission table.

For each method the discovery document lists, params are built twice: aimed at things
inside the caller's projects and at the same kinds of things outside them. The params
come from the method's schema, with every name that refers to a project or to a thing
in one (`projectId`, `ticketId`, `canvasId`, a domain's `id`, the same names inside
wrapper objects) pointed at the scope's project or thing; a method without such a name
is global and gets one variant. `OVERRIDES` holds the few methods whose params cannot be
guessed from names; `SKIPPED` the ones that would end the caller's own credential.

Expectations: outside the caller's projects, nothing (false, null, an empty list or
object, 0, -32001 or -32002); inside, what the permission table says for the caller's
role: the permission `x-permission` declares, or for methods that check after loading
the entity, the one `KNOWN_PERMISSIONS` names. Methods in neither are checked outside
only ("unknown" inside).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from milepost.services.permissions import PERMISSIONS
from tests.security.world import ROLE_KEYS, Caller, Scope, World

NOWHERE = 999_999_999  # an id that names nothing: harmless where no real id is known
EMPTY = (False, None, [], {}, 0, "")

# Names that refer to a project or to a thing in one, and the kind they refer to.
SCOPE_NAMES = {
    "projectid": "project", "project": "project", "currentproject": "project",
    "ticketid": "ticket", "dependingticketid": "ticket", "entityid": "ticket",
    "moduleid": "ticket", "milestoneid": "milestone", "milestone": "milestone",
    "sprintid": "sprint", "requestedsprintid": "sprint", "sprint": "sprint",
    "commentid": "comment", "goalid": "goal", "wikiid": "wiki", "articleid": "article",
    "ideaitemid": "idea", "fileid": "file", "encname": "encName",
    "projectids": "project", "projects": "project", "goalids": "goal",
}  # fmt: skip
TEXT_NAMES = {"title", "headline", "name", "text", "description"}
CANVAS_OF = {"Wiki": "wiki", "Goalcanvas": "goalboard", "Ideas": "ideaboard"}
ID_OF = {
    "Tickets": "ticket", "Projects": "project", "Sprints": "sprint", "Comments": "comment",
    "Timesheets": "timesheet", "Files": "file",
}  # fmt: skip

# Methods that check their permission after loading the entity, and that permission.
KNOWN_PERMISSIONS = {
    "Tickets.Tickets.getTicket": "tickets.view",
    "Tickets.Tickets.addTicket": "tickets.create",
    "Tickets.Tickets.quickAddTicket": "tickets.create",
    "Tickets.Tickets.quickAddMilestone": "tickets.create",
    "Tickets.Tickets.updateTicket": "tickets.edit",
    "Tickets.Tickets.patchTicket": "tickets.edit",
    "Tickets.Tickets.patch": "tickets.edit",
    "Tickets.Tickets.markTicketDone": "tickets.edit",
    "Tickets.Tickets.delete": "tickets.delete",
    "Tickets.Tickets.deleteMilestone": "tickets.delete",
    "Comments.Comments.getComments": "comments.view",
    "Comments.Comments.addComment": "comments.create",
    "Sprints.Sprints.getSprint": "sprints.view",
    "Sprints.Sprints.addSprint": "sprints.create",
    "Sprints.Sprints.deleteSprint": "sprints.delete",
    "Wiki.Wiki.getWiki": "wiki.view",
    "Wiki.Wiki.getArticle": "wiki.view",
    "Wiki.Wiki.createWiki": "wiki.create",
    "Wiki.Wiki.createArticle": "wiki.create",
    "Goalcanvas.Goalcanvas.getGoal": "goals.view",
    "Goalcanvas.Goalcanvas.createGoalboard": "goals.create",
    "Goalcanvas.Goalcanvas.createGoal": "goals.create",
    "Ideas.Ideas.getBoard": "ideas.view",
    "Ideas.Ideas.createBoard": "ideas.create",
    "Files.Files.getFilesByModule": "files.view",
    "Files.Files.upload": "files.upload",
    "Auth.Auth.getUserId": None,
    "Api.Config.getSystemInfo": None,
    "Users.Users.getUser": None,
    "Projects.Projects.getAll": None,
}


def _today() -> str:
    return dt.date.today().isoformat()


# Params that names alone cannot build: (scope, caller) -> params.
OVERRIDES: dict[str, Callable[[Scope, Caller], dict[str, Any]]] = {
    # The caller's own memberships: a caller that could add itself to a project it
    # cannot reach would gain it.
    "Projects.Projects.editUserProjectRelations": lambda s, c: {
        "id": c.user_id, "projects": [s.project]},
    "Files.Files.upload": lambda s, c: {
        "file": {"file": {"name": "m.txt", "content": "aGk="}}, "module": "project",
        "moduleId": s.project},
    "Timesheets.Timesheets.logTime": lambda s, c: {
        "ticketId": s.ids.get("ticket", NOWHERE), "params": {"hours": 1, "date": _today()}},
    "Comments.Comments.addComment": lambda s, c: {
        "values": {"text": "matrix"}, "module": "ticket", "entityId": s.ids.get("ticket", NOWHERE)},
    "Comments.Comments.getComments": lambda s, c: {
        "module": "ticket", "entityId": s.ids.get("ticket", NOWHERE)},
    "Files.Files.getFilesByModule": lambda s, c: {"module": "project", "entityId": s.project},
}  # fmt: skip
# Calls that would end the caller's own credential midway through the matrix.
SKIPPED = {"Auth.AccessToken.revokeCurrentToken"}
# Methods whose permission is needed but not enough: the owner's comments and files are
# only the moderators' to change; only the settings the API exposes can be read or
# deleted; another person's timer is the managers'.
NECESSARY_ONLY = {
    "Comments.Comments.editComment",
    "Comments.Comments.deleteComment",
    "Files.Files.deleteFile",
    "Setting.Setting.getSetting",
    "Setting.Setting.deleteSetting",
    "Timesheets.Timesheets.isClocked",
}


@dataclass(frozen=True)
class Case:
    method: str
    variant: str  # inside, outside or global
    params: dict[str, Any]
    writes: bool
    permission: str | None
    known: bool  # whether the permission (or its absence) is known

    def expected(self, caller: Caller) -> str:
        """denied, allowed or unknown."""
        if self.variant == "outside":
            return "denied"
        if not self.known:
            return "unknown"
        if self.permission is None:
            return "allowed"
        if ROLE_KEYS[caller.role] < PERMISSIONS[self.permission].least_role:
            return "denied"
        return "unknown" if self.method in NECESSARY_ONLY else "allowed"


def short(name: str) -> str:
    return name.removeprefix("leantime.rpc.")


def cases_for(method: dict[str, Any], world: World, caller: Caller) -> list[Case]:
    """The cases of one method for one caller: inside and outside, or one global case."""
    name = short(method["name"])
    if name in SKIPPED:
        return []
    known = name in KNOWN_PERMISSIONS or method.get("x-permission") is not None
    permission = method.get("x-permission") or KNOWN_PERMISSIONS.get(name)
    writes = bool(method.get("x-writes"))
    inside, scoped = _params(method, world.inside, caller)
    if not scoped:
        return [Case(name, "global", inside, writes, permission, known)]
    found = [Case(name, "inside", inside, writes, permission, known)]
    if not caller.sees_every_project:
        outside, _ = _params(method, world.outside, caller)
        found.append(Case(name, "outside", outside, writes, permission, known))
    return found


def _params(method: dict[str, Any], scope: Scope, caller: Caller) -> tuple[dict[str, Any], bool]:
    name = short(method["name"])
    if name in OVERRIDES:
        return OVERRIDES[name](scope, caller), True
    builder = _Builder(name.split(".")[0], name.split(".")[-1], scope, caller)
    params: dict[str, Any] = {}
    for param in method["params"]:
        value = builder.value(param["name"], param["schema"], param["required"])
        if value is not _MISSING:
            params[param["name"]] = value
    return params, builder.scoped


_MISSING = object()


class _Builder:
    def __init__(self, domain: str, method: str, scope: Scope, caller: Caller) -> None:
        self.domain, self.method, self.scope, self.caller = domain, method, scope, caller
        self.scoped = False

    def value(self, name: str, schema: dict[str, Any], required: bool) -> Any:
        kind = self._kind(name)
        if kind is not None:
            found = self.scope.project if kind == "project" else self.scope.ids.get(kind)
            if found is not None:
                self.scoped = True
                return self._shaped(found, schema)
            if required:
                return self._shaped(NOWHERE, schema)
        lowered = name.lower()
        if lowered in ("userid", "authorid"):
            return self.caller.user_id
        if lowered == "module":
            return "ticket"
        if lowered in TEXT_NAMES and _accepts(schema, "string"):
            return "matrix"
        properties = _object_properties(schema)
        if properties is not None:
            inner = {}
            for field, sub in properties.items():
                value = self.value(field, sub, field in schema.get("required", []))
                if value is not _MISSING:
                    inner[field] = value
            return inner
        return _default(schema) if required else _MISSING

    def _kind(self, name: str) -> str | None:
        lowered = name.lower()
        if lowered in ("canvasid", "boardid", "board"):
            return CANVAS_OF.get(self.domain)
        if lowered == "parentid" and self.domain == "Goalcanvas":
            return "goal"
        if lowered == "id":
            return self._id_kind()
        return SCOPE_NAMES.get(lowered)

    def _id_kind(self) -> str | None:
        method = self.method.lower()
        if self.domain == "Wiki":
            return "article" if "article" in method else "wiki"
        if self.domain == "Goalcanvas":
            board = "board" in method or method in ("getsinglecanvas", "getcanvasitemsbyid")
            return "goalboard" if board else "goal"
        if self.domain == "Ideas":
            return "idea" if "item" in method else "ideaboard"
        return ID_OF.get(self.domain)

    @staticmethod
    def _shaped(value: Any, schema: dict[str, Any]) -> Any:
        if _accepts(schema, "array") and not _accepts(schema, "integer"):
            return [value]
        if _accepts(schema, "string") and not _accepts(schema, "integer"):
            return str(value)
        return value


def _options(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return schema.get("anyOf", [schema])


def _accepts(schema: dict[str, Any], kind: str) -> bool:
    return any(option.get("type") == kind for option in _options(schema))


def _object_properties(schema: dict[str, Any]) -> dict[str, Any] | None:
    for option in _options(schema):
        if option.get("type") == "object" and "properties" in option:
            properties: dict[str, Any] = option["properties"]
            return properties
    return None


def _default(schema: dict[str, Any]) -> Any:
    option = next((o for o in _options(schema) if o.get("type") != "null"), {})
    defaults = {"integer": NOWHERE, "number": 1, "string": "matrix", "boolean": False,
                "array": [], "object": {}}  # fmt: skip
    if "enum" in option:
        return option["enum"][0]
    if "const" in option:
        return option["const"]
    return defaults.get(option.get("type", ""))


def classify(answer: dict[str, Any], params: dict[str, Any], marker: str) -> str:
    """What a refused call answered: `nothing` (-32001, -32002, or a result empty all the
    way down, ids echoed from the params aside), `leak` (a result holding the refused
    scope's data, recognised by its marker), `something` (any other result), or
    `inconclusive` (another error)."""
    if "error" in answer:
        return "nothing" if answer["error"]["code"] in (-32001, -32002) else "inconclusive"
    result = answer.get("result")
    if marker in orjson.dumps(result).decode():
        return "leak"
    return "nothing" if _empty(result, set(_ints(params))) else "something"


def _empty(value: Any, echoed: set[int]) -> bool:
    if isinstance(value, dict):
        return all(_empty(item, echoed) for item in value.values())
    if isinstance(value, list):
        return all(_empty(item, echoed) for item in value)
    if isinstance(value, int) and not isinstance(value, bool) and value in echoed:
        return True
    return value in EMPTY


def _ints(value: Any) -> Iterator[int]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _ints(item)
    elif isinstance(value, list):
        for item in value:
            yield from _ints(item)
    elif isinstance(value, int) and not isinstance(value, bool):
        yield value
