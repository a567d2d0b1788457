"""Hands outbox rows to the queue: arq when SAMLING_REDIS_URL is set, else in-process.

`queue_lifespan(settings)` starts the dispatcher for a process (the web app's
lifespan): with Redis, a forwarder that enqueues `send_mail` jobs for the arq workers
(`samling worker`); without, an `InProcessRunner`, an asyncio task that drains a local
queue through the same job function and sweeps for lost rows every minute.
`dispatch_mail()` never raises: a row whose dispatch fails stays in the database and
the next sweep picks it up. `queue_status()` reports the mode and health for /ready.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType
from typing import Any, Protocol

import structlog
from arq.connections import ArqRedis

from service.settings import Settings, load_settings
from tasks.jobs import Mailer, MailPolicy, send_outbox_message, sweep

log = structlog.get_logger("samling.queue")

QUEUE_NAME = "samling:queue"
HEALTH_CHECK_KEY = QUEUE_NAME + ":health-check"
SEND_JOB = "send_mail"
REDIS_TIMEOUT_S = 5.0
STOP_TIMEOUT_S = 65.0  # let a message in flight finish (the transport gives up at 60 s)


class Dispatcher(Protocol):
    mode: str

    def submit(self, outbox_id: int) -> None: ...

    async def status(self) -> dict[str, Any]: ...


_active: list[Dispatcher] = []


def redis_client(url: str) -> ArqRedis:
    """An arq client that connects lazily and gives up quickly when Redis is down."""
    client = ArqRedis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S
    )
    client.default_queue_name = QUEUE_NAME
    return client


async def enqueue_send(redis: ArqRedis, outbox_id: int) -> None:
    # No _job_id: a fixed id would block enqueueing the same row again later.
    await redis.enqueue_job(SEND_JOB, outbox_id, _queue_name=QUEUE_NAME)


class InProcessRunner:
    """Sends in this process, one message at a time over one reused connection."""

    mode = "in-process"

    def __init__(self, mailer: Mailer) -> None:
        self.mailer = mailer
        self.policy: MailPolicy = mailer.policy
        self._queue: asyncio.Queue[int | None] = asyncio.Queue()
        self._pending: set[int] = set()
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    def submit(self, outbox_id: int) -> None:
        if self._stopping or outbox_id in self._pending:
            return
        self._pending.add(outbox_id)
        self._queue.put_nowait(outbox_id)

    def submit_later(self, outbox_id: int, delay_s: float) -> None:
        old = self._timers.pop(outbox_id, None)
        if old is not None:
            old.cancel()
        loop = asyncio.get_running_loop()
        self._timers[outbox_id] = loop.call_later(delay_s, self._fire, outbox_id)

    def _fire(self, outbox_id: int) -> None:
        self._timers.pop(outbox_id, None)
        self.submit(outbox_id)

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._drain(), name="samling-mail-drain"),
            asyncio.create_task(self._sweep_loop(), name="samling-mail-sweep"),
        ]

    async def _drain(self) -> None:
        from emails.smtp import CLOSE_AFTER_IDLE_S

        while not self._stopping:
            try:
                outbox_id = await asyncio.wait_for(self._queue.get(), CLOSE_AFTER_IDLE_S)
            except TimeoutError:
                await self.mailer.transport.close_idle()
                continue
            if outbox_id is None:
                break
            self._pending.discard(outbox_id)
            try:
                outcome = await send_outbox_message(outbox_id, self.mailer)
            except Exception as exc:  # the database, most likely: the sweep retries it
                log.warning("send job failed", outbox_id=outbox_id, error=repr(exc))
                continue
            if outcome.retry_in is not None and not self._stopping:
                self.submit_later(outbox_id, outcome.retry_in)

    async def _sweep_loop(self) -> None:
        while True:
            try:
                for outbox_id in await sweep(self.policy):
                    self.submit(outbox_id)
            except Exception as exc:
                log.warning("outbox sweep failed", error=repr(exc))
            await asyncio.sleep(self.policy.sweep_every_s)

    async def stop(self) -> None:
        """Finish the message in flight; leave the rest queued in the database."""
        self._stopping = True
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self._queue.put_nowait(None)
        drain, sweeper = self._tasks or (None, None)
        if sweeper is not None:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
        if drain is not None:
            try:
                await asyncio.wait_for(drain, STOP_TIMEOUT_S)
            except (TimeoutError, asyncio.CancelledError):
                log.warning("mail runner stopped mid-send; the sweep will resend")
        await self.mailer.transport.aclose()

    async def status(self) -> dict[str, Any]:
        running = bool(self._tasks) and not any(t.done() for t in self._tasks)
        return {"mode": self.mode, "ok": running, "backlog": self._queue.qsize()}


class ArqForwarder:
    """Passes row ids to Redis from a background task, so a request never waits on
    Redis; if Redis does not answer, the row waits for the workers' sweep."""

    mode = "arq"

    def __init__(self, redis: ArqRedis, *, owns_client: bool = True) -> None:
        self.redis = redis
        self._owns_client = owns_client
        self._queue: asyncio.Queue[int | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def submit(self, outbox_id: int) -> None:
        self._queue.put_nowait(outbox_id)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._forward(), name="samling-mail-forward")

    async def _forward(self) -> None:
        while True:
            outbox_id = await self._queue.get()
            if outbox_id is None:
                return
            try:
                async with asyncio.timeout(REDIS_TIMEOUT_S * 2):
                    await enqueue_send(self.redis, outbox_id)
            except Exception as exc:
                log.warning(
                    "cannot enqueue mail; the sweep will", outbox_id=outbox_id, error=repr(exc)
                )

    async def stop(self) -> None:
        self._queue.put_nowait(None)
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, REDIS_TIMEOUT_S * 3)
            except (TimeoutError, asyncio.CancelledError):
                log.warning("mail forwarder stopped with ids left; the sweep will send them")
        if self._owns_client:
            await self.redis.aclose()

    async def status(self) -> dict[str, Any]:
        try:
            async with asyncio.timeout(REDIS_TIMEOUT_S):
                worker = await self.redis.exists(HEALTH_CHECK_KEY)
                backlog = await self.redis.zcard(QUEUE_NAME)
        except Exception as exc:
            return {"mode": self.mode, "ok": False, "error": f"redis: {type(exc).__name__}"}
        return {"mode": self.mode, "ok": bool(worker), "worker": bool(worker), "backlog": backlog}


def install(dispatcher: Dispatcher) -> None:
    """Make `dispatcher` the one dispatch_mail() uses (the newest wins)."""
    _active.append(dispatcher)


def uninstall(dispatcher: Dispatcher) -> None:
    if dispatcher in _active:
        _active.remove(dispatcher)


class queue_lifespan:  # lower case: used like a function, lifespan=[queue_lifespan(s)]
    """The process's dispatcher, as an async context manager (an app lifespan item)."""

    def __init__(
        self,
        settings: Settings,
        *,
        policy: MailPolicy | None = None,
        mailer: Mailer | None = None,
    ) -> None:
        self.settings = settings
        self.policy = policy
        self.mailer = mailer
        self.dispatcher: InProcessRunner | ArqForwarder | None = None

    async def __aenter__(self) -> InProcessRunner | ArqForwarder:
        dispatcher: InProcessRunner | ArqForwarder
        if self.settings.redis_url:
            dispatcher = ArqForwarder(redis_client(self.settings.redis_url))
        else:
            mailer = self.mailer or Mailer.from_settings(self.settings, policy=self.policy)
            dispatcher = InProcessRunner(mailer)
        await dispatcher.start()
        install(dispatcher)
        self.dispatcher = dispatcher
        return dispatcher

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        dispatcher, self.dispatcher = self.dispatcher, None
        if dispatcher is not None:
            uninstall(dispatcher)
            await dispatcher.stop()


async def dispatch_mail(outbox_id: int) -> None:
    """Hand a committed outbox row to this process's queue. Without one (a CLI
    command), enqueue it in Redis directly, or send it at once when there is no Redis."""
    try:
        if _active:
            _active[-1].submit(outbox_id)
            return
        settings = load_settings()
        if settings.redis_url:
            redis = redis_client(settings.redis_url)
            try:
                async with asyncio.timeout(REDIS_TIMEOUT_S * 2):
                    await enqueue_send(redis, outbox_id)
            finally:
                await redis.aclose()
            return
        mailer = Mailer.from_settings(settings)
        try:
            await send_outbox_message(outbox_id, mailer)
        finally:
            await mailer.transport.aclose()
    except Exception as exc:
        log.warning("mail not dispatched; the sweep will", outbox_id=outbox_id, error=repr(exc))


async def queue_status() -> dict[str, Any]:
    """{"mode": "in-process"|"arq"|"none", "ok": bool, ...}: for arq, `worker` says
    whether a worker's health-check key is in Redis, `backlog` the jobs waiting."""
    if not _active:
        return {"mode": "none", "ok": False}
    return await _active[-1].status()
