"""The review queue: the claims a reviewer may see, filtered, with totals and flags.

Finance sees every claim that has been submitted (drafts stay the claimant's own), a
coordinator those of the networks they coordinate. The filters are status (`waiting`:
what waits for this reviewer, the default; `all`; or one status), network, gathering,
municipality (SSB number) and year (the year the gathering starts, Oslo time). Totals
count every claim that matches, also when only the first `SHOWN` rows are listed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from service.accounts.identity import CurrentUser
from service.claims import claims, flags
from service.claims.schemas import ClaimFlag
from service.db.tables import Claim
from service.lib.clock import OSLO
from service.lib.errors import Forbidden, Invalid
from service.lib.money import from_ore, text

SHOWN = 500
REVIEWED = ("submitted", "attested", "approved", "paid", "returned", "rejected")
WAITING_FINANCE = ("submitted", "attested", "approved")  # approved: not yet paid out
WAITING_COORDINATOR = ("submitted",)


class QueueFilter(msgspec.Struct, frozen=True):
    status: str = "waiting"
    network: str = ""
    gathering: str = ""
    municipality: str = ""
    year: int | None = None


class QueueItem(msgspec.Struct):
    id: str
    status: str
    claimant: str
    claimant_name: str
    municipality: str
    municipality_name: str
    network: str
    gathering: str
    gathering_title: str
    starts_at: datetime
    total: str
    approved_total: str | None
    flags: list[ClaimFlag]


class Queue(msgspec.Struct):
    items: list[QueueItem]
    count: int
    claimed: str
    approved: str
    more: int  # how many match beyond those listed


class Choice(msgspec.Struct):
    value: str
    label: str


class Choices(msgspec.Struct):
    """What the filters offer this reviewer: what their visible claims have."""

    networks: list[Choice]
    gatherings: list[Choice]
    municipalities: list[Choice]
    years: list[int]


def may_review(user: CurrentUser) -> bool:
    return user.is_finance or bool(user.coordinated_networks)


def _scope(user: CurrentUser) -> tuple[list[str], list[Any]]:
    """The WHERE clauses limiting claims to what this reviewer may see."""
    if not may_review(user):
        raise Forbidden("The review queue is for finance and coordinators")
    where = ["c.status <> 'draft'"]
    args: list[Any] = []
    if not user.is_finance:
        slugs = sorted(user.coordinated_networks)
        where.append("n.slug IN (" + ", ".join("{}" for _ in slugs) + ")")
        args += slugs
    return where, args


def year_of(row: dict[str, Any]) -> int:
    """The year a claim counts in: its gathering's start, Oslo time (as budgets count)."""
    return int(row["starts_at"].astimezone(OSLO).year)


async def queue(user: CurrentUser, f: QueueFilter) -> Queue:
    where, args = _scope(user)
    if f.status == "waiting":
        waiting = WAITING_FINANCE if user.is_finance else WAITING_COORDINATOR
        where.append("c.status IN (" + ", ".join("{}" for _ in waiting) + ")")
        args += list(waiting)
        where.append("c.payout IS NULL")
        where.append("c.claimant <> {}")  # nobody decides their own claim
        args.append(user.id)
    elif f.status != "all":
        if f.status not in REVIEWED:
            raise Invalid(
                "Unknown status {status!r}; one of {statuses}",
                field="status",
                params={"status": f.status, "statuses": ", ".join(REVIEWED)},
            )
        where.append("c.status = {}")
        args.append(f.status)
    if f.network:
        where.append("n.slug = {}")
        args.append(f.network)
    if f.gathering:
        if not f.gathering.isdigit():
            raise Invalid("No gathering with that id", field="gathering")
        where.append("c.gathering = {}")
        args.append(int(f.gathering))
    if f.municipality:
        where.append("m.number = {}")
        args.append(f.municipality)
    order = "c.id" if f.status == "waiting" else "c.id DESC"
    sql = claims.CLAIM_SQL + " WHERE " + " AND ".join(where) + f" ORDER BY {order}"
    rows = [r for r in await Claim.raw(sql, *args) if f.year in (None, year_of(r))]
    shown = rows[:SHOWN]
    found = await flags.of_rows(shown)
    return Queue(
        items=[
            QueueItem(
                id=str(r["id"]),
                status=r["status"],
                claimant=r["claimant_email"],
                claimant_name=r["claimant_name"],
                municipality=r["municipality_number"],
                municipality_name=r["municipality_name"],
                network=r["network_slug"],
                gathering=str(r["gathering"]),
                gathering_title=r["gathering_title"],
                starts_at=r["starts_at"],
                total=text(from_ore(r["total"])),
                approved_total=(
                    text(from_ore(r["approved_total"])) if r["approved_total"] is not None else None
                ),
                flags=found.get(r["id"], []),
            )
            for r in shown
        ],
        count=len(rows),
        claimed=text(from_ore(sum(r["total"] for r in rows))),
        approved=text(from_ore(sum(r["approved_total"] or 0 for r in rows))),
        more=len(rows) - len(shown),
    )


CHOICES_SQL = (
    "SELECT DISTINCT n.slug, n.name AS network_name, g.id AS gathering, g.title, g.starts_at, "
    "m.number, m.name AS municipality_name FROM claim c JOIN gathering g ON g.id = c.gathering "
    "JOIN network n ON n.id = g.network JOIN municipality m ON m.id = c.municipality"
)


async def choices(user: CurrentUser) -> Choices:
    where, args = _scope(user)
    rows = await Claim.raw(CHOICES_SQL + " WHERE " + " AND ".join(where), *args)
    networks = {r["slug"]: r["network_name"] for r in rows}
    gatherings = {
        str(r["gathering"]): (r["starts_at"], r["title"])
        for r in sorted(rows, key=lambda r: r["starts_at"], reverse=True)
    }
    municipalities = {r["number"]: r["municipality_name"] for r in rows}
    return Choices(
        networks=[Choice(s, n) for s, n in sorted(networks.items(), key=lambda kv: kv[1])],
        gatherings=[Choice(g, t) for g, (_, t) in gatherings.items()],
        municipalities=[
            Choice(k, v) for k, v in sorted(municipalities.items(), key=lambda kv: kv[1])
        ],
        years=sorted({year_of(r) for r in rows}, reverse=True),
    )
