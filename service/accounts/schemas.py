"""Wire shapes for accounts."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
MunicipalityNumber = Annotated[str, msgspec.Meta(pattern=r"^\d{4}(\d{2})?$")]


class LoginLinkIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email


class SignupIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    name: Name
    municipality: MunicipalityNumber


class Accepted(msgspec.Struct):
    detail: str


class MeOut(msgspec.Struct):
    id: str
    email: str
    name: str
    municipality: str | None
    language: str
    roles: list[str]
    phone: str | None = None  # +47XXXXXXXX
    listed: bool = False  # shown in the public coordinator directory (coordinators)


class MePatch(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | None = None
    language: Literal["nb", "nn", "en"] | None = None
    phone: Annotated[str, msgspec.Meta(max_length=30)] | None = None  # "" clears it
    listed: bool | None = None


class TokenIn(msgspec.Struct, forbid_unknown_fields=True):
    label: Annotated[str, msgspec.Meta(max_length=100)] = ""


class TokenCreated(msgspec.Struct):
    id: str
    label: str
    token: str
    prefix: str


class TokenOut(msgspec.Struct):
    id: str
    label: str
    prefix: str
    created_at: str
    last_used_at: str | None


class UserIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    name: Name
    municipality: MunicipalityNumber | None = None
    roles: list[str] = msgspec.field(default_factory=list)
    language: Literal["nb", "nn", "en"] = "nb"


class UserOut(msgspec.Struct):
    id: str
    email: str
    name: str
    municipality: str | None
    language: str
    active: bool
    status: str
    roles: list[str]


class UserPatch(msgspec.Struct, forbid_unknown_fields=True):
    """An administrator's change to a user: the whole set of roles, and/or active."""

    roles: list[Annotated[str, msgspec.Meta(max_length=80)]] | None = None
    active: bool | None = None


class PendingOut(msgspec.Struct):
    id: str
    email: str
    name: str
    municipality: str | None
    status: str
