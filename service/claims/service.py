"""Claims: pricing lines against the rate tables and the gathering's meals."""

from __future__ import annotations

from typing import Any

import msgspec

from service.accounts.identity import CurrentUser
from service.claims import compute, rates
from service.claims.schemas import (
    Accommodation,
    LineIn,
    Mileage,
    NightAllowance,
    Other,
    PerDiem,
    PreviewIn,
    PreviewOut,
    Ticket,
)
from service.db.tables import Meal
from service.gatherings import service as gatherings
from service.lib.clock import OSLO, parse_when
from service.lib.errors import Conflict, Invalid
from service.lib.money import parse_money, text


async def meals_of(gathering_id: int) -> set[tuple[Any, str]]:
    rows = await Meal.select(Meal.date, Meal.meal).where(Meal.gathering == gathering_id)
    return {(r["date"], r["meal"]) for r in rows}


def price(
    line: LineIn,
    index: int,
    tables: list[compute.Rates],
    gathering: dict[str, Any],
    meals: set[tuple[Any, str]],
    lang: str,
) -> compute.Priced:
    at = f"lines[{index}]"
    if isinstance(line, Mileage):
        table = rates.in_force(tables, line.date, f"{at}.date")
        return compute.mileage(line.km, line.passengers, table, lang)
    if isinstance(line, (Ticket, Other, Accommodation)):
        return compute.receipted(parse_money(line.amount, f"{at}.amount"), lang)
    if isinstance(line, NightAllowance):
        day = gathering["starts_at"].astimezone(OSLO).date()
        return compute.night_allowance(line.nights, rates.in_force(tables, day, at), lang)
    assert isinstance(line, PerDiem)
    departure = parse_when(line.departure, f"{at}.departure")
    back = parse_when(line.return_, f"{at}.return")
    if back <= departure:
        raise Invalid("The return must come after the departure", field=f"{at}.return")
    table = rates.in_force(tables, departure.astimezone(OSLO).date(), f"{at}.departure")
    return compute.per_diem(departure, back, line.distance_km, table, meals, lang)


async def price_all(
    lines: list[LineIn], gathering: dict[str, Any], lang: str
) -> tuple[list[dict[str, Any]], str]:
    if not gathering["reimbursable"]:
        raise Conflict("Travel costs for this gathering are not reimbursed")
    tables = await rates.load_all()
    meals = await meals_of(gathering["id"])
    out = []
    for i, line in enumerate(lines):
        priced = price(line, i, tables, gathering, meals, lang)
        out.append(
            {**msgspec.to_builtins(line), "amount": text(priced.amount), "rule": priced.rule}
        )
    return out, text(compute.total(parse_money(o["amount"], "amount") for o in out))


async def preview(user: CurrentUser, data: PreviewIn) -> PreviewOut:
    gathering = await gatherings.visible_row(user, data.gathering)
    lines, total = await price_all(data.lines, gathering, user.language)
    return PreviewOut(lines=lines, total=total)
