"""The persistent mail outbox: enqueue_mail() writes a row in the caller's transaction."""

from __future__ import annotations

import uuid
from email.utils import make_msgid
from typing import Any

from service.db.tables import OutboxMessage
from service.db.tx import after_commit


def _message_id(domain: str) -> str:
    return make_msgid(idstring=uuid.uuid4().hex[:12], domain=domain)


async def enqueue_mail(
    kind: str,
    recipient: str,
    language: str,
    context: dict[str, Any],
    idempotency_key: str | None = None,
    domain: str = "samling.local",
) -> int | None:
    """Queue one mail; must run inside atomic(). Returns the row id, or None when a
    row with the same idempotency key already exists (the mail is sent once)."""
    key = idempotency_key or f"{kind}:{uuid.uuid4().hex}"
    existing = await OutboxMessage.select(OutboxMessage.id).where(
        OutboxMessage.idempotency_key == key
    )
    if existing:
        return None
    rows = await OutboxMessage.insert(
        OutboxMessage(
            kind=kind,
            recipient=recipient,
            language=language,
            context=context,
            idempotency_key=key,
            message_id=_message_id(domain),
        )
    )
    row_id = int(rows[0]["id"])

    async def dispatch() -> None:
        from tasks.queue import dispatch_mail

        await dispatch_mail(row_id)

    after_commit(dispatch)
    return row_id
