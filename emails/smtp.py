"""Transports: hand a rendered message to SMTP (aiosmtplib) or write it as an .eml file.

`SmtpTransport` keeps a few open connections and reuses them across messages (a
connection that fails is dropped and the next message opens a new one), wraps each
message in one overall `asyncio.timeout()` (aiosmtplib's own timeout is per socket
operation), and turns every failure into `TemporaryFailure` (4xx, timeouts, refused
or lost connections: try again later) or `PermanentFailure` (5xx, an address that can
never be sent to). `EmlTransport` writes each message atomically under a directory.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib
import structlog

log = structlog.get_logger("samling.mail")

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
SEND_TIMEOUT_S = 60.0  # one message, connect included
OPERATION_TIMEOUT_S = 30.0  # one SMTP command (aiosmtplib's timeout)
NOOP_AFTER_IDLE_S = 5.0  # check a connection that idled this long before reusing it
CLOSE_AFTER_IDLE_S = 30.0  # close_idle() drops connections idle longer than this


class DeliveryError(Exception):
    """Sending failed; `reason` is kept in the outbox row."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TemporaryFailure(DeliveryError):
    """Try again later: a 4xx reply, a timeout, a refused or lost connection."""


class PermanentFailure(DeliveryError):
    """Do not try again: a 5xx reply or an address that cannot be sent to."""


class Transport(Protocol):
    async def send(
        self, message: EmailMessage, *, sender: str, recipients: Sequence[str], outbox_id: int
    ) -> None: ...

    async def close_idle(self) -> None: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    use_tls: bool  # implicit TLS (smtps)
    start_tls: bool  # STARTTLS required (smtp+starttls)
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        """smtp://host:port (plain), smtp+starttls://user:pass@host:587,
        smtps://user:pass@host:465; user and password are URL-decoded."""
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"not an SMTP URL: {url!r}")
        return cls(
            host=parts.hostname,
            port=parts.port or DEFAULT_PORTS[parts.scheme],
            use_tls=parts.scheme == "smtps",
            start_tls=parts.scheme == "smtp+starttls",
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
        )

    def client(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            use_tls=self.use_tls,
            start_tls=self.start_tls,
            username=self.username,
            password=self.password,
            timeout=OPERATION_TIMEOUT_S,
        )


def _reply(code: int, message: str) -> str:
    return f"{code} {' '.join(message.split())}".strip()


def classify(exc: BaseException) -> DeliveryError:
    """Temporary or permanent, with a one-line reason."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        refused = exc.recipients
        reason = "; ".join(_reply(r.code, r.message) for r in refused) or "recipients refused"
        if refused and all(r.code >= 500 for r in refused):
            return PermanentFailure(f"recipient refused: {reason}")
        return TemporaryFailure(f"recipient refused: {reason}")
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        # The server's configuration, not this message: keep it for a later attempt.
        return TemporaryFailure(f"authentication failed: {_reply(exc.code, exc.message)}")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        reason = _reply(exc.code, exc.message)
        if 500 <= exc.code < 600:
            return PermanentFailure(reason)
        return TemporaryFailure(reason)
    if isinstance(exc, TimeoutError):
        return TemporaryFailure(f"timed out: {exc}" if str(exc) else "timed out")
    if isinstance(exc, ValueError):  # aiosmtplib: an address that cannot be sent safely
        return PermanentFailure(f"bad address: {exc}")
    if isinstance(exc, aiosmtplib.SMTPException | OSError):
        return TemporaryFailure(f"{type(exc).__name__}: {exc}")
    return TemporaryFailure(f"unexpected {type(exc).__name__}: {exc}")


class SmtpTransport:
    """Up to `max_connections` SMTP connections, reused while messages keep coming."""

    def __init__(
        self,
        config: SmtpConfig,
        *,
        max_connections: int = 1,
        send_timeout_s: float = SEND_TIMEOUT_S,
    ) -> None:
        self.config = config
        self.send_timeout_s = send_timeout_s
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []

    async def _connection(self) -> aiosmtplib.SMTP:
        while self._idle:
            client, since = self._idle.pop()
            if not client.is_connected:
                continue
            if time.monotonic() - since < NOOP_AFTER_IDLE_S:
                return client
            try:
                await client.noop()
                return client
            except Exception:
                _drop(client)
        client = self.config.client()
        await client.connect()
        return client

    async def send(
        self, message: EmailMessage, *, sender: str, recipients: Sequence[str], outbox_id: int
    ) -> None:
        async with self._slots:
            client: aiosmtplib.SMTP | None = None
            try:
                async with asyncio.timeout(self.send_timeout_s):
                    client = await self._connection()
                    await client.send_message(message, sender=sender, recipients=recipients)
            except BaseException as exc:
                if client is not None:
                    _drop(client)
                if isinstance(exc, Exception):
                    raise classify(exc) from exc
                raise  # cancelled: the row's lease brings it back
            self._idle.append((client, time.monotonic()))

    async def close_idle(self, older_than_s: float = CLOSE_AFTER_IDLE_S) -> None:
        """Politely close connections nobody used for a while."""
        now = time.monotonic()
        keep = [(c, t) for c, t in self._idle if now - t < older_than_s]
        stale = [c for c, t in self._idle if now - t >= older_than_s]
        self._idle = keep
        for client in stale:
            await _quit(client)

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for client, _ in idle:
            await _quit(client)


def _drop(client: aiosmtplib.SMTP) -> None:
    try:
        client.close()
    except Exception as exc:  # closing a broken connection must not hide the real error
        log.debug("smtp close failed", error=str(exc))


async def _quit(client: aiosmtplib.SMTP) -> None:
    try:
        async with asyncio.timeout(5):
            await client.quit()
    except Exception:
        _drop(client)


class EmlTransport:
    """Each message becomes `<UTC time>-<outbox id>.eml` in `directory` (written to a
    temporary file first, then renamed, so a reader never sees half a message)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(
        self, message: EmailMessage, *, sender: str, recipients: Sequence[str], outbox_id: int
    ) -> None:
        data = message.as_bytes()
        try:
            await asyncio.to_thread(self._write, data, outbox_id)
        except OSError as exc:
            raise TemporaryFailure(f"cannot write the .eml file: {exc}") from exc

    def _write(self, data: bytes, outbox_id: int) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        target = self.directory / f"{stamp}-{outbox_id:08d}.eml"
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".eml")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    async def close_idle(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


def make_transport(
    smtp_url: str | None, mail_dir: Path, *, max_connections: int = 1
) -> SmtpTransport | EmlTransport:
    """SMTP when SAMLING_SMTP_URL is set, else .eml files under `mail_dir`."""
    if smtp_url:
        return SmtpTransport(SmtpConfig.from_url(smtp_url), max_connections=max_connections)
    return EmlTransport(mail_dir)
