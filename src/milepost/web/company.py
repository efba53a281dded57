"""Company Settings: people, API keys (admins and the owner), and everyone's own tokens.

A new key's or token's secret is rendered once, in the answer to the form that created
it, and never again: the page is sent with `Cache-Control: no-store`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from milepost.services import keys, projects, tokens, users
from milepost.services.permissions import Role

if TYPE_CHECKING:
    from milepost.web.site import Site, Visit


def settings_home(visit: Visit) -> Response:
    return RedirectResponse("/settings/users" if visit.company else "/settings/tokens", 303)


def _grantable(visit: Visit) -> list[tuple[int, str]]:
    """The roles the visitor may hand out (none above their own)."""
    return [(role.value, role.label) for role in Role if role <= visit.principal.role]


# -- people ------------------------------------------------------------------------------


def people(visit: Visit) -> Response:
    return visit.render(
        "settings_users.html",
        tab="users",
        users=visit.run(users.get_all),
        grantable=_grantable(visit),
    )


def add_person(visit: Visit) -> Response:
    values = {
        name: visit.field(name)
        for name in ("username", "firstname", "lastname", "role", "password")
    }
    new_id = visit.run(users.add_user, values=values)
    return visit.redirect(
        "/settings/users", notice=f"Created user {values['username']} (#{new_id})."
    )


def change_role(visit: Visit) -> Response:
    user_id = visit.param("id")
    visit.run(users.edit_user, values={"role": visit.field("role")}, id=user_id)
    return visit.redirect("/settings/users", notice=f"Changed the role of user #{user_id}.")


def change_status(visit: Visit) -> Response:
    user_id = visit.param("id")
    active = visit.field("status") == "a"
    visit.run(users.edit_user, values={"status": "a" if active else ""}, id=user_id)
    what = "Reactivated" if active else "Deactivated"
    return visit.redirect("/settings/users", notice=f"{what} user #{user_id}.")


# -- API keys ----------------------------------------------------------------------------


def _key_status(key: dict[str, Any], now: str) -> str:
    if key["revoked"]:
        return "revoked"
    if key["status"] != "a":
        return "deactivated"
    if key["expires"] and key["expires"] <= now:
        return "expired"
    return "active"


def _end_of_day(text: str) -> str | None:
    """A date field as the end of that day (a key is valid through its expiry date)."""
    if not text:
        return None
    return f"{text} 23:59:59" if len(text) == 10 else text


def api_keys(visit: Visit) -> Response:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    rows = visit.run(keys.get_api_keys)
    for row in rows:
        row["state"] = _key_status(row, now)
    available = visit.run(projects.get_all)
    return visit.render(
        "settings_keys.html",
        tab="keys",
        keys=rows,
        projects=available,
        project_names={project["id"]: project["name"] for project in available},
        grantable=_grantable(visit),
    )


def create_key(visit: Visit) -> Response:
    values = {
        "name": visit.field("name"),
        "role": visit.field("role"),
        "allProjects": visit.field("allProjects") == "1",
        "expires": _end_of_day(visit.field("expires")),
    }
    chosen = [int(value) for value in visit.fields("projects") if value.isdigit()]
    created = visit.run(keys.create_api_key_with_projects, values=values, projects=chosen)
    names = {project["id"]: project["name"] for project in visit.run(projects.get_all)}
    reach = (
        "all projects"
        if created["allProjects"]
        else (", ".join(names.get(pid, f"#{pid}") for pid in created["projects"]) or "no projects")
    )
    return visit.render(
        "secret.html",
        status=201,
        tab="keys",
        kind="API key",
        details=f"Role {Role.parse(created['role']).label}, {reach}.",
        name=created["name"],
        secret=created["apiKey"],
        header="x-api-key",
        back_to="/settings/keys",
    )


def revoke_key(visit: Visit) -> Response:
    key_id = visit.param("id")
    visit.run(keys.revoke_api_key, id=key_id)
    return visit.redirect("/settings/keys", notice="Revoked the API key.")


# -- personal access tokens --------------------------------------------------------------


def my_tokens(visit: Visit) -> Response:
    return visit.render(
        "settings_tokens.html", tab="tokens", tokens=visit.run(tokens.get_my_tokens)
    )


def create_token(visit: Visit) -> Response:
    created = visit.run(
        tokens.create_token,
        name=visit.field("name"),
        expires=_end_of_day(visit.field("expires")),
    )
    return visit.render(
        "secret.html",
        status=201,
        tab="tokens",
        kind="personal access token",
        details="It acts as you, with your role and projects.",
        name=created["name"],
        secret=created["token"],
        header="Authorization: Bearer",
        back_to="/settings/tokens",
    )


def revoke_token(visit: Visit) -> Response:
    visit.run(tokens.revoke_token, id=visit.param("id"))
    return visit.redirect("/settings/tokens", notice="Revoked the token.")


def routes(site: Site) -> list[Route]:
    get, post = ["GET"], ["POST"]
    return [
        Route("/settings", site.page(settings_home), methods=get),
        Route("/settings/users", site.page(people, "company"), methods=get),
        Route("/settings/users", site.page(add_person, "company"), methods=post),
        Route("/settings/users/{id:int}/role", site.page(change_role, "company"), methods=post),
        Route("/settings/users/{id:int}/status", site.page(change_status, "company"), methods=post),
        Route("/settings/keys", site.page(api_keys, "company"), methods=get),
        Route("/settings/keys", site.page(create_key, "company"), methods=post),
        Route("/settings/keys/{id:int}/revoke", site.page(revoke_key, "company"), methods=post),
        Route("/settings/tokens", site.page(my_tokens), methods=get),
        Route("/settings/tokens", site.page(create_token), methods=post),
        Route("/settings/tokens/{id:int}/revoke", site.page(revoke_token), methods=post),
    ]
