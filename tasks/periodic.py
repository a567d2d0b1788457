"""Periodic work: mark ended gatherings completed and send reminders.

Both steps are idempotent (a completed gathering is not completed again; a reminder's
outbox row has a fixed idempotency key), so two workers running them at once is
harmless. With Redis, `samling worker` runs them as an arq cron job; without, the web
process runs them in a loop of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog

from service.calendar.feeds import forget_old_pieces
from service.gatherings import service as gatherings
from service.settings import Settings

log = structlog.get_logger("samling.periodic")
EVERY_S = 300.0


async def run_once(base_url: str) -> dict[str, int]:
    completed = await gatherings.complete_due()
    reminded = await gatherings.send_reminders(base_url)
    await forget_old_pieces()
    if completed or reminded:
        log.info("periodic", completed=completed, reminders=reminded)
    return {"completed": completed, "reminders": reminded}


async def periodic_job(ctx: dict[str, Any]) -> dict[str, int]:
    """arq cron entry point."""
    settings: Settings = ctx["settings"]
    return await run_once(settings.base_url)


def periodic_lifespan(settings: Settings) -> Any:
    """App lifespan item: the loop runs in the web process only without Redis."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        if settings.redis_url:
            yield
            return

        async def loop() -> None:
            while True:
                try:
                    await run_once(settings.base_url)
                except Exception as exc:  # the database, most likely: try next round
                    log.warning("periodic run failed", error=repr(exc))
                await asyncio.sleep(EVERY_S)

        task = asyncio.create_task(loop(), name="samling-periodic")
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    return lifespan
