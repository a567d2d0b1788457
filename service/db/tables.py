"""Tables: plain data. Rules live in the domain services."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Date,
    ForeignKey,
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
    bank_account = Varchar(length=11, null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class MunicipalityDomain(Table):
    """An e-mail domain that belongs to a municipality (for self sign-up)."""

    id = Serial(primary_key=True)
    domain = Varchar(length=253, unique=True)
    municipality = ForeignKey(references=Municipality)


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
    network = ForeignKey(references=Network)
    county = ForeignKey(references=County)


class NetworkMembership(Table):
    """A municipality's relation to a network: interested, member or withdrawn."""

    id = Serial(primary_key=True)
    network = ForeignKey(references=Network)
    municipality = ForeignKey(references=Municipality)
    status = Varchar(length=12)
    interested_at = Timestamptz(null=True, default=None)
    member_since = Date(null=True, default=None)
    withdrawn_at = Date(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


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


__all__ = [
    "AuditEvent",
    "County",
    "Municipality",
    "MunicipalityDomain",
    "Network",
    "NetworkCounty",
    "NetworkMembership",
]
