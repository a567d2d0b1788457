"""The append-only audit log: who changed what, before and after."""

from __future__ import annotations

from typing import Any

from service.db.tables import AuditEvent


async def record(
    actor: str,
    action: str,
    object_type: str,
    object_id: str | int,
    before: Any = None,
    after: Any = None,
    request_id: str | None = None,
) -> None:
    """Write one audit event; call it inside the change's atomic() block."""
    await AuditEvent.insert(
        AuditEvent(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            before=before,
            after=after,
            request_id=request_id,
        )
    )
