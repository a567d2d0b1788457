"""Liveness and readiness."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request, Response, get
from litestar.di import NamedDependency

from service.db.tx import engine
from service.lib.errors import problem
from service.settings import Settings
from tasks.queue import queue_status

CHECK_TIMEOUT_S = 3.0


@get("/health", tags=["operations"], summary="Liveness: 200 while the process runs")
async def health() -> dict[str, str]:
    return {"status": "ok"}


async def _check_database() -> None:
    await engine().run_ddl("SELECT 1")


async def _check_redis(url: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT_S)
    try:
        await client.ping()
    finally:
        await client.aclose()


@get("/ready", tags=["operations"], summary="Readiness: database (and Redis) answer")
async def ready(
    request: Request[Any, Any, Any], settings: NamedDependency[Settings]
) -> Response[Any]:
    checks: dict[str, str] = {}
    failing: list[str] = []
    parts: list[tuple[str, Any]] = [("database", _check_database())]
    if settings.redis_url:
        parts.append(("redis", _check_redis(settings.redis_url)))
    for name, coro in parts:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S):
                await coro
            checks[name] = "ok"
        except Exception as exc:
            checks[name] = f"failing: {type(exc).__name__}"
            failing.append(name)
    # The mail queue is reported, not required: rows wait safely in the outbox.
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            queue = await queue_status()
    except Exception as exc:
        queue = {"ok": False, "error": type(exc).__name__}
    if failing:
        return problem(
            request,
            503,
            f"Not ready: {', '.join(failing)} not answering",
            checks=checks,
            queue=queue,
        )
    return Response({"status": "ok", "checks": checks, "queue": queue})
