"""Signing in and out, and the first-run form that creates the owner."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from milepost.services.errors import ServiceError
from milepost.web import security, work

if TYPE_CHECKING:
    from milepost.services.sessions import SignIn
    from milepost.web.site import Site, Visit


def home(visit: Visit) -> Response:
    """`/`: the first-run form while there is no owner, else sign-in or the dashboard."""
    if visit.session is None:
        if not visit.site.sessions.has_owner():
            return RedirectResponse("/setup", 303)
        return RedirectResponse("/signin", 303)
    return work.dashboard(visit)


def sign_in_form(visit: Visit) -> Response:
    if visit.session is not None:
        return RedirectResponse("/", 303)
    if not visit.site.sessions.has_owner():
        return RedirectResponse("/setup", 303)
    return _sign_in_page(visit)


def _sign_in_page(visit: Visit, error: str | None = None, status: int = 200) -> Response:
    target = security.local_path(visit.field("next") or visit.request.query_params.get("next"), "/")
    return visit.render(
        "signin.html",
        status=status,
        error=error,
        next=target,
        email=visit.field("email"),
    )


def sign_in(visit: Visit) -> Response:
    result = visit.site.sessions.sign_in(
        visit.field("email"), visit.field("password"), visit.address
    )
    if result.secret is not None:
        response = RedirectResponse(security.local_path(visit.field("next"), "/"), 303)
        visit.start_session(response, result.secret)
        return response
    return _refused(visit, result)


def _refused(visit: Visit, result: SignIn) -> Response:
    if result.refusal == "throttled":
        minutes = max(1, math.ceil(result.retry_after / 60))
        response = _sign_in_page(
            visit,
            f"Too many failed sign-ins. Try again in {minutes} minute{'s' * (minutes > 1)}.",
            429,
        )
        response.headers["retry-after"] = str(result.retry_after)
        return response
    if result.refusal == "deactivated":
        return _sign_in_page(visit, "This account is deactivated.", 403)
    return _sign_in_page(visit, "The e-mail address or the password is wrong.", 401)


def sign_out(visit: Visit) -> Response:
    if visit.secret is not None:
        visit.site.sessions.end(visit.secret)
    response = RedirectResponse("/signin", 303)
    visit.end_session(response)
    return response


def setup_form(visit: Visit) -> Response:
    if visit.site.sessions.has_owner():
        return RedirectResponse("/signin", 303)
    return visit.render("setup.html", error=None, values={})


def setup(visit: Visit) -> Response:
    if visit.site.sessions.has_owner():
        return RedirectResponse("/signin", 303)
    values = {name: visit.field(name) for name in ("username", "firstname", "lastname", "password")}
    if values["password"] != visit.field("confirm"):
        return visit.render(
            "setup.html", status=400, error="The two passwords differ.", values=values
        )
    try:
        result = visit.site.sessions.set_up_owner(values)
    except ServiceError as error:
        return visit.render("setup.html", status=400, error=error.detail, values=values)
    assert result.secret is not None
    response = RedirectResponse("/", 303)
    visit.start_session(response, result.secret)
    return response


def routes(site: Site) -> list[Route]:
    return [
        Route("/", site.page(home, "anyone"), methods=["GET"]),
        Route("/signin", site.page(sign_in_form, "anyone"), methods=["GET"]),
        Route("/signin", site.page(sign_in, "anyone"), methods=["POST"]),
        Route("/signout", site.page(sign_out), methods=["POST"]),
        Route("/setup", site.page(setup_form, "anyone"), methods=["GET"]),
        Route("/setup", site.page(setup, "anyone"), methods=["POST"]),
    ]
