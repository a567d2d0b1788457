"""The demo's campaigns (see service.demo)."""

from __future__ import annotations

from typing import Any


async def ensure_campaigns(people: Any, base_url: str) -> dict[str, int]:
    """Create what is missing; returns how many of each thing are new."""
    return {}
