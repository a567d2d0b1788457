"""Wire shapes for registrations."""

from __future__ import annotations

from typing import Annotated

import msgspec

Note = Annotated[str, msgspec.Meta(max_length=2000)]


class RegistrationIn(msgspec.Struct, forbid_unknown_fields=True):
    dietary: Note = ""
    accessibility: Note = ""
    accommodation: bool = False


class AttendanceIn(msgspec.Struct, forbid_unknown_fields=True):
    attended: bool


class RegistrationOut(msgspec.Struct):
    id: str
    gathering: str
    gathering_title: str
    starts_at: str
    status: str
    waitlist_position: int | None
    dietary: str
    accessibility: str
    accommodation: bool
    attended: bool | None
    registered_at: str
    name: str | None = None
    email: str | None = None
    municipality: str | None = None
    municipality_name: str | None = None


class MunicipalityCount(msgspec.Struct):
    municipality: str | None
    name: str
    confirmed: int
    waitlisted: int
    attended: int
