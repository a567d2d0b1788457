"""The coordinator's workspace, walked through the pages as a browser would (a session
cookie, forms posted as the page has them): the dashboard, creating a gathering with a
programme and meals, a refused field shown next to it, publishing, the change preview
(old → new and how many are told) before "Save and notify", more seats promoting the
waiting list, attendance (one save, and "mark all"), the CSV, members accepted and
withdrawn, a sign-up approved — and the coordinator of another network refused each."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from mail_fixtures import follow_link

from service.accounts import service as accounts
from service.db.tables import Gathering, NetworkMembership, OutboxMessage, Registration, User
from service.gatherings import service as gatherings
from service.gatherings.schemas import GatheringIn, GatheringPatch, MealIn
from service.lib import i18n
from service.lib.clock import OSLO, now
from service.networks import membership
from service.networks import service as networks
from service.registrations import service as registrations
from service.registrations.schemas import RegistrationIn

MOVES = (
    "Nobody is moved between a place and the waiting list by hand. When someone cancels, or "
    "when you raise the number of seats in the editor, the first on the waiting list get the "
    "free places in their order and are told by mail."
)
NETWORK = "agder-rogaland"  # the `coordinator` actor's; `other_coordinator` has nord


def nb(msgid: str, **params: Any) -> str:
    """A text as the pages show it in bokmål (the catalogs' translation of the msgid)."""
    with i18n.use("nb"):
        text = i18n.gettext(msgid)
    return (text % params if "%(" in text else text.format(**params)) if params else text


def seen(r: httpx.Response) -> str:
    """The page as a person reads it: entities decoded, any run of spaces as one."""
    import html

    return re.sub(r"\s+", " ", html.unescape(r.text))


async def browser(app: Any, email: str) -> httpx.AsyncClient:
    c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    link = await accounts.create_login_link(email, "http://testserver")
    assert (await follow_link(c, link)).status_code == 303
    return c


class _Form(HTMLParser):
    """The fields a browser would send for the form posting to `action` (no button)."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.fields = action, False, []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.action
        if not self.inside or "name" not in a:
            if tag == "option" and self._select is not None and "selected" in a:
                self.fields.append((self._select, a.get("value", "")))
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind == "checkbox" and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "textarea":
            self._textarea, self._text = a["name"], ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data


def form_of(r: httpx.Response, action: str) -> dict[str, Any]:
    """The form as the page filled it in: {name: value or [values]}."""
    parser = _Form(action)
    parser.feed(r.text)
    out: dict[str, Any] = {}
    for name, value in parser.fields:
        if name in out:
            out[name] = [*(out[name] if isinstance(out[name], list) else [out[name]]), value]
        else:
            out[name] = value
    return out


def days_ahead(n: int) -> date:
    return (now() + timedelta(days=n)).date()


async def outbox(kind: str, recipient: str) -> list[dict[str, Any]]:
    return await (
        OutboxMessage.select()
        .where((OutboxMessage.kind == kind) & (OutboxMessage.recipient == recipient))
        .output(load_json=True)
    )


async def person(municipality: str = "4204", tag: str = "deltaker") -> tuple[str, Any]:
    email = f"{tag}.{uuid.uuid4().hex[:8]}@example.no"
    uid = await accounts.create_user(email, tag.title(), municipality, [], "tests")
    return email, await accounts.load_user(uid)


async def a_published_gathering(actors: Any, capacity: int, starts_in_days: int = 40) -> str:
    coordinator = await accounts.load_user(actors["coordinator"].id)
    day = days_ahead(starts_in_days)
    g = await gatherings.create(
        coordinator,
        GatheringIn(
            network=NETWORK,
            title=f"Fagsamling {uuid.uuid4().hex[:4]}",
            starts_at=f"{day}T10:00",
            ends_at=f"{day}T16:00",
            capacity=capacity,
            venue="Rådhuset",
            city="Kristiansand",
            audience="open",
        ),
        "http://t",
    )
    await gatherings.publish(coordinator, g.id, "http://t")
    return g.id


# --- the dashboard -----------------------------------------------------------------------


async def test_the_dashboard_shows_my_networks_and_what_waits(app, actors):
    gid = await a_published_gathering(actors, capacity=1)
    for _ in range(2):
        _, someone = await person()
        await registrations.register(someone, gid, RegistrationIn(), "http://t")
    c = await browser(app, actors["coordinator"].email)
    r = await c.get("/coordinator")
    assert r.status_code == 200
    page = seen(r)
    assert "Nettverk Agder og Rogaland" in page and "Nettverk Nord" not in page
    assert f'href="/gatherings/{gid}/edit"' in r.text
    assert f'href="/gatherings/{gid}/registrations"' in r.text
    assert nb("%(confirmed)s of %(capacity)s seats taken", confirmed=1, capacity=1) in page
    assert f'href="/coordinator/networks/{NETWORK}/members"' in r.text
    assert f"/calendar/networks/{NETWORK}.ics" in r.text  # the network's feed
    assert "/calendar/feed/" in r.text  # and the coordinator's own, with its buttons
    assert "webcal://" in r.text

    admin = await browser(app, actors["admin"].email)
    page = seen(await admin.get("/coordinator"))
    assert "Nettverk Agder og Rogaland" in page and "Nettverk Nord" in page  # every one
    other = await browser(app, actors["other_coordinator"].email)
    assert f'href="/gatherings/{gid}/edit"' not in (await other.get("/coordinator")).text
    for role in ("participant", "finance"):
        refused = await browser(app, actors[role].email)
        assert (await refused.get("/coordinator")).status_code == 403


# --- the editor ----------------------------------------------------------------------------


def _new_form(day: date, **overrides: Any) -> dict[str, Any]:
    nxt = day + timedelta(days=1)
    form: dict[str, Any] = {
        "network": NETWORK,
        "title": "Vårsamling på Sola",
        "description": "To dager om samtaler.\n\nVelkommen!",
        "starts_at": f"{day}T10:00",
        "ends_at": f"{nxt}T15:00",
        "venue": "Quality Airport Hotel",
        "address": "Sola strandvei 1",
        "city": "Sola",
        "host_municipality": "1103",
        "latitude": "",
        "longitude": "",
        "capacity": "30",
        "audience": "members",
        "seats_per_municipality": "4",
        "registration_opens_at": "",
        "registration_closes_at": f"{day - timedelta(days=7)}T12:00",
        "cancellation_deadline": f"{day - timedelta(days=3)}T12:00",
        "reimbursable": "1",
        "reminder_days": "5",
        "programme_rows": "3",
        "programme-0-starts_at": f"{day}T10:00",
        "programme-0-ends_at": f"{day}T11:00",
        "programme-0-title": "Velkommen",
        "programme-0-speaker": "Tone Eide",
        "programme-0-description": "",
        "programme-1-starts_at": f"{nxt}T09:00",
        "programme-1-ends_at": f"{nxt}T12:00",
        "programme-1-title": "Samtaler som virker",
        "programme-1-speaker": "",
        "programme-1-description": "Gruppearbeid",
        "programme-2-starts_at": "",
        "programme-2-ends_at": "",
        "programme-2-title": "",
        "programme-2-speaker": "",
        "programme-2-description": "",
        "meals": [f"{day}:lunch", f"{day}:dinner", f"{nxt}:breakfast"],
    }
    form.update(overrides)
    return form


async def test_a_gathering_is_made_with_programme_and_meals_and_published(app, actors):
    day = days_ahead(60)
    c = await browser(app, actors["coordinator"].email)
    r = await c.get("/coordinator/gatherings/new")
    assert r.status_code == 200
    assert re.search(rf'<option value="{NETWORK}" selected>', r.text)  # their only network
    assert nb("Fill in when the gathering starts and ends, then press “Show the days”.") in seen(r)

    # Without script: the meal days for the dates typed, a row added; nothing is stored.
    before = await Gathering.count()
    form = _new_form(day, meals=[], action="refresh")
    r = await c.post("/coordinator/gatherings/new", data=form)
    assert r.status_code == 200 and await Gathering.count() == before
    assert (
        f'value="{day}:breakfast"' in r.text
        and f'value="{day + timedelta(days=1)}:dinner"' in r.text
    )
    r = await c.post("/coordinator/gatherings/new", data={**form, "action": "add-row"})
    assert 'name="programme-3-title"' in r.text and 'value="Samtaler som virker"' in r.text

    # A refusal of the service sits next to the field it names, in bokmål.
    r = await c.post("/coordinator/gatherings/new", data=_new_form(day, ends_at=f"{day}T09:00"))
    assert r.status_code == 422 and await Gathering.count() == before
    assert re.search(r'id="field-ends_at"[^>]*aria-invalid="true"', r.text)
    error = re.search(r'id="error-ends_at">([^<]*)<', r.text)
    assert error and error.group(1) == nb("ends_at must be after starts_at")
    assert 'value="Vårsamling på Sola"' in r.text  # what was typed is kept
    # A programme item outside the gathering: next to that row.
    r = await c.post(
        "/coordinator/gatherings/new",
        data=_new_form(day, **{"programme-1-ends_at": f"{day + timedelta(days=3)}T12:00"}),
    )
    assert r.status_code == 422 and 'id="error-programme-1-starts_at"' in r.text
    assert nb("a programme item must lie within the gathering") in seen(r)
    # The page's own checks: a number that is not one, a missing title.
    r = await c.post(
        "/coordinator/gatherings/new", data=_new_form(day, capacity="tretti", title="")
    )
    assert r.status_code == 422
    assert 'id="error-capacity"' in r.text and 'id="error-title"' in r.text

    r = await c.post("/coordinator/gatherings/new", data=_new_form(day))
    assert r.status_code == 303, seen(r)[:3000]
    gid = r.headers["location"].split("/")[2]
    assert r.headers["location"] == f"/gatherings/{gid}/edit"
    coordinator = await accounts.load_user(actors["coordinator"].id)
    g = await gatherings.detail(coordinator, gid, "http://t")
    assert g.status == "draft" and g.network == NETWORK and g.host_municipality == "1103"
    assert [p.title for p in g.programme] == ["Velkommen", "Samtaler som virker"]
    assert g.programme[0].speaker == "Tone Eide" and g.programme[1].description == "Gruppearbeid"
    assert {(m.date, m.meal) for m in g.meals} == {
        (str(day), "lunch"),
        (str(day), "dinner"),
        (str(day + timedelta(days=1)), "breakfast"),
    }
    assert (g.seats_per_municipality, g.reminder_days, g.reimbursable) == (4, 5, True)
    assert g.cancellation_deadline and g.cancellation_deadline.startswith(
        str(day - timedelta(days=3))
    )
    page = await c.get(f"/gatherings/{gid}/edit")
    assert nb("The gathering is saved as a draft. Publish it when it is ready.") in seen(page)

    # The edit page holds what was saved; moving a row swaps the items, keeps the times.
    form = form_of(page, f"/gatherings/{gid}/edit")
    assert form["title"] == "Vårsamling på Sola" and form["capacity"] == "30"
    assert form["description"] == "To dager om samtaler.\n\nVelkommen!"
    assert sorted(form["meals"]) == sorted(_new_form(day)["meals"])
    moved = await c.post(f"/gatherings/{gid}/edit", data={**form, "action": "down-0"})
    assert moved.status_code == 200
    after = form_of(moved, f"/gatherings/{gid}/edit")
    assert after["programme-0-title"] == "Samtaler som virker"
    assert after["programme-0-starts_at"] == f"{day}T10:00"  # the slot stays
    assert after["programme-1-title"] == "Velkommen"
    r = await c.post(f"/gatherings/{gid}/edit", data=after)
    assert r.status_code == 303  # a draft: saved at once, nobody to tell
    g = await gatherings.detail(coordinator, gid, "http://t")
    assert [p.title for p in g.programme] == ["Samtaler som virker", "Velkommen"]
    # Saving the form unchanged changes nothing a calendar would see.
    sequence = g.sequence
    r = await c.post(
        f"/gatherings/{gid}/edit",
        data=form_of(await c.get(f"/gatherings/{gid}/edit"), f"/gatherings/{gid}/edit"),
    )
    assert r.status_code == 303
    assert (await gatherings.detail(coordinator, gid, "http://t")).sequence == sequence

    # A draft is not there for the other network's coordinator; nor for participants.
    other = await browser(app, actors["other_coordinator"].email)
    for path in ("edit", "registrations", "registrations.csv", "cancel"):
        assert (await other.get(f"/gatherings/{gid}/{path}")).status_code == 404
    assert (await other.post(f"/gatherings/{gid}/publish")).status_code == 404
    participant = await browser(app, actors["participant"].email)
    assert (await participant.get(f"/gatherings/{gid}/edit")).status_code == 403

    r = await c.post(f"/gatherings/{gid}/publish")
    assert r.status_code == 303 and r.headers["location"] == f"/gatherings/{gid}"
    public = await c.get(f"/gatherings/{gid}")
    assert nb("The gathering is published.") in seen(public)
    assert f'href="/gatherings/{gid}/edit"' in public.text
    assert f'href="/gatherings/{gid}/registrations"' in public.text
    assert (
        f'href="/gatherings/{gid}/edit"' not in (await participant.get(f"/gatherings/{gid}")).text
    )
    again = await c.post(f"/gatherings/{gid}/publish")
    assert again.status_code == 409  # already published: said on the editor

    # Published now: the other coordinator may look (403), not change.
    assert (await other.get(f"/gatherings/{gid}/edit")).status_code == 403
    assert (await other.post(f"/gatherings/{gid}/edit", data=after)).status_code == 403
    assert (await other.get(f"/gatherings/{gid}/cancel")).status_code == 403


async def test_a_change_is_previewed_then_told_and_more_seats_promote(app, actors):
    gid = await a_published_gathering(actors, capacity=1)
    first_email, first = await person(tag="forst")
    second_email, second = await person(tag="andre")
    await registrations.register(first, gid, RegistrationIn(), "http://t")
    waiting, _ = await registrations.register(second, gid, RegistrationIn(), "http://t")
    assert waiting.status == "waitlisted"

    c = await browser(app, actors["coordinator"].email)
    action = f"/gatherings/{gid}/edit"
    form = form_of(await c.get(action), action)
    new_start = form["starts_at"][:11] + "11:30"
    changed = {**form, "venue": "Kulturhuset", "starts_at": new_start}
    r = await c.post(action, data=changed)
    assert r.status_code == 200
    page = seen(r)
    assert nb("Check the change before you save it") in page
    assert "Rådhuset → Kulturhuset" in page
    assert re.search(r"kl\. 10[.:]00 → .*kl\. 11[.:]30", page)  # the start, old → new
    assert "2 personer får e-posten: 1 med plass og 1 på venteliste." in page
    row = await Gathering.select(Gathering.venue).where(Gathering.id == int(gid)).first()
    assert row == {"venue": "Rådhuset"}  # nothing saved yet
    assert await outbox("gathering_changed", first_email) == []

    # Back to the editor keeps what was typed; "Save and notify" saves and tells both.
    back = await c.post(action, data={**form_of(r, action), "action": "back"})
    assert back.status_code == 200 and 'value="Kulturhuset"' in back.text
    r = await c.post(action, data={**form_of(r, action), "confirm": "yes"})
    assert r.status_code == 303
    assert nb("The gathering is saved, and the participants are told.") in seen(
        await c.get(r.headers["location"])
    )
    row = await Gathering.select(Gathering.venue).where(Gathering.id == int(gid)).first()
    assert row == {"venue": "Kulturhuset"}
    assert len(await outbox("gathering_changed", first_email)) == 1
    assert len(await outbox("gathering_changed", second_email)) == 1

    # More seats: nothing to tell about the gathering, saved at once; the first waiting
    # gets the seat (and its mail).
    form = form_of(await c.get(action), action)
    r = await c.post(action, data={**form, "capacity": "2"})
    assert r.status_code == 303
    status = await Registration.select(Registration.status).where(
        Registration.id == int(waiting.id)
    )
    assert status == [{"status": "confirmed"}]
    assert len(await outbox("registration_promoted", second_email)) == 1
    listing = seen(await c.get(f"/gatherings/{gid}/registrations"))
    assert nb("%(confirmed)s of %(capacity)s taken", confirmed=2, capacity=2) in listing
    assert nb("Nobody is waiting.") in listing

    # Attendance before the gathering has started: refused, said on the list.
    r = await c.post(f"/gatherings/{gid}/attendance", data={"action": "all"})
    assert r.status_code == 409
    assert nb("Attendance can be marked once the gathering has started") in seen(r)

    # Cancel with a reason, behind a confirmation page.
    page = await c.get(f"/gatherings/{gid}/cancel")
    assert page.status_code == 200 and nb("Cancel the gathering?") in seen(page)
    r = await c.post(f"/gatherings/{gid}/cancel", data={"reason": "  "})
    assert r.status_code == 422 and 'id="error-reason"' in r.text
    other = await browser(app, actors["other_coordinator"].email)
    assert (
        await other.post(f"/gatherings/{gid}/cancel", data={"reason": "Nei"})
    ).status_code == 403
    r = await c.post(f"/gatherings/{gid}/cancel", data={"reason": "For få påmeldte"})
    assert r.status_code == 303
    public = seen(await c.get(f"/gatherings/{gid}"))
    assert "For få påmeldte" in public
    assert len(await outbox("gathering_cancelled", first_email)) == 1
    assert (await c.get(action)).status_code == 200  # says it can no longer be changed
    assert 'name="title"' not in (await c.get(action)).text


# --- registrations and attendance ------------------------------------------------------------


async def test_the_registration_list_counts_exports_and_takes_attendance(app, actors):
    gid = await a_published_gathering(actors, capacity=2, starts_in_days=2)
    coordinator = await accounts.load_user(actors["coordinator"].id)
    day = days_ahead(2)
    await gatherings.update(
        coordinator,
        gid,
        GatheringPatch(meals=[MealIn(date=day, meal="lunch")]),
        "http://t",
    )
    people = []
    for tag, municipality, needs in (
        ("anna", "4204", "Glutenfri"),
        ("bjorn", "1103", ""),
        ("cato", "4204", "Vegetar"),
    ):
        _, user = await person(municipality, tag)
        reg, _ = await registrations.register(
            user,
            gid,
            RegistrationIn(
                dietary=needs,
                accessibility="Rullestol" if tag == "bjorn" else "",
                accommodation=tag == "anna",
            ),
            "http://t",
        )
        people.append(reg)
    anna, bjorn, cato = people
    assert cato.status == "waitlisted"

    c = await browser(app, actors["coordinator"].email)
    r = await c.get(f"/gatherings/{gid}/registrations")
    assert r.status_code == 200
    page = seen(r)
    for text in ("Anna", "Bjorn", "Cato", "Glutenfri", "Rullestol", "Kristiansand", "Stavanger"):
        assert text in page, text
    assert nb("Attendance can be marked once the gathering has started.") in page
    # per municipality: Kristiansand 1 confirmed + 1 waiting, Stavanger 1; per meal: 2, 1 diet
    assert re.search(
        r"Kristiansand</th>\s*<td class=\"num\">1</td>\s*<td class=\"num\">1</td>", r.text
    )
    assert re.search(
        r"Stavanger</th>\s*<td class=\"num\">1</td>\s*<td class=\"num\">0</td>", r.text
    )
    assert re.search(r"<td class=\"num\">2</td>\s*<td class=\"num\">1</td>", r.text)
    assert (
        nb("Raising the number gives the new seats to the waiting list, first come first served.")
        not in page
    )
    assert nb(MOVES) in page

    csv = await c.get(f"/gatherings/{gid}/registrations.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    lines = csv.text.splitlines()
    with i18n.use("nb"):
        assert lines[0].lstrip("\ufeff").startswith(i18n.pgettext("CSV column", "name"))
    assert len(lines) == 4 and any("Glutenfri" in line for line in lines)

    # The gathering starts (moved to an hour ago): the check-boxes appear.
    started = (now() - timedelta(hours=1)).astimezone(OSLO)
    await gatherings.update(
        coordinator,
        gid,
        GatheringPatch(starts_at=started.strftime("%Y-%m-%dT%H:%M"), registration_closes_at=None),
        "http://t",
    )
    r = await c.get(f"/gatherings/{gid}/registrations")
    form = form_of(r, f"/gatherings/{gid}/attendance")
    assert form["listed"] == [anna.id, bjorn.id] and "present" not in form
    r = await c.post(f"/gatherings/{gid}/attendance", data={**form, "present": [anna.id]})
    assert r.status_code == 303
    marks = {
        str(x["id"]): x["attended"]
        for x in await Registration.select(Registration.id, Registration.attended).where(
            Registration.gathering == int(gid)
        )
    }
    assert marks == {anna.id: True, bjorn.id: False, cato.id: None}
    page = await c.get(r.headers["location"])
    assert nb("Attendance is saved.") in seen(page)
    assert re.search(rf'value="{anna.id}" id="present-{anna.id}" checked', page.text)
    r = await c.post(f"/gatherings/{gid}/attendance", data={"action": "all"})
    assert r.status_code == 303
    attended = await Registration.select(Registration.attended).where(
        Registration.id.is_in([int(anna.id), int(bjorn.id)])
    )
    assert [a["attended"] for a in attended] == [True, True]

    # The other network's coordinator, a participant: refused everywhere.
    other = await browser(app, actors["other_coordinator"].email)
    assert (await other.get(f"/gatherings/{gid}/registrations")).status_code == 403
    assert (await other.get(f"/gatherings/{gid}/registrations.csv")).status_code == 403
    r = await other.post(f"/gatherings/{gid}/attendance", data={"listed": anna.id})
    assert r.status_code == 403
    participant = await browser(app, actors["participant"].email)
    assert (await participant.get(f"/gatherings/{gid}/registrations")).status_code == 403
    # A registration of another gathering cannot be slipped into this list.
    elsewhere = await a_published_gathering(actors, capacity=5)
    _, someone = await person()
    stray, _ = await registrations.register(someone, elsewhere, RegistrationIn(), "http://t")
    r = await c.post(
        f"/gatherings/{gid}/attendance", data={"listed": stray.id, "present": stray.id}
    )
    assert r.status_code == 404


# --- members and sign-ups -------------------------------------------------------------------


async def _outsider_municipality() -> str:
    """A municipality that is not in the network in any way (and has no coordinator of
    the tests: the other networks' own municipalities stay as they are)."""
    network = await networks.get_network(NETWORK)
    known = {m.municipality for m in network.members} | {"5501", "4601", "1103", "4204"}
    return next(m.number for m in await networks.list_municipalities() if m.number not in known)


async def membership_in_network(number: str) -> list[dict[str, Any]]:
    return await NetworkMembership.select(NetworkMembership.status).where(
        (NetworkMembership.municipality.number == number)
        & (NetworkMembership.network.slug == NETWORK)
    )


async def test_members_are_accepted_and_withdrawn_and_signups_approved(app, actors):
    number = await _outsider_municipality()
    _, asker = await person(number, "spor")
    await membership.express_interest(asker, NETWORK)
    c = await browser(app, actors["coordinator"].email)
    members = f"/coordinator/networks/{NETWORK}/members"
    r = await c.get(members)
    assert r.status_code == 200
    assert f'name="municipality" value="{number}"' in r.text
    dashboard = await c.get("/coordinator")
    assert f'href="{members}"' in dashboard.text

    other = await browser(app, actors["other_coordinator"].email)
    assert (await other.get(members)).status_code == 403
    r = await other.post(members, data={"municipality": number, "status": "member"})
    assert r.status_code == 403
    assert (await c.get("/coordinator/networks/no-such-network/members")).status_code == 404

    r = await c.post(members, data={"municipality": number, "status": "member"})
    assert r.status_code == 303
    status = await membership_in_network(number)
    assert status == [{"status": "member"}]
    assert nb("The municipality is a member of the network.") in seen(await c.get(members))

    # Withdrawing asks first.
    r = await c.post(members, data={"municipality": number, "status": "withdrawn"})
    assert r.status_code == 200 and 'name="confirm" value="yes"' in r.text
    assert (await membership_in_network(number)) == [{"status": "member"}]
    r = await c.post(
        members, data={"municipality": number, "status": "withdrawn", "confirm": "yes"}
    )
    assert r.status_code == 303
    assert (await membership_in_network(number)) == [{"status": "withdrawn"}]
    r = await c.post(members, data={"municipality": "", "status": "member"})
    assert r.status_code == 400 and nb("Choose a municipality.") in seen(r)

    # A sign-up from a member municipality (Kristiansand) with an address off its domains.
    email = f"frivillig.{uuid.uuid4().hex[:8]}@gmail.com"
    await accounts.signup(email, "Frida Frivillig", "4204", "http://testserver", "nb")
    mail = (await outbox("signup_confirm", email))[0]
    secret = parse_qs(urlsplit(mail["context"]["url"]).query)["token"][0]
    assert (await accounts.consume_link(secret, "http://testserver"))[0] == "pending"
    user_id = (await User.select(User.id).where(User.email == email).first())["id"]
    r = await c.get(members)
    assert "Frida Frivillig" in seen(r) and f"/coordinator/signups/{user_id}/approve" in r.text
    assert "Frida Frivillig" in seen(await c.get("/coordinator"))
    assert "Frida Frivillig" not in seen(await other.get("/coordinator"))
    r = await other.post(f"/coordinator/signups/{user_id}/approve", data={})
    assert r.status_code == 404  # the service: not one they may approve
    r = await c.post(f"/coordinator/signups/{user_id}/approve", data={"network": NETWORK})
    assert r.status_code == 303 and r.headers["location"] == members + "#signups"
    active = await User.select(User.active).where(User.id == user_id).first()
    assert active == {"active": True}
    assert len(await outbox("account_approved", email)) == 1
    # Approving again: the service's refusal, shown on the members page.
    r = await c.post(f"/coordinator/signups/{user_id}/approve", data={"network": NETWORK})
    assert r.status_code == 404
    assert nb("No pending account with that id that you may approve") in seen(r)
    assert nb("Members of %(name)s", name="Nettverk Agder og Rogaland") in seen(r)
