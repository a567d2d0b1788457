"""Hands outbox rows to the queue: arq when SAMLING_REDIS_URL is set, else in-process."""

from __future__ import annotations


async def dispatch_mail(outbox_id: int) -> None:
    """Placeholder until the queue lands: rows stay queued for the sweep."""
    return None
