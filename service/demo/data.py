"""The demo's content (programme.json) as typed specs, and the dates it is placed on.

Every date is relative to the day the demo is loaded (Europe/Oslo), so a fresh load
always has gatherings behind it and ahead of it. Holiday weeks (Christmas, the
summer) are avoided, as the networks did.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path

import msgspec

from service.lib.clock import OSLO

DATA_FILE = Path(__file__).with_name("programme.json")


class Person(msgspec.Struct, frozen=True):
    email: str
    name: str
    municipality: str | None
    role: str  # "admin" | "finance" | "coordinator:<slug>" | "participant"
    language: str = "nb"


class When(msgspec.Struct, frozen=True):
    anchor: str | None = None  # "MM-DD": the latest past weekday with that date
    weeks: int = 0  # from today; negative is the past
    weekday: int = 2  # 0 = Monday


class Item(msgspec.Struct, frozen=True):
    starts: str
    ends: str
    title: str
    speaker: str = ""
    day: int = 0


class MealSpec(msgspec.Struct, frozen=True):
    meal: str
    day: int = 0


class Signup(msgspec.Struct, frozen=True):
    by: str
    dietary: str = ""
    accessibility: str = ""
    accommodation: bool = False
    attended: bool = True
    cancel: bool = False


class LineSpec(msgspec.Struct, frozen=True, rename={"return_": "return"}):
    kind: str
    day: int = 0
    km: float | None = None
    passengers: int = 0
    route: str = ""
    description: str = ""
    amount: str = ""
    nights: int = 1
    hotel: str = ""
    departure: tuple[int, str] | None = None
    return_: tuple[int, str] | None = None
    distance_km: float = 0


class Cut(msgspec.Struct, frozen=True):
    line: int
    amount: str
    reason: str


class ClaimSpec(msgspec.Struct, frozen=True):
    by: str
    lines: list[LineSpec]
    cut: Cut | None = None


class GatheringSpec(msgspec.Struct, frozen=True):
    network: str
    title: str
    description: str
    when: When
    starts: str
    ends: str
    venue: str
    address: str
    city: str
    host: str | None
    capacity: int
    days: int = 1
    audience: str = "members"
    seats_per_municipality: int | None = None
    status: str = "published"
    programme: list[Item] = []
    meals: list[MealSpec] = []
    registrations: list[Signup] = []
    claims: list[ClaimSpec] = []


class Reasons(msgspec.Struct, frozen=True):
    returned: list[str]
    rejected: list[str]
    attest: str
    approve: str


class Programme(msgspec.Struct, frozen=True):
    note: str
    people: list[Person]
    past: list[GatheringSpec]
    upcoming: list[GatheringSpec]
    claim_states: list[str]
    reasons: Reasons


@cache
def programme() -> Programme:
    return msgspec.json.decode(DATA_FILE.read_bytes(), type=Programme)


# --- dates ------------------------------------------------------------------------------


def today() -> date:
    return datetime.now(OSLO).date()


def _holiday(d: date) -> bool:
    return (d.month == 12 and d.day >= 18) or (d.month == 1 and d.day <= 6) or d.month == 7


def first_day(when: When, days: int, ref: date) -> date:
    """The gathering's first day: in the past it ends before `ref`; ahead it starts
    at least a week after it (so that registration is still open)."""
    if when.anchor:
        month, day = (int(p) for p in when.anchor.split("-"))
        for back in range(4):
            try:
                d = date(ref.year - back, month, day)
            except ValueError:  # 29 February
                continue
            if d + timedelta(days=days - 1) < ref and d.weekday() < 5:
                return d
        d = date(ref.year - 1, month, min(day, 28))
        return d - timedelta(days=max(d.weekday() - 4, 0))
    d = ref + timedelta(weeks=when.weeks)
    d += timedelta(days=when.weekday - d.weekday())
    step = timedelta(weeks=-1 if when.weeks < 0 else 1)
    while (
        _holiday(d)
        or (when.weeks < 0 and d + timedelta(days=days - 1) >= ref)
        or (when.weeks >= 0 and d < ref + timedelta(days=8))
    ):
        d += step
    return d


def at(day: date, clock: str) -> datetime:
    """Oslo wall time on `day` (the demo's times avoid the DST switch hours)."""
    hour, minute = (int(p) for p in clock.split(":"))
    return datetime.combine(day, time(hour, minute), OSLO)


def wall(d: date, clock: str) -> str:
    """ISO text without offset: the services read it as Europe/Oslo wall time."""
    return f"{d.isoformat()}T{clock}"
