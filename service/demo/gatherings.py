"""The demo's gatherings, made by the network's coordinator through the gatherings and
registrations services, as in real use.

Upcoming gatherings are created, published and registered for as they are. A past
gathering cannot be: nobody registers for what is over. So it is made exactly like an
upcoming one on the same weekday a week or two ahead, registered for, and then moved
back to its real day by `move_into_past()`, the one place the demo writes rows
directly (with its own audit event). Attendance is then marked through the service.
The mails sent on registering name the date it had then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec

from service.accounts.identity import CurrentUser
from service.db.tables import Gathering, Meal, ProgrammeItem, Registration
from service.demo.data import GatheringSpec, at, first_day, programme, today, wall
from service.demo.people import ACTOR, coordinator_of
from service.gatherings import service as gatherings
from service.gatherings.schemas import GatheringIn
from service.lib.audit import record
from service.lib.clock import OSLO
from service.registrations import service as registrations
from service.registrations.schemas import RegistrationIn


@dataclass
class Made:
    """A gathering the demo made on this run: its id, first day and who holds a place."""

    spec: GatheringSpec
    id: str
    day: date
    places: dict[str, str] = field(default_factory=dict)  # e-mail -> registration id
    registrations: int = 0


async def exists(spec: GatheringSpec) -> bool:
    """The stable key: a gathering with this title in this network."""
    return bool(
        await Gathering.exists().where(
            (Gathering.network.slug == spec.network) & (Gathering.title == spec.title)
        )
    )


def _payload(spec: GatheringSpec, day: date, opens: datetime, closes: datetime) -> GatheringIn:
    last = day + timedelta(days=spec.days - 1)
    data: dict[str, Any] = {
        "network": spec.network,
        "title": spec.title,
        "description": spec.description,
        "starts_at": wall(day, spec.starts),
        "ends_at": wall(last, spec.ends),
        "capacity": spec.capacity,
        "venue": spec.venue,
        "address": spec.address,
        "city": spec.city,
        "host_municipality": spec.host,
        "audience": spec.audience,
        "seats_per_municipality": spec.seats_per_municipality,
        "registration_opens_at": opens.isoformat(),
        "registration_closes_at": closes.isoformat(),
        "cancellation_deadline": min(closes, at(day, spec.starts)).isoformat(),
        "programme": [
            {
                "starts_at": wall(day + timedelta(days=p.day), p.starts),
                "ends_at": wall(day + timedelta(days=p.day), p.ends),
                "title": p.title,
                "speaker": p.speaker,
            }
            for p in spec.programme
        ],
        "meals": [
            {"date": (day + timedelta(days=m.day)).isoformat(), "meal": m.meal} for m in spec.meals
        ],
    }
    return msgspec.convert(data, GatheringIn)


async def _make(
    spec: GatheringSpec,
    day: date,
    opens: datetime,
    closes: datetime,
    people: dict[str, CurrentUser],
    base_url: str,
) -> Made | None:
    coordinator = coordinator_of(people, spec.network)
    if coordinator is None:
        return None
    out = await gatherings.create(coordinator, _payload(spec, day, opens, closes), base_url)
    made = Made(spec, out.id, day)
    if spec.status == "draft":
        return made
    await gatherings.publish(coordinator, out.id, base_url)
    for s in spec.registrations:
        user = people.get(s.by)
        if user is None:
            continue
        note = RegistrationIn(
            dietary=s.dietary, accessibility=s.accessibility, accommodation=s.accommodation
        )
        reg, _ = await registrations.register(user, out.id, note, base_url)
        made.registrations += 1
        if s.cancel:
            await registrations.cancel(user, reg.id, base_url)
        else:
            made.places[s.by] = reg.id
    return made


def _back(value: datetime | None, days: int) -> datetime | None:
    """The same Oslo wall time `days` earlier."""
    if value is None:
        return None
    local = value.astimezone(OSLO).replace(tzinfo=None) - timedelta(days=days)
    return local.replace(tzinfo=OSLO).astimezone(UTC)


async def move_into_past(gathering_id: int, days: int) -> None:
    """Move a gathering, its programme, meals and registrations `days` back in time
    (demo only: how a past gathering comes to have had registrations)."""
    g = await Gathering.select().where(Gathering.id == gathering_id).first()
    assert g is not None
    stamp = datetime.now(UTC)
    moved = (
        "starts_at",
        "ends_at",
        "registration_opens_at",
        "registration_closes_at",
        "cancellation_deadline",
        "created_at",
        "published_at",
    )
    values: dict[Any, Any] = {getattr(Gathering, k): _back(g[k], days) for k in moved}
    values[Gathering.updated_at] = stamp
    await Gathering.update(values).where(Gathering.id == gathering_id)
    for p in await ProgrammeItem.select().where(ProgrammeItem.gathering == gathering_id):
        await ProgrammeItem.update(
            {
                ProgrammeItem.starts_at: _back(p["starts_at"], days),
                ProgrammeItem.ends_at: _back(p["ends_at"], days),
            }
        ).where(ProgrammeItem.id == p["id"])
    for m in await Meal.select().where(Meal.gathering == gathering_id):
        await Meal.update({Meal.date: m["date"] - timedelta(days=days)}).where(Meal.id == m["id"])
    for r in await Registration.select().where(Registration.gathering == gathering_id):
        await Registration.update(
            {
                Registration.created_at: _back(r["created_at"], days),
                Registration.confirmed_at: _back(r["confirmed_at"], days),
                Registration.cancelled_at: _back(r["cancelled_at"], days),
                Registration.updated_at: stamp,
            }
        ).where(Registration.id == r["id"])
    await record(
        ACTOR,
        "demo.move_into_past",
        "gathering",
        gathering_id,
        before={"starts_at": g["starts_at"].isoformat()},
        after={"starts_at": values[Gathering.starts_at].isoformat(), "days": days},
    )


async def ensure_past(people: dict[str, CurrentUser], base_url: str) -> list[Made]:
    """The past gatherings not there yet, oldest first, with attendance marked."""
    ref = today()
    specs = sorted((first_day(s.when, s.days, ref), i, s) for i, s in enumerate(programme().past))
    out = []
    for day, _, spec in specs:
        if await exists(spec):
            continue
        # The same weekday, one or two weeks ahead: registration is open there.
        weeks = -(-((ref - day).days + 8) // 7)
        ahead = day + timedelta(weeks=weeks)
        opens = at(ahead - timedelta(days=28), "09:00")
        closes = at(ahead - timedelta(days=2), "12:00")
        made = await _make(spec, ahead, opens, closes, people, base_url)
        if made is None:
            continue
        await move_into_past(int(made.id), weeks * 7)
        made.day = day
        coordinator = coordinator_of(people, spec.network)
        assert coordinator is not None
        for s in spec.registrations:
            if s.by in made.places:
                await registrations.set_attendance(coordinator, made.places[s.by], s.attended)
        for s in spec.registrations:
            if not s.attended:
                made.places.pop(s.by, None)
        out.append(made)
    return out


async def ensure_upcoming(people: dict[str, CurrentUser], base_url: str) -> list[Made]:
    """The upcoming gatherings not there yet: registration open, one full with a
    waiting list, one still a draft."""
    ref = today()
    out = []
    for spec in programme().upcoming:
        if await exists(spec):
            continue
        day = first_day(spec.when, spec.days, ref)
        opens = at(ref - timedelta(days=14), "09:00")
        closes = at(day - timedelta(days=3), "12:00")
        made = await _make(spec, day, opens, closes, people, base_url)
        if made is not None:
            out.append(made)
    return out
