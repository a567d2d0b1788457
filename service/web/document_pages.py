"""Network document pages: the documents of a network, a document with its versions,
uploading a new one or a new version, and the downloads. network_section gives the
network page its part."""

from __future__ import annotations

from typing import Any

from service.web.viewer import Viewer

PAGES: list[Any] = []


async def network_section(viewer: Viewer, network: Any) -> dict[str, Any]:
    """Context for templates/documents/_network_section.html on the network page."""
    return {}
