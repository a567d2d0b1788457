"""Pages every visitor shares: the front page, the language switch and signing out."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from service.accounts import service as accounts
from service.accounts.kv import SessionStore
from service.accounts.middleware import SESSION_COOKIE
from service.lib import i18n
from service.networks import service as networks
from service.settings import Settings
from service.web.viewer import LANG_COOKIE, Viewer, local_path

YEAR = 365 * 24 * 3600


@get("/")
async def home(viewer: NamedDependency[Viewer]) -> Template:
    return Template(
        "home.html",
        context={"viewer": viewer, "networks": await networks.list_networks(), "notice": ""},
    )


@post("/language", status_code=303)
async def switch_language(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    """Remember the choice in a cookie, and on the account when someone is signed in."""
    form = await request.form()
    language = i18n.normalize(str(form.get("language", ""))) or i18n.DEFAULT
    if viewer.user is not None:
        await accounts.update_profile(viewer.user, language=language)
    response = Redirect(local_path(str(form.get("next", "")) or None), status_code=303)
    response.set_cookie(
        LANG_COOKIE, language, max_age=YEAR, samesite="lax", secure=settings.production
    )
    return response


@post("/logout", status_code=303)
async def logout_page(
    request: Request[Any, Any, Any], sessions: NamedDependency[SessionStore]
) -> Response[Any]:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await sessions.delete(cookie)
    response = Redirect("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
