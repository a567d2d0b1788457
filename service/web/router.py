"""The `web` Router: every page route, registered once, with what all pages share.

Shared: the language middleware, the `viewer` / `signed_in_viewer` dependencies, the
security headers (a Content-Security-Policy with no inline script or style), HTML error
pages instead of problem+json, and the static files (our own plus the npm packages that
`make install` copies into static/vendor/).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response, Router
from litestar.datastructures import ResponseHeader
from litestar.di import Provide
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router

from service.lib import i18n
from service.lib.errors import DomainError
from service.web.viewer import (
    SignInRequired,
    Viewer,
    language_middleware,
    provide_signed_in_viewer,
    provide_viewer,
    request_language,
)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    ResponseHeader(name="Content-Security-Policy", value=CSP),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="same-origin"),
    ResponseHeader(name="X-Frame-Options", value="DENY"),
]


def _viewer_of(request: Request[Any, Any, Any]) -> Viewer:
    from service.accounts.guards import current_user

    query = request.url.query
    path = request.url.path + (f"?{query}" if query else "")
    return Viewer(current_user(request), i18n.current(), path)


def error_page(request: Request[Any, Any, Any], status: int, heading: str, text: str) -> Template:
    return Template(
        "error.html",
        context={"viewer": _viewer_of(request), "heading": heading, "text": text, "notice": ""},
        status_code=status,
        headers={h.name: str(h.value) for h in SECURITY_HEADERS},
    )


def _sign_in(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    return Redirect("/login?next=" + quote(exc.next_path, safe="/"), status_code=303)


def _domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    _ = i18n.gettext
    heading = _("Not found") if exc.status_code == 404 else _("That did not work")
    return error_page(request, exc.status_code, heading, exc.message())


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    _ = i18n.gettext
    if isinstance(exc, NotAuthorizedException):
        return _sign_in(request, SignInRequired(request.url.path))
    if exc.status_code == 404:
        return error_page(request, 404, _("Not found"), _("There is no page at this address."))
    if exc.status_code == 403:
        return error_page(request, 403, _("Not allowed"), _("Your account may not see or do this."))
    return error_page(
        request, exc.status_code, _("That did not work"), _("Please check what you sent.")
    )


API_PREFIXES = ("/api/", "/calendar/", "/static/", "/schema", "/health", "/ready")


def wants_page(request: Request[Any, Any, Any]) -> bool:
    """A person's browser asking for a page, not a script asking the API."""
    path = request.url.path
    return "text/html" in request.headers.get("accept", "") and not path.startswith(API_PREFIXES)


def for_browsers(handlers: dict[Any, Any]) -> dict[Any, Any]:
    """The app's error handlers, except that a browser asking for a page gets the HTML error
    page for what no route's handlers see: an unknown address, a wrong method."""

    def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
        if not wants_page(request):
            return handlers[HTTPException](request, exc)
        i18n.set_current(request_language(request.scope))
        return _http_error(request, exc)

    return {**handlers, HTTPException: http_error}


def web_router(route_handlers: list[Any]) -> Router:
    return Router(
        path="/",
        route_handlers=route_handlers,
        middleware=[language_middleware],
        dependencies={
            "viewer": Provide(provide_viewer),
            "signed_in_viewer": Provide(provide_signed_in_viewer),
        },
        response_headers=SECURITY_HEADERS,
        exception_handlers={
            SignInRequired: _sign_in,
            DomainError: _domain_error,
            HTTPException: _http_error,
        },
        include_in_schema=False,
    )


def static_router() -> Router:
    from service.web.templating import STATIC

    return create_static_files_router(
        path="/static",
        directories=[STATIC],
        cache_control=None,
        include_in_schema=False,
        name="static",
    )
