"""The network page: counties, member municipalities, coordinators, the network's
gatherings (upcoming and past) and subscribing to its calendar feed."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from service.networks import service as networks
from service.settings import Settings
from service.web import document_pages, news_pages
from service.web.gathering_pages import upcoming_and_past
from service.web.subscribe import subscribe_links
from service.web.viewer import Viewer


@get("/networks/{slug:str}")
async def network_page(
    slug: FromPath[str], viewer: NamedDependency[Viewer], settings: NamedDependency[Settings]
) -> Template:
    network = await networks.get_network(slug)  # NotFound: the web router's 404 page
    upcoming, past = await upcoming_and_past(viewer.user, settings.base_url, network=network.slug)
    feed = f"{settings.base_url}/calendar/networks/{network.slug}.ics"
    return Template(
        "networks/detail.html",
        context={
            **await news_pages.network_section(viewer, network),
            **await document_pages.network_section(viewer, network),
            "viewer": viewer,
            "notice": "",
            "network": network,
            "members": [m for m in network.members if m.status == "member"],
            "upcoming": upcoming,
            "past": past,
            "links": subscribe_links(feed, f"Samling – {network.name}"),
        },
    )
