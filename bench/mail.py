"""Mail delivery rate: the outbox worker next to a plain aiosmtplib loop, in one run.

Both send N messages to the same local aiosmtpd sink over the same number of SMTP
connections; the worker also claims each outbox row, renders the templates and records
the outcome in the database. Prints both rates and their ratio.

Run it from the project root:

    .venv/bin/python bench/mail.py                    # SQLite (temporary file), in-process runner
    BENCH_N=2000 .venv/bin/python bench/mail.py       # more messages (default 500)
    SAMLING_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/samling_bench \
        .venv/bin/python bench/mail.py                # PostgreSQL: a scratch database that exists
    SAMLING_REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/mail.py
        # arq: a burst-mode worker (10 jobs, 10 connections); the Redis database is flushed

The outbox rows the bench writes stay in the database: use a scratch one.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

TMP = tempfile.mkdtemp(prefix="samling-bench-")
os.environ.setdefault("SAMLING_VAR_DIR", f"{TMP}/var")
os.environ.setdefault("SAMLING_DATABASE_URL", f"sqlite:///{TMP}/bench.db")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiosmtplib  # noqa: E402
import structlog  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402

N = int(os.environ.get("BENCH_N", "500"))


class CountingHandler:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.count += 1
        return "250 2.0.0 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Held:
    """Keeps enqueue_mail's after-commit dispatch from sending before the clock starts."""

    mode = "held"

    def submit(self, outbox_id: int) -> None:
        return None

    async def status(self) -> dict[str, Any]:
        return {"mode": self.mode, "ok": True}


async def migrate() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards(app_name="all")
    if not result.success:
        raise SystemExit(f"migration failed: {result.message}")


async def enqueue(n: int) -> list[int]:
    from service.db.tx import atomic
    from service.outbox.service import enqueue_mail

    ids: list[int] = []
    for start in range(0, n, 100):
        async with atomic():
            for i in range(start, min(start + 100, n)):
                row_id = await enqueue_mail(
                    "login_link",
                    f"bench{i}@example.no",
                    "nb",
                    {"name": f"Bench {i}", "url": f"https://samling.example/l/{i}", "minutes": 15},
                )
                assert row_id is not None
                ids.append(row_id)
    return ids


async def wait_for(handler: CountingHandler, target: int) -> None:
    while handler.count < target:  # noqa: ASYNC110 - the sink counts on its own thread
        await asyncio.sleep(0.002)


async def unsent(ids: list[int]) -> int:
    from service.db.tables import OutboxMessage

    return int(
        await OutboxMessage.count().where(
            OutboxMessage.id.is_in(ids) & (OutboxMessage.status != "sent")
        )
    )


async def run_in_process(settings: Any, ids: list[int], handler: CountingHandler) -> float:
    from tasks.jobs import Mailer
    from tasks.queue import InProcessRunner

    runner = InProcessRunner(Mailer.from_settings(settings))
    before = handler.count
    await runner.start()
    t0 = time.perf_counter()
    for row_id in ids:
        runner.submit(row_id)
    await wait_for(handler, before + len(ids))
    while await unsent(ids):  # noqa: ASYNC110 - the last UPDATE, after the sink has it
        await asyncio.sleep(0.002)
    elapsed = time.perf_counter() - t0
    await runner.stop()
    return elapsed


async def run_arq(settings: Any, ids: list[int]) -> float:
    from arq.connections import RedisSettings
    from arq.worker import Worker, get_kwargs

    from tasks.queue import enqueue_send, redis_client
    from tasks.worker import WorkerSettings

    assert settings.redis_url
    redis = redis_client(settings.redis_url)
    await redis.flushdb()
    for row_id in ids:
        await enqueue_send(redis, row_id)
    await redis.aclose()
    kwargs = get_kwargs(WorkerSettings)  # type: ignore[arg-type]
    kwargs.update(
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        burst=True,
        handle_signals=False,
        poll_delay=0.01,
        ctx={"settings": settings},
        cron_jobs=[],
    )
    worker = Worker(**kwargs)  # type: ignore[arg-type]
    t0 = time.perf_counter()
    await worker.async_run()
    elapsed = time.perf_counter() - t0
    await worker.close()
    return elapsed


async def run_plain(settings: Any, port: int, connections: int, handler: CountingHandler) -> float:
    """The same messages, rendered beforehand, sent back to back over `connections`
    connections: the floor the worker is measured against."""
    from emails.render import envelope_from, render

    messages = [
        render(
            "login_link",
            "nb",
            {"name": f"Bench {i}", "url": f"https://samling.example/l/{i}", "minutes": 15},
            recipient=f"bench{i}@example.no",
            message_id=f"<plain{i}@samling.local>",
            mail_from=settings.mail_from,
            base_url=settings.base_url,
        )
        for i in range(N)
    ]
    sender = envelope_from(settings.mail_from)

    async def loop(chunk: list[Any]) -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
        await client.connect()
        for msg in chunk:
            to = msg["To"].addresses[0].addr_spec
            await client.send_message(msg, sender=sender, recipients=[to])
        await client.quit()

    before = handler.count
    t0 = time.perf_counter()
    await asyncio.gather(*(loop(messages[i::connections]) for i in range(connections)))
    elapsed = time.perf_counter() - t0
    assert handler.count - before == N
    return elapsed


async def main() -> None:
    from service.db.tables import OutboxMessage
    from service.db.tx import engine
    from service.settings import load_settings
    from tasks.queue import install, uninstall
    from tasks.worker import MAX_JOBS

    handler = CountingHandler()
    port = free_port()
    sink = Controller(handler, hostname="127.0.0.1", port=port)
    sink.start()
    db = engine()
    if db.engine_type == "postgres":
        await db.start_connection_pool(max_size=MAX_JOBS + 2)
    try:
        await migrate()
        settings = replace(load_settings(), smtp_url=f"smtp://127.0.0.1:{port}")
        held = Held()
        install(held)
        ids = await enqueue(N)
        uninstall(held)

        if settings.redis_url:
            mode, connections = "arq worker (burst)", MAX_JOBS
            worker_s = await run_arq(settings, ids)
        else:
            mode, connections = "in-process runner", 1
            worker_s = await run_in_process(settings, ids, handler)
        sent = await OutboxMessage.count().where(
            OutboxMessage.id.is_in(ids) & (OutboxMessage.status == "sent")
        )
        assert sent == N, f"only {sent} of {N} rows sent"
        plain_s = await run_plain(settings, port, connections, handler)
    finally:
        if db.engine_type == "postgres":
            await db.close_connection_pool()
        sink.stop()

    worker_rate, plain_rate = N / worker_s, N / plain_s
    print(f"database: {db.engine_type}; {mode}; {N} messages; {connections} SMTP connection(s)")
    print(f"worker:          {worker_rate:8.1f} msg/s  ({worker_s:.2f} s)")
    print(f"plain aiosmtplib: {plain_rate:8.1f} msg/s  ({plain_s:.2f} s)")
    print(f"ratio worker/plain: {worker_rate / plain_rate:.2f}")


if __name__ == "__main__":
    # The worker still formats its log lines (part of its cost); they go nowhere.
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(open(os.devnull, "w")))
    asyncio.run(main())
