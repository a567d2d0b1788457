"""The arq worker (`samling worker`): WorkerSettings, its job wrappers and start-up.

`send_mail` runs the shared send job and turns "try again in N s" into arq's
`Retry(defer=N)`; the `sweep_outbox` cron (every minute, and at start-up) re-enqueues
rows whose dispatch was lost and frees rows a dead worker left `sending`. Both are
idempotent: several workers may run them at once.
"""

from __future__ import annotations

import asyncio
import logging.config
import os
import sys
import threading
from typing import Any

import structlog
from arq import Retry, cron, func
from arq.connections import RedisSettings
from arq.logs import default_log_config
from arq.worker import run_worker

from service.db.tx import engine
from service.settings import Settings, load_settings
from tasks.jobs import Mailer, MailPolicy, send_outbox_message, sweep
from tasks.periodic import periodic_job
from tasks.queue import (
    HEALTH_CHECK_KEY,
    QUEUE_NAME,
    SEND_JOB,
    ArqForwarder,
    enqueue_send,
    install,
    redis_client,
    uninstall,
)

log = structlog.get_logger("samling.worker")

MAX_JOBS = 10
UNEXPECTED_ERROR_TRIES = 5


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx.get("settings") or load_settings()
    ctx["settings"] = settings
    db = engine()
    ctx["owns_db_pool"] = False
    if db.engine_type == "postgres" and getattr(db, "pool", None) is None:
        await db.start_connection_pool(max_size=MAX_JOBS + 2)
        ctx["owns_db_pool"] = True
    ctx["mailer"] = Mailer.from_settings(
        settings, max_connections=MAX_JOBS, policy=ctx.get("mail_policy")
    )
    # Mail queued by code running in this worker goes through this worker's Redis.
    forwarder = ArqForwarder(ctx["redis"], owns_client=False)
    await forwarder.start()
    install(forwarder)
    ctx["forwarder"] = forwarder


async def shutdown(ctx: dict[str, Any]) -> None:
    forwarder = ctx.pop("forwarder", None)
    if forwarder is not None:
        uninstall(forwarder)
        await forwarder.stop()
    mailer = ctx.pop("mailer", None)
    if mailer is not None:
        await mailer.transport.aclose()
    if ctx.pop("owns_db_pool", False):
        await engine().close_connection_pool()


async def send_mail(ctx: dict[str, Any], outbox_id: int) -> str:
    try:
        outcome = await send_outbox_message(outbox_id, ctx["mailer"])
    except Exception as exc:  # the database, most likely; the sweep is the backstop
        tries = int(ctx.get("job_try", 1))
        if tries >= UNEXPECTED_ERROR_TRIES:
            raise
        log.warning("send job error; retrying", outbox_id=outbox_id, error=repr(exc))
        raise Retry(defer=5 * tries) from exc
    if outcome.retry_in is not None:
        raise Retry(defer=outcome.retry_in)
    return outcome.status


async def sweep_outbox(ctx: dict[str, Any]) -> int:
    mailer: Mailer = ctx["mailer"]
    ids = await sweep(mailer.policy)
    for outbox_id in ids:
        await enqueue_send(ctx["redis"], outbox_id)
    await mailer.transport.close_idle()
    return len(ids)


def _redis_settings() -> RedisSettings:
    url = os.environ.get("SAMLING_REDIS_URL")
    return RedisSettings.from_dsn(url) if url else RedisSettings()


class WorkerSettings:
    """For `samling worker` (or `arq tasks.worker.WorkerSettings`)."""

    functions = [func(send_mail, name=SEND_JOB, max_tries=1000, timeout=120)]
    cron_jobs = [
        cron(sweep_outbox, second=0, run_at_startup=True, timeout=300),
        cron(periodic_job, minute=set(range(0, 60, 5)), second=30, run_at_startup=True),
    ]
    queue_name = QUEUE_NAME
    health_check_key = HEALTH_CHECK_KEY
    health_check_interval = 30
    redis_settings = _redis_settings()
    on_startup = startup
    on_shutdown = shutdown
    max_jobs = MAX_JOBS
    job_timeout = 300
    # On SIGTERM, stop taking jobs and let those in flight finish (a send gives up after
    # 60 s): a planned restart then leaves no row `sending` for the lease to recover.
    job_completion_wait = 75
    keep_result = 0


def run(settings: Settings) -> None:
    """Run the worker until SIGINT/SIGTERM (arq finishes or requeues jobs in flight)."""
    assert settings.redis_url
    logging.config.dictConfig(default_log_config(verbose=False))
    run_worker(
        WorkerSettings,  # type: ignore[arg-type]
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        ctx={"settings": settings},
    )
    _exit_if_threads_linger()


def _exit_if_threads_linger() -> None:
    """A query cancelled half-way on SQLite can leave an aiosqlite thread running that
    would keep the interpreter from ever exiting. The worker has shut down cleanly by
    now (its state is in the database and Redis), so leave without waiting for it."""
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    for thread in others:
        if not thread.daemon:
            thread.join(timeout=2)
    if any(t.is_alive() and not t.daemon for t in others):
        log.warning("worker stopped; exiting without waiting for stray threads")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


async def check_worker(redis_url: str) -> tuple[bool, str]:
    """arq's health check: is a worker's health-check key in Redis? (ok, one line)."""
    redis = redis_client(redis_url)
    try:
        async with asyncio.timeout(10):
            info = await redis.get(HEALTH_CHECK_KEY)
    except Exception as exc:
        return False, f"cannot reach Redis: {type(exc).__name__}: {exc}"
    finally:
        await redis.aclose()
    if not info:
        return False, "no samling worker has reported to Redis in the last 30 seconds"
    return True, f"worker ok: {info.decode(errors='replace')}"


__all__ = ["MailPolicy", "WorkerSettings", "check_worker", "run"]
