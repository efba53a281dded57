"""First run: the owner account, and a demo data set to try the API on.

Both are safe to run again: the owner is created only when no owner exists, and the
demo data only into a database that has no projects yet.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from milepost.services import auth, clients, projects, tickets, users
from milepost.services.layer import ServiceLayer
from milepost.services.operations import Context
from milepost.services.permissions import Principal, Role
from milepost.storage import tables as t
from milepost.storage.database import insert_id

DEMO_TICKETS_PER_PROJECT = 100


@dataclass
class Owner:
    id: int
    email: str
    password: str | None  # set only when it was generated here, to be printed once


def ensure_owner(services: ServiceLayer, email: str, password: str | None) -> Owner:
    """Create the owner account unless an owner exists; returns the owner."""
    with services.database.transaction(write=True) as conn:
        row = conn.execute(
            select(t.users.c.id, t.users.c.username)
            .where(t.users.c.role == str(Role.OWNER.value), t.users.c.source != "api")
            .order_by(t.users.c.id)
        ).first()
        if row is not None:
            return Owner(row.id, row.username, None)
        generated = None if password else auth.random_text(20)
        ctx = Context(conn, _bootstrap(), services)
        owner_id = users.create_user(
            ctx,
            {
                "username": email,
                "password": password or generated,
                "firstname": "Owner",
                "lastname": "",
                "role": str(Role.OWNER.value),
            },
            param="owner",
        )
        return Owner(owner_id, email, generated)


def _bootstrap() -> Principal:
    return Principal(user_id=0, role=Role.OWNER, kind="user", name="setup")


def as_user(conn: Any, user_id: int) -> Principal:
    principal = auth.load_principal(conn, user_id, kind="user")
    if principal is None:
        raise LookupError(f"no user {user_id}")
    return principal


_PEOPLE = [
    ("Ada", "Lovelace", Role.MANAGER),
    ("Grace", "Hopper", Role.EDITOR),
    ("Alan", "Turing", Role.EDITOR),
    ("Katherine", "Johnson", Role.COMMENTER),
    ("Linus", "Pauling", Role.READONLY),
]
_PROJECTS = [
    ("Website relaunch", "A new public website with a faster checkout."),
    ("Mobile app", "The iOS and Android app for field technicians."),
    ("Data platform", "Nightly imports, a warehouse and dashboards."),
]
_VERBS = ["Fix", "Add", "Refactor", "Document", "Test", "Design", "Review", "Migrate"]
_THINGS = [
    "login form", "search index", "invoice export", "push notifications", "CSV import",
    "dark mode", "API rate limits", "onboarding tour", "audit trail", "release notes",
    "error pages", "caching layer", "user settings", "payment retries", "status page",
]  # fmt: skip


def seed_demo(services: ServiceLayer, owner_id: int, *, seed: int = 7) -> bool:
    """Fill an empty database with people, projects, milestones, sprints and tickets.

    Returns False (and changes nothing) when the database already has projects."""
    rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
    with services.database.transaction(write=True) as conn:
        if conn.execute(select(func.count()).select_from(t.projects)).scalar_one():
            return False
        ctx = Context(conn, as_user(conn, owner_id), services)
        client_id = clients.create(ctx, {"name": "Acme Corporation", "city": "Berlin"})
        people = [
            users.create_user(
                ctx,
                {
                    "username": f"{first.lower()}@example.com",
                    "password": auth.random_text(16),
                    "firstname": first,
                    "lastname": last,
                    "role": str(role.value),
                },
            )
            for first, last, role in _PEOPLE
        ]
        for index, (name, details) in enumerate(_PROJECTS):
            project_id = projects.add_project(
                ctx,
                {
                    "name": name,
                    "details": details,
                    "clientId": client_id,
                    "assignedUsers": people if index < 2 else people[:2],
                },
            )
            _seed_project(ctx, rng, project_id, people)
    return True


def _seed_project(ctx: Context, rng: random.Random, project_id: int, people: list[int]) -> None:
    tickets.add_ticket(
        ctx,
        {"headline": "Kick-off meeting", "projectId": project_id, "editorId": str(people[0])},
    )
    milestones = [
        tickets.quick_add_milestone(
            ctx,
            {
                "headline": f"Milestone {number}",
                "projectId": project_id,
                "editFrom": f"2027-0{number}-01",
                "editTo": f"2027-0{number}-28",
            },
        )
        for number in (1, 2, 3)
    ]
    sprints = []
    for number in (1, 2):
        sprints.append(
            insert_id(
                ctx.conn,
                t.sprints.insert().values(
                    projectId=project_id,
                    name=f"Sprint {number}",
                    startDate=ctx.now,
                    endDate=ctx.now,
                    modified=ctx.now,
                ),
            )
        )
    statuses = [3, 3, 1, 4, 4, 2, 0, 0, 0, -1]
    for _ in range(DEMO_TICKETS_PER_PROJECT):
        tickets.add_ticket(
            ctx,
            {
                "headline": f"{rng.choice(_VERBS)} {rng.choice(_THINGS)}",
                "projectId": project_id,
                "type": rng.choice(["task", "task", "task", "bug", "story"]),
                "status": rng.choice(statuses),
                "priority": str(rng.randint(1, 5)),
                "storypoints": float(rng.choice([1, 2, 3, 5, 8])),
                "planHours": float(rng.randint(1, 16)),
                "editorId": str(rng.choice(people)),
                "milestoneid": rng.choice([0, *milestones]),
                "sprint": rng.choice([None, *sprints]),
                "description": "<p>Seeded for the demo.</p>",
            },
        )
