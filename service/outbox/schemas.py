"""Wire shapes for the outbox administration API."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

OSLO = ZoneInfo("Europe/Oslo")


class OutboxItemOut(msgspec.Struct):
    id: str
    kind: str
    recipient: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> OutboxItemOut:
        def oslo(value: datetime | None) -> datetime | None:
            return value.astimezone(OSLO) if value is not None else None

        return cls(
            id=str(row["id"]),
            kind=row["kind"],
            recipient=row["recipient"],
            status=row["status"],
            attempts=int(row["attempts"]),
            last_error=row["last_error"],
            created_at=row["created_at"].astimezone(OSLO),
            updated_at=row["updated_at"].astimezone(OSLO),
            next_attempt_at=row["next_attempt_at"].astimezone(OSLO),
            sent_at=oslo(row["sent_at"]),
        )
