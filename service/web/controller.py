"""HTML pages (bokmål by default)."""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency

from service.accounts import service as accounts
from service.accounts.controller import TooManyRequests, limit
from service.accounts.kv import RateLimiter
from service.networks import service as networks
from service.settings import Settings
from service.web import pages


@get("/", media_type=MediaType.HTML, include_in_schema=False)
async def home() -> str:
    items = "".join(
        f"<li><strong>{escape(n.name)}</strong> ({escape(', '.join(n.counties))}) "
        f"– {n.member_count} medlemskommuner</li>"
        for n in await networks.list_networks()
    )
    return (
        '<!doctype html><html lang="nb"><head><meta charset="utf-8">'
        "<title>Samling</title></head><body><h1>Samling</h1>"
        "<p>Nettverkssamlinger for støttekontakttjenesten.</p>"
        f"<h2>Regionale nettverk</h2><ul>{items}</ul>"
        '<p><a href="/login">Logg inn</a> · <a href="/gatherings">Samlinger</a> · '
        '<a href="/claims">Mine reiseregninger</a> · <a href="/schema">API-dokumentasjon</a></p>'
        "</body></html>"
    )


@get("/login", media_type=MediaType.HTML, include_in_schema=False)
async def login_page() -> Response[str]:
    return pages.login_form()


@post("/login", media_type=MediaType.HTML, include_in_schema=False, status_code=200)
async def login_submit(
    request: Request[Any, Any, Any],
    settings: NamedDependency[Settings],
    limiter: NamedDependency[RateLimiter],
) -> Response[str]:
    form = await request.form()
    email = str(form.get("email", "")).strip()
    if not email:
        return pages.login_form("Skriv inn e-postadressen din.", status=400)
    try:
        allowed = await limit(limiter, request, email)
    except TooManyRequests:
        return pages.login_form("For mange forsøk. Vent litt og prøv igjen.", status=429)
    if allowed:
        await accounts.send_login_link(email, settings.base_url)
    return pages.link_sent()
