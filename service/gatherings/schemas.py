"""Wire shapes for gatherings."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec

ONE_LINE = r"^[^\x00-\x1f\x7f]*$"  # no line breaks or other control characters
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=ONE_LINE)]
Short = Annotated[str, msgspec.Meta(max_length=300, pattern=ONE_LINE)]
Count = Annotated[int, msgspec.Meta(ge=0, le=100_000)]
Audience = Literal["members", "region", "open"]
MealKind = Literal["breakfast", "lunch", "dinner"]
When = Annotated[
    str,
    msgspec.Meta(
        min_length=16,
        max_length=40,
        description="ISO 8601; a time without offset is Europe/Oslo wall time",
        extra_json_schema={"format": "date-time"},
    ),
]


class ProgrammeIn(msgspec.Struct, forbid_unknown_fields=True):
    starts_at: When
    ends_at: When
    title: Title
    speaker: Annotated[str, msgspec.Meta(max_length=200)] = ""
    description: Annotated[str, msgspec.Meta(max_length=5000)] = ""


class MealIn(msgspec.Struct, forbid_unknown_fields=True):
    date: date
    meal: MealKind


class GatheringIn(msgspec.Struct, forbid_unknown_fields=True):
    network: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
    title: Title
    starts_at: When
    ends_at: When
    capacity: Count
    description: Annotated[str, msgspec.Meta(max_length=20_000)] = ""
    venue: Short = ""
    address: Short = ""
    city: Annotated[str, msgspec.Meta(max_length=100, pattern=ONE_LINE)] = ""
    host_municipality: str | None = None
    latitude: Annotated[float, msgspec.Meta(ge=-90, le=90)] | None = None
    longitude: Annotated[float, msgspec.Meta(ge=-180, le=180)] | None = None
    audience: Audience = "members"
    reimbursable: bool = True
    registration_opens_at: When | None = None
    registration_closes_at: When | None = None
    cancellation_deadline: When | None = None
    seats_per_municipality: Annotated[int, msgspec.Meta(ge=1)] | None = None
    reminder_days: Annotated[int, msgspec.Meta(ge=0, le=60)] = 3
    programme: list[ProgrammeIn] = msgspec.field(default_factory=list)
    meals: list[MealIn] = msgspec.field(default_factory=list)


class GatheringPatch(msgspec.Struct, forbid_unknown_fields=True):
    title: Title | msgspec.UnsetType = msgspec.UNSET
    description: Annotated[str, msgspec.Meta(max_length=20_000)] | msgspec.UnsetType = msgspec.UNSET
    starts_at: When | msgspec.UnsetType = msgspec.UNSET
    ends_at: When | msgspec.UnsetType = msgspec.UNSET
    capacity: Count | msgspec.UnsetType = msgspec.UNSET
    venue: Short | msgspec.UnsetType = msgspec.UNSET
    address: Short | msgspec.UnsetType = msgspec.UNSET
    city: Annotated[str, msgspec.Meta(max_length=100, pattern=ONE_LINE)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    host_municipality: str | msgspec.UnsetType | None = msgspec.UNSET
    latitude: Annotated[float, msgspec.Meta(ge=-90, le=90)] | msgspec.UnsetType | None = (
        msgspec.UNSET
    )
    longitude: Annotated[float, msgspec.Meta(ge=-180, le=180)] | msgspec.UnsetType | None = (
        msgspec.UNSET
    )
    audience: Audience | msgspec.UnsetType = msgspec.UNSET
    reimbursable: bool | msgspec.UnsetType = msgspec.UNSET
    registration_opens_at: When | msgspec.UnsetType | None = msgspec.UNSET
    registration_closes_at: When | msgspec.UnsetType | None = msgspec.UNSET
    cancellation_deadline: When | msgspec.UnsetType | None = msgspec.UNSET
    seats_per_municipality: Annotated[int, msgspec.Meta(ge=1)] | msgspec.UnsetType | None = (
        msgspec.UNSET
    )
    reminder_days: Annotated[int, msgspec.Meta(ge=0, le=60)] | msgspec.UnsetType = msgspec.UNSET
    programme: list[ProgrammeIn] | msgspec.UnsetType = msgspec.UNSET
    meals: list[MealIn] | msgspec.UnsetType = msgspec.UNSET


class CancelIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class ProgrammeOut(msgspec.Struct):
    starts_at: str
    ends_at: str
    title: str
    speaker: str
    description: str


class MealOut(msgspec.Struct):
    date: str
    meal: str


class GatheringOut(msgspec.Struct):
    id: str
    network: str
    network_name: str
    number: int
    title: str
    description: str
    host_municipality: str | None
    venue: str
    address: str
    city: str
    latitude: float | None
    longitude: float | None
    starts_at: str
    ends_at: str
    capacity: int
    confirmed_count: int
    waitlist_count: int
    seats_left: int
    audience: str
    reimbursable: bool
    registration_opens_at: str | None
    registration_closes_at: str
    cancellation_deadline: str | None
    seats_per_municipality: int | None
    reminder_days: int
    status: str
    sequence: int
    cancel_reason: str | None
    url: str
    programme: list[ProgrammeOut]
    meals: list[MealOut]
    over_capacity: int = 0
