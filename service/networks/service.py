"""Networks, counties, municipalities and memberships: reads and rules; a
municipality's bank account (a change is a decision of two)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from service.accounts.identity import CurrentUser
from service.db.tables import (
    County,
    Municipality,
    MunicipalityDomain,
    Network,
    NetworkCounty,
    NetworkMembership,
    RoleGrant,
)
from service.db.tx import atomic, is_sqlite
from service.lib.audit import record
from service.lib.clock import now, oslo_iso
from service.lib.errors import Conflict, Forbidden, Invalid, NotFound
from service.lib.money import bank_account
from service.networks.schemas import (
    CoordinatorOut,
    MemberOut,
    MunicipalityDetail,
    MunicipalityOut,
    NetworkDetail,
    NetworkOut,
    PendingAccountOut,
)


async def _counties_by_network() -> dict[int, list[tuple[str, str]]]:
    rows = await NetworkCounty.select(
        NetworkCounty.network, NetworkCounty.county.number, NetworkCounty.county.name
    ).order_by(NetworkCounty.county.number)
    out: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for r in rows:
        out[r["network"]].append((r["county.number"], r["county.name"]))
    return out


async def _member_counts() -> dict[int, int]:
    rows = await NetworkMembership.select(NetworkMembership.network).where(
        NetworkMembership.status == "member"
    )
    counts: dict[int, int] = defaultdict(int)
    for r in rows:
        counts[r["network"]] += 1
    return counts


async def _coordinators(network_ids: list[int]) -> dict[int, list[CoordinatorOut]]:
    """Active coordinators of each network who agreed to be listed (User.listed), by name:
    the networks' public contacts, as in the coordinator directory."""
    rows = await (
        RoleGrant.select(RoleGrant.network, RoleGrant.user.name, RoleGrant.user.email)
        .where(
            (RoleGrant.role == "coordinator")
            & RoleGrant.network.is_in(network_ids or [-1])
            & (RoleGrant.user.active == True)  # noqa: E712
            & (RoleGrant.user.listed == True)  # noqa: E712
        )
        .order_by(RoleGrant.user.name)
    )
    out: dict[int, list[CoordinatorOut]] = defaultdict(list)
    for r in rows:
        out[r["network"]].append(CoordinatorOut(name=r["user.name"], email=r["user.email"]))
    return out


def _network_out(
    row: dict, counties: list[tuple[str, str]], coords: list[CoordinatorOut], members: int
) -> NetworkOut:
    return NetworkOut(
        slug=row["slug"],
        name=row["name"],
        description=row["description"],
        counties=[name for _, name in counties],
        county_numbers=[number for number, _ in counties],
        coordinators=coords,
        member_count=members,
    )


async def list_networks() -> list[NetworkOut]:
    rows = await Network.select().order_by(Network.id)
    counties = await _counties_by_network()
    counts = await _member_counts()
    coords = await _coordinators([r["id"] for r in rows])
    return [
        _network_out(r, counties.get(r["id"], []), coords.get(r["id"], []), counts.get(r["id"], 0))
        for r in rows
    ]


async def get_network_row(slug: str) -> dict:
    row = await Network.select().where(Network.slug == slug).first()
    if row is None:
        raise NotFound("No network with slug {slug!r}", params={"slug": slug})
    return row


async def get_network(slug: str) -> NetworkDetail:
    row = await get_network_row(slug)
    counties = (await _counties_by_network()).get(row["id"], [])
    coords = (await _coordinators([row["id"]])).get(row["id"], [])
    members = await (
        NetworkMembership.select(
            NetworkMembership.municipality.number,
            NetworkMembership.municipality.name,
            NetworkMembership.status,
            NetworkMembership.member_since,
        )
        .where(NetworkMembership.network == row["id"])
        .order_by(NetworkMembership.municipality.name)
    )
    base = _network_out(row, counties, coords, sum(m["status"] == "member" for m in members))
    return NetworkDetail(
        **{f: getattr(base, f) for f in base.__struct_fields__},
        members=[
            MemberOut(
                municipality=m["municipality.number"],
                name=m["municipality.name"],
                status=m["status"],
                member_since=m["member_since"].isoformat() if m["member_since"] else None,
            )
            for m in members
        ],
    )


async def list_municipalities(county: str | None = None) -> list[MunicipalityOut]:
    query = Municipality.select(
        Municipality.number,
        Municipality.name,
        Municipality.org_number,
        Municipality.county.number,
        Municipality.county.name,
    ).order_by(Municipality.number)
    if county:
        wanted = county.strip()
        match = [
            c
            for c in await County.select(County.id, County.number, County.name)
            if c["number"] == wanted.zfill(2) or c["name"].casefold() == wanted.casefold()
        ]
        if not match:
            raise NotFound(
                "No county {county!r}; use a county number or name", params={"county": wanted}
            )
        query = query.where(Municipality.county.is_in([c["id"] for c in match]))
    rows = await query
    return [
        MunicipalityOut(
            number=r["number"],
            name=r["name"],
            county=r["county.name"],
            county_number=r["county.number"],
            org_number=r["org_number"],
        )
        for r in rows
    ]


async def municipality_id(number: str | None, field: str = "municipality") -> int | None:
    """The row id for an SSB number given as input; an unknown one is a 422 naming `field`."""
    if number is None:
        return None
    row = await Municipality.select(Municipality.id).where(Municipality.number == number).first()
    if row is None:
        raise Invalid(
            "no municipality with number {number!r}", field=field, params={"number": number}
        )
    return int(row["id"])


# --- one municipality, and its bank account ---------------------------------------------


async def municipality_detail(number: str) -> MunicipalityDetail:
    """Everything about one municipality, payment details included (the caller decides
    who sees them)."""
    row = (
        await Municipality.select(
            Municipality.id,
            Municipality.number,
            Municipality.name,
            Municipality.org_number,
            Municipality.bank_account,
            Municipality.bank_account_changed_at,
            Municipality.pending_bank_account,
            Municipality.pending_bank_account_by,
            Municipality.pending_bank_account_at,
            Municipality.official_email,
            Municipality.language,
            Municipality.county.number,
            Municipality.county.name,
        )
        .where(Municipality.number == number)
        .first()
    )
    if row is None:
        raise NotFound("No municipality with number {number!r}", params={"number": number})
    domains = (
        await MunicipalityDomain.select(MunicipalityDomain.domain)
        .where(MunicipalityDomain.municipality == row["id"])
        .order_by(MunicipalityDomain.domain)
    )
    pending = None
    if row["pending_bank_account"]:
        pending = PendingAccountOut(
            account=row["pending_bank_account"],
            proposed_by=row["pending_bank_account_by"] or "",
            proposed_at=oslo_iso(row["pending_bank_account_at"]) or "",
        )
    return MunicipalityDetail(
        number=row["number"],
        name=row["name"],
        county=row["county.name"],
        county_number=row["county.number"],
        org_number=row["org_number"],
        bank_account=row["bank_account"],
        email_domains=[d["domain"] for d in domains],
        pending_bank_account=pending,
        bank_account_changed_at=oslo_iso(row["bank_account_changed_at"]),
        official_email=row["official_email"],
        language=row["language"] or "nb",
    )


def _may_handle_accounts(actor: CurrentUser) -> None:
    if not (actor.is_finance or actor.is_admin):
        raise Forbidden("Only finance staff and administrators may do this")


async def _locked_municipality(number: str) -> dict[str, Any]:
    """The municipality's row, locked until the transaction ends (SQLite: BEGIN
    IMMEDIATE already serialises writers)."""
    query = Municipality.select().where(Municipality.number == number)
    if not is_sqlite():
        query = query.lock_rows()
    rows = await query
    if not rows:
        raise NotFound("No municipality with number {number!r}", params={"number": number})
    return dict(rows[0])


def _pending(row: dict[str, Any]) -> dict[str, Any] | None:
    if not row["pending_bank_account"]:
        return None
    at = row["pending_bank_account_at"]
    return {
        "account": row["pending_bank_account"],
        "proposed_by": row["pending_bank_account_by"],
        "proposed_at": at.isoformat() if at else None,
    }


CLEARED: dict[Any, Any] = {
    Municipality.pending_bank_account: None,
    Municipality.pending_bank_account_by: None,
    Municipality.pending_bank_account_at: None,
}


async def propose_bank_account(actor: CurrentUser, number: str, account: str) -> MunicipalityDetail:
    """Enter a new bank account for the municipality: it waits, pending, for a second
    finance officer or administrator to confirm it; until then claims pay to the
    confirmed account. Entering the confirmed account again withdraws a pending one."""
    _may_handle_accounts(actor)
    compact = bank_account(account, "bank_account")
    async with atomic():
        row = await _locked_municipality(number)
        before = _pending(row)
        stamp = now()
        if compact == row["bank_account"]:
            if before is not None:
                await Municipality.update({**CLEARED, Municipality.updated_at: stamp}).where(
                    Municipality.id == row["id"]
                )
                await record(
                    actor.email,
                    "municipality.bank_account.discard",
                    "municipality",
                    number,
                    before={"pending": before},
                    after={"pending": None, "bank_account": row["bank_account"]},
                )
        elif before is None or before["account"] != compact:
            await Municipality.update(
                {
                    Municipality.pending_bank_account: compact,
                    Municipality.pending_bank_account_by: actor.email,
                    Municipality.pending_bank_account_at: stamp,
                    Municipality.updated_at: stamp,
                }
            ).where(Municipality.id == row["id"])
            await record(
                actor.email,
                "municipality.bank_account.propose",
                "municipality",
                number,
                before={"bank_account": row["bank_account"], "pending": before},
                after={"pending": {"account": compact, "proposed_by": actor.email}},
            )
        return await municipality_detail(number)


async def confirm_bank_account(
    actor: CurrentUser, number: str, expected: str | None = None
) -> MunicipalityDetail:
    """A second finance officer or administrator confirms the pending account: from now
    on claims pay to it. `expected`: the account the confirmer was shown; if the pending
    one has changed since, nothing is confirmed (409)."""
    _may_handle_accounts(actor)
    wanted = None if expected is None else bank_account(expected, "account")
    async with atomic():
        row = await _locked_municipality(number)
        pending = _pending(row)
        if pending is None:
            raise Conflict(
                "{municipality} has no bank account waiting to be confirmed",
                params={"municipality": row["name"]},
            )
        if pending["proposed_by"] == actor.email:
            raise Forbidden(
                "You entered this account yourself: a second finance officer or "
                "administrator confirms it"
            )
        if wanted is not None and wanted != pending["account"]:
            raise Conflict(
                "The account waiting to be confirmed has changed to {account}; look again",
                field="account",
                params={"account": pending["account"]},
            )
        stamp = now()
        await Municipality.update(
            {
                Municipality.bank_account: pending["account"],
                Municipality.bank_account_changed_at: stamp,
                Municipality.updated_at: stamp,
                **CLEARED,
            }
        ).where(Municipality.id == row["id"])
        await record(
            actor.email,
            "municipality.bank_account.confirm",
            "municipality",
            number,
            before={"bank_account": row["bank_account"], "pending": pending},
            after={"bank_account": pending["account"], "confirmed_by": actor.email},
        )
        return await municipality_detail(number)


async def discard_bank_account(actor: CurrentUser, number: str) -> MunicipalityDetail:
    """Throw away the pending account (the proposer may withdraw their own); the
    confirmed account stays."""
    _may_handle_accounts(actor)
    async with atomic():
        row = await _locked_municipality(number)
        pending = _pending(row)
        if pending is None:
            raise Conflict(
                "{municipality} has no bank account waiting to be confirmed",
                params={"municipality": row["name"]},
            )
        await Municipality.update({**CLEARED, Municipality.updated_at: now()}).where(
            Municipality.id == row["id"]
        )
        await record(
            actor.email,
            "municipality.bank_account.discard",
            "municipality",
            number,
            before={"pending": pending},
            after={"pending": None, "bank_account": row["bank_account"]},
        )
        return await municipality_detail(number)
