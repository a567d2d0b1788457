"""A year's figures per network, county and municipality (issue 10, annual statistics).

The definitions (the page's "About the figures" says the same in the reader's language):

- The year is the Europe/Oslo calendar year in which a gathering starts.
- A gathering is *held* when it is published or completed (not a draft, not cancelled)
  and has ended. Only held gatherings count; everything below is about them.
- *Places offered*: the sum of their capacity (networks and totals only).
- *Registrations*: every sign-up to a held gathering — confirmed, waitlisted, or later
  cancelled (each registration row once).
- *Attended*: registrations marked attended. *No-shows*: still confirmed at the gathering
  and marked not attended (an unmarked registration is neither).
- *Waiting-list peak*: the longest each gathering's waiting list has been
  (`Gathering.waitlist_peak`), summed over a network's gatherings and in the totals;
  a waiting list belongs to a gathering, so municipalities and counties have none.
- *Late cancellations*: cancelled registrations whose cancellation came after the
  gathering's cancellation deadline, or, when it has none, after registration closed
  (a gathering with neither has no late cancellations).
- *Claims submitted*: claims sent to finance and not sent back (submitted, attested,
  approved, paid or rejected) and their claimed total; *approved*: approved or paid, with
  their approved total; *paid*: paid, with the approved total paid out.
- *Cost per attendee*: the paid total ÷ attended, to the øre (half up); none when nobody
  attended.
- A network's figures come from its gatherings; a municipality's from its registrations
  and claims (`Registration.municipality`, `Claim.municipality`) and counts the held
  gatherings it registered for; a county's from its municipalities. The totals are the
  sum of the networks (a registration without a municipality counts there only).
- With a county chosen, registrations, attendance, cancellations and claims count only
  that county's municipalities, everywhere; gatherings, places and waiting lists are the
  networks' own. Coordinators see only the networks they coordinate.

All sums are integers (øre for money) in Python over three bounded queries: the held
gatherings of one year, their registrations, their claims.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import msgspec

from service.accounts.identity import CurrentUser
from service.db.tables import Claim, County, Gathering, Municipality, Network, Registration
from service.lib.clock import OSLO, now
from service.lib.errors import BadInput, Forbidden
from service.lib.money import from_ore, text

HELD_STATUSES = ("published", "completed")
SUBMITTED = frozenset({"submitted", "attested", "approved", "paid", "rejected"})
APPROVED = frozenset({"approved", "paid"})
FIRST_YEAR, LAST_YEAR = 2000, 2100

# --- the result ----------------------------------------------------------------------


@dataclass
class Tally:
    """One row's figures; money in øre. None: the figure does not apply at this level."""

    gatherings: int = 0
    places: int | None = 0
    registrations: int = 0
    attended: int = 0
    no_shows: int = 0
    waitlist_peak: int | None = 0
    late_cancellations: int = 0
    claims_submitted: int = 0
    claimed_total: int = 0
    claims_approved: int = 0
    approved_total: int = 0
    claims_paid: int = 0
    paid_total: int = 0
    gathering_ids: set[int] = field(default_factory=set)

    def cost_per_attendee(self) -> int | None:
        """Øre per attendee, half up; None when nobody attended."""
        if self.attended == 0:
            return None
        return int((Decimal(self.paid_total) / self.attended).quantize(1, ROUND_HALF_UP))

    def add(self, other: Tally) -> None:
        self.gatherings += other.gatherings
        if self.places is not None and other.places is not None:
            self.places += other.places
        if self.waitlist_peak is not None and other.waitlist_peak is not None:
            self.waitlist_peak += other.waitlist_peak
        for name in (
            "registrations",
            "attended",
            "no_shows",
            "late_cancellations",
            "claims_submitted",
            "claimed_total",
            "claims_approved",
            "approved_total",
            "claims_paid",
            "paid_total",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


# The figures in order: (key, kind) — kind "int" or "money" (øre); the files use it.
COLUMNS: list[tuple[str, str]] = [
    ("gatherings", "int"),
    ("places", "int"),
    ("registrations", "int"),
    ("attended", "int"),
    ("no_shows", "int"),
    ("waitlist_peak", "int"),
    ("late_cancellations", "int"),
    ("claims_submitted", "int"),
    ("claimed_total", "money"),
    ("claims_approved", "int"),
    ("approved_total", "money"),
    ("claims_paid", "int"),
    ("paid_total", "money"),
    ("cost_per_attendee", "money"),
]


def value(t: Tally, key: str) -> int | None:
    """A figure by its key (money in øre)."""
    if key == "cost_per_attendee":
        return t.cost_per_attendee()
    return getattr(t, key)


class FiguresOut(msgspec.Struct):
    gatherings: int
    places: int | None
    registrations: int
    attended: int
    no_shows: int
    waitlist_peak: int | None
    late_cancellations: int
    claims_submitted: int
    claimed_total: str
    claims_approved: int
    approved_total: str
    claims_paid: int
    paid_total: str
    cost_per_attendee: str | None


class NetworkFigures(msgspec.Struct):
    network: str
    name: str
    figures: FiguresOut


class CountyFigures(msgspec.Struct):
    county: str
    name: str
    figures: FiguresOut


class MunicipalityFigures(msgspec.Struct):
    municipality: str
    name: str
    county: str | None
    county_name: str | None
    figures: FiguresOut


class FiltersOut(msgspec.Struct):
    network: str | None
    county: str | None


class StatisticsOut(msgspec.Struct):
    year: int
    filters: FiltersOut
    totals: FiguresOut
    networks: list[NetworkFigures]
    counties: list[CountyFigures]
    municipalities: list[MunicipalityFigures]


def _money(ore: int | None) -> str | None:
    return None if ore is None else text(from_ore(ore))


def figures_out(t: Tally) -> FiguresOut:
    return FiguresOut(
        gatherings=t.gatherings,
        places=t.places,
        registrations=t.registrations,
        attended=t.attended,
        no_shows=t.no_shows,
        waitlist_peak=t.waitlist_peak,
        late_cancellations=t.late_cancellations,
        claims_submitted=t.claims_submitted,
        claimed_total=text(from_ore(t.claimed_total)),
        claims_approved=t.claims_approved,
        approved_total=text(from_ore(t.approved_total)),
        claims_paid=t.claims_paid,
        paid_total=text(from_ore(t.paid_total)),
        cost_per_attendee=_money(t.cost_per_attendee()),
    )


# --- the rows, kept for the page and the files -------------------------------------


@dataclass
class Row:
    code: str
    name: str
    tally: Tally
    county: str | None = None
    county_name: str | None = None


@dataclass
class Statistics:
    year: int
    network: str | None
    county: str | None
    totals: Tally
    networks: list[Row]
    counties: list[Row]
    municipalities: list[Row]

    def out(self) -> StatisticsOut:
        return StatisticsOut(
            year=self.year,
            filters=FiltersOut(network=self.network, county=self.county),
            totals=figures_out(self.totals),
            networks=[NetworkFigures(r.code, r.name, figures_out(r.tally)) for r in self.networks],
            counties=[CountyFigures(r.code, r.name, figures_out(r.tally)) for r in self.counties],
            municipalities=[
                MunicipalityFigures(r.code, r.name, r.county, r.county_name, figures_out(r.tally))
                for r in self.municipalities
            ],
        )


# --- input ------------------------------------------------------------------------------


def may_see_statistics(user: CurrentUser | None) -> bool:
    return user is not None and bool(user.is_admin or user.is_finance or user.coordinated_networks)


def parse_year(raw: str | None) -> int:
    """The year asked for (this Oslo year when none); 400 naming `year` otherwise."""
    if raw is None or raw.strip() == "":
        return now().astimezone(OSLO).year
    raw = raw.strip()
    if not raw.isdigit() or not FIRST_YEAR <= int(raw) <= LAST_YEAR:
        raise BadInput(
            "The year must be a year between {first} and {last}",
            field="year",
            params={"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return int(raw)


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    """The Oslo year as UTC instants (both engines compare those the same way)."""
    lo = datetime(year, 1, 1, tzinfo=OSLO).astimezone(UTC)
    return lo, datetime(year + 1, 1, 1, tzinfo=OSLO).astimezone(UTC)


async def years_with_activity(user: CurrentUser) -> list[int]:
    """The Oslo years in which a held gathering the user may see started, newest first."""
    rows = await Gathering.select(Gathering.starts_at, Gathering.network.slug).where(
        Gathering.status.is_in(list(HELD_STATUSES)) & (Gathering.ends_at <= now())
    )
    return sorted(
        {
            r["starts_at"].astimezone(OSLO).year
            for r in rows
            if user.is_admin or user.is_finance or user.coordinates(r["network.slug"])
        },
        reverse=True,
    )


async def visible_networks(user: CurrentUser) -> list[dict[str, Any]]:
    rows = await Network.select(Network.id, Network.slug, Network.name).order_by(Network.name)
    if user.is_admin or user.is_finance:
        return list(rows)
    return [r for r in rows if user.coordinates(r["slug"])]


async def counties() -> list[dict[str, Any]]:
    return list(await County.select(County.id, County.number, County.name).order_by(County.number))


# --- the sums ----------------------------------------------------------------------------


def _late(reg: dict[str, Any], g: dict[str, Any]) -> bool:
    if reg["status"] != "cancelled" or reg["cancelled_at"] is None:
        return False
    limit = g["cancellation_deadline"] or g["registration_closes_at"]
    return limit is not None and reg["cancelled_at"] > limit


def _count_registration(t: Tally, reg: dict[str, Any], g: dict[str, Any]) -> None:
    t.registrations += 1
    if reg["attended"] is True:
        t.attended += 1
    if reg["status"] == "confirmed" and reg["attended"] is False:
        t.no_shows += 1
    if _late(reg, g):
        t.late_cancellations += 1


def _count_claim(t: Tally, c: dict[str, Any]) -> None:
    if c["status"] in SUBMITTED:
        t.claims_submitted += 1
        t.claimed_total += c["total"]
    if c["status"] in APPROVED:
        t.claims_approved += 1
        t.approved_total += c["approved_total"] or 0
    if c["status"] == "paid":
        t.claims_paid += 1
        t.paid_total += c["approved_total"] or 0


def _local() -> Tally:
    """A municipality's or county's tally: places and waiting lists do not apply."""
    return Tally(places=None, waitlist_peak=None)


async def compute(
    user: CurrentUser,
    year: int,
    network: str | None = None,
    county: str | None = None,
) -> Statistics:
    """The figures for `year`, optionally for one network (slug) and/or one county
    (number). 400 for an unknown network or county; 403 for a network the user may not
    see, or a user who sees no statistics."""
    if not may_see_statistics(user):
        raise Forbidden("The statistics are for coordinators, finance and administrators")
    networks = await visible_networks(user)
    all_networks = {r["slug"]: r for r in await Network.select(Network.id, Network.slug)}
    if network is not None:
        if network not in all_networks:
            raise BadInput(
                "No network with slug {slug!r}", field="network", params={"slug": network}
            )
        if not any(r["slug"] == network for r in networks):
            raise Forbidden(
                "You see the statistics of the networks you coordinate only", field="network"
            )
        networks = [r for r in networks if r["slug"] == network]
    county_rows = await counties()
    county_by_id = {r["id"]: r for r in county_rows}
    county_id: int | None = None
    if county is not None:
        found = [r for r in county_rows if r["number"] == county]
        if not found:
            raise BadInput(
                "No county with number {number!r}", field="county", params={"number": county}
            )
        county_id = found[0]["id"]

    lo, hi = _year_bounds(year)
    network_ids = [r["id"] for r in networks]
    gatherings = (
        await Gathering.select(
            Gathering.id,
            Gathering.starts_at,
            Gathering.network,
            Gathering.capacity,
            Gathering.waitlist_peak,
            Gathering.cancellation_deadline,
            Gathering.registration_closes_at,
        ).where(
            Gathering.status.is_in(list(HELD_STATUSES))
            & (Gathering.ends_at <= now())
            & (Gathering.starts_at >= lo)
            & (Gathering.starts_at < hi)
            & Gathering.network.is_in(network_ids)
        )
        if network_ids
        else []
    )
    gatherings = [g for g in gatherings if g["starts_at"].astimezone(OSLO).year == year]
    by_gathering = {g["id"]: g for g in gatherings}
    gids = list(by_gathering)
    regs = (
        await Registration.select(
            Registration.gathering,
            Registration.municipality,
            Registration.status,
            Registration.attended,
            Registration.cancelled_at,
        ).where(Registration.gathering.is_in(gids))
        if gids
        else []
    )
    claims = (
        await Claim.select(
            Claim.gathering, Claim.municipality, Claim.status, Claim.total, Claim.approved_total
        ).where(Claim.gathering.is_in(gids))
        if gids
        else []
    )
    mun_ids = {r["municipality"] for r in regs if r["municipality"]} | {
        c["municipality"] for c in claims
    }
    municipalities = {
        m["id"]: m
        for m in (
            await Municipality.select(
                Municipality.id, Municipality.number, Municipality.name, Municipality.county
            ).where(Municipality.id.is_in(list(mun_ids)))
            if mun_ids
            else []
        )
    }

    def counted(mun_id: int | None) -> bool:
        if county_id is None:
            return True
        m = municipalities.get(mun_id) if mun_id else None
        return m is not None and m["county"] == county_id

    net_tally: dict[int, Tally] = {r["id"]: Tally() for r in networks}
    mun_tally: dict[int, Tally] = {}
    for g in gatherings:
        t = net_tally[g["network"]]
        t.gatherings += 1
        t.places = (t.places or 0) + g["capacity"]
        t.waitlist_peak = (t.waitlist_peak or 0) + g["waitlist_peak"]
    for reg in regs:
        if not counted(reg["municipality"]):
            continue
        g = by_gathering[reg["gathering"]]
        _count_registration(net_tally[g["network"]], reg, g)
        if reg["municipality"]:
            mt = mun_tally.setdefault(reg["municipality"], _local())
            _count_registration(mt, reg, g)
            mt.gathering_ids.add(g["id"])
    for c in claims:
        if not counted(c["municipality"]):
            continue
        _count_claim(net_tally[by_gathering[c["gathering"]]["network"]], c)
        _count_claim(mun_tally.setdefault(c["municipality"], _local()), c)

    cty_tally: dict[int | None, Tally] = {}
    mun_rows: list[Row] = []
    for mid, mt in mun_tally.items():
        m = municipalities[mid]
        mt.gatherings = len(mt.gathering_ids)
        ct = cty_tally.setdefault(m["county"], _local())
        ct.add(mt)
        ct.gathering_ids |= mt.gathering_ids
        cty = county_by_id.get(m["county"])
        mun_rows.append(
            Row(
                m["number"],
                m["name"],
                mt,
                county=cty["number"] if cty else None,
                county_name=cty["name"] if cty else None,
            )
        )
    for ct in cty_tally.values():
        ct.gatherings = len(ct.gathering_ids)
    mun_rows.sort(key=lambda r: (r.county or "99", r.name))
    county_rows_out = [
        Row(county_by_id[cid]["number"], county_by_id[cid]["name"], ct)
        for cid, ct in cty_tally.items()
        if cid is not None
    ]
    county_rows_out.sort(key=lambda r: r.code)
    net_rows = [
        Row(r["slug"], r["name"], net_tally[r["id"]])
        for r in networks
        if net_tally[r["id"]].gatherings
    ]
    totals = Tally()
    for r in net_rows:
        totals.add(r.tally)
    return Statistics(year, network, county, totals, net_rows, county_rows_out, mun_rows)


def levels(stats: Statistics) -> Iterable[tuple[str, list[Row]]]:
    yield "network", stats.networks
    yield "county", stats.counties
    yield "municipality", stats.municipalities
