"""The role x scope matrix: every method of issue 2, called by a key of every role that is
restricted to project 1, on things inside that project and outside it (project 3).

The table `METHODS` is the data: each method, how to build its params for a scope, the
permission it needs, what a permitted call answers, and what a call outside project 1
answers. `expected` derives each case's exact outcome from Leantime 3.9's default grant
map (`LEAST_ROLE`). A refused write must change nothing: its `witness` (the state it would
have touched) is read with the owner key before and after the call.

Reads outside the caller's projects answer false or an empty list where Leantime checks
inside the method, and -32001 where Leantime 3.9's permission engine gates on a project
parameter (view[P:x]); writes outside answer -32002 for an entity the caller cannot see
and -32001 for a project or grant it cannot reach.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import Server
from tests.services import Api, RpcError, api_for, unique

ROLES = ("readonly", "commenter", "editor", "manager", "admin", "owner")
RANK = {role: rank for rank, role in enumerate(ROLES)}
PROJECT = {"inside": 1, "outside": 3}

# Leantime 3.9's default grants for the permissions these methods need: the least role
# that holds each, and whether the global role or the role in the project is checked.
# "any" is a method open to every caller.
LEAST_ROLE: dict[str, tuple[str, str]] = {
    "any": ("readonly", "global"),
    "tickets.view": ("readonly", "project"),
    "tickets.create": ("editor", "project"),
    "tickets.edit": ("editor", "project"),
    "tickets.delete": ("editor", "project"),
    "projects.view": ("readonly", "project"),
    "projects.create": ("manager", "global"),
    "projects.edit": ("manager", "global"),
    "users.view": ("readonly", "global"),
    "users.create": ("manager", "global"),
    "users.edit": ("admin", "global"),
    "users.delete": ("admin", "global"),
    "clients.view": ("admin", "global"),
    "clients.create": ("admin", "global"),
    "clients.edit": ("admin", "global"),
    "clients.delete": ("admin", "global"),
    "api.manage": ("admin", "global"),
}


# -- outcomes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """A result, described by `label` and checked by `holds`."""

    label: str
    holds: Callable[[Any], bool]


@dataclass(frozen=True)
class Refusal:
    """A JSON-RPC error code."""

    label: str
    code: int


Outcome = Answer | Refusal

FORBIDDEN = Refusal("-32001 forbidden", -32001)
NOT_FOUND = Refusal("-32002 not found", -32002)
FALSE = Answer("false", lambda r: r is False)
EMPTY = Answer("[]", lambda r: r == [])
TRUE = Answer("true", lambda r: r is True)
AN_ID = Answer("a new id", lambda r: isinstance(r, int) and not isinstance(r, bool) and r > 0)
AN_OBJECT = Answer("an object", lambda r: isinstance(r, dict) and bool(r))
A_LIST = Answer("a non-empty list", lambda r: isinstance(r, list) and bool(r))
IN_PROJECT_1 = Answer(
    "rows of project 1",
    lambda r: isinstance(r, list) and bool(r) and {row["projectId"] for row in r} == {1},
)
PROJECT_1 = Answer("project 1", lambda r: isinstance(r, dict) and r["id"] == 1)
SEES_1_NOT_3 = Answer(
    "projects with 1, without 3",
    lambda r: isinstance(r, list) and 1 in {p["id"] for p in r} and 3 not in {p["id"] for p in r},
)
GRACE = Answer("Grace's row", lambda r: isinstance(r, dict) and r["id"] == 3)
ONLY_PROJECT_1 = Answer("[1]", lambda r: r == [1])
NEW_KEY = Answer("a new key", lambda r: isinstance(r, dict) and r["apiKey"].startswith("lt_"))


# -- the world the cases act on ------------------------------------------------------------


@dataclass
class World:
    """Keys by role (restricted to project 1) and the rows the cases read and write."""

    api: Api
    keys: dict[str, str]
    ticket: dict[str, int]
    milestone: dict[str, int]
    parent: dict[str, int]
    person: int
    client: int
    target_key: int
    details: str  # project 1's, patched back onto it unchanged

    def owner(self, method: str, params: Any = None) -> Any:
        return self.api.call(method, params)

    def target(self, scope: str) -> int:
        """A ticket to write: a fresh one inside, the shared one outside."""
        return self.api.add_ticket(projectId=1) if scope == "inside" else self.ticket[scope]

    def target_milestone(self, scope: str) -> int:
        if scope == "outside":
            return self.milestone[scope]
        params = {"headline": unique("doomed"), "projectId": 1}
        return int(self.owner("tickets.quickAddMilestone", {"params": params}))

    def fresh_user(self) -> int:
        values = {"username": f"{unique('doomed')}@example.com", "role": "readonly"}
        return int(self.owner("users.addUser", {"values": values}))

    def fresh_client(self) -> int:
        return int(self.owner("clients.create", {"values": {"name": unique("doomed")}}))

    def fresh_key(self) -> int:
        return self.api.new_key("readonly", [1])[0]

    def memberships(self, user: int) -> set[int]:
        params = {"userId": user, "projectStatus": "all"}
        return {p["id"] for p in self.owner("projects.getProjectsAssignedToUser", params)}

    def key_info(self, id: int) -> dict[str, Any]:
        row = next(row for row in self.owner("Api.Api.getAPIKeys") if row["id"] == id)
        return {field: row[field] for field in ("name", "role", "projects", "revoked")}

    def key_names(self) -> set[str]:
        return {row["name"] for row in self.owner("Api.Api.getAPIKeys")}


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[Api]:
    yield from api_for(server)


@pytest.fixture(scope="module")
def world(api: Api) -> World:
    def ticket(project: int, **values: Any) -> int:
        return api.add_ticket(projectId=project, headline=unique("matrix"), **values)

    parents = {}
    for scope, project in PROJECT.items():
        parents[scope] = ticket(project)
        ticket(project, dependingTicketId=parents[scope], type="subtask")
        ticket(project, editorId="2", status=3)  # open work of Ada's in both projects
    person = int(api.call("users.addUser", {"values": {"username": f"{unique('p')}@example.com"}}))
    api.call("projects.editUserProjectRelations", {"id": person, "projects": [1, 3]})
    return World(
        api=api,
        keys={role: api.new_key(role, [1])[1] for role in ROLES},
        ticket={scope: ticket(project) for scope, project in PROJECT.items()},
        milestone={
            scope: int(
                api.call(
                    "tickets.quickAddMilestone",
                    {"params": {"headline": unique("matrix"), "projectId": project}},
                )
            )
            for scope, project in PROJECT.items()
        },
        parent=parents,
        person=person,
        client=int(api.call("clients.create", {"values": {"name": unique("matrix")}})),
        target_key=api.new_key("readonly", [1])[0],
        details=api.call("projects.getProject", {"id": 1})["details"],
    )


# -- the table ---------------------------------------------------------------------------

Params = Callable[[World, str], dict[str, Any]]
Witness = Callable[[World, dict[str, Any]], Any]


@dataclass(frozen=True)
class Method:
    """One row: a method, its params per scope, the permission it needs, what a permitted
    call answers (`ok`) and what a call outside project 1 answers (None: no project
    scope, so the method is called once, as 'global')."""

    name: str
    params: Params
    need: str
    ok: Outcome
    outside: Outcome | None = None
    witness: Witness | None = None
    label: str = ""
    only_outside: bool = False


def _ticket_state(w: World, p: dict[str, Any]) -> Any:
    return w.owner("tickets.getTicket", {"id": p.get("id") or p["values"]["id"]})


def _headline_found(w: World, p: dict[str, Any]) -> Any:
    values = p.get("values") or p["params"]
    search = {"term": values["headline"], "projectId": values["projectId"]}
    return w.owner("tickets.findTicket", search)


def _new_headline(w: World, s: str) -> dict[str, Any]:
    return {"headline": unique("matrix-new"), "projectId": PROJECT[s]}


def _key_values(w: World, s: str) -> dict[str, Any]:
    return {"name": unique("matrix-key"), "role": "readonly", "allProjects": s == "outside"}


METHODS: list[Method] = [
    # Tickets: reads
    Method("tickets.getTicket", lambda w, s: {"id": w.ticket[s]}, "tickets.view",
           AN_OBJECT, FALSE),
    Method("tickets.getAll",
           lambda w, s: {"searchCriteria": {"currentProject": PROJECT[s]}, "limit": 5},
           "tickets.view", IN_PROJECT_1, EMPTY),
    Method("tickets.getAllOpenUserTickets", lambda w, s: {"userId": 2, "project": PROJECT[s]},
           "tickets.view", IN_PROJECT_1, EMPTY),
    Method("tickets.getAllSubtasks", lambda w, s: {"ticketId": w.parent[s]}, "tickets.view",
           IN_PROJECT_1, FALSE),
    Method("tickets.getAllMilestones",
           lambda w, s: {"searchCriteria": {"currentProject": PROJECT[s]}},
           "tickets.view", IN_PROJECT_1, EMPTY),
    Method("tickets.getStatusLabels", lambda w, s: {"projectId": PROJECT[s]}, "tickets.view",
           AN_OBJECT, FORBIDDEN),
    Method("tickets.findTicket", lambda w, s: {"term": "matrix", "projectId": PROJECT[s]},
           "tickets.view", IN_PROJECT_1, FORBIDDEN),
    Method("tickets.getPriorityLabels", lambda w, s: {}, "tickets.view", AN_OBJECT),
    Method("tickets.getKanbanColumns", lambda w, s: {}, "tickets.view", AN_OBJECT),
    Method("tickets.getEffortLabels", lambda w, s: {}, "tickets.view", AN_OBJECT),
    Method("tickets.getTicketTypes", lambda w, s: {}, "tickets.view", A_LIST),
    # Tickets: writes
    Method("tickets.addTicket", lambda w, s: {"values": _new_headline(w, s)}, "tickets.create",
           AN_ID, FORBIDDEN, _headline_found),
    Method("tickets.quickAddTicket", lambda w, s: {"params": _new_headline(w, s)},
           "tickets.create", AN_ID, FORBIDDEN, _headline_found),
    Method("tickets.quickAddMilestone", lambda w, s: {"params": _new_headline(w, s)},
           "tickets.create", AN_ID, FORBIDDEN, _headline_found),
    Method("tickets.updateTicket",
           lambda w, s: {"values": {"id": w.target(s), "headline": unique("updated")}},
           "tickets.edit", TRUE, NOT_FOUND, _ticket_state),
    Method("tickets.patchTicket", lambda w, s: {"id": w.target(s), "values": {"status": 4}},
           "tickets.edit", TRUE, NOT_FOUND, _ticket_state),
    Method("tickets.patch", lambda w, s: {"id": w.target(s), "params": {"status": 4}},
           "tickets.edit", TRUE, NOT_FOUND, _ticket_state),
    Method("tickets.markTicketDone", lambda w, s: {"id": w.target(s)}, "tickets.edit",
           TRUE, NOT_FOUND, _ticket_state),
    Method("tickets.moveTicket", lambda w, s: {"id": w.target(s), "projectId": 1},
           "tickets.edit", TRUE, NOT_FOUND, _ticket_state),
    Method("tickets.moveTicket", lambda w, s: {"id": w.target("inside"), "projectId": 3},
           "tickets.edit", TRUE, FORBIDDEN, _ticket_state, label="(to project 3)",
           only_outside=True),
    Method("tickets.delete", lambda w, s: {"id": w.target(s)}, "tickets.delete",
           TRUE, NOT_FOUND, _ticket_state),
    Method("tickets.deleteMilestone", lambda w, s: {"id": w.target_milestone(s)},
           "tickets.delete", TRUE, NOT_FOUND, _ticket_state),
    # Projects
    Method("projects.getProject", lambda w, s: {"id": PROJECT[s]}, "projects.view",
           PROJECT_1, FORBIDDEN),
    Method("projects.getUsersAssignedToProject", lambda w, s: {"projectId": PROJECT[s]},
           "projects.view", A_LIST, FORBIDDEN),
    Method("projects.getProjectProgress", lambda w, s: {"projectId": PROJECT[s]},
           "projects.view", AN_OBJECT, FORBIDDEN),
    Method("projects.findProject",
           lambda w, s: {"term": "Website relaunch" if s == "inside" else "Data platform"},
           "any", A_LIST, EMPTY),
    Method("projects.getAll", lambda w, s: {}, "any", SEES_1_NOT_3),
    Method("projects.getProjectsAssignedToUser", lambda w, s: {"userId": 2}, "any",
           SEES_1_NOT_3),
    Method("projects.getProjectsUserHasAccessTo", lambda w, s: {"userId": 2}, "any",
           SEES_1_NOT_3),
    Method("projects.addProject", lambda w, s: {"values": {"name": unique("matrix")}},
           "projects.create", AN_ID,
           witness=lambda w, p: w.owner("projects.findProject", {"term": p["values"]["name"]})),
    Method("projects.patch",
           lambda w, s: {"id": PROJECT[s],
                         "params": {"details": w.details if s == "inside" else unique("x")}},
           "projects.edit", TRUE, NOT_FOUND,
           lambda w, p: w.owner("projects.getProject", {"id": p["id"]})),
    Method("projects.editUserProjectRelations",
           lambda w, s: {"id": w.person, "projects": [PROJECT[s]]}, "projects.edit",
           TRUE, FORBIDDEN, lambda w, p: w.memberships(p["id"])),
    # Users
    Method("users.getUser", lambda w, s: {"id": 3}, "any", GRACE),
    Method("Auth.getUserId", lambda w, s: {}, "any", AN_ID),
    Method("users.getAll", lambda w, s: {}, "users.view", A_LIST),
    Method("users.getUserByEmail", lambda w, s: {"email": "grace@example.com"}, "users.view",
           GRACE),
    Method("users.addUser",
           lambda w, s: {"values": {"username": f"{unique('m')}@example.com", "role": "5"}},
           "users.create", AN_ID,
           witness=lambda w, p: w.owner(
               "users.getUserByEmail", {"email": p["values"]["username"], "status": ""})),
    Method("users.editUser",
           lambda w, s: {"id": w.person, "values": {"jobTitle": unique("title")}},
           "users.edit", TRUE, witness=lambda w, p: w.owner("users.getUser", {"id": p["id"]})),
    Method("users.deleteUser", lambda w, s: {"id": w.fresh_user()}, "users.delete", TRUE,
           witness=lambda w, p: w.owner("users.getUser", {"id": p["id"]})),
    # Clients
    Method("clients.getAll", lambda w, s: {}, "clients.view", A_LIST),
    Method("clients.get", lambda w, s: {"id": w.client}, "clients.view", AN_OBJECT),
    Method("clients.create", lambda w, s: {"values": {"name": unique("matrix")}},
           "clients.create", AN_ID,
           witness=lambda w, p: p["values"]["name"] in {
               c["name"] for c in w.owner("clients.getAll")}),
    Method("clients.editClient",
           lambda w, s: {"values": {"id": w.client, "city": unique("city")}}, "clients.edit",
           TRUE, witness=lambda w, p: w.owner("clients.get", {"id": p["values"]["id"]})),
    Method("clients.delete", lambda w, s: {"id": w.fresh_client()}, "clients.delete", TRUE,
           witness=lambda w, p: w.owner("clients.get", {"id": p["id"]})),
    # Api
    Method("Api.Api.createAPIKey", lambda w, s: {"values": _key_values(w, s)}, "api.manage",
           NEW_KEY, FORBIDDEN, lambda w, p: p["values"]["name"] in w.key_names()),
    Method("Api.Api.createApiKeyWithProjects",
           lambda w, s: {"values": _key_values(w, "inside"), "projects": [PROJECT[s]]},
           "api.manage", NEW_KEY, FORBIDDEN, lambda w, p: p["values"]["name"] in w.key_names()),
    Method("Api.Api.getAPIKeys", lambda w, s: {}, "api.manage", A_LIST),
    Method("Api.Api.updateApiKey",
           lambda w, s: {"id": w.target_key, "postValues": {"name": unique("renamed")},
                         "projects": [PROJECT[s]]},
           "api.manage", TRUE, FORBIDDEN, lambda w, p: w.key_info(p["id"])),
    Method("Api.Api.getProjectRelationIds", lambda w, s: {"id": w.target_key}, "api.manage",
           ONLY_PROJECT_1),
    Method("Api.Api.revokeAPIKey", lambda w, s: {"id": w.fresh_key()}, "api.manage", TRUE,
           witness=lambda w, p: w.key_info(p["id"])),
    Method("Api.Config.getSystemInfo", lambda w, s: {}, "any", AN_OBJECT),
]  # fmt: skip


# -- the cases ---------------------------------------------------------------------------


def expected(method: Method, role: str, scope: str) -> Outcome:
    """The exact outcome of `method` called by a `role` key in `scope`."""
    least, checked = LEAST_ROLE[method.need]
    allowed = RANK[role] >= RANK[least]
    if not allowed and (checked == "global" or scope != "outside"):
        return FORBIDDEN
    if scope == "outside":
        assert method.outside is not None
        return method.outside
    return method.ok


def scopes(method: Method) -> tuple[str, ...]:
    if method.outside is None:
        return ("global",)
    return ("outside",) if method.only_outside else ("inside", "outside")


@dataclass(frozen=True)
class Case:
    method: Method
    role: str
    scope: str

    @property
    def outcome(self) -> Outcome:
        return expected(self.method, self.role, self.scope)


CASES = [
    Case(method, role, scope) for method in METHODS for scope in scopes(method) for role in ROLES
]
IDS = [
    f"{n:03d}of{len(CASES)}-{c.method.name}{c.method.label}-{c.role}-{c.scope}"
    for n, c in enumerate(CASES, start=1)
]


ISSUE_2 = {
    "tickets.getTicket", "tickets.getAll", "tickets.getAllOpenUserTickets",
    "tickets.getAllSubtasks", "tickets.getAllMilestones", "tickets.getStatusLabels",
    "tickets.getPriorityLabels", "tickets.getKanbanColumns", "tickets.getEffortLabels",
    "tickets.getTicketTypes", "tickets.addTicket", "tickets.quickAddTicket",
    "tickets.quickAddMilestone", "tickets.updateTicket", "tickets.patchTicket", "tickets.patch",
    "tickets.markTicketDone", "tickets.moveTicket", "tickets.findTicket", "tickets.delete",
    "tickets.deleteMilestone",
    "projects.getProject", "projects.getAll", "projects.getProjectsAssignedToUser",
    "projects.getProjectsUserHasAccessTo", "projects.getUsersAssignedToProject",
    "projects.addProject", "projects.patch", "projects.editUserProjectRelations",
    "projects.getProjectProgress", "projects.findProject",
    "users.getUser", "users.getAll", "users.getUserByEmail", "users.addUser", "users.editUser",
    "users.deleteUser", "Auth.getUserId",
    "clients.getAll", "clients.create", "clients.get", "clients.editClient", "clients.delete",
    "Api.Api.createAPIKey", "Api.Api.createApiKeyWithProjects", "Api.Api.getAPIKeys",
    "Api.Api.updateApiKey", "Api.Api.getProjectRelationIds", "Api.Api.revokeAPIKey",
    "Api.Config.getSystemInfo",
}  # fmt: skip


def test_the_table_covers_every_method_of_issue_2() -> None:
    assert {method.name for method in METHODS} == ISSUE_2


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_matrix(world: World, case: Case) -> None:
    method, outcome = case.method, case.outcome
    params = method.params(world, case.scope)
    before = method.witness(world, params) if method.witness else None

    try:
        result = world.api.call(method.name, params, key=world.keys[case.role])
    except RpcError as error:
        assert isinstance(outcome, Refusal), f"answered {error}; expected {outcome.label}"
        assert error.code == outcome.code, f"answered {error}; expected {outcome.label}"
        if method.witness:
            assert method.witness(world, params) == before, "a refused call changed something"
        return
    assert isinstance(outcome, Answer), f"answered {result!r}; expected {outcome.label}"
    assert outcome.holds(result), f"answered {result!r}; expected {outcome.label}"
