"""HTML pages (bokmål by default)."""

from __future__ import annotations

from html import escape

from litestar import MediaType, get

from service.networks import service as networks


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
        '<p><a href="/schema">API-dokumentasjon</a></p></body></html>'
    )
