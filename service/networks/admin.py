"""An administrator's changes to names: networks (name and description), counties and
municipalities. Each is one transaction with its audit event (before and after)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from service.accounts.identity import CurrentUser
from service.db.tables import County, Municipality, Network
from service.db.tx import atomic
from service.lib.audit import record
from service.lib.errors import Forbidden, Invalid, NotFound

NETWORK_NAME_MAX: int = Network.name.length or 150
COUNTY_NAME_MAX: int = County.name.length or 100
MUNICIPALITY_NAME_MAX: int = Municipality.name.length or 150
DESCRIPTION_MAX = 5000


def _admin(actor: CurrentUser) -> None:
    if not actor.is_admin:
        raise Forbidden("Only administrators may do this")


def _name(value: str, limit: int, field: str = "name") -> str:
    name = " ".join(value.split())
    if not name:
        raise Invalid("The name must not be empty", field=field)
    if len(name) > limit:
        raise Invalid(
            "The name is longer than {limit} characters", field=field, params={"limit": limit}
        )
    return name


async def update_network(
    actor: CurrentUser, slug: str, *, name: str | None = None, description: str | None = None
) -> None:
    _admin(actor)
    values: dict[Any, Any] = {}
    if name is not None:
        values[Network.name] = _name(name, NETWORK_NAME_MAX)
    if description is not None:
        text = description.strip().replace("\r\n", "\n")
        if len(text) > DESCRIPTION_MAX:
            raise Invalid(
                "The description is longer than {limit} characters",
                field="description",
                params={"limit": DESCRIPTION_MAX},
            )
        values[Network.description] = text
    async with atomic():
        row = await Network.select().where(Network.slug == slug).first()
        if row is None:
            raise NotFound("No network with slug {slug!r}", params={"slug": slug})
        changed = {c: v for c, v in values.items() if row[c._meta.name] != v}
        if not changed:
            return
        await Network.update(changed).where(Network.id == row["id"])
        await record(
            actor.email,
            "network.update",
            "network",
            slug,
            before={c._meta.name: row[c._meta.name] for c in changed},
            after={c._meta.name: v for c, v in changed.items()},
        )


@dataclass(frozen=True)
class CountyRow:
    number: str
    name: str
    municipalities: int


async def list_counties() -> list[CountyRow]:
    counties = await County.select(County.id, County.number, County.name).order_by(County.number)
    per: dict[int, int] = {}
    for m in await Municipality.select(Municipality.county):
        if m["county"] is not None:
            per[m["county"]] = per.get(m["county"], 0) + 1
    return [CountyRow(c["number"], c["name"], per.get(c["id"], 0)) for c in counties]


async def rename_counties(actor: CurrentUser, names: dict[str, str]) -> list[str]:
    """Several counties at once (number -> name), all or none; returns the numbers of
    those whose name changed."""
    _admin(actor)
    new = {
        number: _name(name, COUNTY_NAME_MAX, f"county.{number}") for number, name in names.items()
    }
    changed = []
    async with atomic():
        current = {c["number"]: c["name"] for c in await County.select(County.number, County.name)}
        for number, name in new.items():
            if number in current and current[number] != name:
                await rename_county(actor, number, name)
                changed.append(number)
    return changed


async def rename_county(actor: CurrentUser, number: str, name: str) -> None:
    _admin(actor)
    new = _name(name, COUNTY_NAME_MAX, f"county.{number}")
    async with atomic():
        row = await County.select().where(County.number == number).first()
        if row is None:
            raise NotFound(
                "No county {county!r}; use a county number or name", params={"county": number}
            )
        if row["name"] == new:
            return
        await County.update({County.name: new}).where(County.id == row["id"])
        await record(
            actor.email,
            "county.update",
            "county",
            number,
            before={"name": row["name"]},
            after={"name": new},
        )


async def rename_municipality(actor: CurrentUser, number: str, name: str) -> None:
    _admin(actor)
    new = _name(name, MUNICIPALITY_NAME_MAX)
    async with atomic():
        row = await Municipality.select().where(Municipality.number == number).first()
        if row is None:
            raise NotFound("No municipality with number {number!r}", params={"number": number})
        if row["name"] == new:
            return
        await Municipality.update(
            {Municipality.name: new, Municipality.updated_at: datetime.now(UTC)}
        ).where(Municipality.id == row["id"])
        await record(
            actor.email,
            "municipality.rename",
            "municipality",
            number,
            before={"name": row["name"]},
            after={"name": new},
        )
