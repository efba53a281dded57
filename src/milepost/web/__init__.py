"""The web pages for people: thin pages over the service layer (see README.md).

`routes(services, sessions)` gives the pages and static files to mount;
`SecurityHeaders` wraps them; `session_check(sessions)` is the credential check the
JSON-RPC endpoint runs for calls made by the pages with the session cookie.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from milepost.web import account, company, work
from milepost.web.rendering import STATIC
from milepost.web.security import SecurityHeaders, session_check
from milepost.web.site import Site

if TYPE_CHECKING:
    from milepost.services.layer import ServiceLayer
    from milepost.services.sessions import Sessions

__all__ = ["SecurityHeaders", "routes", "session_check"]


def routes(services: ServiceLayer, sessions: Sessions) -> list[BaseRoute]:
    site = Site(services, sessions)
    return [
        *account.routes(site),
        *work.routes(site),
        *company.routes(site),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
