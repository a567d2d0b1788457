"""Gatherings: create, edit, publish, cancel, complete — and who may see them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from service.accounts.identity import CurrentUser
from service.calendar.imip import invitation_parts
from service.db.tables import (
    Gathering,
    Meal,
    Municipality,
    Network,
    ProgrammeItem,
    Registration,
)
from service.db.tx import atomic, is_sqlite
from service.gatherings.schemas import (
    GatheringIn,
    GatheringOut,
    GatheringPatch,
    MealIn,
    MealOut,
    ProgrammeIn,
    ProgrammeOut,
)
from service.lib import i18n
from service.lib.audit import record
from service.lib.clock import OSLO, now, oslo_iso, parse_when
from service.lib.errors import Conflict, Forbidden, Invalid, Label, NotFound
from service.lib.ids import row_id
from service.lib.labels import GATHERING_STATUS, MEAL
from service.networks.service import municipality_id
from service.outbox.service import enqueue_mail
from service.settings import current_settings

NOTICEABLE = ("title", "starts_at", "ends_at", "venue", "address", "city")
CALENDAR_FIELDS = (*NOTICEABLE, "description", "programme")
EDITABLE_STATES = ("draft", "published")


def may_edit(user: CurrentUser | None, network_slug: str) -> bool:
    return user is not None and (user.is_admin or user.coordinates(network_slug))


ROW_SQL = (
    'SELECT g.*, n.slug AS "network.slug", n.name AS "network.name" '
    "FROM gathering g JOIN network n ON n.id = g.network WHERE g.id = {}"
)


async def _fetch(gathering_id: int, for_update: bool) -> dict[str, Any] | None:
    # Plain SQL: this runs on every registration, and building the same join with the
    # query builder costs more than the database takes to answer it.
    sql = ROW_SQL + (" FOR UPDATE OF g" if for_update and not is_sqlite() else "")
    rows = await Gathering.raw(sql, gathering_id)
    return rows[0] if rows else None


async def lock(gathering_id: int) -> dict[str, Any] | None:
    """Read the gathering row, locking it until the transaction ends (PostgreSQL);
    SQLite's BEGIN IMMEDIATE already serialises writers."""
    return await _fetch(gathering_id, for_update=True)


async def _row(gathering_id: str | int) -> dict[str, Any] | None:
    number = row_id(gathering_id)
    return None if number is None else await _fetch(number, for_update=False)


async def visible_row(user: CurrentUser | None, gathering_id: str | int) -> dict[str, Any]:
    """The gathering if the caller may see it; drafts only for its editors (else 404)."""
    row = await _row(gathering_id)
    if row is None or (row["status"] == "draft" and not may_edit(user, row["network.slug"])):
        raise NotFound("No gathering with that id")
    return row


async def editable_row(user: CurrentUser, gathering_id: str | int) -> dict[str, Any]:
    row = await visible_row(user, gathering_id)
    if not may_edit(user, row["network.slug"]):
        raise Forbidden(
            "Only coordinators of {network} and administrators may change this gathering",
            params={"network": row.get("network.name") or row["network.slug"]},
        )
    return row


def _times(data: dict[str, Any]) -> dict[str, Any]:
    for key in (
        "starts_at",
        "ends_at",
        "registration_opens_at",
        "registration_closes_at",
        "cancellation_deadline",
    ):
        if isinstance(data.get(key), (str, datetime)):
            data[key] = parse_when(data[key], key)
    return data


def _validate(g: dict[str, Any]) -> None:
    if g["ends_at"] <= g["starts_at"]:
        raise Invalid("ends_at must be after starts_at", field="ends_at")
    opens, closes, deadline = (
        g.get("registration_opens_at"),
        g.get("registration_closes_at"),
        g.get("cancellation_deadline"),
    )
    if opens and closes and closes <= opens:
        raise Invalid(
            "registration_closes_at must be after registration_opens_at",
            field="registration_closes_at",
        )
    if closes and closes > g["ends_at"]:
        raise Invalid(
            "registration_closes_at must not be after the gathering ends",
            field="registration_closes_at",
        )
    if opens and opens >= g["ends_at"]:
        raise Invalid(
            "registration_opens_at must be before the gathering", field="registration_opens_at"
        )
    if deadline and deadline > g["starts_at"]:
        raise Invalid(
            "cancellation_deadline must not be after the gathering starts",
            field="cancellation_deadline",
        )
    if (g.get("latitude") is None) != (g.get("longitude") is None):
        raise Invalid("give both latitude and longitude, or neither", field="latitude")


def _programme(items: list[ProgrammeIn], g: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for i, item in enumerate(items):
        start = parse_when(item.starts_at, f"programme[{i}].starts_at")
        end = parse_when(item.ends_at, f"programme[{i}].ends_at")
        if end <= start:
            raise Invalid("a programme item must end after it starts", field=f"programme[{i}]")
        if start < g["starts_at"] or end > g["ends_at"]:
            raise Invalid("a programme item must lie within the gathering", field=f"programme[{i}]")
        out.append(
            {
                "starts_at": start,
                "ends_at": end,
                "title": item.title,
                "speaker": item.speaker,
                "description": item.description,
            }
        )
    return sorted(out, key=lambda p: p["starts_at"])


def _meals(meals: list[MealIn], g: dict[str, Any]) -> list[dict[str, Any]]:
    first = g["starts_at"].astimezone(OSLO).date()
    last = g["ends_at"].astimezone(OSLO).date()
    seen = set()
    for i, m in enumerate(meals):
        if not first <= m.date <= last:
            raise Invalid("a meal must be on a day of the gathering", field=f"meals[{i}].date")
        seen.add((m.date, m.meal))
    return [{"date": d, "meal": k} for d, k in sorted(seen)]


async def _check_kept_children(
    gid: int, g: dict[str, Any], check_programme: bool, check_meals: bool
) -> None:
    """New times must still hold the programme and meals that are kept."""
    if check_programme:
        for p in await ProgrammeItem.select().where(ProgrammeItem.gathering == gid):
            if p["starts_at"] < g["starts_at"] or p["ends_at"] > g["ends_at"]:
                raise Invalid(
                    "the programme item {title!r} would fall outside the new times; "
                    "send the programme with the change",
                    field="programme",
                    params={"title": p["title"]},
                )
    if check_meals:
        first, last = g["starts_at"].astimezone(OSLO).date(), g["ends_at"].astimezone(OSLO).date()
        for m in await Meal.select().where(Meal.gathering == gid):
            if not first <= m["date"] <= last:
                raise Invalid(
                    "the {meal} on {day} would fall outside the new days; "
                    "send the meals with the change",
                    field="meals",
                    params={"meal": Label(MEAL, m["meal"]), "day": m["date"].isoformat()},
                )


async def _replace_children(
    gid: int, programme: list[dict[str, Any]] | None, meals: list[dict[str, Any]] | None
) -> None:
    if programme is not None:
        await ProgrammeItem.delete().where(ProgrammeItem.gathering == gid)
        for p in programme:
            await ProgrammeItem.insert(ProgrammeItem(gathering=gid, **p))
    if meals is not None:
        await Meal.delete().where(Meal.gathering == gid)
        for m in meals:
            await Meal.insert(Meal(gathering=gid, **m))


async def create(user: CurrentUser, data: GatheringIn, base_url: str) -> GatheringOut:
    network = await Network.select().where(Network.slug == data.network).first()
    if network is None:
        raise Invalid(
            "no network with slug {slug!r}", field="network", params={"slug": data.network}
        )
    if not may_edit(user, data.network):
        raise Forbidden(
            "Only coordinators of {network} and administrators may do this",
            params={"network": network["name"]},
        )
    fields = _times(
        {
            k: v
            for k, v in msgspec.structs.asdict(data).items()
            if k not in ("programme", "meals", "network", "host_municipality")
        }
    )
    _validate(fields)
    programme = _programme(data.programme, fields)
    meals = _meals(data.meals, fields)
    async with atomic():
        host = await municipality_id(data.host_municipality, "host_municipality")
        if not is_sqlite():  # numbering is per network: one creator at a time
            await Network.select(Network.id).where(Network.id == network["id"]).lock_rows()
        last = (
            await Gathering.select(Gathering.number)
            .where(Gathering.network == network["id"])
            .order_by(Gathering.number, ascending=False)
            .first()
        )
        rows = await Gathering.insert(
            Gathering(
                network=network["id"],
                number=(last["number"] if last else 0) + 1,
                host_municipality=host,
                created_by=user.email,
                **fields,
            )
        )
        gid = int(rows[0]["id"])
        await _replace_children(gid, programme, meals)
        await record(user.email, "gathering.create", "gathering", gid, after={"title": data.title})
    return await detail(user, gid, base_url)


async def detail(user: CurrentUser | None, gathering_id: str | int, base_url: str) -> GatheringOut:
    row = await visible_row(user, gathering_id)
    return (await render([row], base_url))[0]


async def render(rows: list[dict[str, Any]], base_url: str) -> list[GatheringOut]:
    ids = [r["id"] for r in rows] or [-1]
    programme = await (
        ProgrammeItem.select()
        .where(ProgrammeItem.gathering.is_in(ids))
        .order_by(ProgrammeItem.starts_at)
    )
    meals = await Meal.select().where(Meal.gathering.is_in(ids)).order_by(Meal.date)
    hosts = {
        m["id"]: m["number"]
        for m in await Municipality.select(Municipality.id, Municipality.number).where(
            Municipality.id.is_in(
                [r["host_municipality"] for r in rows if r["host_municipality"]] or [-1]
            )
        )
    }
    out = []
    for r in rows:
        closes = r["registration_closes_at"] or r["starts_at"]
        out.append(
            GatheringOut(
                id=str(r["id"]),
                network=r["network.slug"],
                network_name=r.get("network.name") or "",
                number=r["number"],
                title=r["title"],
                description=r["description"],
                host_municipality=hosts.get(r["host_municipality"]),
                venue=r["venue"],
                address=r["address"],
                city=r["city"],
                latitude=r["latitude"],
                longitude=r["longitude"],
                starts_at=oslo_iso(r["starts_at"]) or "",
                ends_at=oslo_iso(r["ends_at"]) or "",
                capacity=r["capacity"],
                confirmed_count=r["confirmed_count"],
                waitlist_count=r["waitlist_count"],
                seats_left=max(r["capacity"] - r["confirmed_count"], 0),
                audience=r["audience"],
                reimbursable=r["reimbursable"],
                registration_opens_at=oslo_iso(r["registration_opens_at"]),
                registration_closes_at=oslo_iso(closes) or "",
                cancellation_deadline=oslo_iso(r["cancellation_deadline"]),
                seats_per_municipality=r["seats_per_municipality"],
                reminder_days=r["reminder_days"],
                status=r["status"],
                sequence=r["sequence"],
                cancel_reason=r["cancel_reason"],
                url=f"{base_url}/gatherings/{r['id']}",
                programme=[
                    ProgrammeOut(
                        starts_at=oslo_iso(p["starts_at"]) or "",
                        ends_at=oslo_iso(p["ends_at"]) or "",
                        title=p["title"],
                        speaker=p["speaker"],
                        description=p["description"],
                    )
                    for p in programme
                    if p["gathering"] == r["id"]
                ],
                meals=[
                    MealOut(date=m["date"].isoformat(), meal=m["meal"])
                    for m in meals
                    if m["gathering"] == r["id"]
                ],
                over_capacity=max(r["confirmed_count"] - r["capacity"], 0),
            )
        )
    return out


async def list_visible(
    user: CurrentUser | None,
    base_url: str,
    network: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> list[GatheringOut]:
    query = Gathering.select(
        *Gathering.all_columns(), Gathering.network.slug, Gathering.network.name
    ).order_by(Gathering.starts_at)
    if network:
        if not await Network.exists().where(Network.slug == network):
            raise NotFound("No network with slug {slug!r}", params={"slug": network})
        query = query.where(Gathering.network.slug == network)
    if start:
        query = query.where(Gathering.ends_at >= parse_when(start, "from"))
    if end:
        query = query.where(Gathering.starts_at < parse_when(end, "to"))
    rows = [r for r in await query if r["status"] != "draft" or may_edit(user, r["network.slug"])]
    return await render(rows, base_url)


# --- changes and notifications ---------------------------------------------------------


async def registrants(gid: int) -> list[dict[str, Any]]:
    return await Registration.select(
        Registration.id,
        Registration.status,
        Registration.confirmed_at,
        Registration.user.email,
        Registration.user.name,
        Registration.user.language,
    ).where(
        (Registration.gathering == gid) & Registration.status.is_in(["confirmed", "waitlisted"])
    )


def when_text(value: datetime, language: str) -> str:
    """A time for a mail, in its reader's language: '3. mars 2027 kl. 10.00'."""
    with i18n.use(language):
        return i18n.datetime_text(value)


def mail_context(g: dict[str, Any], language: str, base_url: str) -> dict[str, Any]:
    return {
        "gathering_id": g["id"],
        "title": g["title"],
        "starts": when_text(g["starts_at"], language),
        "ends": when_text(g["ends_at"], language),
        "venue": g["venue"],
        "address": g["address"],
        "city": g["city"],
        "url": f"{base_url}/gatherings/{g['id']}",
        "sequence": g["sequence"],
    }


def _describe(field: str, value: Any, language: str) -> str:
    if isinstance(value, datetime):
        return when_text(value, language)
    return str(value or "–")


def noticed_changes(g: dict[str, Any], fields: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """What of a change participants are told: the title, times and place that differ
    from the gathering row `g`, as (old, new)."""
    return {k: (g.get(k), v) for k, v in fields.items() if k in NOTICEABLE and g.get(k) != v}


def change_lines(noticed: dict[str, tuple[Any, Any]], language: str) -> list[dict[str, str]]:
    """The old → new lines of the change mail, in its reader's language."""
    return [
        {"field": k, "old": _describe(k, old, language), "new": _describe(k, new, language)}
        for k, (old, new) in noticed.items()
    ]


class ChangePreview(msgspec.Struct):
    """What saving a change would tell participants, computed without saving it."""

    status: str
    changes: list[dict[str, str]]  # {field, old, new} in the language of the moment
    confirmed: int
    waitlisted: int
    capacity: tuple[int, int] | None = None  # (old, new) when it changes

    @property
    def recipients(self) -> int:
        """How many get the change mail: everyone confirmed or waiting (published only)."""
        if self.status != "published" or not self.changes:
            return 0
        return self.confirmed + self.waitlisted


async def _prepare(
    g: dict[str, Any], given: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]] | None, list[dict[str, Any]] | None]:
    """A patch checked against the gathering row: (fields, programme, meals); writes nothing."""
    if g["status"] not in EDITABLE_STATES:
        raise Conflict(
            "A {status} gathering cannot be changed",
            params={"status": Label(GATHERING_STATUS, g["status"])},
        )
    given = dict(given)
    programme_in = given.pop("programme", None)
    meals_in = given.pop("meals", None)
    host = given.pop("host_municipality", msgspec.UNSET)
    fields = _times(given)
    merged = {**g, **fields}
    _validate(merged)
    if host is not msgspec.UNSET:
        fields["host_municipality"] = await municipality_id(host, "host_municipality")
    programme = _programme(list(programme_in), merged) if programme_in is not None else None
    meals = _meals(list(meals_in), merged) if meals_in is not None else None
    if {"starts_at", "ends_at"} & fields.keys():
        await _check_kept_children(g["id"], merged, programme is None, meals is None)
    return fields, programme, meals


def _given(patch: GatheringPatch) -> dict[str, Any]:
    return {k: v for k, v in msgspec.structs.asdict(patch).items() if v is not msgspec.UNSET}


async def preview_update(
    user: CurrentUser, gathering_id: str, patch: GatheringPatch
) -> ChangePreview:
    """What `update` would tell participants and how many, checked by the same rules
    (a refused change raises the same error); nothing is saved."""
    g = await editable_row(user, gathering_id)
    fields, _, _ = await _prepare(g, _given(patch))
    people = await registrants(g["id"])
    capacity = fields.get("capacity")
    return ChangePreview(
        status=g["status"],
        changes=change_lines(noticed_changes(g, fields), i18n.current()),
        confirmed=sum(r["status"] == "confirmed" for r in people),
        waitlisted=sum(r["status"] == "waitlisted" for r in people),
        capacity=(g["capacity"], capacity)
        if capacity is not None and capacity != g["capacity"]
        else None,
    )


async def update(
    user: CurrentUser, gathering_id: str, patch: GatheringPatch, base_url: str
) -> GatheringOut:
    from service.registrations.service import promote_fitting

    given = _given(patch)
    async with atomic():
        row = await editable_row(user, gathering_id)
        g = await lock(row["id"])
        assert g is not None
        fields, programme, meals = await _prepare(g, given)
        changed = {k: (g[k], v) for k, v in fields.items() if g.get(k) != v}
        calendar_change = any(k in CALENDAR_FIELDS for k in changed) or programme is not None
        values: dict[Any, Any] = {getattr(Gathering, k): v for k, v in fields.items()}
        values[Gathering.updated_at] = now()
        if calendar_change:
            values[Gathering.sequence] = g["sequence"] + 1
        await Gathering.update(values).where(Gathering.id == g["id"])
        await _replace_children(g["id"], programme, meals)
        more_room = "capacity" in changed and fields["capacity"] > g["capacity"]
        cap = changed.get("seats_per_municipality")
        if cap is not None:
            old_cap, new_cap = cap
            more_room = more_room or new_cap is None or (old_cap is not None and new_cap > old_cap)
        if more_room and g["status"] == "published":
            await promote_fitting(g["id"], base_url)
        if changed or programme is not None or meals is not None:
            await record(
                user.email,
                "gathering.update",
                "gathering",
                g["id"],
                before={k: _describe(k, old, "en") for k, (old, _) in changed.items()},
                after={k: _describe(k, new, "en") for k, (_, new) in changed.items()},
            )
        noticed = noticed_changes(g, fields)
        if noticed and g["status"] == "published":
            fresh = await lock(g["id"])
            assert fresh is not None
            for r in await registrants(g["id"]):
                lang = r["user.language"]
                context = {
                    "name": r["user.name"],
                    **mail_context(fresh, lang, base_url),
                    "registration_id": r["id"],
                    "registration_status": r["status"],
                    "changes": change_lines(noticed, lang),
                }
                if r["status"] == "confirmed":  # the updated invitation, same UID
                    context["_parts"] = await invitation_parts(
                        fresh,
                        r["id"],
                        r["user.email"],
                        r["user.name"],
                        "REQUEST",
                        lang,
                        base_url,
                        current_settings().mail_from,
                    )
                await enqueue_mail(
                    "gathering_changed",
                    r["user.email"],
                    lang,
                    context,
                    idempotency_key=f"gathering_changed:{g['id']}:{fresh['sequence']}:{r['id']}",
                )
    return await detail(user, g["id"], base_url)


async def publish(user: CurrentUser, gathering_id: str, base_url: str) -> GatheringOut:
    async with atomic():
        await editable_row(user, gathering_id)
        row = await lock(int(gathering_id))
        assert row is not None
        if row["status"] != "draft":
            raise Conflict(
                "Only a draft can be published; this one is {status}",
                params={"status": Label(GATHERING_STATUS, row["status"])},
            )
        if row["ends_at"] <= now():
            raise Conflict("This gathering has already ended")
        await Gathering.update(
            {
                Gathering.status: "published",
                Gathering.published_at: now(),
                Gathering.updated_at: now(),
            }
        ).where(Gathering.id == row["id"])
        await record(user.email, "gathering.publish", "gathering", row["id"])
    return await detail(user, row["id"], base_url)


async def cancel(user: CurrentUser, gathering_id: str, reason: str, base_url: str) -> GatheringOut:
    async with atomic():
        row = await editable_row(user, gathering_id)
        g = await lock(row["id"])
        assert g is not None
        if g["status"] not in EDITABLE_STATES:
            raise Conflict(
                "A {status} gathering cannot be cancelled",
                params={"status": Label(GATHERING_STATUS, g["status"])},
            )
        people = await registrants(g["id"])
        stamp = now()
        await Gathering.update(
            {
                Gathering.status: "cancelled",
                Gathering.cancel_reason: reason.strip(),
                Gathering.cancelled_at: stamp,
                Gathering.updated_at: stamp,
                Gathering.sequence: g["sequence"] + 1,
                Gathering.confirmed_count: 0,
                Gathering.waitlist_count: 0,
            }
        ).where(Gathering.id == g["id"])
        await Registration.update(
            {
                Registration.status: "cancelled",
                Registration.cancelled_at: stamp,
                Registration.cancelled_by: user.email,
                Registration.updated_at: stamp,
            }
        ).where(
            (Registration.gathering == g["id"])
            & Registration.status.is_in(["confirmed", "waitlisted"])
        )
        await record(user.email, "gathering.cancel", "gathering", g["id"], after={"reason": reason})
        fresh = await lock(g["id"])
        assert fresh is not None
        for r in people:
            lang = r["user.language"]
            context = {
                "name": r["user.name"],
                **mail_context(fresh, lang, base_url),
                "registration_id": r["id"],
                "reason": reason.strip(),
            }
            if r["confirmed_at"] is not None:  # withdraw the invitation they have
                context["_parts"] = await invitation_parts(
                    fresh,
                    r["id"],
                    r["user.email"],
                    r["user.name"],
                    "CANCEL",
                    lang,
                    base_url,
                    current_settings().mail_from,
                )
            await enqueue_mail(
                "gathering_cancelled",
                r["user.email"],
                lang,
                context,
                idempotency_key=f"gathering_cancelled:{g['id']}:{r['id']}",
            )
    return await detail(user, g["id"], base_url)


async def complete_due() -> int:
    """Mark published gatherings whose end has passed as completed (idempotent)."""
    async with atomic():
        done = await (
            Gathering.update({Gathering.status: "completed", Gathering.completed_at: now()})
            .where((Gathering.status == "published") & (Gathering.ends_at <= now()))
            .returning(Gathering.id)
        )
    return len(done)


async def send_reminders(base_url: str) -> int:
    """Remind confirmed participants `reminder_days` before; one mail per registration."""
    sent = 0
    rows = await Gathering.select().where(
        (Gathering.status == "published") & (Gathering.starts_at > now())
    )
    for g in rows:
        days = g["reminder_days"]
        if days <= 0 or (g["starts_at"] - now()).total_seconds() > days * 86400:
            continue
        async with atomic():
            people = await Registration.select(
                Registration.id,
                Registration.user.email,
                Registration.user.name,
                Registration.user.language,
            ).where((Registration.gathering == g["id"]) & (Registration.status == "confirmed"))
            for r in people:
                lang = r["user.language"]
                made = await enqueue_mail(
                    "gathering_reminder",
                    r["user.email"],
                    lang,
                    {"name": r["user.name"], **mail_context(g, lang, base_url), "days": days},
                    idempotency_key=f"gathering_reminder:{g['id']}:{r['id']}",
                )
                sent += made is not None
    return sent
