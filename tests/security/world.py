"""The world the authorization matrix runs in: two projects full of things, and callers.

`inside` is a project every caller belongs to (keys are given it), `outside` one no
caller belongs to (members only). The owner fills each with one thing of every kind
the API can make (a ticket, a milestone, a comment, a time entry, a sprint, a wiki and
an article, a goal board and a goal, an idea board and an idea, a file), every text in
them carrying the scope's marker word; a kind whose methods are missing or failing is
left out and reported. Callers: for each role, an API key for `inside`, and a person
who is a member of `inside` calling with a personal access token and with a web
session.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.security.servers import OwnServer

ROLES = ("readonly", "commenter", "editor", "manager", "admin", "owner")
ROLE_KEYS = {"readonly": 5, "commenter": 10, "editor": 20, "manager": 30, "admin": 40, "owner": 50}
KINDS = ("key", "token", "session")
# Every text stored in a scope carries its label, so an answer that holds outside data
# is recognised by the label alone.
INSIDE, OUTSIDE = "InsideMarker", "OutsideMarker"
_FORM_TOKEN = re.compile(r'name="csrf" value="([^"]+)"')
_META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@dataclass
class Scope:
    """One project and the ids of the things in it, by kind."""

    project: int
    ids: dict[str, Any] = field(default_factory=dict)


@dataclass
class Caller:
    role: str
    kind: str
    user_id: int
    client: httpx.Client

    @property
    def label(self) -> str:
        return f"{self.role} {self.kind}"

    @property
    def sees_every_project(self) -> bool:
        """People who are admins or owners see every project; keys only their own."""
        return self.kind != "key" and ROLE_KEYS[self.role] >= ROLE_KEYS["admin"]

    def post(self, body: Any) -> httpx.Response:
        return self.client.post("/api/jsonrpc", json=body)


@dataclass
class World:
    server: OwnServer
    inside: Scope
    outside: Scope
    callers: list[Caller]
    missing: dict[str, str]  # kinds that could not be made, and why
    spare_user: int

    def close(self) -> None:
        for caller in self.callers:
            caller.client.close()


class Owner:
    """Calls as the owner's key; collects what failed instead of stopping."""

    def __init__(self, server: OwnServer) -> None:
        self.server = server

    def call(self, method: str, params: Any = None) -> Any:
        return self.server.call("leantime.rpc." + method, params)


def rpc(client: httpx.Client, method: str, params: Any = None) -> Any:
    """Call a method with the client's credentials; its result, or AssertionError."""
    body = {"jsonrpc": "2.0", "id": 1, "method": "leantime.rpc." + method, "params": params}
    answer = client.post("/api/jsonrpc", json=body).json()
    assert "result" in answer, answer
    return answer["result"]


def _today() -> str:
    return dt.date.today().isoformat()


def _first_id(rows: Any) -> int:
    assert isinstance(rows, list) and rows, rows
    return int(rows[0]["id"])


def _ticket(o: Owner, p: int, ids: dict[str, Any], label: str) -> Any:
    return o.call("Tickets.addTicket", {"values": {"headline": f"{label} ticket", "projectId": p}})


def _milestone(o: Owner, p: int, ids: dict[str, Any], label: str) -> Any:
    return o.call("Tickets.quickAddMilestone", {"params": {"headline": label, "projectId": p}})


def _comment(o: Owner, p: int, ids: dict[str, Any], label: str) -> Any:
    on = {"module": "ticket", "entityId": ids["ticket"]}
    o.call("Comments.addComment", {"values": {"text": f"{label} comment"}, **on})
    return _first_id(o.call("Comments.getComments", on))


def _timesheet(o: Owner, p: int, ids: dict[str, Any], label: str) -> Any:
    entry = {"hours": 1, "date": _today(), "description": f"{label} work"}
    o.call("Timesheets.logTime", {"ticketId": ids["ticket"], "params": entry})
    return _first_id(o.call("Timesheets.getTimesheetEntriesForTicket", {"ticketId": ids["ticket"]}))


def _sprint(o: Owner, p: int, ids: dict[str, Any], label: str) -> Any:
    sprint = {"name": f"{label} sprint", "projectId": p, "startDate": _today(), "endDate": _today()}
    return o.call("Sprints.addSprint", {"params": sprint})


def _wiki(o: Owner, p: int, ids: dict[str, Any], label: str) -> Any:
    return o.call("Wiki.createWiki", {"wiki": {"title": f"{label} wiki", "projectId": p}})


def _article(o: Owner, p: int, ids: dict[str, Any], label: str) -> Any:
    article = {"title": f"{label} article", "description": label, "canvasId": ids["wiki"]}
    return o.call("Wiki.createArticle", {"article": article})


def _goalboard(o: Owner, p: int, ids: dict[str, Any], label: str) -> Any:
    board = {"title": f"{label} goals", "projectId": p}
    return o.call("Goalcanvas.createGoalboard", {"values": board})


def _goal(o: Owner, p: int, ids: dict[str, Any], label: str) -> Any:
    goal = {"title": f"{label} goal", "canvasId": ids["goalboard"]}
    return o.call("Goalcanvas.createGoal", {"values": goal})


def _ideaboard(o: Owner, p: int, ids: dict[str, Any], label: str) -> Any:
    return o.call("Ideas.createBoard", {"title": f"{label} ideas", "projectId": p})


def _idea(o: Owner, p: int, ids: dict[str, Any], label: str) -> Any:
    idea = {"description": f"{label} idea", "canvasId": ids["ideaboard"]}
    return o.call("Ideas.createIdeaItem", {"input": idea})


def _file(o: Owner, p: int, ids: dict[str, Any], label: str) -> Any:
    content = base64.b64encode(label.encode()).decode()
    upload = {"file": {"name": f"{label}.txt", "content": content}}
    o.call("Files.upload", {"file": upload, "module": "project", "moduleId": p})
    return o.call("Files.getFilesByModule", {"module": "project", "entityId": p})[0]


# Each kind, and how the owner makes one in a project, given the ids made so far.
SEEDS: list[tuple[str, Callable[[Owner, int, dict[str, Any], str], Any]]] = [
    ("ticket", _ticket), ("milestone", _milestone), ("comment", _comment),
    ("timesheet", _timesheet), ("sprint", _sprint), ("wiki", _wiki), ("article", _article),
    ("goalboard", _goalboard), ("goal", _goal), ("ideaboard", _ideaboard), ("idea", _idea),
    ("file", _file),
]  # fmt: skip


def seed(owner: Owner, scope: Scope, label: str, missing: dict[str, str]) -> None:
    for kind, make in SEEDS:
        try:
            made = make(owner, scope.project, scope.ids, label)
        except (AssertionError, KeyError, IndexError, TypeError, ValueError) as error:
            missing[kind] = str(error)[:200]
            continue
        if kind == "file":
            scope.ids["file"], scope.ids["encName"] = int(made["id"]), made["encName"]
        else:
            scope.ids[kind] = int(made)


def sign_in(url: str, email: str, password: str) -> httpx.Client:
    """A client signed in to the web pages, carrying the session's CSRF token header."""
    address = f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"
    client = httpx.Client(base_url=url, headers={"x-forwarded-for": address}, timeout=60)
    token = _FORM_TOKEN.search(client.get("/signin").text)
    assert token, "the sign-in page has no csrf field"
    form = {"csrf": token.group(1), "email": email, "password": password, "next": "/"}
    assert client.post("/signin", data=form).status_code == 303
    page = _META_TOKEN.search(client.get("/").text)
    assert page, "the start page has no csrf-token meta element"
    client.headers["x-csrf-token"] = page.group(1)
    return client


def _person(owner: Owner, role: str, project: int) -> tuple[int, str, str]:
    email = f"matrix-{role}-{secrets.token_hex(4)}@example.com"
    password = "pw-" + secrets.token_hex(8)
    user_id = int(owner.call("Users.addUser", {"values": {"username": email, "password": password,
                  "role": role, "firstname": role.title(), "lastname": "Matrix"}}))  # fmt: skip
    owner.call("Projects.editUserProjectRelations", {"id": user_id, "projects": [project]})
    return user_id, email, password


def _callers(owner: Owner, server: OwnServer, project: int) -> list[Caller]:
    callers: list[Caller] = []
    for role in ROLES:
        key = owner.call("Api.createApiKeyWithProjects",
                         {"values": {"name": f"matrix-{role}-{secrets.token_hex(3)}", "role": role},
                          "projects": [project]})["apiKey"]  # fmt: skip
        keyed = httpx.Client(base_url=server.url, headers={"x-api-key": key}, timeout=60)
        key_user = rpc(keyed, "Auth.getUserId")
        callers.append(Caller(role, "key", int(key_user), keyed))
        user_id, email, password = _person(owner, role, project)
        session = sign_in(server.url, email, password)
        callers.append(Caller(role, "session", user_id, session))
        token = rpc(session, "Auth.AccessToken.createToken", {"name": "matrix"})["token"]
        bearer = httpx.Client(base_url=server.url, headers={"authorization": f"Bearer {token}"},
                              timeout=60)  # fmt: skip
        callers.append(Caller(role, "token", user_id, bearer))
    return callers


def build_world(server: OwnServer) -> World:
    owner = Owner(server)
    scopes = []
    for label in (INSIDE, OUTSIDE):
        values = {"name": f"{label} project", "psettings": "restricted"}
        scopes.append(Scope(int(owner.call("Projects.addProject", {"values": values}))))
    inside, outside = scopes
    missing: dict[str, str] = {}
    seed(owner, inside, INSIDE, missing)
    seed(owner, outside, OUTSIDE, missing)
    spare, _, _ = _person(owner, "editor", inside.project)
    return World(server, inside, outside, _callers(owner, server, inside.project), missing, spare)
