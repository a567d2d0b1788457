"""The persistent mail outbox and its state machine.

enqueue_mail() writes a row in the caller's transaction and hands it to the queue once
that transaction has committed (a rolled-back change sends nothing). The send job moves
a row through these states, each step one guarded UPDATE so that a row is delivered at
most once however often a job for it runs:

    queued ──claim──> sending ──> sent
    retrying ─claim─┘   ├──> retrying   (temporary failure; next_attempt_at = backoff)
                        └──> failed     (permanent failure, or out of attempts)
    failed ──admin retry──> queued

`attempts` counts claims and fences the finishing UPDATE: a job whose lease expired
(the sweep handed its row to another job) cannot overwrite the newer outcome.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from service.db.tables import OutboxMessage
from service.db.tx import after_commit, atomic
from service.lib.audit import record
from service.lib.errors import BadInput, Conflict, NotFound

STATUSES = ("queued", "sending", "sent", "retrying", "failed")
CLAIMABLE = ("queued", "retrying")
CLAIM_SLACK = timedelta(seconds=1)  # a job may start a little before its row is due
M = OutboxMessage


def now() -> datetime:
    return datetime.now(UTC)


def _sender_domain() -> str:
    """Message-IDs carry the sender's domain (SAMLING_MAIL_FROM), as mail clients expect."""
    from email.utils import parseaddr

    from service.settings import current_settings

    domain = parseaddr(current_settings().mail_from)[1].rpartition("@")[2]
    return domain or "samling.local"


def _message_id(domain: str) -> str:
    # 128 random bits; short enough that the header is never folded.
    return f"<{uuid.uuid4().hex}@{domain}>"


def _dispatch_after_commit(row_id: int) -> None:
    async def dispatch() -> None:
        from tasks.queue import dispatch_mail

        await dispatch_mail(row_id)

    after_commit(dispatch)


async def enqueue_mail(
    kind: str,
    recipient: str,
    language: str,
    context: dict[str, Any],
    idempotency_key: str | None = None,
    domain: str | None = None,
) -> int | None:
    """Queue one mail; must run inside atomic(). Returns the row id, or None when a
    row with the same idempotency key already exists (the mail is sent once)."""
    key = idempotency_key or f"{kind}:{uuid.uuid4().hex}"
    existing = await M.select(M.id).where(M.idempotency_key == key)
    if existing:
        return None
    rows = await M.insert(
        M(
            kind=kind,
            recipient=recipient,
            language=language,
            context=context,
            idempotency_key=key,
            message_id=_message_id(domain or _sender_domain()),
        )
    )
    row_id = int(rows[0]["id"])
    _dispatch_after_commit(row_id)
    return row_id


# -- the send job's steps ------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """A row this job now owns (status sending) for attempt number `attempt`."""

    id: int
    kind: str
    recipient: str
    language: str
    context: dict[str, Any]
    message_id: str
    attempt: int


def _context(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = json.loads(value or "{}")
    return dict(value or {})


async def claim(outbox_id: int) -> Claimed | None:
    """queued/retrying (and due) -> sending, attempts + 1. None: not ours to send."""
    at = now()
    async with atomic():
        rows = await (
            M.update({M.status: "sending", M.attempts: M.attempts + 1, M.updated_at: at})
            .where(
                (M.id == outbox_id)
                & M.status.is_in(list(CLAIMABLE))
                & (M.next_attempt_at <= at + CLAIM_SLACK)
            )
            .returning(M.id, M.kind, M.recipient, M.language, M.context, M.message_id, M.attempts)
        )
    if not rows:
        return None
    row = rows[0]
    return Claimed(
        id=int(row["id"]),
        kind=row["kind"],
        recipient=row["recipient"],
        language=row["language"],
        context=_context(row["context"]),
        message_id=row["message_id"],
        attempt=int(row["attempts"]),
    )


async def due_in(outbox_id: int) -> float | None:
    """Seconds until a claimable row is due; None when it is not waiting (sent,
    failed, being sent, unknown)."""
    row = (
        await M.select(M.status, M.next_attempt_at)
        .where((M.id == outbox_id) & M.status.is_in(list(CLAIMABLE)))
        .first()
    )
    if row is None:
        return None
    return max((row["next_attempt_at"] - now()).total_seconds(), 0.0)


async def _finish(outbox_id: int, attempt: int, values: dict[Any, Any]) -> bool:
    values[M.updated_at] = now()
    async with atomic():
        rows = await (
            M.update(values)
            .where((M.id == outbox_id) & (M.status == "sending") & (M.attempts == attempt))
            .returning(M.id)
        )
    return bool(rows)


SECRET_LINK_KINDS = ("login_link", "signup_confirm", "campaign_letter")


async def mark_sent(outbox_id: int, attempt: int) -> bool:
    """Sent, in one transaction with blanking a delivered one-time link (it need not stay
    readable in the database): nobody sees a sent row that still holds the link."""
    async with atomic():
        done = await _finish(
            outbox_id, attempt, {M.status: "sent", M.sent_at: now(), M.last_error: None}
        )
        if done:
            row = await M.select(M.kind, M.context).where(M.id == outbox_id).first()
            if row is not None and row["kind"] in SECRET_LINK_KINDS:
                context = {**_context(row["context"]), "url": "(sent)"}
                await M.update({M.context: context}).where(M.id == outbox_id)
    return done


async def mark_retrying(outbox_id: int, attempt: int, reason: str, delay_s: float) -> bool:
    return await _finish(
        outbox_id,
        attempt,
        {
            M.status: "retrying",
            M.last_error: reason,
            M.next_attempt_at: now() + timedelta(seconds=delay_s),
        },
    )


async def mark_failed(outbox_id: int, attempt: int, reason: str) -> bool:
    return await _finish(outbox_id, attempt, {M.status: "failed", M.last_error: reason})


# -- the sweep -----------------------------------------------------------------------


async def reclaim_stale(lease_s: float, max_attempts: int) -> list[int]:
    """Rows left `sending` longer than the lease (the sender died or hung): back to
    retrying, or failed when out of attempts. Returns the ids to dispatch again."""
    at = now()
    stale = (M.status == "sending") & (M.updated_at < at - timedelta(seconds=lease_s))
    async with atomic():
        await M.update(
            {
                M.status: "failed",
                M.last_error: f"the sender stopped answering; gave up after {max_attempts} "
                "attempts",
                M.updated_at: at,
            }
        ).where(stale & (M.attempts >= max_attempts))
        rows = await (
            M.update(
                {
                    M.status: "retrying",
                    M.last_error: "the sender stopped before finishing (lease expired)",
                    M.next_attempt_at: at,
                    M.updated_at: at,
                }
            )
            .where(stale)
            .returning(M.id)
        )
    return [int(r["id"]) for r in rows]


async def overdue(grace_s: float, limit: int = 500) -> list[int]:
    """queued/retrying rows due for longer than `grace_s` (their dispatch was lost:
    Redis was down, the process died). Their next_attempt_at is set to now, so another
    sweep within the grace period leaves them alone."""
    at = now()
    waiting = M.status.is_in(list(CLAIMABLE)) & (
        M.next_attempt_at <= at - timedelta(seconds=grace_s)
    )
    async with atomic():
        ids = [
            int(r["id"])
            for r in await M.select(M.id).where(waiting).order_by(M.next_attempt_at).limit(limit)
        ]
        if not ids:
            return []
        rows = await (
            M.update({M.next_attempt_at: at}).where(waiting & M.id.is_in(ids)).returning(M.id)
        )
    return sorted(int(r["id"]) for r in rows)


# -- administration ------------------------------------------------------------------

LIST_COLUMNS = (
    M.id,
    M.kind,
    M.recipient,
    M.status,
    M.attempts,
    M.last_error,
    M.created_at,
    M.updated_at,
    M.next_attempt_at,
    M.sent_at,
)


async def list_messages(status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Newest first, optionally only one status."""
    if status is not None and status not in STATUSES:
        raise BadInput(
            "status must be one of {statuses}",
            field="status",
            params={"statuses": ", ".join(STATUSES)},
        )
    query = M.select(*LIST_COLUMNS).order_by(M.id, ascending=False).limit(max(1, min(limit, 500)))
    if status is not None:
        query = query.where(M.status == status)
    return list(await query)


async def get_message(outbox_id: int) -> dict[str, Any]:
    row = await M.select(*LIST_COLUMNS).where(M.id == outbox_id).first()
    if row is None:
        raise NotFound("No outbox message {id}", params={"id": outbox_id})
    return dict(row)


async def retry_failed(outbox_id: int, actor: str, request_id: str | None = None) -> dict[str, Any]:
    """failed -> queued with a fresh set of attempts, dispatched again after commit."""
    at = now()
    async with atomic():
        before = await M.select(M.status, M.last_error, M.attempts).where(M.id == outbox_id).first()
        if before is None:
            raise NotFound("No outbox message {id}", params={"id": outbox_id})
        rows = await (
            M.update({M.status: "queued", M.attempts: 0, M.next_attempt_at: at, M.updated_at: at})
            .where((M.id == outbox_id) & (M.status == "failed"))
            .returning(M.id)
        )
        if not rows:
            raise Conflict(
                "Outbox message {id} is {status}; only failed messages can be retried",
                params={"id": outbox_id, "status": before["status"]},
                outbox_status=before["status"],
            )
        await record(
            actor,
            "outbox.retry",
            "outbox_message",
            outbox_id,
            before=dict(before),
            after={"status": "queued"},
            request_id=request_id,
        )
        _dispatch_after_commit(outbox_id)
    return await get_message(outbox_id)


async def status_counts() -> dict[str, int]:
    """How many messages are in each state (the admin's overview)."""
    counts = dict.fromkeys(STATUSES, 0)
    for status in STATUSES:
        counts[status] = int(await M.count().where(M.status == status))
    return counts


async def send_now(outbox_id: int, actor: str, request_id: str | None = None) -> dict[str, Any]:
    """retrying -> due at once (its attempts so far kept), dispatched again after commit:
    for an administrator who has fixed what stopped it and will not wait for the backoff."""
    at = now()
    async with atomic():
        before = (
            await M.select(M.status, M.next_attempt_at, M.attempts).where(M.id == outbox_id).first()
        )
        if before is None:
            raise NotFound("No outbox message {id}", params={"id": outbox_id})
        rows = await (
            M.update({M.next_attempt_at: at, M.updated_at: at})
            .where((M.id == outbox_id) & (M.status == "retrying"))
            .returning(M.id)
        )
        if not rows:
            raise Conflict(
                "Outbox message {id} is {status}; only one waiting to be tried again is sent now",
                params={"id": outbox_id, "status": before["status"]},
                outbox_status=before["status"],
            )
        await record(
            actor,
            "outbox.send_now",
            "outbox_message",
            outbox_id,
            before={"status": "retrying", "next_attempt_at": before["next_attempt_at"].isoformat()},
            after={"next_attempt_at": at.isoformat()},
            request_id=request_id,
        )
        _dispatch_after_commit(outbox_id)
    return await get_message(outbox_id)
