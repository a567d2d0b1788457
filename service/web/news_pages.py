"""Reports and news pages: the news list, a post, the editor (Markdown, photos,
attachments), the photo and attachment downloads, and the Atom feeds. The *_section
functions give the front page, network page and gathering page their part."""

from __future__ import annotations

from typing import Any

from service.web.viewer import Viewer

PAGES: list[Any] = []


async def home_section(viewer: Viewer) -> dict[str, Any]:
    """Context for templates/news/_home_section.html on the front page."""
    return {}


async def network_section(viewer: Viewer, network: Any) -> dict[str, Any]:
    """Context for templates/news/_network_section.html on the network page."""
    return {}


async def gathering_section(viewer: Viewer, gathering: Any) -> dict[str, Any]:
    """Context for templates/news/_gathering_section.html on the gathering page."""
    return {}
