"""The arq path against a real Redis: burst-mode workers in the test process, and
`samling worker` as a real process (killed mid-batch, health check, configuration)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from arq.connections import RedisSettings
from arq.worker import Worker, get_kwargs
from mail_fixtures import enqueue_committed, eventually, free_port, outbox_row

from service.db.tables import OutboxMessage
from tasks.jobs import MailPolicy, sweep
from tasks.queue import (
    HEALTH_CHECK_KEY,
    QUEUE_NAME,
    enqueue_send,
    queue_lifespan,
    queue_status,
    redis_client,
)
from tasks.worker import WorkerSettings


def address(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}@example.no"


async def run_burst_worker(settings: Any, policy: MailPolicy, redis_url: str) -> Worker:
    """A real arq worker in burst mode: runs until the queue is empty, then returns."""
    kwargs = get_kwargs(WorkerSettings)  # type: ignore[arg-type]
    kwargs.update(
        redis_settings=RedisSettings.from_dsn(redis_url),
        burst=True,
        handle_signals=False,
        poll_delay=0.05,
        ctx={"settings": settings, "mail_policy": policy},
        # CronJob objects remember their next run: a fresh copy per worker, so each one
        # sweeps at start-up as a new process would.
        cron_jobs=[replace(c, next_run=None) for c in WorkerSettings.cron_jobs],
    )
    worker = Worker(**kwargs)  # type: ignore[arg-type]
    try:
        await worker.async_run()
    finally:
        await worker.close()
    return worker


async def queued_jobs(redis_url: str) -> int:
    redis = redis_client(redis_url)
    try:
        return int(await redis.zcard(QUEUE_NAME))
    finally:
        await redis.aclose()


async def test_arq_worker_delivers_and_retries_a_451(
    smtp_sink, mail_settings, fast_policy, redis_url
):
    settings = mail_settings(smtp_url=smtp_sink.url, redis_url=redis_url)
    plain, grey = address("arq"), address("arq-grey")
    smtp_sink.answer(grey, "451 4.7.1 Greylisted", times=1)
    async with queue_lifespan(settings, policy=fast_policy) as forwarder:
        assert forwarder.mode == "arq"
        ids = [await enqueue_committed(plain), await enqueue_committed(grey, language="en")]
    # Leaving the lifespan flushed the forwarder: both jobs wait in Redis.
    assert await queued_jobs(redis_url) == 2
    assert [(await outbox_row(i))["status"] for i in ids] == ["queued", "queued"]
    worker = await run_burst_worker(settings, fast_policy, redis_url)
    assert worker.jobs_retried >= 1
    first, second = [await outbox_row(i) for i in ids]
    assert (first["status"], first["attempts"]) == ("sent", 1)
    assert (second["status"], second["attempts"]) == ("sent", 2)
    assert len(smtp_sink.received(first["message_id"])) == 1
    assert len(smtp_sink.received(second["message_id"])) == 1
    assert smtp_sink.received(second["message_id"])[0].message["Subject"].startswith("Your")


async def test_redis_down_at_commit_then_the_worker_sweep_sends_it(
    smtp_sink, mail_settings, fast_policy, redis_url
):
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    async with queue_lifespan(mail_settings(redis_url=dead_redis), policy=fast_policy) as fwd:
        row_id = await enqueue_committed(address("no-redis"))
        status = await fwd.status()
        assert status["mode"] == "arq" and status["ok"] is False and "redis" in status["error"]
    # The change is committed even though Redis did not answer; the row waits.
    assert (await outbox_row(row_id))["status"] == "queued"
    assert await queued_jobs(redis_url) == 0
    # A worker starts (Redis is up): its start-up sweep finds the row and sends it.
    settings = mail_settings(smtp_url=smtp_sink.url, redis_url=redis_url)
    await run_burst_worker(settings, fast_policy, redis_url)
    row = await outbox_row(row_id)
    assert row["status"] == "sent"
    assert len(smtp_sink.received(row["message_id"])) == 1


# -- `samling worker` as a real process ---------------------------------------------


def start_worker(samling_bin: Path, log: Path, **env: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(samling_bin), "worker"],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def worker_is_up(redis_url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    async def up() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"samling worker exited {proc.returncode}; see {log}")
        redis = redis_client(redis_url)
        try:
            return bool(await redis.exists(HEALTH_CHECK_KEY))
        finally:
            await redis.aclose()

    await eventually(up, within=60, what="samling worker start-up")


def stop(proc: subprocess.Popen[bytes], log: Path) -> None:
    """SIGTERM: arq cancels the jobs in flight and shuts down."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        tail = "\n".join(log.read_text().splitlines()[-40:])
        raise AssertionError(f"samling worker did not stop on SIGTERM:\n{tail}") from None


def check(samling_bin: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(samling_bin), "worker", "--check"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_worker_killed_mid_batch_loses_no_mail_and_resends_only_the_accepted(
    make_sink, mail_settings, redis_url, samling_bin, tmp_path
):
    sink = make_sink()
    sink.delay_s = 0.4  # every message waits at RCPT: many are in flight at any moment
    settings = mail_settings(smtp_url=sink.url, redis_url=redis_url)
    env = {"SAMLING_REDIS_URL": redis_url, "SAMLING_SMTP_URL": sink.url}
    n = 40
    async with queue_lifespan(settings):
        ids = [await enqueue_committed(address(f"batch{i}")) for i in range(n)]
    assert await queued_jobs(redis_url) == n

    log = tmp_path / "worker.log"
    first = start_worker(samling_bin, log, **env)

    async def mid_batch() -> bool:
        if len(sink.messages) < 5:
            return False
        sending = await OutboxMessage.count().where(
            OutboxMessage.id.is_in(ids) & (OutboxMessage.status == "sending")
        )
        return sending >= 5

    try:
        await eventually(mid_batch, within=60, what="a batch in flight")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    # Everything the dead worker's connections carried has been handled by the sink.
    await eventually(lambda: sink.open_connections == 0, what="the dead worker's connections")
    sink.phase = 2
    at_kill = {r["id"]: r for r in await OutboxMessage.select().where(OutboxMessage.id.is_in(ids))}
    in_flight = {i for i, r in at_kill.items() if r["status"] == "sending"}
    assert in_flight, "the kill should have caught messages in flight"

    waiting = {i for i, r in at_kill.items() if r["status"] == "queued"}
    assert waiting, "and some not yet started"
    # Time passes (a zero lease and grace stand for it): the sweep frees the rows the dead
    # worker held and dispatches the waiting ones again (including any whose arq job the
    # dead worker had started but not yet claimed).
    back = await sweep(MailPolicy(lease_s=0, grace_s=0))
    assert set(back) == in_flight | waiting
    redis = redis_client(redis_url)
    try:
        for outbox_id in back:
            await enqueue_send(redis, outbox_id)
    finally:
        await redis.aclose()

    second = start_worker(samling_bin, log, **env)
    try:
        await worker_is_up(redis_url, second, log)
        async with queue_lifespan(settings):
            status = await queue_status()
        assert status["mode"] == "arq" and status["worker"] is True and status["ok"] is True
        assert check(samling_bin, **env).returncode == 0

        async def all_sent() -> bool:
            rows = await OutboxMessage.select(OutboxMessage.status).where(
                OutboxMessage.id.is_in(ids)
            )
            return all(r["status"] == "sent" for r in rows)

        await eventually(all_sent, within=120, what=f"all mail sent; worker log: {log}")
    finally:
        stop(second, log)
    assert second.returncode == 0, log.read_text()

    rows = await OutboxMessage.select().where(OutboxMessage.id.is_in(ids))
    by_message = {r["message_id"]: r["id"] for r in rows}
    copies = Counter(m.message_id for m in sink.messages if m.message_id in by_message)
    assert set(copies) == set(by_message), "every mail arrived"
    for message_id, count in copies.items():
        phases = sorted(m.phase for m in sink.received(message_id))
        if count == 1:
            continue
        # Sent twice only when the server accepted it from the dead worker just before the
        # kill; the re-send carries the same Message-ID.
        assert phases == [1, 2], (message_id, phases)
        assert by_message[message_id] in in_flight
    # The health check fails once no worker is running.
    failed = check(samling_bin, **env)
    assert failed.returncode == 1
    assert failed.stderr.count("\n") == 1 and failed.stderr.startswith("samling: ")


def test_worker_needs_redis(samling_bin):
    env = {k: v for k, v in os.environ.items() if k != "SAMLING_REDIS_URL"}
    for args in (["worker"], ["worker", "--check"]):
        r = subprocess.run(
            [str(samling_bin), *args], env=env, capture_output=True, text=True, timeout=60
        )
        assert r.returncode == 1
        assert r.stderr.count("\n") == 1
        assert "SAMLING_REDIS_URL" in r.stderr


def test_worker_check_with_redis_unreachable(samling_bin):
    r = check(samling_bin, SAMLING_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "Redis" in r.stderr


def test_worker_settings_follow_the_arq_rules():
    assert WorkerSettings.health_check_interval <= 60
    assert WorkerSettings.queue_name == QUEUE_NAME
    (send,) = WorkerSettings.functions
    assert send.name == "send_mail" and (send.max_tries or 0) > MailPolicy().max_attempts
    (sweeper,) = [c for c in WorkerSettings.cron_jobs if c.name == "cron:sweep_outbox"]
    assert sweeper.run_at_startup and sweeper.job_id is None
    assert all(c.job_id is None for c in WorkerSettings.cron_jobs)
    assert WorkerSettings.job_completion_wait > 60  # a send in flight may finish
    assert sys.modules["tasks.worker"].MAX_JOBS == WorkerSettings.max_jobs
    assert replace(MailPolicy()).lease_s > 60  # outlasts one send
