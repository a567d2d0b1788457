"""Pages every visitor shares: the front page (upcoming gatherings with filters, the
networks, news), the language switch and signing out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from service.accounts import service as accounts
from service.accounts.kv import SessionStore
from service.accounts.middleware import SESSION_COOKIE
from service.lib import i18n
from service.networks import service as networks
from service.networks.schemas import NetworkOut
from service.settings import Settings
from service.web import news_pages
from service.web.gathering_pages import upcoming_and_past
from service.web.viewer import LANG_COOKIE, Viewer, local_path

YEAR = 365 * 24 * 3600


@dataclass(frozen=True)
class County:
    number: str
    name: str


def counties_of(items: list[NetworkOut]) -> list[County]:
    seen = {
        number: name
        for n in items
        for number, name in zip(n.county_numbers, n.counties, strict=True)
    }
    return [County(number, seen[number]) for number in sorted(seen)]


@get("/")
async def home(
    viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
    network: Annotated[str, QueryParameter(max_length=60)] = "",
    county: Annotated[str, QueryParameter(max_length=10)] = "",
) -> Template:
    """Upcoming gatherings (filtered by network and county), the networks, and news."""
    all_networks = await networks.list_networks()
    counties = counties_of(all_networks)
    slugs = {n.slug for n in all_networks}
    network = network if network in slugs else ""
    county = county if county in {c.number for c in counties} else ""
    in_county = {n.slug for n in all_networks if county in n.county_numbers}
    upcoming, _ = await upcoming_and_past(
        viewer.user, settings.base_url, network=network or None, drafts=False
    )
    if county:
        upcoming = [g for g in upcoming if g.network in in_county]
    return Template(
        "home.html",
        context={
            **await news_pages.home_section(viewer),
            "viewer": viewer,
            "notice": "",
            "networks": all_networks,
            "counties": counties,
            "upcoming": upcoming,
            "network": network,
            "county": county,
            "filtered": bool(network or county),
        },
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
