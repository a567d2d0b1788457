"""The job functions, shared by the arq worker and the in-process runner.

send_outbox_message() claims one outbox row, renders it, hands it to the transport and
records the outcome; it is idempotent (a row that is not claimable is skipped).
sweep() finds rows whose dispatch was lost. Neither knows which queue called it: the
caller turns `Outcome.retry_in` into arq's `Retry(defer=...)` or a timer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import structlog

from emails.render import RenderError, envelope_from, render
from emails.smtp import (
    EmlTransport,
    PermanentFailure,
    SmtpTransport,
    TemporaryFailure,
    Transport,
    make_transport,
)
from service.outbox import service as outbox
from service.settings import Settings

log = structlog.get_logger("samling.jobs")


@dataclass(frozen=True)
class MailPolicy:
    """Retries and the sweep. Backoff doubles from `backoff_base_s` up to the cap; the
    lease must outlast one send (the transport gives up after 60 s)."""

    max_attempts: int = 8
    backoff_base_s: float = 30.0
    backoff_cap_s: float = 3600.0
    lease_s: float = 300.0
    grace_s: float = 60.0
    sweep_every_s: float = 60.0

    def backoff(self, attempt: int) -> float:
        return float(min(self.backoff_base_s * 2 ** max(attempt - 1, 0), self.backoff_cap_s))


@dataclass
class Mailer:
    """What the send job needs: the settings (sender, base URL), a transport, a policy."""

    settings: Settings
    transport: Transport
    policy: MailPolicy = field(default_factory=MailPolicy)

    @classmethod
    def from_settings(
        cls, settings: Settings, *, max_connections: int = 1, policy: MailPolicy | None = None
    ) -> Mailer:
        transport: SmtpTransport | EmlTransport = make_transport(
            settings.smtp_url, settings.mail_dir, max_connections=max_connections
        )
        return cls(settings=settings, transport=transport, policy=policy or MailPolicy())


@dataclass(frozen=True)
class Outcome:
    """sent | retrying | failed | skipped (not ours) | not_due (run again in retry_in)."""

    status: str
    retry_in: float | None = None
    reason: str | None = None


async def _record(step: Callable[[], Awaitable[bool]], outbox_id: int) -> bool:
    """Write an outcome, riding out a short database hiccup: a mail that went out must
    not be sent again just because the UPDATE after it failed once."""
    for pause in (0.5, 1.0, 2.0):
        try:
            return await step()
        except Exception as exc:
            log.warning("outbox update failed; retrying", outbox_id=outbox_id, error=str(exc))
            await asyncio.sleep(pause)
    return await step()


async def send_outbox_message(outbox_id: int, mailer: Mailer) -> Outcome:
    """Deliver one outbox row at most once."""
    claimed = await outbox.claim(outbox_id)
    if claimed is None:
        wait = await outbox.due_in(outbox_id)
        if wait is None:
            return Outcome("skipped")
        return Outcome("not_due", retry_in=max(wait, 0.05))
    row_id, attempt = claimed.id, claimed.attempt
    settings, policy = mailer.settings, mailer.policy
    try:
        message = render(
            claimed.kind,
            claimed.language,
            claimed.context,
            recipient=claimed.recipient,
            message_id=claimed.message_id,
            mail_from=settings.mail_from,
            base_url=settings.base_url,
        )
    except RenderError as exc:
        reason = f"cannot render: {exc}"
        await _record(lambda: outbox.mark_failed(row_id, attempt, reason), row_id)
        log.error("mail failed", outbox_id=row_id, kind=claimed.kind, reason=reason)
        return Outcome("failed", reason=reason)
    try:
        await mailer.transport.send(
            message,
            sender=envelope_from(settings.mail_from),
            recipients=[claimed.recipient],
            outbox_id=row_id,
        )
    except PermanentFailure as exc:
        reason = exc.reason
        await _record(lambda: outbox.mark_failed(row_id, attempt, reason), row_id)
        log.warning("mail failed", outbox_id=row_id, kind=claimed.kind, reason=reason)
        return Outcome("failed", reason=reason)
    except TemporaryFailure as exc:
        reason = exc.reason
        if attempt >= policy.max_attempts:
            reason = f"{reason} (gave up after {attempt} attempts)"
            await _record(lambda: outbox.mark_failed(row_id, attempt, reason), row_id)
            log.warning("mail failed", outbox_id=row_id, kind=claimed.kind, reason=reason)
            return Outcome("failed", reason=reason)
        delay = policy.backoff(attempt)
        await _record(lambda: outbox.mark_retrying(row_id, attempt, reason, delay), row_id)
        log.info("mail deferred", outbox_id=row_id, attempt=attempt, retry_in=delay, reason=reason)
        return Outcome("retrying", retry_in=delay, reason=reason)
    await _record(lambda: outbox.mark_sent(row_id, attempt), row_id)
    log.info("mail sent", outbox_id=row_id, kind=claimed.kind, attempt=attempt)
    return Outcome("sent")


async def sweep(policy: MailPolicy) -> list[int]:
    """Ids to dispatch again: stale `sending` rows (back to retrying) and queued or
    retrying rows overdue by more than the grace period. Safe to run anywhere, any
    number of times: the claim decides who sends."""
    ids = await outbox.reclaim_stale(policy.lease_s, policy.max_attempts)
    ids += await outbox.overdue(policy.grace_s)
    if ids:
        log.info("outbox sweep", dispatched=len(ids))
    return sorted(set(ids))
