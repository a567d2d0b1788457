"""Pytest plugin for the mail pipeline: a real SMTP sink, a real Redis, helpers.

`smtp_sink` is an aiosmtpd server on a free loopback port (in its own thread), with a
programmable handler: accept, answer 4xx/5xx a number of times for a recipient, slow
down. `redis_url` is a dedicated Redis database, flushed before and after each test.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import re
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from typing import Any, TypeVar

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

REDIS_TEST_URL = os.environ.get("SAMLING_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    """One message the sink accepted (it answered 250 to DATA)."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    phase: int
    at: float

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"]).strip()


@dataclass
class _Rule:
    stage: str  # "RCPT" or "DATA"
    reply: str
    times: int | None  # None: always


@dataclass
class Sink:
    """The SMTP server tests send to; see `answer()`, `messages`, `wait_for()`."""

    port: int
    delay_s: float = 0.0  # pause before answering RCPT (a slow server)
    phase: int = 1  # stamped on each message; tests bump it between stages
    messages: list[Received] = field(default_factory=list)
    connections_opened: int = 0
    open_connections: int = 0
    _rules: dict[str, deque[_Rule]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def answer(
        self, recipient: str, reply: str, times: int | None = None, stage: str = "RCPT"
    ) -> None:
        """Answer `reply` (e.g. "451 4.7.1 try later") to `recipient`, `times` times
        (None: always), at RCPT or DATA; after that, accept."""
        with self._lock:
            self._rules.setdefault(recipient.lower(), deque()).append(_Rule(stage, reply, times))

    def _reply(self, recipients: list[str], stage: str) -> str | None:
        with self._lock:
            for rcpt in recipients:
                rules = self._rules.get(rcpt.lower())
                if not rules or rules[0].stage != stage:
                    continue
                rule = rules[0]
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        rules.popleft()
                return rule.reply
        return None

    def received(self, message_id: str) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if m.message_id == message_id]

    def to(self, recipient: str) -> list[Received]:
        with self._lock:
            wanted = recipient.lower()
            return [m for m in self.messages if wanted in (r.lower() for r in m.rcpt_tos)]

    async def wait_for(self, predicate: Callable[[Sink], bool], within: float = 30.0) -> None:
        await eventually(lambda: predicate(self), within=within, what="the SMTP sink")

    # -- server side (runs on the controller's thread) --------------------------------

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        reply = self._reply([address], "RCPT")
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = self._reply(list(envelope.rcpt_tos), "DATA")
        if reply is not None:
            return reply
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        with self._lock:
            self.messages.append(
                Received(
                    mail_from=str(envelope.mail_from),
                    rcpt_tos=list(envelope.rcpt_tos),
                    raw=raw,
                    phase=self.phase,
                    at=time.monotonic(),
                )
            )
        return "250 2.0.0 OK: queued"

    def _opened(self) -> None:
        with self._lock:
            self.connections_opened += 1
            self.open_connections += 1

    def _closed(self) -> None:
        with self._lock:
            self.open_connections -= 1

    # -- life cycle --------------------------------------------------------------------

    def start(self) -> None:
        controller = _Controller(self, self, hostname="127.0.0.1", port=self.port)
        controller.start()
        self._controller = controller
        # The controller's own start-up probe counts as a connection; forget it.
        deadline = time.monotonic() + 10
        while self.open_connections and time.monotonic() < deadline:
            time.sleep(0.01)
        with self._lock:
            self.connections_opened = 0

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
            with self._lock:
                self.open_connections = 0


class _TrackingSMTP(SMTP):
    def __init__(self, handler: Any, sink: Sink, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._sink = sink

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._sink._opened()
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        try:
            super().connection_lost(error)
        finally:
            self._sink._closed()


class _Controller(Controller):
    def __init__(self, sink: Sink, *args: Any, **kwargs: Any) -> None:
        self.sink = sink
        super().__init__(*args, **kwargs)

    def factory(self) -> SMTP:
        return _TrackingSMTP(self.handler, self.sink, **self.SMTP_kwargs)


async def eventually(
    check: Callable[[], T | Awaitable[T]], within: float = 30.0, what: str = "condition"
) -> T:
    """Poll `check` until it returns something truthy; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
            result = await result
        if result:
            return result  # type: ignore[return-value]
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {within} s")
        await asyncio.sleep(0.05)


@pytest.fixture
def make_sink() -> Iterator[Callable[..., Sink]]:
    """make_sink(port=None, start=True): more sinks, or one started later on a port."""
    sinks: list[Sink] = []

    def make(port: int | None = None, start: bool = True) -> Sink:
        sink = Sink(port=port or free_port())
        if start:
            sink.start()
        sinks.append(sink)
        return sink

    yield make
    for sink in sinks:
        sink.stop()


@pytest.fixture
def smtp_sink(make_sink: Callable[..., Sink]) -> Sink:
    return make_sink()


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """A dedicated Redis database (13 unless SAMLING_TEST_REDIS_URL says otherwise),
    empty at the start and flushed at the end. Redis must be running."""
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=5)
    try:
        await client.flushdb()
    except Exception as exc:
        await client.aclose()
        pytest.fail(f"Redis is required at {REDIS_TEST_URL}: {exc}")
    yield REDIS_TEST_URL
    await client.flushdb()
    await client.aclose()


@pytest.fixture
def mail_settings(migrated: None) -> Callable[..., Any]:
    """mail_settings(smtp_url=..., redis_url=...): the run's settings with these."""
    from service.settings import load_settings

    def make(**overrides: Any) -> Any:
        base = replace(load_settings(), redis_url=None, smtp_url=None)
        return replace(base, **overrides)

    return make


@pytest.fixture
def fast_policy() -> Any:
    """Retries in tens of milliseconds, a sweep that only runs when a test calls it."""
    from tasks.jobs import MailPolicy

    return MailPolicy(
        max_attempts=8,
        backoff_base_s=0.05,
        backoff_cap_s=0.2,
        lease_s=300,
        grace_s=0,
        sweep_every_s=3600,
    )


class HeldDispatch:
    """A dispatcher that only notes the ids it is handed (nothing is sent)."""

    mode = "held"

    def __init__(self) -> None:
        self.ids: list[int] = []

    def submit(self, outbox_id: int) -> None:
        self.ids.append(outbox_id)

    async def status(self) -> dict[str, Any]:
        return {"mode": self.mode, "ok": True}


@pytest.fixture
def held_dispatch() -> Iterator[HeldDispatch]:
    """While it is active, committed mails stay queued: the test decides who sends."""
    from tasks.queue import install, uninstall

    held = HeldDispatch()
    install(held)
    yield held
    uninstall(held)


async def enqueue_committed(
    recipient: str,
    kind: str = "login_link",
    language: str = "nb",
    context: dict[str, Any] | None = None,
) -> int:
    """Queue one mail in its own committed transaction; returns the outbox id."""
    from service.db.tx import atomic
    from service.outbox.service import enqueue_mail

    ctx = context or {"name": "Kari Nordmann", "url": "https://example.test/l/abc", "minutes": 15}
    async with atomic():
        row_id = await enqueue_mail(kind, recipient, language, ctx)
    assert row_id is not None
    return row_id


async def outbox_row(outbox_id: int) -> dict[str, Any]:
    from service.db.tables import OutboxMessage

    row = await OutboxMessage.select().where(OutboxMessage.id == outbox_id).first()
    assert row is not None, f"no outbox row {outbox_id}"
    return dict(row)


async def wait_status(outbox_id: int, *statuses: str, within: float = 30.0) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        row = await outbox_row(outbox_id)
        return row if row["status"] in statuses else None

    return await eventually(check, within=within, what=f"outbox {outbox_id} -> {statuses}")


def mail_link(mail: dict[str, Any]) -> str:
    """The link in a login/sign-up mail (an outbox row). Once delivered, a one-time link
    is blanked in the outbox, so it is then read from the delivered .eml file."""
    url = mail["context"]["url"]
    return delivered_link(mail["id"]) if url == "(sent)" else url


def delivered_link(outbox_id: int) -> str:
    from service.settings import load_settings

    files = list(load_settings().mail_dir.glob(f"[0-9]*-{outbox_id:08d}.eml"))
    assert len(files) == 1, f"outbox {outbox_id} was marked sent but left no .eml file"
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = re.search(r"https?://\S+/(?:auth|signup)\S*", body.get_content())
    assert found, f"no link in the delivered mail {files[0].name}"
    return found.group(0)


SESSION_COOKIE = "samling_session"


def link_path(link: str) -> str:
    """The path and query of a mailed link, to open it against the test app."""
    from urllib.parse import urlsplit

    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def sign_in_form(page_html: str) -> dict[str, str]:
    """The hidden fields of the one form on a link's page (POST /auth/login)."""
    from html import unescape

    forms = re.findall(r'<form method="post" action="/auth/login">(.*?)</form>', page_html, re.S)
    assert len(forms) == 1, "the link's page has not one sign-in form"
    fields = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', forms[0])
    return {name: unescape(value) for name, value in fields}


async def open_link(browser: Any, link: str) -> Any:
    """Open a mailed link as a mail scanner or a person does (GET): the page it shows.
    Asserts that opening it signed nobody in."""
    page = await browser.get(link_path(link))
    cookies = [c for c in page.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)]
    assert not cookies, f"opening the link set a session cookie: {cookies}"
    return page


async def follow_link(browser: Any, link: str) -> Any:
    """Follow a mailed login or sign-up link the way a person does: open it (which must
    not sign in nor spend it), then press the page's one button (POST /auth/login).
    Returns the POST's answer (303 on success), or the page when it showed no button."""
    page = await open_link(browser, link)
    if page.status_code != 200:
        return page
    return await browser.post("/auth/login", data=sign_in_form(page.text))
