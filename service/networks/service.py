"""Networks, counties, municipalities and memberships: reads and rules."""

from __future__ import annotations

from collections import defaultdict

from service.db.tables import (
    County,
    Municipality,
    Network,
    NetworkCounty,
    NetworkMembership,
    RoleGrant,
)
from service.lib.errors import Invalid, NotFound
from service.networks.schemas import (
    CoordinatorOut,
    MemberOut,
    MunicipalityOut,
    NetworkDetail,
    NetworkOut,
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
    """Active coordinators of each network, by name."""
    rows = await (
        RoleGrant.select(RoleGrant.network, RoleGrant.user.name, RoleGrant.user.email)
        .where(
            (RoleGrant.role == "coordinator")
            & RoleGrant.network.is_in(network_ids or [-1])
            & (RoleGrant.user.active == True)  # noqa: E712
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
