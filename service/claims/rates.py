"""Rate tables: effective-dated, written by finance; the one in force on a date applies."""

from __future__ import annotations

from datetime import date
from typing import Any

from service.accounts.identity import CurrentUser
from service.claims.compute import Rates
from service.claims.schemas import RateIn, RateOut
from service.db.tables import RateTable
from service.db.tx import atomic
from service.lib.audit import record
from service.lib.errors import Conflict, Forbidden, Invalid
from service.lib.money import from_ore, stored_ore, text

AMOUNTS = ("km", "passenger_km", "day_6_12h", "day_over_12h", "overnight", "night_allowance")


def _rates(row: dict[str, Any]) -> Rates:
    return Rates(
        valid_from=row["valid_from"],
        source=row["source"],
        **{k: from_ore(row[k]) for k in AMOUNTS},
    )


def _out(row: dict[str, Any]) -> RateOut:
    r = _rates(row)
    return RateOut(
        valid_from=r.valid_from,
        source=r.source,
        created_by=row["created_by"],
        **{k: text(getattr(r, k)) for k in AMOUNTS},
    )


async def list_rates() -> list[RateOut]:
    rows = await RateTable.select().order_by(RateTable.valid_from, ascending=False)
    return [_out(r) for r in rows]


async def create(user: CurrentUser, data: RateIn) -> RateOut:
    if not user.is_finance:
        raise Forbidden("Only finance may publish rate tables")
    values: dict[str, Any] = {k: stored_ore(getattr(data, k), k) for k in AMOUNTS}
    if values["km"] == 0:
        raise Invalid("The km rate cannot be zero", field="km")
    async with atomic():
        if await RateTable.exists().where(RateTable.valid_from == data.valid_from):
            raise Conflict(
                "A rate table valid from {day} exists already",
                field="valid_from",
                params={"day": data.valid_from.isoformat()},
            )
        row = {
            "valid_from": data.valid_from,
            "source": data.source.strip(),
            "created_by": user.email,
            **values,
        }
        await RateTable.insert(RateTable(**row))
        day = data.valid_from.isoformat()
        await record(
            user.email, "rates.create", "rate_table", day, after={**row, "valid_from": day}
        )
    return _out(row)


async def load_all() -> list[Rates]:
    """Every table, newest first (a claim prices all its lines against one read)."""
    rows = await RateTable.select().order_by(RateTable.valid_from, ascending=False)
    return [_rates(r) for r in rows]


def in_force(tables: list[Rates], day: date, field: str) -> Rates:
    for rates in tables:  # newest first
        if rates.valid_from <= day:
            return rates
    raise Invalid(
        "No rate table is in force on {day}", field=field, params={"day": day.isoformat()}
    )
