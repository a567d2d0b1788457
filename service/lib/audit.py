"""The append-only audit log: who changed what, before and after; and reading it back,
filtered and a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.db.tables import AuditEvent
from service.db.tx import is_sqlite

OSLO = ZoneInfo("Europe/Oslo")


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


# --- reading the log (the admin's audit pages and GET /api/v1/admin/audit) ---------------


@dataclass(frozen=True)
class AuditFilter:
    """What to look for; empty fields match everything. Dates are Oslo calendar days."""

    object_type: str = ""
    object_id: str = ""
    actor: str = ""  # a part of the actor's address (or name of the tool)
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    before: Any
    after: Any
    request_id: str | None


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditRow]
    older: int | None  # `before=` for the next page (older events), None at the end
    newer: int | None  # `after=` for the previous page (newer events), None at the start


def _oslo_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=OSLO).astimezone(UTC)


def _where(f: AuditFilter) -> list[Any]:
    conditions: list[Any] = []
    if f.object_type:
        conditions.append(AuditEvent.object_type == f.object_type)
    if f.object_id:
        conditions.append(AuditEvent.object_id == f.object_id)
    if f.actor:
        pattern = f"%{f.actor}%"  # case-insensitive (SQLite's LIKE is)
        column = AuditEvent.actor
        conditions.append(column.like(pattern) if is_sqlite() else column.ilike(pattern))
    if f.action:
        conditions.append(AuditEvent.action == f.action)
    if f.date_from:
        conditions.append(AuditEvent.at >= _oslo_midnight(f.date_from))
    if f.date_to:
        conditions.append(AuditEvent.at < _oslo_midnight(f.date_to + timedelta(days=1)))
    return conditions


def _query(conditions: list[Any]) -> Any:
    query = AuditEvent.select().output(load_json=True)
    for c in conditions:
        query = query.where(c)
    return query


async def _exists(conditions: list[Any]) -> bool:
    query = AuditEvent.exists()
    for c in conditions:
        query = query.where(c)
    return bool(await query)


def _row(r: dict[str, Any]) -> AuditRow:
    return AuditRow(
        id=int(r["id"]),
        at=r["at"],
        actor=r["actor"],
        action=r["action"],
        object_type=r["object_type"],
        object_id=r["object_id"],
        before=r["before"],
        after=r["after"],
        request_id=r["request_id"],
    )


async def search(
    f: AuditFilter, *, before: int | None = None, after: int | None = None, limit: int = 50
) -> AuditPage:
    """Newest first, `limit` at a time: `before=` an id gives the older ones, `after=` an
    id the newer ones (keyset pages: new events never shift a page under the reader)."""
    base = _where(f)
    if after is not None and before is None:
        rows = await _query([*base, AuditEvent.id > after]).order_by(AuditEvent.id).limit(limit + 1)
        more_newer = len(rows) > limit
        events = [_row(r) for r in reversed(rows[:limit])]
        older = (
            events[-1].id
            if events and await _exists([*base, AuditEvent.id < events[-1].id])
            else None
        )
        return AuditPage(events, older, events[0].id if more_newer and events else None)
    conditions = base if before is None else [*base, AuditEvent.id < before]
    rows = await _query(conditions).order_by(AuditEvent.id, ascending=False).limit(limit + 1)
    events = [_row(r) for r in rows[:limit]]
    older = events[-1].id if len(rows) > limit else None
    newer = None
    if before is not None and events and await _exists([*base, AuditEvent.id > events[0].id]):
        newer = events[0].id
    return AuditPage(events, older, newer)


async def object_types() -> list[str]:
    """The kinds of object the log has entries for (for the filter's choices)."""
    rows = (
        await AuditEvent.select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)
    )
    return [r["object_type"] for r in rows]
