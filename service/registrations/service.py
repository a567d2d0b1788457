"""Registrations and the waiting list. Capacity is enforced inside the transaction:
the gathering row is locked (PostgreSQL) or the database is (SQLite BEGIN IMMEDIATE),
and the seat is taken with a guarded UPDATE … WHERE confirmed_count < capacity."""

from __future__ import annotations

from typing import Any

from service.accounts.identity import CurrentUser
from service.calendar.imip import invitation_parts
from service.db.tables import (
    Gathering,
    Municipality,
    NetworkCounty,
    NetworkMembership,
    Registration,
)
from service.db.tx import atomic
from service.gatherings import service as gatherings
from service.lib import csvfile
from service.lib.audit import record
from service.lib.clock import now, oslo_iso
from service.lib.errors import Conflict, Forbidden, Label, NotFound
from service.lib.i18n import pgettext
from service.lib.labels import GATHERING_STATUS, REGISTRATION_STATUS
from service.outbox.service import enqueue_mail
from service.registrations.schemas import MunicipalityCount, RegistrationIn, RegistrationOut
from service.settings import current_settings

LIVE = ["confirmed", "waitlisted"]


# --- reading --------------------------------------------------------------------------


async def _position(reg: dict[str, Any]) -> int | None:
    if reg["status"] != "waitlisted":
        return None
    ahead = await Registration.count().where(
        (Registration.gathering == reg["gathering"])
        & (Registration.status == "waitlisted")
        & (Registration.queue_number <= reg["queue_number"])
    )
    return int(ahead)


def _cols() -> list[Any]:
    return [
        *Registration.all_columns(),
        Registration.gathering.title,
        Registration.gathering.starts_at,
        Registration.user.name,
        Registration.user.email,
        Registration.municipality.number,
        Registration.municipality.name,
    ]


async def _out(
    reg: dict[str, Any], with_person: bool = False, position: int | None = None
) -> RegistrationOut:
    return RegistrationOut(
        id=str(reg["id"]),
        gathering=str(reg["gathering"]),
        gathering_title=reg["gathering.title"],
        starts_at=oslo_iso(reg["gathering.starts_at"]) or "",
        status=reg["status"],
        waitlist_position=position if position is not None else await _position(reg),
        dietary=reg["dietary"],
        accessibility=reg["accessibility"],
        accommodation=reg["accommodation"],
        attended=reg["attended"],
        registered_at=oslo_iso(reg["created_at"]) or "",
        name=reg["user.name"] if with_person else None,
        email=reg["user.email"] if with_person else None,
        municipality=reg["municipality.number"],
        municipality_name=reg["municipality.name"],
    )


async def _get(reg_id: int) -> dict[str, Any] | None:
    return await Registration.select(*_cols()).where(Registration.id == reg_id).first()


async def mine(user: CurrentUser) -> list[RegistrationOut]:
    rows = await (
        Registration.select(*_cols())
        .where(Registration.user == user.id)
        .order_by(Registration.gathering.starts_at)
    )
    return [await _out(r) for r in rows]


async def for_gathering(user: CurrentUser, gathering_id: str) -> list[RegistrationOut]:
    g = await gatherings.editable_row(user, gathering_id)
    rows = await (
        Registration.select(*_cols())
        .where(Registration.gathering == g["id"])
        .order_by(Registration.status, Registration.queue_number, Registration.created_at)
    )
    out, position = [], 0
    for r in sorted(
        rows,
        key=lambda r: (
            r["status"] != "confirmed",
            r["status"] != "waitlisted",
            r["queue_number"] or 0,
            r["created_at"],
        ),
    ):
        if r["status"] == "waitlisted":
            position += 1
        out.append(
            await _out(
                r, with_person=True, position=position if r["status"] == "waitlisted" else None
            )
        )
    return out


def csv_header() -> list[str]:
    """The columns, in the language of the moment (bokmål unless a page chose another)."""
    return [
        pgettext("CSV column", "name"),
        pgettext("CSV column", "e-mail"),
        pgettext("CSV column", "municipality number"),
        pgettext("CSV column", "municipality"),
        pgettext("CSV column", "status"),
        pgettext("CSV column", "waiting list"),
        pgettext("CSV column", "dietary needs"),
        pgettext("CSV column", "accessibility"),
        pgettext("CSV column", "accommodation"),
        pgettext("CSV column", "attended"),
        pgettext("CSV column", "registered"),
    ]


def _yes_no(value: bool) -> str:
    return pgettext("CSV value", "yes") if value else pgettext("CSV value", "no")


def as_csv(rows: list[RegistrationOut]) -> bytes:
    return csvfile.as_csv(
        csv_header(),
        (
            [
                r.name,
                r.email,
                r.municipality or "",
                r.municipality_name or "",
                r.status,
                r.waitlist_position or "",
                r.dietary,
                r.accessibility,
                _yes_no(r.accommodation),
                "" if r.attended is None else _yes_no(r.attended),
                r.registered_at,
            ]
            for r in rows
        ),
    )


async def municipality_counts(user: CurrentUser, gathering_id: str) -> list[MunicipalityCount]:
    rows = await for_gathering(user, gathering_id)
    counts: dict[str | None, MunicipalityCount] = {}
    for r in rows:
        c = counts.setdefault(
            r.municipality,
            MunicipalityCount(r.municipality, r.municipality_name or "–", 0, 0, 0),
        )
        c.confirmed += r.status == "confirmed"
        c.waitlisted += r.status == "waitlisted"
        c.attended += bool(r.attended)
    return sorted(counts.values(), key=lambda c: c.name)


# --- eligibility ----------------------------------------------------------------------


async def _eligible(user: CurrentUser, g: dict[str, Any]) -> None:
    t = now()
    if g["registration_opens_at"] and t < g["registration_opens_at"]:
        raise Conflict("Registration opens {when}", params={"when": g["registration_opens_at"]})
    closes = g["registration_closes_at"] or g["starts_at"]
    if t >= closes:
        raise Conflict("Registration closed {when}", params={"when": closes})
    if g["audience"] == "open":
        return
    network_name = g.get("network.name") or g["network.slug"]
    if user.municipality_id is None:
        raise Forbidden(
            "Only staff of municipalities in {network} may register; "
            "your account has no municipality",
            params={"network": network_name},
        )
    if g["audience"] == "members":
        member = await NetworkMembership.exists().where(
            (NetworkMembership.network == g["network"])
            & (NetworkMembership.municipality == user.municipality_id)
            & (NetworkMembership.status == "member")
        )
        if not member:
            raise Forbidden(
                "Only member municipalities of {network} may register",
                params={"network": network_name},
            )
    else:  # region
        muni = (
            await Municipality.select(Municipality.county)
            .where(Municipality.id == user.municipality_id)
            .first()
        )
        inside = muni is not None and await NetworkCounty.exists().where(
            (NetworkCounty.network == g["network"]) & (NetworkCounty.county == muni["county"])
        )
        if not inside:
            raise Forbidden(
                "Only municipalities in the region of {network} may register",
                params={"network": network_name},
            )


async def _municipality_full(g: dict[str, Any], municipality_id: int | None) -> bool:
    cap = g["seats_per_municipality"]
    if not cap or municipality_id is None:
        return False
    taken = await Registration.count().where(
        (Registration.gathering == g["id"])
        & (Registration.municipality == municipality_id)
        & (Registration.status == "confirmed")
    )
    return int(taken) >= cap


async def _take_seat(gid: int) -> bool:
    taken = await (
        Gathering.update({Gathering.confirmed_count: Gathering.confirmed_count + 1})
        .where(
            (Gathering.id == gid)
            & (Gathering.confirmed_count < Gathering.capacity)
            & (Gathering.status == "published")
        )
        .returning(Gathering.id)
    )
    return bool(taken)


async def _join_queue(gid: int) -> tuple[int, int]:
    """(queue number, position): the row is locked, so everyone waiting is ahead."""
    rows = await (
        Gathering.update(
            {
                Gathering.queue_counter: Gathering.queue_counter + 1,
                Gathering.waitlist_count: Gathering.waitlist_count + 1,
            }
        )
        .where((Gathering.id == gid) & (Gathering.status == "published"))
        .returning(Gathering.queue_counter, Gathering.waitlist_count)
    )
    if not rows:
        raise Conflict("This gathering was just closed for registration")
    length = int(rows[0]["waitlist_count"])
    # the longest the list has been (the statistics' waiting-list peak); same row lock
    await Gathering.update({Gathering.waitlist_peak: length}).where(
        (Gathering.id == gid) & (Gathering.waitlist_peak < length)
    )
    return int(rows[0]["queue_counter"]), length


# --- writing --------------------------------------------------------------------------


INVITES = {"registration_confirmed": "REQUEST", "registration_promoted": "REQUEST"}


async def mail_registrant(
    kind: str,
    g: dict[str, Any],
    reg_id: int,
    person: tuple[str, str, str],
    base_url: str,
    extra: dict[str, Any] | None = None,
    method: str | None = None,
) -> None:
    """One mail about a registration; `method` (REQUEST|CANCEL) adds the invitation."""
    email, name, lang = person
    context: dict[str, Any] = {
        "name": name,
        **gatherings.mail_context(g, lang, base_url),
        "registration_id": reg_id,
        **(extra or {}),
    }
    method = method or INVITES.get(kind)
    if method:
        context["_parts"] = await invitation_parts(
            g, reg_id, email, name, method, lang, base_url, current_settings().mail_from
        )
    key = f"{kind}:{reg_id}" if kind.startswith("registration_") else None
    await enqueue_mail(kind, email, lang, context, idempotency_key=key)


async def _mail(kind: str, reg_id: int, base_url: str, extra: dict[str, Any] | None = None) -> None:
    reg = (
        await Registration.select(
            Registration.id,
            Registration.gathering,
            Registration.confirmed_at,
            Registration.user.email,
            Registration.user.name,
            Registration.user.language,
        )
        .where(Registration.id == reg_id)
        .first()
    )
    assert reg is not None
    g = await gatherings.lock(reg["gathering"])
    assert g is not None
    person = (reg["user.email"], reg["user.name"], reg["user.language"])
    # A cancellation withdraws the invitation, if one was ever sent.
    method = "CANCEL" if kind == "registration_cancelled" and reg["confirmed_at"] else None
    await mail_registrant(kind, g, reg_id, person, base_url, extra, method)


async def register(
    user: CurrentUser, gathering_id: str, data: RegistrationIn, base_url: str
) -> tuple[RegistrationOut, bool]:
    """Returns (registration, created). Repeating returns the live one unchanged."""
    try:
        return await _register(user, gathering_id, data, base_url)
    except Exception as exc:
        # Two requests of the same person at once: the unique index let one through,
        # and the other now finds that registration.
        if "registration_live" not in str(exc) and "UNIQUE" not in str(exc):
            raise
        return await _register(user, gathering_id, data, base_url)


async def _register(
    user: CurrentUser, gathering_id: str, data: RegistrationIn, base_url: str
) -> tuple[RegistrationOut, bool]:
    async with atomic():
        # Checks first, without a lock; the seat itself is taken by one guarded UPDATE
        # (which locks the row on PostgreSQL), so the lock is held only to commit.
        g = await gatherings.visible_row(user, gathering_id)
        existing = (
            await Registration.select(*_cols())
            .where(
                (Registration.gathering == g["id"])
                & (Registration.user == user.id)
                & Registration.status.is_in(LIVE)
            )
            .first()
        )
        if existing is not None:
            return await _out(existing), False
        if g["status"] != "published":
            raise Conflict(
                "This gathering is {status} and takes no registrations",
                params={"status": Label(GATHERING_STATUS, g["status"])},
            )
        await _eligible(user, g)
        full = False
        if g["seats_per_municipality"]:
            await gatherings.lock(g["id"])  # the per-municipality count must hold still
            full = await _municipality_full(g, user.municipality_id)
        confirmed = not full and await _take_seat(g["id"])
        queue_number = position = None
        if not confirmed:
            # Full a moment ago; under the lock, a seat freed meanwhile is taken, and a
            # cancellation that comes after us will find us in the queue.
            await gatherings.lock(g["id"])
            if not full:
                full = await _municipality_full(g, user.municipality_id)
            confirmed = not full and await _take_seat(g["id"])
        if not confirmed:
            queue_number, position = await _join_queue(g["id"])
        stamp = now()
        rows = await Registration.insert(
            Registration(
                gathering=g["id"],
                user=user.id,
                municipality=user.municipality_id,
                status="confirmed" if confirmed else "waitlisted",
                queue_number=queue_number,
                dietary=data.dietary.strip(),
                accessibility=data.accessibility.strip(),
                accommodation=data.accommodation,
                confirmed_at=stamp if confirmed else None,
                created_at=stamp,
                updated_at=stamp,
            )
        )
        reg_id = int(rows[0]["id"])
        await mail_registrant(
            "registration_confirmed" if confirmed else "registration_waitlisted",
            g,
            reg_id,
            (user.email, user.name, user.language),
            base_url,
            None if confirmed else {"position": position},
        )
    muni_number, muni_name = await _municipality_names(user.municipality_id)
    return RegistrationOut(
        id=str(reg_id),
        gathering=str(g["id"]),
        gathering_title=g["title"],
        starts_at=oslo_iso(g["starts_at"]) or "",
        status="confirmed" if confirmed else "waitlisted",
        waitlist_position=position,
        dietary=data.dietary.strip(),
        accessibility=data.accessibility.strip(),
        accommodation=data.accommodation,
        attended=None,
        registered_at=oslo_iso(stamp) or "",
        municipality=muni_number,
        municipality_name=muni_name,
    ), True


_MUNICIPALITY_NAMES: dict[int, tuple[str, str]] = {}


async def _municipality_names(municipality_id: int | None) -> tuple[str | None, str | None]:
    if municipality_id is None:
        return None, None
    if municipality_id not in _MUNICIPALITY_NAMES:
        row = (
            await Municipality.select(Municipality.number, Municipality.name)
            .where(Municipality.id == municipality_id)
            .first()
        )
        if row is None:
            return None, None
        _MUNICIPALITY_NAMES[municipality_id] = (row["number"], row["name"])
    return _MUNICIPALITY_NAMES[municipality_id]


async def promote_fitting(gid: int, base_url: str) -> int:
    """Confirm waitlisted people, first come first served, while seats are free.
    Someone whose municipality is at its cap is passed over (and keeps the place)."""
    g = await gatherings.lock(gid)
    assert g is not None
    promoted = 0
    queue = (
        await Registration.select(Registration.id, Registration.municipality)
        .where((Registration.gathering == gid) & (Registration.status == "waitlisted"))
        .order_by(Registration.queue_number)
    )
    for reg in queue:
        if await _municipality_full(g, reg["municipality"]):
            continue
        if not await _take_seat(gid):
            break
        await Registration.update(
            {
                Registration.status: "confirmed",
                Registration.confirmed_at: now(),
                Registration.updated_at: now(),
            }
        ).where(Registration.id == reg["id"])
        await Gathering.update({Gathering.waitlist_count: Gathering.waitlist_count - 1}).where(
            Gathering.id == gid
        )
        await _mail("registration_promoted", reg["id"], base_url)
        promoted += 1
    return promoted


async def cancel(user: CurrentUser, reg_id: str, base_url: str) -> RegistrationOut:
    if not reg_id.isdigit():
        raise NotFound("No registration with that id")
    async with atomic():
        first = await _get(int(reg_id))
        if first is None:
            raise NotFound("No registration with that id")
        g = await gatherings.lock(first["gathering"])
        assert g is not None
        reg = await _get(first["id"])  # re-read under the lock: it may have just changed
        assert reg is not None
        own = reg["user"] == user.id
        if not own and not gatherings.may_edit(user, g["network.slug"]):
            raise NotFound("No registration with that id")
        if reg["status"] == "cancelled":
            raise Conflict("This registration is already cancelled")
        if g["status"] != "published":
            raise Conflict(
                "This gathering is {status}",
                params={"status": Label(GATHERING_STATUS, g["status"])},
            )
        if own and g["starts_at"] <= now():
            raise Conflict(
                "The gathering has started; ask the coordinator to change your registration"
            )
        stamp = now()
        await Registration.update(
            {
                Registration.status: "cancelled",
                Registration.cancelled_at: stamp,
                Registration.cancelled_by: user.email,
                Registration.updated_at: stamp,
            }
        ).where(Registration.id == reg["id"])
        counter = (
            Gathering.confirmed_count if reg["status"] == "confirmed" else Gathering.waitlist_count
        )
        await Gathering.update({counter: counter - 1}).where(Gathering.id == g["id"])
        late = g["cancellation_deadline"] is not None and stamp > g["cancellation_deadline"]
        await record(
            user.email,
            "registration.cancel",
            "registration",
            reg["id"],
            before={"status": reg["status"]},
            after={"status": "cancelled", "late": late},
        )
        await _mail("registration_cancelled", reg["id"], base_url, {"late": late})
        if reg["status"] == "confirmed":
            await promote_fitting(g["id"], base_url)
        fresh = await _get(reg["id"])
        assert fresh is not None
        return await _out(fresh)


async def set_attendance(user: CurrentUser, reg_id: str, attended: bool) -> RegistrationOut:
    if not reg_id.isdigit():
        raise NotFound("No registration with that id")
    async with atomic():
        reg = await _get(int(reg_id))
        if reg is None:
            raise NotFound("No registration with that id")
        g = (
            await Gathering.select(Gathering.network.slug, Gathering.starts_at, Gathering.status)
            .where(Gathering.id == reg["gathering"])
            .first()
        )
        assert g is not None
        if not gatherings.may_edit(user, g["network.slug"]):
            raise NotFound("No registration with that id")
        if reg["status"] != "confirmed":
            raise Conflict(
                "Only confirmed registrations have attendance; this one is {status}",
                params={"status": Label(REGISTRATION_STATUS, reg["status"])},
            )
        if g["starts_at"] > now():
            raise Conflict("Attendance can be marked once the gathering has started")
        await Registration.update(
            {Registration.attended: attended, Registration.updated_at: now()}
        ).where(Registration.id == reg["id"])
        await record(
            user.email,
            "registration.attendance",
            "registration",
            reg["id"],
            before={"attended": reg["attended"]},
            after={"attended": attended},
        )
        fresh = await _get(reg["id"])
        assert fresh is not None
        return await _out(fresh, with_person=True)


async def set_attendance_many(user: CurrentUser, gathering_id: str, marks: dict[str, bool]) -> int:
    """Attendance for several registrations of one gathering (the coordinator's list),
    in one transaction: all are saved or none. Returns how many changed."""
    async with atomic():
        g = await gatherings.editable_row(user, gathering_id)
        ids = [int(i) for i in marks if i.isdigit()]
        rows = await Registration.select(Registration.id, Registration.attended).where(
            (Registration.gathering == g["id"]) & Registration.id.is_in(ids or [-1])
        )
        current = {str(r["id"]): r["attended"] for r in rows}
        unknown = next((i for i in marks if i not in current), None)
        if unknown is not None:
            raise NotFound("No registration with that id")
        changed = 0
        for reg_id, attended in marks.items():
            if current[reg_id] is not attended:
                await set_attendance(user, reg_id, attended)
                changed += 1
    return changed
