"""Budgets: each network's yearly allocation next to what its claims have used.

A claim counts in the year its gathering starts (Oslo time): `pending` are submitted
or attested claims (as claimed), `approved` and `paid` their approved totals;
`remaining` = budget − pending − approved − paid.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from service.accounts.identity import CurrentUser
from service.db.tables import Budget, Network
from service.db.tx import atomic
from service.lib.audit import record
from service.lib.clock import OSLO, now
from service.lib.errors import Forbidden, NotFound
from service.lib.money import from_ore, stored_ore, text


class BudgetIn(msgspec.Struct, forbid_unknown_fields=True):
    amount: Annotated[str, msgspec.Meta(pattern=r"^\d{1,9}(\.\d{1,2})?$")]


class BudgetOut(msgspec.Struct):
    network: str
    network_name: str
    year: int
    budget: str | None
    pending: str
    approved: str
    paid: str
    remaining: str | None


USE_SQL = (
    "SELECT n.slug, c.status, g.starts_at, c.total, c.approved_total FROM claim c "
    "JOIN gathering g ON g.id = c.gathering JOIN network n ON n.id = g.network "
    "WHERE c.status IN ('submitted', 'attested', 'approved', 'paid')"
)


def _may_see(user: CurrentUser, slug: str) -> bool:
    return user.is_finance or user.is_admin or user.coordinates(slug)


async def list_budgets(user: CurrentUser, year: int | None) -> list[BudgetOut]:
    if not (user.is_finance or user.is_admin or user.coordinated_networks):
        raise Forbidden("Budgets are for finance, admins and coordinators")
    networks = {r["id"]: r for r in await Network.select(Network.id, Network.slug, Network.name)}
    slug_name = {r["slug"]: r["name"] for r in networks.values()}
    totals: dict[tuple[str, int], dict[str, int]] = {}

    def slot(slug: str, y: int) -> dict[str, int]:
        return totals.setdefault((slug, y), {"budget": -1, "pending": 0, "approved": 0, "paid": 0})

    for b in await Budget.select():
        slot(networks[b["network"]]["slug"], b["year"])["budget"] = b["amount"]
    for c in await Budget.raw(USE_SQL):
        y = c["starts_at"].astimezone(OSLO).year
        s = slot(c["slug"], y)
        if c["status"] in ("submitted", "attested"):
            s["pending"] += c["total"]
        else:
            s[c["status"]] += c["approved_total"] or 0
    out = []
    for (slug, y), s in sorted(totals.items(), key=lambda kv: (-kv[0][1], kv[0][0])):
        if (year is not None and y != year) or not _may_see(user, slug):
            continue
        used = s["pending"] + s["approved"] + s["paid"]
        has_budget = s["budget"] >= 0
        out.append(
            BudgetOut(
                network=slug,
                network_name=slug_name.get(slug, slug),
                year=y,
                budget=text(from_ore(s["budget"])) if has_budget else None,
                pending=text(from_ore(s["pending"])),
                approved=text(from_ore(s["approved"])),
                paid=text(from_ore(s["paid"])),
                remaining=text(from_ore(s["budget"] - used)) if has_budget else None,
            )
        )
    return out


async def set_budget(user: CurrentUser, slug: str, year: int, data: BudgetIn) -> BudgetOut:
    if not user.is_finance:
        raise Forbidden("Only finance sets budgets")
    amount = stored_ore(data.amount, "amount")
    async with atomic():
        rows = await Network.select(Network.id).where(Network.slug == slug)
        if not rows:
            raise NotFound("No network with slug {slug!r}", params={"slug": slug})
        network_id = rows[0]["id"]
        existing = await Budget.select().where(
            (Budget.network == network_id) & (Budget.year == year)
        )
        values: dict[Any, Any] = {
            Budget.amount: amount,
            Budget.updated_by: user.email,
            Budget.updated_at: now(),
        }
        if existing:
            await Budget.update(values).where(Budget.id == existing[0]["id"])
        else:
            await Budget.insert(
                Budget(network=network_id, year=year, amount=amount, updated_by=user.email)
            )
        before = {"amount": existing[0]["amount"]} if existing else None
        await record(
            user.email, "budget.set", "budget", f"{slug}:{year}", before, {"amount": amount}
        )
    return next(b for b in await list_budgets(user, year) if b.network == slug)
