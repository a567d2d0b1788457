"""Demo data: the six regional networks as they ran from 2008 (idempotent load)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from service.claims.rates import AMOUNTS
from service.db.tables import (
    County,
    Municipality,
    MunicipalityDomain,
    Network,
    NetworkCounty,
    NetworkMembership,
    RateTable,
)
from service.db.tx import atomic
from service.lib.audit import record
from service.lib.money import to_ore

DATA_FILE = Path(__file__).with_name("demo_data.json")


def demo_data() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


async def _upsert(table: Any, key_col: Any, key: str, values: dict[str, Any]) -> int:
    row = await table.select(table.id).where(key_col == key).first()
    if row is None:
        new = await table.insert(table(**{key_col._meta.name: key, **values}))
        return int(new[0]["id"])
    await table.update(values).where(table.id == row["id"])
    return int(row["id"])


async def load_demo() -> dict[str, int]:
    """Insert or refresh the demo networks; running it again changes nothing."""
    data = demo_data()
    created = {"networks": 0, "municipalities": 0, "memberships": 0, "rate tables": 0}
    async with atomic():
        county_ids = {}
        for c in data["counties"]:
            county_ids[c["number"]] = await _upsert(
                County, County.number, c["number"], {"name": c["name"]}
            )
        network_ids = {}
        for n in data["networks"]:
            existed = await Network.exists().where(Network.slug == n["slug"])
            network_ids[n["slug"]] = nid = await _upsert(
                Network,
                Network.slug,
                n["slug"],
                {"name": n["name"], "description": n["description"]},
            )
            created["networks"] += not existed
            for number in n["counties"]:
                cid = county_ids[number]
                if not await NetworkCounty.exists().where(
                    (NetworkCounty.network == nid) & (NetworkCounty.county == cid)
                ):
                    await NetworkCounty.insert(NetworkCounty(network=nid, county=cid))
        for m in data["municipalities"]:
            existed = await Municipality.exists().where(Municipality.number == m["number"])
            mid = await _upsert(
                Municipality,
                Municipality.number,
                m["number"],
                {
                    "name": m["name"],
                    "county": county_ids[m["county"]],
                    "org_number": m["org_number"],
                },
            )
            created["municipalities"] += not existed
            for domain in m.get("email_domains", []):
                if not await MunicipalityDomain.exists().where(MunicipalityDomain.domain == domain):
                    await MunicipalityDomain.insert(
                        MunicipalityDomain(domain=domain, municipality=mid)
                    )
            nid = network_ids[m["network"]]
            if not await NetworkMembership.exists().where(
                (NetworkMembership.network == nid) & (NetworkMembership.municipality == mid)
            ):
                await NetworkMembership.insert(
                    NetworkMembership(
                        network=nid, municipality=mid, status="member", member_since=date.today()
                    )
                )
                created["memberships"] += 1
        for r in data.get("rates", []):
            valid_from = date.fromisoformat(r["valid_from"])
            if not await RateTable.exists().where(RateTable.valid_from == valid_from):
                row: dict[str, Any] = {k: to_ore(Decimal(r[k])) for k in AMOUNTS}
                row.update(valid_from=valid_from, source=r["source"], created_by="demo")
                await RateTable.insert(RateTable(**row))
                created["rate tables"] += 1
        if any(created.values()):
            await record("samling demo", "demo.load", "demo", "all", after=created)
    return created
