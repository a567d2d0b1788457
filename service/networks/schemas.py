"""Wire shapes for networks, counties and municipalities."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec


class CountyOut(msgspec.Struct):
    number: str
    name: str


class MunicipalityOut(msgspec.Struct):
    number: str
    name: str
    county: str | None
    county_number: str | None
    org_number: str | None


class CoordinatorOut(msgspec.Struct):
    name: str
    email: str


class MemberOut(msgspec.Struct):
    municipality: str
    name: str
    status: str
    member_since: str | None = None


class NetworkOut(msgspec.Struct):
    slug: str
    name: str
    description: str
    counties: list[str]
    county_numbers: list[str]
    coordinators: list[CoordinatorOut]
    member_count: int


class NetworkDetail(NetworkOut):
    members: list[MemberOut] = msgspec.field(default_factory=list)


class MembershipIn(msgspec.Struct, forbid_unknown_fields=True):
    status: Literal["member", "withdrawn"]


class MunicipalityPatch(msgspec.Struct, forbid_unknown_fields=True):
    bank_account: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    email_domains: list[Annotated[str, msgspec.Meta(max_length=253)]] | None = None
    name: Annotated[str, msgspec.Meta(max_length=150)] | None = None  # admins only
    # where invitation letters go, and in which written standard (admins only)
    official_email: Annotated[str, msgspec.Meta(max_length=254)] | None = None
    language: Literal["nb", "nn"] | None = None


class NetworkPatch(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(max_length=150)] | None = None
    description: Annotated[str, msgspec.Meta(max_length=5000)] | None = None


class PendingAccountOut(msgspec.Struct):
    """A bank account entered but not yet confirmed by a second person."""

    account: str
    proposed_by: str
    proposed_at: str


class MunicipalityDetail(MunicipalityOut):
    bank_account: str | None = None  # the confirmed account: claims pay to it
    email_domains: list[str] = msgspec.field(default_factory=list)
    pending_bank_account: PendingAccountOut | None = None
    bank_account_changed_at: str | None = None  # when the account was last confirmed
    official_email: str | None = None  # postmottak@…: invitation letters (admin, finance)
    language: str = "nb"  # the municipality's written standard: nb or nn


class ConfirmAccountIn(msgspec.Struct, forbid_unknown_fields=True):
    """Optionally the account the confirmer was shown: nothing else is confirmed."""

    account: Annotated[str, msgspec.Meta(max_length=20)] | None = None
