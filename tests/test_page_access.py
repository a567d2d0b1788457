"""Who may open which page and post which form: every page route, for every kind of caller.

A page route without a row here fails the test, as the API's access matrix does. Pages
answer people, not scripts: an anonymous visitor is sent to the sign-in page (303) where
an account is needed, a signed-in one who may not see something gets an HTML 403 or 404,
and a form with nothing in it gets an HTML answer with a message, never a 500.
Expected values: a status code; 303 for anonymous means "to /login?next=…".
"""

from __future__ import annotations

import httpx
import page_rows_admin
import page_rows_campaigns
import page_rows_coordinator
import page_rows_documents
import page_rows_finance
import page_rows_news
import page_rows_statistics
import pytest
from page_matrix import NONE, REVIEWERS, ROLES, Page, everyone, only, signed_in

from service.web.routes import PAGES

MATRIX: dict[str, Page] = {
    "GET /": Page("/", everyone(200)),
    "POST /language": Page("/language", everyone(303), {"language": "nn", "next": "/"}),
    "POST /logout": Page("/logout", everyone(303), {}),
    "GET /login": Page("/login", everyone(200)),
    "POST /login": Page("/login", everyone(400), {"email": ""}),
    "GET /auth/login": Page("/auth/login?token=nonsense", everyone(400)),
    "POST /auth/login": Page("/auth/login", everyone(400), {"token": "nonsense"}),
    "POST /login/demo": Page("/login/demo", everyone(404), {"email": "nobody@example.org"}),
    "GET /signup": Page("/signup", everyone(200)),
    "POST /signup": Page("/signup", everyone(400), {"name": "", "email": "", "municipality": ""}),
    "GET /gatherings": Page("/gatherings", everyone(200)),
    "GET /gatherings/{gathering_id:str}": Page(f"/gatherings/{NONE}", everyone(404)),
    "POST /gatherings/{gathering_id:str}/register": Page(
        f"/gatherings/{NONE}/register", signed_in(404), {}
    ),
    "GET /networks/{slug:str}": Page("/networks/nord", everyone(200)),
    "GET /me": Page("/me", signed_in(200)),
    "POST /me/profile": Page("/me/profile", signed_in(400), {"name": "", "language": "nb"}),
    "POST /me/registrations/{registration_id:str}/cancel": Page(
        f"/me/registrations/{NONE}/cancel", signed_in(404), {}
    ),
    "GET /me/calendar": Page("/me/calendar", signed_in(200)),
    "POST /me/calendar/reset": Page("/me/calendar/reset", signed_in(200), {}),
    "GET /claims": Page("/claims", signed_in(200)),
    "GET /claims/new": Page(f"/claims/new?registration={NONE}", signed_in(404)),
    "POST /claims/new": Page("/claims/new", signed_in(404), {"registration": NONE}),
    "GET /claims/{claim_id:str}": Page(f"/claims/{NONE}", signed_in(404)),
    "POST /claims/{claim_id:str}/submit": Page(f"/claims/{NONE}/submit", signed_in(404), {}),
    "POST /claims/{claim_id:str}/receipt": Page(f"/claims/{NONE}/receipt", signed_in(404), {}),
    "POST /claims/{claim_id:str}/decide": Page(
        f"/claims/{NONE}/decide", signed_in(404), {"action": "attest"}
    ),
    "GET /review": Page("/review", REVIEWERS),
    "GET /payouts": Page("/payouts", only({"finance": 200})),
    "POST /payouts": Page("/payouts", only({"finance": 422}), {}),
    "GET /payouts/{payout_id:str}": Page(f"/payouts/{NONE}", only({"finance": 404})),
    "POST /payouts/{payout_id:str}/paid": Page(f"/payouts/{NONE}/paid", only({"finance": 404}), {}),
}
# The workspaces keep their rows next to each other, one module per area.
MATRIX |= page_rows_coordinator.ROWS | page_rows_finance.ROWS | page_rows_admin.ROWS
MATRIX |= page_rows_campaigns.ROWS | page_rows_news.ROWS | page_rows_documents.ROWS
MATRIX |= page_rows_statistics.ROWS


def page_routes(app) -> set[str]:
    handlers = {id(h) for h in PAGES}
    found = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if id(handler) in handlers or getattr(handler, "fn", None) in {
                getattr(h, "fn", None) for h in PAGES
            }:
                for method in handler.http_methods:
                    if method != "OPTIONS":
                        found.add(f"{method} {route.path}")
    return found


def test_every_page_route_has_a_row(app) -> None:
    routes = page_routes(app)
    assert routes, "no page routes found"
    missing = sorted(routes - set(MATRIX))
    assert not missing, f"page routes without a row in MATRIX: {missing}"
    stale = sorted(set(MATRIX) - routes)
    assert not stale, f"rows for routes that do not exist: {stale}"


@pytest.mark.parametrize("route", sorted(MATRIX))
async def test_page_access(app, actors, route: str) -> None:
    case = MATRIX[route]
    method = route.split()[0]
    for role in ROLES:
        headers = {} if role == "anonymous" else dict(actors[role].headers)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as c:
            if method == "GET":
                r = await c.get(case.path, headers=headers)
            else:
                r = await c.post(case.path, data=case.form or {}, headers=headers)
        want = case.expect[role]
        assert r.status_code == want, f"{route} as {role}: {r.status_code}, wanted {want}"
        assert r.headers["content-type"].startswith("text/html") or r.status_code in (303, 304)
        if r.status_code == 303 and role == "anonymous" and want == 303 and method == "GET":
            assert r.headers["location"].startswith("/login?next="), r.headers["location"]
        if r.status_code >= 400:
            assert "content-security-policy" in r.headers, f"{route} as {role}: no CSP"


NAV = {
    "anonymous": ["/", "/news"],
    "participant": ["/", "/news", "/me", "/claims", "/me/calendar"],
    "coordinator": [
        *("/", "/news", "/me", "/claims", "/me/calendar", "/coordinator", "/review"),
        "/statistics",
    ],
    "finance": [
        *("/", "/news", "/me", "/claims", "/me/calendar", "/review", "/payouts", "/finance"),
        "/statistics",
    ],
    "admin": [
        "/",
        "/news",
        "/me",
        "/claims",
        "/me/calendar",
        "/coordinator",
        "/statistics",
        "/admin",
    ],
}


@pytest.mark.parametrize("role", sorted(NAV))
async def test_the_navigation_offers_each_role_its_pages(app, actors, role: str) -> None:
    import re

    headers = {} if role == "anonymous" else dict(actors[role].headers)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as c:
        html = (await c.get("/", headers=headers)).text
    nav = re.search(r'<nav class="site-nav"[^>]*>(.*?)</nav>', html, re.S)
    assert nav is not None
    assert re.findall(r'href="([^"]+)"', nav.group(1)) == NAV[role]


HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


async def test_a_browser_gets_pages_for_errors_before_the_web_router(app, actors) -> None:
    """Unknown addresses and refused cross-site forms: an HTML page for a person, in
    their language; problem+json for scripts and for the API whatever they accept."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as c:
        r = await c.get("/no/such/page", headers={**HTML, "Accept-Language": "nn"})
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
        assert '<html lang="nn"' in r.text and "content-security-policy" in r.headers
        r = await c.get("/no/such/page")
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
        r = await c.get("/api/v1/no-such", headers=HTML)
        assert r.headers["content-type"] == "application/problem+json"
        # A refused token on a page: to the sign-in page, as for anyone not signed in.
        r = await c.get("/me", headers={**HTML, "Authorization": "Bearer nonsense"})
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
