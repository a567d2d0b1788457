"""Every page passes axe-core's WCAG 2.1 A and AA rules in bokmål, nynorsk and English,
at 1280 px and on a 360 px phone, where it also scrolls only up and down.

The pages are seen by the demo's people, signed in with the development sign-in page's
one-click buttons; a screenshot of each is saved under tests/artifacts/screenshots/.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from .browser_support import (
    FINANCE,
    LANGS,
    LOCALES,
    Server,
    check_at_both_widths,
    exactly,
)

WIDTHS = (1280, 360)


@dataclass(frozen=True)
class Visit:
    name: str  # the screenshot's name
    who: str  # "visitor", "participant" or "finance"
    path: Callable[[dict[str, str]], str]


PAGES = [
    Visit("front", "visitor", lambda d: "/"),
    Visit("network", "visitor", lambda d: "/networks/agder-rogaland"),
    Visit("gathering", "participant", lambda d: f"/gatherings/{d['gathering']}"),
    Visit("gathering-visitor", "visitor", lambda d: f"/gatherings/{d['gathering']}"),
    Visit("login", "visitor", lambda d: "/login"),
    Visit("link", "visitor", lambda d: d["link"]),
    Visit("signup", "visitor", lambda d: "/signup"),
    Visit("me", "participant", lambda d: "/me"),
    Visit("me-calendar", "participant", lambda d: "/me/calendar"),
    Visit("claims", "participant", lambda d: "/claims"),
    Visit("claim-new", "participant", lambda d: f"/claims/new?registration={d['registration']}"),
    Visit("claim", "participant", lambda d: f"/claims/{d['claim']}"),
    Visit("claim-decide", "finance", lambda d: f"/claims/{d['submitted_claim']}"),
    Visit("review", "finance", lambda d: "/review"),
    Visit("payouts", "finance", lambda d: "/payouts"),
]


@pytest.fixture(scope="module")
def demo(server: Server) -> dict[str, str]:
    """Which demo claim, registration and gathering the pages show."""
    claims = server.api(FINANCE).get("/api/v1/claims", params={"limit": 500}).json()
    returned = next(c for c in claims if c["status"] == "returned")
    submitted = next(c for c in claims if c["status"] == "submitted")
    participant = returned["claimant"]
    api = server.api(participant)
    claimed = {c["registration"] for c in api.get("/api/v1/claims").json()}
    mine = api.get("/api/v1/me/registrations").json()
    free = [r for r in mine if r["status"] == "confirmed" and r["id"] not in claimed]
    if not free:  # give the participant an upcoming place to claim for
        upcoming = server.api(FINANCE).get("/api/v1/gatherings").json()
        target = next(g for g in upcoming if g["seats_left"] and g["reimbursable"])
        r = api.post(f"/api/v1/gatherings/{target['id']}/registrations", json={})
        assert r.status_code in (200, 201), r.text
        free = [r.json()]
    return {
        "participant": participant,
        "claim": returned["id"],
        "submitted_claim": submitted["id"],
        "registration": free[0]["id"],
        "gathering": free[0]["gathering"],
    }


@pytest.fixture(scope="module")
def contexts(browser: Any, server: Server) -> Iterator[dict[str, Any]]:
    """One browser context per person, kept for the module; axe is injected as an
    inline script, so these bypass the CSP (test_csp.py checks the pages with it)."""
    made: dict[str, Any] = {}
    yield made
    for context in made.values():
        context.close()


def _context(browser: Any, server: Server, contexts: dict[str, Any], who: str, email: str) -> Any:
    if who not in contexts:
        context = browser.new_context(base_url=server.base, locale=LOCALES["nb"], bypass_csp=True)
        context.set_default_timeout(20_000)
        if who != "visitor":
            from service.demo.accounts import demo_accounts

            name = next(a.name for a in demo_accounts() if a.email == email)
            page = context.new_page()
            page.goto("/login")
            page.get_by_role("button", name=exactly("Sign in as %(name)s", name=name)).click()
            page.wait_for_load_state()
            assert page.get_by_role("button", name=exactly("Sign out")).count() == 1
            page.close()
        contexts[who] = context
    return contexts[who]


def _speak(context: Any, lang: str) -> None:
    """The header's language switch (the account's language once signed in)."""
    r = context.request.post("/language", form={"language": lang, "next": "/"}, max_redirects=0)
    assert r.status == 303, r.text()


@pytest.mark.parametrize(
    ("lang", "visit"),
    [(lang, visit) for lang in LANGS for visit in PAGES],
    ids=[f"{lang}-{visit.name}" for lang in LANGS for visit in PAGES],
)
def test_no_wcag_violations_and_no_sideways_scroll(
    lang: str, visit: Visit, browser: Any, server: Server, contexts: dict, demo: dict
) -> None:
    email = {"participant": demo["participant"], "finance": FINANCE}.get(visit.who, "")
    context = _context(browser, server, contexts, visit.who, email)
    _speak(context, lang)
    data = dict(demo)
    if visit.name == "link":
        data["link"] = server.login_link(demo["participant"])
    page = context.new_page()
    try:
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        response = page.goto(visit.path(data))
        assert response is not None and response.ok, f"{page.url}: {response and response.status}"
        assert page.locator("html").get_attribute("lang") == lang
        problems = check_at_both_widths(page, visit.name, lang)
        assert not problems, f"{visit.name} ({lang}, {page.url}):\n" + "\n".join(problems)
    finally:
        page.close()
