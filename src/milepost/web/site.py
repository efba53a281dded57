"""The page machinery: each request becomes a `Visit`, and a page handler answers it.

A handler is a plain function of a Visit that calls service operations through
`Visit.run` (which is `ServiceLayer.run` as the signed-in person) and renders a template
or redirects. The machinery around it, shared by every page, resolves the session from
its cookie, sends visitors who are not signed in to the sign-in page, checks the CSRF
token of every POST, keeps Company Settings to those holding company.settings.view,
and turns a service error into a message: on the page it came from (a POST) or as an
error page (a GET). Handlers run in a worker thread, since services block on the
database.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

import anyio.to_thread
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from milepost.services.errors import InvalidParams, ServiceError, Unauthenticated
from milepost.services.layer import CallMeta
from milepost.services.operations import operation_of
from milepost.services.permissions import permission
from milepost.services.sessions import Session, csrf_matches, csrf_token, new_secret
from milepost.web import rendering, security

if TYPE_CHECKING:
    from milepost.services.layer import ServiceLayer
    from milepost.services.permissions import Principal
    from milepost.services.sessions import Sessions

logger = logging.getLogger(__name__)

Access = Literal["anyone", "person", "company"]
Handler = Callable[["Visit"], Response]
MAX_FORM_BYTES = 1024 * 1024
MAX_FORM_FIELDS = 1000
STATUS_OF_CODE = {-32602: 400, -32001: 403, -32002: 404, -32005: 409, -32601: 404}


class Site:
    """What every page needs: the services, the sessions and the templates."""

    def __init__(self, services: ServiceLayer, sessions: Sessions) -> None:
        self.services = services
        self.sessions = sessions
        self.templates = rendering.environment()

    def page(
        self, handler: Handler, access: Access = "person"
    ) -> Callable[[Request], Awaitable[Response]]:
        """The Starlette endpoint for a page handler."""

        async def endpoint(request: Request) -> Response:
            form = None
            if request.method == "POST":
                declared = request.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
                    return HTMLResponse("The form is too large.", status_code=413)
                form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
            return await anyio.to_thread.run_sync(self._serve, handler, access, request, form)

        return endpoint

    def _serve(
        self, handler: Handler, access: Access, request: Request, form: FormData | None
    ) -> Response:
        visit = Visit(self, request, form)
        if access != "anyone" and visit.session is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            response: Response = RedirectResponse(f"/signin?next={quote(target)}", 303)
        elif form is not None and not visit.csrf_ok():
            response = visit.render(
                "error.html",
                status=403,
                title="The form has expired",
                message="The form was sent without a valid security token. Reload the page"
                " and try again.",
            )
        elif access == "company" and not visit.company:
            response = visit.render(
                "error.html",
                status=403,
                title="Company Settings are for admins",
                message="Only admins and the owner can open Company Settings.",
            )
        else:
            try:
                response = handler(visit)
            except ServiceError as error:
                response = visit.failed(error)
        return visit.finish(response)


def _section(path: str) -> str:
    """Which main navigation entry a page belongs to."""
    if path.startswith(("/projects", "/tickets")):
        return "projects"
    if path.startswith("/settings"):
        return "settings"
    return "home" if path == "/" else ""


class Visit:
    """One request to one page: the visitor, the form, and the means to answer."""

    def __init__(self, site: Site, request: Request, form: FormData | None) -> None:
        self.site = site
        self.request = request
        self.form = form
        self.secure = request.url.scheme == "https"
        self.secret = request.cookies.get(security.SESSION_COOKIE) or None
        self.session = self._session()
        pre = request.cookies.get(security.PRE_SESSION_COOKIE)
        self._new_pre = not pre
        self.pre_secret = pre or new_secret()
        self.flash = security.decode_flash(request.cookies.get(security.FLASH_COOKIE))
        self._flash_out: str | None = None

    def _session(self) -> Session | None:
        if self.secret is None:
            return None
        try:
            return self.site.sessions.lookup(self.secret)
        except Unauthenticated:
            return None

    # -- who is visiting --------------------------------------------------------------

    @property
    def principal(self) -> Principal:
        if self.session is None:
            raise Unauthenticated("this page needs a signed-in person", reason="missing")
        return self.session.principal

    @property
    def csrf(self) -> str:
        return self.session.csrf if self.session is not None else csrf_token(self.pre_secret)

    @property
    def company(self) -> bool:
        """Whether the visitor may open Company Settings."""
        if self.session is None:
            return False
        return self.session.principal.holds(permission("company.settings.view"))

    @property
    def address(self) -> str:
        return self.request.client.host if self.request.client else "unknown"

    def csrf_ok(self) -> bool:
        sent = self.field("csrf")
        if self.session is not None and self.secret is not None:
            return csrf_matches(self.secret, sent)
        return not self._new_pre and csrf_matches(self.pre_secret, sent)

    # -- reading the request ------------------------------------------------------------

    def param(self, name: str) -> int:
        """An integer path parameter."""
        return int(self.request.path_params[name])

    def field(self, name: str, default: str = "") -> str:
        if self.form is None:
            return default
        value = self.form.get(name, default)
        return value.strip() if isinstance(value, str) else default

    def fields(self, name: str) -> list[str]:
        if self.form is None:
            return []
        return [value for value in self.form.getlist(name) if isinstance(value, str)]

    def number(self, name: str, kind: type[int] | type[float] = int) -> Any:
        """A numeric form field: None when empty, InvalidParams when not a number."""
        text = self.field(name)
        if not text:
            return None
        try:
            return kind(text)
        except ValueError:
            raise InvalidParams(
                f"field `{name}`: expected a number, got {text!r}", param=name
            ) from None

    @property
    def back(self) -> str:
        """Where a form goes back to: its `back` field when it names a local page."""
        return security.local_path(self.field("back"), "/")

    # -- calling services ---------------------------------------------------------------

    def run(self, func: Callable[..., Any], **kwargs: Any) -> Any:
        """Call a service operation as the signed-in person (from this address)."""
        return self.site.services.call(
            operation_of(func), self.principal, kwargs, CallMeta(address=self.address)
        )

    def run_or(self, default: Any, func: Callable[..., Any], **kwargs: Any) -> Any:
        """Call an operation; `default` when the person may not (a part of a page they
        do not get to see)."""
        try:
            return self.run(func, **kwargs)
        except ServiceError as error:
            if error.code == -32001:
                return default
            raise

    # -- answering ----------------------------------------------------------------------

    def render(self, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        me = None
        if self.session is not None:
            principal = self.session.principal
            me = {"id": principal.user_id, "name": principal.name, "role": principal.role.label}
        query = self.request.url.query
        path = self.request.url.path + (f"?{query}" if query else "")
        context.setdefault("nav", _section(self.request.url.path))
        html = self.site.templates.get_template(template).render(
            me=me,
            csrf=self.csrf,
            here=path,
            company=self.company,
            flash=self.flash,
            **context,
        )
        return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})

    def redirect(self, to: str | None = None, *, notice: str | None = None) -> Response:
        if notice:
            self._flash_out = security.encode_flash("notice", notice)
        return RedirectResponse(to or self.back, 303)

    def failed(self, error: ServiceError) -> Response:
        """A service refused: say why, on the form's page or as an error page."""
        if self.form is not None:
            self._flash_out = security.encode_flash("error", error.detail)
            return RedirectResponse(self.back, 303)
        return self.render(
            "error.html",
            status=STATUS_OF_CODE.get(error.code, 400),
            title=error.message,
            message=error.detail,
        )

    def finish(self, response: Response) -> Response:
        if self._flash_out is not None:
            security.set_cookie(
                response, security.FLASH_COOKIE, self._flash_out, secure=self.secure, max_age=60
            )
        elif self.flash is not None:
            security.clear_cookie(response, security.FLASH_COOKIE, secure=self.secure)
        if self._new_pre and self.session is None:
            security.set_cookie(
                response, security.PRE_SESSION_COOKIE, self.pre_secret, secure=self.secure
            )
        return response

    def start_session(self, response: Response, secret: str) -> None:
        lifetime = self.site.sessions.policy.lifetime
        security.set_cookie(
            response,
            security.SESSION_COOKIE,
            secret,
            secure=self.secure,
            max_age=int(lifetime.total_seconds()),
        )

    def end_session(self, response: Response) -> None:
        security.clear_cookie(response, security.SESSION_COOKIE, secure=self.secure)
