"""Wire shapes for invitation campaigns."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Lang = Literal["nb", "nn", "en"]
Title = Annotated[str, msgspec.Meta(max_length=200)]
Short = Annotated[str, msgspec.Meta(max_length=200)]


class LetterIn(msgspec.Struct, forbid_unknown_fields=True):
    language: Lang
    subject: Title
    body: Annotated[str, msgspec.Meta(max_length=20000)]


class CampaignIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Title
    networks: list[Annotated[str, msgspec.Meta(max_length=60)]]
    letters: list[LetterIn]  # bokmål required; nynorsk and English optional
    counties: list[Annotated[str, msgspec.Meta(max_length=2)]] = msgspec.field(
        default_factory=list
    )  # [] = every municipality
    reply_by: str | None = None  # YYYY-MM-DD


class CampaignPatch(msgspec.Struct, forbid_unknown_fields=True):
    title: Title | None = None
    networks: list[Annotated[str, msgspec.Meta(max_length=60)]] | None = None
    letters: list[LetterIn] | None = None
    counties: list[Annotated[str, msgspec.Meta(max_length=2)]] | None = None
    reply_by: str | None = None


class LetterOut(msgspec.Struct):
    language: str
    subject: str
    body: str


class CountyFigures(msgspec.Struct):
    county: str
    county_number: str
    recipients: int = 0  # will get / got the letter
    skipped: int = 0  # no official address
    sent: int = 0
    delivered: int = 0
    replied: int = 0
    selected: int = 0
    declined: int = 0


class SkippedOut(msgspec.Struct):
    number: str
    name: str
    county: str | None


class CampaignOut(msgspec.Struct):
    id: int
    title: str
    status: str  # draft, sent, closed
    networks: list[str]
    counties: list[str]
    reply_by: str | None
    letters: list[LetterOut]
    created_by: str
    created_at: str | None
    sent_at: str | None = None
    closed_at: str | None = None
    figures: list[CountyFigures] = msgspec.field(default_factory=list)
    skipped: list[SkippedOut] = msgspec.field(default_factory=list)  # no official address


class ReplyOut(msgspec.Struct):
    wants: bool
    network: str | None
    contact_name: str
    contact_email: str
    contact_role: str
    comment: str


class RecipientOut(msgspec.Struct):
    id: int
    municipality: str
    name: str
    county: str | None
    county_number: str | None
    email: str
    language: str
    status: str  # sent, replied, selected, declined
    delivered: bool
    reply: ReplyOut | None
    sent_at: str | None
    replied_at: str | None
    decided_at: str | None
    decided_by: str | None


class ReplyIn(msgspec.Struct, forbid_unknown_fields=True):
    wants: bool
    network: Annotated[str, msgspec.Meta(max_length=60)] | None = None
    contact_name: Short = ""
    contact_email: Annotated[str, msgspec.Meta(max_length=254)] = ""
    contact_role: Short = ""
    comment: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class ReplyResult(msgspec.Struct):
    municipality: str
    status: str
    reply: ReplyOut


class SelectIn(msgspec.Struct, forbid_unknown_fields=True):
    network: Annotated[str, msgspec.Meta(max_length=60)] | None = None


class DeclineIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=1000)] | None = None
