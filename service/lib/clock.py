"""Time: stored in UTC, shown in Europe/Oslo; naive input means Oslo wall time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from service.lib.errors import Invalid

OSLO = ZoneInfo("Europe/Oslo")


_offset: ContextVar[timedelta] = ContextVar("samling_clock_offset", default=timedelta(0))


def now() -> datetime:
    return datetime.now(UTC) + _offset.get()


@contextmanager
def moved_to(when: datetime) -> Iterator[None]:
    """Tests: inside the block (this task, and the tasks it starts) the clock reads as
    if it were `when`, running on from there; everyone else keeps the real time."""
    token = _offset.set(when - datetime.now(UTC))
    try:
        yield
    finally:
        _offset.reset(token)


def as_aware(value: datetime, field: str) -> datetime:
    """Attach Europe/Oslo to a naive time; refuse the DST gap and the repeated hour."""
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    first, second = value.replace(tzinfo=OSLO, fold=0), value.replace(tzinfo=OSLO, fold=1)
    if first.utcoffset() != second.utcoffset():
        # Either the hour that repeats in October or the one skipped in March.
        round_trip = first.astimezone(UTC).astimezone(OSLO).replace(tzinfo=None)
        if round_trip != value:
            raise Invalid(
                "{when} does not exist in Europe/Oslo (clocks jump forward)",
                field=field,
                params={"when": value.isoformat()},
            )
        raise Invalid(
            "{when} happens twice in Europe/Oslo (clocks go back); "
            "give an explicit offset such as +02:00 or +01:00",
            field=field,
            params={"when": value.isoformat()},
        )
    return first.astimezone(UTC)


def parse_when(value: str | datetime, field: str) -> datetime:
    """ISO 8601 date-time (minutes or seconds, with or without offset) -> aware UTC."""
    if isinstance(value, datetime):
        return as_aware(value, field)
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(
            "{value!r} is not an ISO 8601 date-time such as 2027-03-11T10:00+01:00",
            field=field,
            params={"value": value},
        ) from None
    if "T" not in text and " " not in text:
        raise Invalid("{value!r} has no time of day", field=field, params={"value": value})
    return as_aware(parsed, field)


def oslo_iso(value: datetime | None) -> str | None:
    return value.astimezone(OSLO).isoformat() if value is not None else None
