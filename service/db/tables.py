"""Tables: plain data. Rules live in the domain services."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Bytea,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class County(Table):
    """A county as the programme named them (the pre-2020 counties)."""

    id = Serial(primary_key=True)
    number = Varchar(length=2, unique=True)
    name = Varchar(length=100)


class Municipality(Table):
    """A municipality or city district, named by its SSB number."""

    id = Serial(primary_key=True)
    number = Varchar(length=6, unique=True)
    name = Varchar(length=150)
    county = ForeignKey(references=County, null=True)
    org_number = Varchar(length=9, null=True, default=None)
    bank_account = Varchar(length=11, null=True, default=None)  # confirmed: claims pay to it
    updated_at = Timestamptz(default=TimestamptzNow())
    # A new account waits here until a second finance officer or admin confirms it.
    pending_bank_account = Varchar(length=11, null=True, default=None)
    pending_bank_account_by = Varchar(length=254, null=True, default=None)
    pending_bank_account_at = Timestamptz(null=True, default=None)
    bank_account_changed_at = Timestamptz(null=True, default=None)  # last confirmation
    official_email = Varchar(length=254, null=True, default=None)  # postmottak@…
    language = Varchar(length=2, default="nb")  # its written standard: nb, nn (or en)


class MunicipalityDomain(Table):
    """An e-mail domain that belongs to a municipality (for self sign-up)."""

    id = Serial(primary_key=True)
    domain = Varchar(length=253, unique=True)
    municipality = ForeignKey(references=Municipality, null=False)


class Network(Table):
    """A regional professional network, led by one or more coordinators."""

    id = Serial(primary_key=True)
    slug = Varchar(length=60, unique=True)
    name = Varchar(length=150)
    description = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class NetworkCounty(Table):
    """Which counties a network covers (its region)."""

    id = Serial(primary_key=True)
    network = ForeignKey(references=Network, null=False)
    county = ForeignKey(references=County, null=False)


class NetworkMembership(Table):
    """A municipality's relation to a network: interested, member or withdrawn."""

    id = Serial(primary_key=True)
    network = ForeignKey(references=Network, null=False)
    municipality = ForeignKey(references=Municipality, null=False)
    status = Varchar(length=12)
    interested_at = Timestamptz(null=True, default=None)
    member_since = Date(null=True, default=None)
    withdrawn_at = Date(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())
    # who the municipality named when it answered an invitation (service.campaigns)
    contact_name = Varchar(length=200, null=True, default=None)
    contact_email = Varchar(length=254, null=True, default=None)
    contact_role = Varchar(length=200, null=True, default=None)


class AuditEvent(Table):
    """Append-only log of who changed what; never updated or deleted."""

    id = Serial(primary_key=True)
    actor = Varchar(length=254)
    action = Varchar(length=60)
    object_type = Varchar(length=60)
    object_id = Varchar(length=60)
    before = JSON(null=True, default=None)
    after = JSON(null=True, default=None)
    at = Timestamptz(default=TimestamptzNow())
    request_id = Varchar(length=64, null=True, default=None)


class User(Table, tablename="samling_user"):
    """A person. The e-mail is stored lower-cased and unique."""

    id = Serial(primary_key=True)
    email = Varchar(length=254, unique=True)
    name = Varchar(length=200)
    municipality = ForeignKey(references=Municipality, null=True)
    language = Varchar(length=2, default="nb")
    active = Boolean(default=False)
    email_confirmed_at = Timestamptz(null=True, default=None)
    approved_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)
    phone = Varchar(length=30, null=True, default=None)
    listed = Boolean(default=False)  # agreed to be shown in the public coordinator directory


class RoleGrant(Table):
    """A role beyond participant: admin, finance, or coordinator of one network."""

    id = Serial(primary_key=True)
    user = ForeignKey(references=User, null=False)
    role = Varchar(length=20)
    network = ForeignKey(references=Network, null=True)
    granted_at = Timestamptz(default=TimestamptzNow())
    granted_by = Varchar(length=254, default="")


class LoginToken(Table):
    """A one-time link (login or sign-up confirmation); only its hash is kept."""

    id = Serial(primary_key=True)
    token_hash = Varchar(length=64, unique=True)
    user = ForeignKey(references=User, null=False)
    purpose = Varchar(length=10, default="login")
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class ApiToken(Table):
    """A personal API token for `Authorization: Bearer`; only its hash is kept."""

    id = Serial(primary_key=True)
    user = ForeignKey(references=User, null=False)
    label = Varchar(length=100, default="")
    token_hash = Varchar(length=64, unique=True)
    prefix = Varchar(length=12)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class CalendarToken(Table):
    """The secret in a personal feed URL; only its hash is kept. Reset = revoke + new."""

    id = Serial(primary_key=True)
    user = ForeignKey(references=User, null=False)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)


class IcsPiece(Table):
    """A rendered VEVENT, stored under a hash of everything it was rendered from, so a
    feed can be assembled without rendering again, also in a fresh process."""

    id = Serial(primary_key=True)
    key = Varchar(length=64, unique=True)
    body = Bytea()
    created_at = Timestamptz(default=TimestamptzNow())


class SessionData(Table):
    """Server-side session store (used when Redis is not configured)."""

    id = Serial(primary_key=True)
    key = Varchar(length=200, unique=True)
    value = Bytea()
    expires_at = Timestamptz(null=True, default=None)


class RateCounter(Table):
    """Fixed-window request counters for rate limits (when Redis is not configured)."""

    id = Serial(primary_key=True)
    key = Varchar(length=200, unique=True)
    window_start = Timestamptz()
    hits = Integer(default=0)


class OutboxMessage(Table):
    """One mail to send, written in the transaction of the change that causes it."""

    id = Serial(primary_key=True)
    kind = Varchar(length=60)
    recipient = Varchar(length=254)
    language = Varchar(length=2, default="nb")
    context = JSON(default="{}")
    idempotency_key = Varchar(length=200, unique=True)
    message_id = Varchar(length=255)
    status = Varchar(length=10, default="queued")
    attempts = Integer(default=0)
    last_error = Text(null=True, default=None)
    next_attempt_at = Timestamptz(default=TimestamptzNow())
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)


class Gathering(Table):
    """A network gathering (nettverkssamling). Counters are kept in the row so that
    capacity is enforced by one guarded UPDATE inside the registration transaction."""

    id = Serial(primary_key=True)
    network = ForeignKey(references=Network, null=False)
    number = Integer()
    title = Varchar(length=200)
    description = Text(default="")
    host_municipality = ForeignKey(references=Municipality, null=True)
    venue = Varchar(length=200, default="")
    address = Varchar(length=300, default="")
    city = Varchar(length=100, default="")
    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    capacity = Integer()
    registration_opens_at = Timestamptz(null=True, default=None)
    registration_closes_at = Timestamptz(null=True, default=None)
    cancellation_deadline = Timestamptz(null=True, default=None)
    audience = Varchar(length=10, default="members")
    seats_per_municipality = Integer(null=True, default=None)
    reimbursable = Boolean(default=True)
    reminder_days = Integer(default=3)
    status = Varchar(length=10, default="draft")
    sequence = Integer(default=0)
    confirmed_count = Integer(default=0)
    waitlist_count = Integer(default=0)
    waitlist_peak = Integer(default=0)  # the longest the waiting list has been
    queue_counter = Integer(default=0)
    cancel_reason = Text(null=True, default=None)
    created_by = Varchar(length=254, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    published_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    completed_at = Timestamptz(null=True, default=None)


class ProgrammeItem(Table):
    id = Serial(primary_key=True)
    gathering = ForeignKey(references=Gathering, null=False)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    title = Varchar(length=200)
    speaker = Varchar(length=200, default="")
    description = Text(default="")


class Meal(Table):
    """A meal the gathering serves (claims deduct it from per diem)."""

    id = Serial(primary_key=True)
    gathering = ForeignKey(references=Gathering, null=False)
    date = Date()
    meal = Varchar(length=10)


class Registration(Table):
    """A participant's place: confirmed, waitlisted (in queue_number order) or cancelled."""

    id = Serial(primary_key=True)
    gathering = ForeignKey(references=Gathering, null=False)
    user = ForeignKey(references=User, null=False)
    municipality = ForeignKey(references=Municipality, null=True)
    status = Varchar(length=10)
    queue_number = Integer(null=True, default=None)
    dietary = Text(default="")
    accessibility = Text(default="")
    accommodation = Boolean(default=False)
    attended = Boolean(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    confirmed_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    cancelled_by = Varchar(length=254, null=True, default=None)


class RateTable(Table):
    """Effective-dated travel rates (amounts in øre); the latest valid_from on or
    before a trip's date applies."""

    id = Serial(primary_key=True)
    valid_from = Date(unique=True)
    km = Integer()
    passenger_km = Integer()
    day_6_12h = Integer()
    day_over_12h = Integer()
    overnight = Integer()
    night_allowance = Integer()
    source = Text(default="")
    created_by = Varchar(length=254, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Budget(Table):
    """The programme's allocation for a network's travel costs in one year (øre)."""

    id = Serial(primary_key=True)
    network = ForeignKey(references=Network, null=False)
    year = Integer()
    amount = Integer()
    updated_by = Varchar(length=254, default="")
    updated_at = Timestamptz(default=TimestamptzNow())


class Payout(Table):
    """A batch of approved claims sent to the bank: one payment per municipality."""

    id = Serial(primary_key=True)
    status = Varchar(length=10, default="created")
    total = Integer(default=0)
    created_by = Varchar(length=254, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    paid_by = Varchar(length=254, null=True, default=None)
    paid_at = Timestamptz(null=True, default=None)


class Claim(Table):
    """A travel-cost claim for one registration; amounts in øre."""

    id = Serial(primary_key=True)
    registration = ForeignKey(references=Registration, null=False)
    gathering = ForeignKey(references=Gathering, null=False)
    claimant = ForeignKey(references=User, null=False)
    municipality = ForeignKey(references=Municipality, null=False)
    payee_account = Varchar(length=11, null=True, default=None)
    status = Varchar(length=10, default="draft")
    total = Integer(default=0)
    approved_total = Integer(null=True, default=None)
    attested_by = Varchar(length=254, null=True, default=None)
    decided_by = Varchar(length=254, null=True, default=None)
    payout = ForeignKey(references=Payout, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    submitted_at = Timestamptz(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    paid_at = Timestamptz(null=True, default=None)


class ClaimLine(Table):
    id = Serial(primary_key=True)
    claim = ForeignKey(references=Claim, null=False)
    position = Integer()
    kind = Varchar(length=20)
    data = JSON(default="{}")
    amount = Integer()
    rule = Text(default="")
    approved_amount = Integer(null=True, default=None)
    cut_reason = Text(null=True, default=None)


class ClaimEvent(Table):
    """The claim's history: every change of state, who made it and why."""

    id = Serial(primary_key=True)
    claim = ForeignKey(references=Claim, null=False)
    action = Varchar(length=20)
    from_status = Varchar(length=10, null=True, default=None)
    to_status = Varchar(length=10)
    actor = Varchar(length=254)
    comment = Text(default="")
    at = Timestamptz(default=TimestamptzNow())
    # submit and return: the lines and payee account then (service.claims.snapshots)
    detail = JSON(null=True, default=None)


class Receipt(Table):
    id = Serial(primary_key=True)
    claim = ForeignKey(references=Claim, null=False)
    filename = Varchar(length=200)
    content_type = Varchar(length=100)
    size = Integer()
    sha256 = Varchar(length=64)
    body = Bytea()
    uploaded_by = Varchar(length=254)
    uploaded_at = Timestamptz(default=TimestamptzNow())


class Campaign(Table):
    """An invitation campaign: a letter to municipalities' official addresses asking
    them to join the networks it names (service.campaigns)."""

    id = Serial(primary_key=True)
    title = Varchar(length=200)
    status = Varchar(length=10, default="draft")  # draft, sent, closed
    network_ids = JSON(default="[]")  # the networks it invites to
    county_ids = JSON(default="[]")  # [] = every municipality
    reply_by = Date(null=True, default=None)  # reply links expire at the end of this day
    created_by = Varchar(length=254, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)


class CampaignLetter(Table):
    """The campaign's letter in one language (Markdown); a recipient gets its own."""

    id = Serial(primary_key=True)
    campaign = ForeignKey(references=Campaign, null=False)
    language = Varchar(length=2)
    subject = Varchar(length=200)
    body = Text(default="")


class CampaignRecipient(Table):
    """One municipality a campaign went to, its reply link (hashed) and its answer."""

    id = Serial(primary_key=True)
    campaign = ForeignKey(references=Campaign, null=False)
    municipality = ForeignKey(references=Municipality, null=False)
    email = Varchar(length=254)
    language = Varchar(length=2, default="nb")
    token_hash = Varchar(length=64, unique=True)
    outbox_key = Varchar(length=200, default="")  # the letter's outbox idempotency key
    status = Varchar(length=10, default="sent")  # sent, replied, selected, declined
    reply = JSON(null=True, default=None)  # wants, network, contact, comment
    sent_at = Timestamptz(null=True, default=None)
    replied_at = Timestamptz(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    decided_by = Varchar(length=254, null=True, default=None)


class Post(Table):
    """A report (referat) from a gathering, or a network's news post: Markdown, draft
    until published (service.news)."""

    id = Serial(primary_key=True)
    network = ForeignKey(references=Network, null=False)
    gathering = ForeignKey(references=Gathering, null=True, default=None)  # None: news
    title = Varchar(length=200)
    summary = Text(default="")
    body = Text(default="")  # Markdown; shown rendered and sanitised
    language = Varchar(length=2, default="nb")
    status = Varchar(length=10, default="draft")  # draft, published
    author = Varchar(length=254, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    published_at = Timestamptz(null=True, default=None)


class PostPhoto(Table):
    """A photo in a post: resized, re-encoded without EXIF/GPS, with its alt text."""

    id = Serial(primary_key=True)
    post = ForeignKey(references=Post, null=False)
    position = Integer(default=0)
    alt = Text()
    caption = Text(default="")
    content_type = Varchar(length=100)
    width = Integer()
    height = Integer()
    size = Integer()
    body = Bytea()
    uploaded_by = Varchar(length=254, default="")
    uploaded_at = Timestamptz(default=TimestamptzNow())


class PostAttachment(Table):
    """A file attached to a post (the gathering's presentations, PDF)."""

    id = Serial(primary_key=True)
    post = ForeignKey(references=Post, null=False)
    title = Varchar(length=200, default="")
    filename = Varchar(length=200)
    content_type = Varchar(length=100)
    size = Integer()
    sha256 = Varchar(length=64)
    body = Bytea()
    uploaded_by = Varchar(length=254, default="")
    uploaded_at = Timestamptz(default=TimestamptzNow())


class Document(Table):
    """A network's document (action plan, minutes, brochure); its versions are kept."""

    id = Serial(primary_key=True)
    network = ForeignKey(references=Network, null=False)
    title = Varchar(length=200)
    kind = Varchar(length=20, default="other")  # action_plan, minutes, brochure, other
    visibility = Varchar(length=10, default="members")  # public, members
    created_by = Varchar(length=254, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class DocumentVersion(Table):
    id = Serial(primary_key=True)
    document = ForeignKey(references=Document, null=False)
    number = Integer()  # 1, 2, 3 … per document
    label = Varchar(length=60, default="")  # the version as the network names it
    note = Text(default="")
    filename = Varchar(length=200)
    content_type = Varchar(length=100)
    size = Integer()
    sha256 = Varchar(length=64)
    body = Bytea()
    uploaded_by = Varchar(length=254, default="")
    uploaded_at = Timestamptz(default=TimestamptzNow())


__all__ = [
    "ApiToken",
    "AuditEvent",
    "Budget",
    "CalendarToken",
    "Campaign",
    "CampaignLetter",
    "CampaignRecipient",
    "Claim",
    "ClaimEvent",
    "ClaimLine",
    "County",
    "Document",
    "DocumentVersion",
    "Gathering",
    "IcsPiece",
    "LoginToken",
    "Meal",
    "Municipality",
    "MunicipalityDomain",
    "Network",
    "NetworkCounty",
    "NetworkMembership",
    "OutboxMessage",
    "Payout",
    "Post",
    "PostAttachment",
    "PostPhoto",
    "ProgrammeItem",
    "RateCounter",
    "RateTable",
    "Receipt",
    "Registration",
    "RoleGrant",
    "SessionData",
    "User",
]
