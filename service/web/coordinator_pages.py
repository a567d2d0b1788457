"""The coordinator's workspace: dashboard, gathering editor, registrations and
attendance, members and sign-ups, calendars (/coordinator, …). Admins see every network.

The dashboard is here; the editor is `gathering_editor_pages`, the registrations and
attendance `registration_pages`, members and sign-ups `member_pages`. Each item on the
dashboard links to the page where it is handled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from service.accounts import service as accounts
from service.calendar import personal
from service.claims import claims
from service.claims.schemas import ClaimOut
from service.gatherings.schemas import GatheringOut
from service.lib import i18n
from service.lib.clock import now, parse_when
from service.networks import service as networks
from service.networks.schemas import NetworkDetail
from service.settings import Settings
from service.web import (
    flash,
    gathering_editor_pages,
    member_pages,
    news_pages,
    registration_pages,
)
from service.web.coordinator_view import coordinator, my_networks
from service.web.gathering_pages import upcoming_and_past
from service.web.subscribe import SubscribeLinks, subscribe_links
from service.web.viewer import Viewer

RECENT = timedelta(days=90)  # held gatherings shown for their attendance list


@dataclass(frozen=True)
class NetworkCard:
    network: NetworkDetail
    requests: int
    members: int
    feed: SubscribeLinks


@dataclass(frozen=True)
class JoinRequest:
    network: NetworkDetail
    municipality: str


@dataclass(frozen=True)
class WaitingSignUp:
    id: str
    name: str
    email: str
    municipality: str  # its number
    network: NetworkDetail | None  # where it is handled: a network it is a member of


async def _claims_to_attest(viewer: Viewer) -> list[ClaimOut]:
    """Submitted claims of the networks the viewer coordinates (admins attest none)."""
    assert viewer.user is not None
    found: dict[str, ClaimOut] = {}
    for slug in sorted(viewer.user.coordinated_networks):
        for c in await claims.list_claims(viewer.user, "submitted", slug):
            if c.claimant != viewer.user.email:
                found[c.id] = c
    return sorted(found.values(), key=lambda c: int(c.id))


def _signups(pending: list[dict[str, Any]], nets: list[NetworkDetail]) -> list[WaitingSignUp]:
    def home(number: str | None) -> NetworkDetail | None:
        return next(
            (
                n
                for n in nets
                if any(m.municipality == number and m.status == "member" for m in n.members)
            ),
            None,
        )

    return [
        WaitingSignUp(
            p["id"], p["name"], p["email"], p["municipality"] or "", home(p["municipality"])
        )
        for p in pending
    ]


@get("/coordinator")
async def dashboard(
    request: Request[Any, Any, Any],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Template:
    viewer = signed_in_viewer
    user = coordinator(viewer)
    nets = [await networks.get_network(n.slug) for n in await my_networks(user)]
    slugs = {n.slug for n in nets}
    upcoming, past = await upcoming_and_past(user, settings.base_url)
    mine = [g for g in upcoming if g.network in slugs]
    since = now() - RECENT
    held: list[GatheringOut] = [
        g
        for g in past
        if g.network in slugs
        and g.status in ("published", "completed")
        and parse_when(g.ends_at, "ends_at") >= since
    ]
    feed = await personal.my_feed(user, settings)
    notice, cookies = flash.take(request)
    return Template(
        "coordinator/dashboard.html",
        context={
            "viewer": viewer,
            "notice": notice,
            "networks": [
                NetworkCard(
                    n,
                    sum(m.status == "interested" for m in n.members),
                    sum(m.status == "member" for m in n.members),
                    subscribe_links(
                        f"{settings.base_url}/calendar/networks/{n.slug}.ics", f"Samling – {n.name}"
                    ),
                )
                for n in nets
            ],
            "upcoming": [g for g in mine if g.status == "published"],
            "drafts": [g for g in mine if g.status == "draft"]
            + [g for g in past if g.network in slugs and g.status == "draft"],
            "held": held[:10],
            **await news_pages.dashboard_section(user, past),
            "claims": await _claims_to_attest(viewer),
            "attests": bool(user.coordinated_networks),
            "requests": [
                JoinRequest(n, m.name) for n in nets for m in n.members if m.status == "interested"
            ],
            "signups": _signups(await accounts.pending_for(user), nets),
            "personal_feed": subscribe_links(feed["url"], i18n.gettext("My gatherings – Samling")),
            "feeds_inline": len(nets) <= 2,  # an admin's six networks: links, not six blocks
        },
        cookies=cookies,
    )


PAGES: list[Any] = [
    dashboard,
    *gathering_editor_pages.PAGES,
    *registration_pages.PAGES,
    *member_pages.PAGES,
]
"""Every page route, in one list: app.py hands it to the web Router."""
