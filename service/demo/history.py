"""The demo's year of activity behind the statistics (see service.demo).

The past gatherings of gatherings.py and claims.py give every network a held gathering
this year, but no waiting list, no late cancellation and paid claims in two networks
only. Two smaller gatherings earlier in the year fill that in, made through the
gatherings, registrations and claims services with the server clock moved back
(`service.lib.clock.moved_to`) to each step's day, as they would have happened:

- Agder og Rogaland, three places: five sign up (two wait, the peak), one cancels in
  good time and one after the cancellation deadline (a late cancellation); each time
  the next in the queue gets the place; one no-show; two claims approved and paid.
- Nord, two places: four sign up (two wait), one cancels late, one is still waiting
  when it is held; two attend; one claim paid, one approved.

Keyed by network and title (service.demo.gatherings.exists), so a second run adds
nothing. The gatherings fall on fixed days of the current year; early in January,
before they would have happened, on those days of the year before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import msgspec

from service.accounts.identity import CurrentUser
from service.claims import claims as claim_service
from service.claims import payouts
from service.claims.payouts import PayoutIn
from service.claims.schemas import ApproveIn, ClaimIn
from service.db.tables import Gathering
from service.demo.claims import payee_account
from service.demo.data import at, today, wall
from service.demo.people import coordinator_of, finance
from service.gatherings import service as gatherings
from service.gatherings.schemas import GatheringIn
from service.lib.clock import moved_to
from service.registrations import service as registrations
from service.registrations.schemas import RegistrationIn


@dataclass(frozen=True)
class Sign:
    by: str
    cancel: str = ""  # "" stays; "early" before the deadline; "late" after it
    attended: bool | None = None  # marked after the gathering (None: still waiting)
    claim: str = ""  # "" none; "approved" or "paid"
    km: int = 0
    route: str = ""


@dataclass(frozen=True)
class Held:
    network: str
    title: str
    description: str
    month: int
    day: int
    venue: str
    city: str
    host: str
    capacity: int
    signs: tuple[Sign, ...]


HELD: tuple[Held, ...] = (
    Held(
        network="agder-rogaland",
        title="Temasamling på Jæren: treningskontakt og fysisk aktivitet",
        description=(
            "Støttekontaktforum for Jæren deler erfaringer med treningskontakter, felles "
            "ressursbank og opplæring av støttekontakter. En liten samling med få plasser."
        ),
        month=3,
        day=12,
        venue="Bryne kulturhus",
        city="Bryne",
        host="1121",
        capacity=3,
        signs=(
            Sign(
                "camilla.aas@kristiansand.example.org",
                attended=True,
                claim="paid",
                km=190,
                route="Kristiansand–Bryne tur/retur",
            ),
            Sign("martin.tjelta@gjesdal.example.org", cancel="late"),
            Sign("silje.lima@klepp.example.org", cancel="early"),
            Sign(
                "ola.nordmann@time.example.org",
                attended=True,
                claim="paid",
                km=12,
                route="Time–Bryne tur/retur",
            ),
            Sign("sindre.haland@ha.example.org", attended=False),
        ),
    ),
    Held(
        network="nord",
        title="Vintersamling i Bodø: ledsagerbevis og aktivitetsgrupper",
        description=(
            "Kommunene i nord utveksler erfaringer med ledsagerbevis, aktivitetsgrupper og "
            "rekruttering av støttekontakter."
        ),
        month=2,
        day=4,
        venue="Stormen bibliotek",
        city="Bodø",
        host="1804",
        capacity=2,
        signs=(
            Sign(
                "hanne.pedersen@bodo.example.org",
                attended=True,
                claim="paid",
                km=8,
                route="Hjemme–Stormen tur/retur",
            ),
            Sign("jonas.nilsen@tromso.example.org", cancel="late"),
            Sign(
                "mathis.eira@alta.example.org",
                attended=True,
                claim="approved",
                km=120,
                route="Alta lufthavn–Alta tur/retur",
            ),
            Sign("ellen.marie.sara@alta.example.org"),
        ),
    ),
)


def _day(spec: Held, ref: date) -> date:
    day = date(ref.year, spec.month, spec.day)
    return day if day + timedelta(days=2) < ref else date(ref.year - 1, spec.month, spec.day)


async def _exists(spec: Held) -> bool:
    return bool(
        await Gathering.exists().where(
            (Gathering.network.slug == spec.network) & (Gathering.title == spec.title)
        )
    )


def _payload(spec: Held, day: date) -> GatheringIn:
    data: dict[str, Any] = {
        "network": spec.network,
        "title": spec.title,
        "description": spec.description,
        "starts_at": wall(day, "10:00"),
        "ends_at": wall(day, "15:30"),
        "capacity": spec.capacity,
        "venue": spec.venue,
        "city": spec.city,
        "host_municipality": spec.host,
        "audience": "open",
        "registration_opens_at": at(day - timedelta(days=42), "09:00").isoformat(),
        "registration_closes_at": at(day - timedelta(days=2), "12:00").isoformat(),
        "cancellation_deadline": at(day - timedelta(days=7), "12:00").isoformat(),
        "meals": [{"date": day.isoformat(), "meal": "lunch"}],
    }
    return msgspec.convert(data, GatheringIn)


def _when(day: date, days_before: int, clock: str = "10:00") -> datetime:
    return at(day - timedelta(days=days_before), clock)


async def _held(
    spec: Held, people: dict[str, CurrentUser], base_url: str, money: CurrentUser
) -> tuple[int, int, list[str]]:
    """(registrations, claims, claim ids to pay) for one gathering made from `spec`."""
    coordinator = coordinator_of(people, spec.network)
    signs = [s for s in spec.signs if s.by in people]
    if coordinator is None:
        return 0, 0, []
    day = _day(spec, today())
    regs: dict[str, str] = {}
    with moved_to(_when(day, 40)):  # published, and everyone signs up at once
        g = await gatherings.create(coordinator, _payload(spec, day), base_url)
        await gatherings.publish(coordinator, g.id, base_url)
        for s in signs:
            reg, _ = await registrations.register(people[s.by], g.id, RegistrationIn(), base_url)
            regs[s.by] = reg.id
    for kind, days_before in (("early", 20), ("late", 4)):  # the deadline is 7 days before
        with moved_to(_when(day, days_before)):
            for s in signs:
                if s.cancel == kind:
                    await registrations.cancel(people[s.by], regs[s.by], base_url)
    claims: list[tuple[Sign, str]] = []
    with moved_to(at(day + timedelta(days=1), "09:00")):  # the day after
        for s in signs:
            if s.attended is not None and not s.cancel:
                await registrations.set_attendance(coordinator, regs[s.by], s.attended)
        for s in signs:
            user = people[s.by]
            if not s.claim or user.municipality_number is None:
                continue
            line = {"kind": "mileage", "date": day.isoformat(), "km": s.km, "route": s.route}
            body = {
                "registration": regs[s.by],
                "lines": [line],
                "payee_account": payee_account(user.municipality_number),
            }
            c = await claim_service.create(user, msgspec.convert(body, ClaimIn))
            await claim_service.submit(user, c.id, base_url)
            claims.append((s, c.id))
    to_pay = []
    with moved_to(at(day + timedelta(days=5), "10:00")):  # attested and approved
        for s, claim_id in claims:
            await claim_service.attest(coordinator, claim_id, "Deltok på samlingen.")
            approval = msgspec.convert({"lines": [], "comment": "Godkjent."}, ApproveIn)
            await claim_service.approve(money, claim_id, approval, base_url)
            if s.claim == "paid":
                to_pay.append(claim_id)
    return len(signs), len(claims), to_pay


async def ensure_history(people: dict[str, CurrentUser], base_url: str) -> dict[str, int]:
    """Create what is missing; returns how many of each thing are new."""
    money = finance(people)
    made = {"history_gatherings": 0, "history_registrations": 0, "history_claims": 0}
    if money is None:
        return made
    to_pay: list[str] = []
    last_day = None
    for spec in HELD:
        if await _exists(spec):
            continue
        regs, claims, paying = await _held(spec, people, base_url, money)
        made["history_gatherings"] += 1
        made["history_registrations"] += regs
        made["history_claims"] += claims
        to_pay += paying
        day = _day(spec, today())
        last_day = day if last_day is None else max(last_day, day)
    if to_pay and last_day is not None:
        with moved_to(at(last_day + timedelta(days=10), "10:00")):  # one batch, paid
            batch = await payouts.create(money, PayoutIn(claims=to_pay))
            await payouts.mark_paid(money, batch.id, base_url)
        made["history_payouts"] = 1
    if made["history_gatherings"]:
        await gatherings.complete_due()
    return made
