"""Wire shapes for rate tables and claim lines (kinds are a tagged union on `kind`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec

from service.gatherings.schemas import ONE_LINE, When

Money = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^\d{1,9}(\.\d{1,2})?$",
        description='NOK as a decimal string, e.g. "1234.50"',
        examples=["1234.50"],
    ),
]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=300, pattern=ONE_LINE)]
Km = Annotated[float, msgspec.Meta(gt=0, le=10_000, description="kilometres")]
Nights = Annotated[int, msgspec.Meta(ge=1, le=60)]


class RateIn(msgspec.Struct, forbid_unknown_fields=True):
    valid_from: date
    km: Money
    passenger_km: Money
    day_6_12h: Money
    day_over_12h: Money
    overnight: Money
    night_allowance: Money
    source: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class RateOut(msgspec.Struct):
    valid_from: date
    km: str
    passenger_km: str
    day_6_12h: str
    day_over_12h: str
    overnight: str
    night_allowance: str
    source: str
    created_by: str


class Mileage(msgspec.Struct, tag_field="kind", tag="mileage", forbid_unknown_fields=True):
    date: date
    km: Km
    route: Text
    passengers: Annotated[int, msgspec.Meta(ge=0, le=8)] = 0


class Ticket(msgspec.Struct, tag_field="kind", tag="ticket", forbid_unknown_fields=True):
    date: date
    description: Text
    amount: Money


class Accommodation(
    msgspec.Struct, tag_field="kind", tag="accommodation", forbid_unknown_fields=True
):
    nights: Nights
    amount: Money
    hotel: Text


class NightAllowance(
    msgspec.Struct, tag_field="kind", tag="night_allowance", forbid_unknown_fields=True
):
    nights: Nights


class PerDiem(msgspec.Struct, tag_field="kind", tag="per_diem", forbid_unknown_fields=True):
    departure: When
    distance_km: Annotated[float, msgspec.Meta(ge=0, le=5_000, description="one way, km")]
    return_: When = msgspec.field(name="return")


class Other(msgspec.Struct, tag_field="kind", tag="other", forbid_unknown_fields=True):
    date: date
    description: Text
    amount: Money


LineIn = Mileage | Ticket | Accommodation | NightAllowance | PerDiem | Other
Lines = Annotated[list[LineIn], msgspec.Meta(min_length=1, max_length=50)]


class PreviewIn(msgspec.Struct, forbid_unknown_fields=True):
    gathering: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
    lines: Lines


class PreviewOut(msgspec.Struct):
    lines: list[dict[str, object]]
    total: str


Account = Annotated[str, msgspec.Meta(min_length=11, max_length=14, description="11 digits")]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
Comment = Annotated[str, msgspec.Meta(max_length=2000)]


class ClaimIn(msgspec.Struct, forbid_unknown_fields=True):
    registration: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
    lines: Lines
    payee_account: Account | None = None


class ClaimPatch(msgspec.Struct, forbid_unknown_fields=True):
    lines: Lines | None = None
    payee_account: Account | None = None


class CommentIn(msgspec.Struct, forbid_unknown_fields=True):
    comment: Comment = ""


class ReasonIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason


class Cut(msgspec.Struct, forbid_unknown_fields=True):
    line: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
    approved_amount: Money
    reason: Reason


class ApproveIn(msgspec.Struct, forbid_unknown_fields=True):
    lines: list[Cut] = msgspec.field(default_factory=list)
    comment: Comment = ""


FLAG_CODES = (
    "account_not_on_file",  # the payee account is not the municipality's account on file
    "no_account_on_file",  # the municipality has no account on file to compare with
    "account_recently_changed",  # the account on file was changed within 30 days
    "duplicate_line",  # the same person, gathering and line kind on another live claim
    "duplicate_receipt",  # a receipt with the same SHA-256 on another live claim
)


class ClaimFlag(msgspec.Struct):
    """Something a reviewer should look at before deciding (service.claims.flags)."""

    code: str  # one of FLAG_CODES
    claims: list[str] = msgspec.field(default_factory=list)  # the other claims concerned
    kinds: list[str] = msgspec.field(default_factory=list)  # duplicate_line: the line kinds


class ClaimOut(msgspec.Struct):
    id: str
    status: str
    registration: str
    gathering: str
    gathering_title: str
    network: str
    claimant: str
    claimant_name: str
    municipality: str
    municipality_name: str
    payee_account: str | None
    # False: not the municipality's account on file (for the attester to check).
    payee_account_on_file: bool | None
    lines: list[dict[str, object]]
    total: str
    approved_total: str | None
    receipts: list[dict[str, object]]
    attested_by: str | None
    decided_by: str | None
    payout: str | None
    created_at: str
    updated_at: str
    submitted_at: str | None
    decided_at: str | None
    paid_at: str | None
    # The gathering's end: a claim is submitted once it has passed (`gathering_ended`).
    gathering_ends_at: str | None = None
    gathering_ended: bool = False
    # The registration's attendance as the coordinator marked it (None: not yet marked);
    # a claim is attested only when it is True.
    attended: bool | None = None
    # The payee account is the municipality's account on file, and that account was
    # confirmed (changed) within the last 30 days: a flag for the approver.
    payee_account_recently_changed: bool = False
    # For reviewers (finance, the network's coordinators): what to check; [] for others.
    flags: list[ClaimFlag] = msgspec.field(default_factory=list)


class EventOut(msgspec.Struct):
    action: str
    from_status: str | None
    to_status: str
    actor: str
    comment: str
    at: str
