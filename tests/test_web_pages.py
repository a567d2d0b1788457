"""The participant's pages: the front page with its filters, /gatherings, a network's page
and a gathering's page, with registering and cancelling (behind a confirmation) from
them. Every page speaks bokmål, nynorsk and English, carries the CSP header, and works
with plain forms (no script)."""

from __future__ import annotations

import html
import re
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, timedelta
from typing import Any
from urllib.parse import quote, unquote

import httpx
from conftest import new_browser

from service.accounts import service as accounts
from service.accounts.kv import SessionStore
from service.accounts.middleware import SESSION_COOKIE
from service.gatherings import service as gatherings
from service.gatherings.schemas import GatheringIn, MealIn, ProgrammeIn
from service.lib import i18n
from service.networks import service as networks
from service.registrations import service as registrations
from service.registrations.schemas import RegistrationIn

CSP_START = "default-src 'self'; script-src 'self'"


def text(r: httpx.Response) -> str:
    """The page as a person reads it: no-break spaces as spaces."""
    return r.text.replace("\xa0", " ")


async def published(actors: dict[str, Any], **fields: Any) -> str:
    """A published gathering of agder-rogaland (the test coordinator's network)."""
    from datetime import date

    coordinator = await accounts.load_user(actors["coordinator"].id)
    body: dict[str, Any] = {
        "network": "agder-rogaland",
        "title": f"Samling {uuid.uuid4().hex[:6]}",
        "starts_at": "2031-10-01T10:00",
        "ends_at": "2031-10-02T15:00",
        "capacity": 10,
        "venue": "Bystranda",
        "address": "Strandpromenaden 1",
        "city": "Kristiansand",
        "host_municipality": "4204",
        "programme": [
            ProgrammeIn(
                starts_at="2031-10-01T10:00",
                ends_at="2031-10-01T11:15",
                title="Åpning",
                speaker="Kari Nordmann",
            )
        ],
        "meals": [
            MealIn(date=date(2031, 10, 1), meal="lunch"),
            MealIn(date=date(2031, 10, 1), meal="dinner"),
            MealIn(date=date(2031, 10, 2), meal="breakfast"),
        ],
        **fields,
    }
    g = await gatherings.create(coordinator, GatheringIn(**body), "http://t")
    await gatherings.publish(coordinator, g.id, "http://t")
    return g.id


async def move_to_the_past(gathering_id: str, days: int = 400) -> None:
    """Publishing refuses what has ended, so a past gathering is one whose time has come."""
    from datetime import datetime

    from service.db.tables import Gathering

    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=days)
    await Gathering.update(
        {
            Gathering.starts_at: start,
            Gathering.ends_at: start + timedelta(hours=5),
            Gathering.registration_closes_at: start,
            Gathering.registration_opens_at: None,
            Gathering.cancellation_deadline: None,
        }
    ).where(Gathering.id == int(gathering_id))


async def new_person(municipality: str = "4204", name: str = "Per Deltaker") -> tuple[str, int]:
    email = f"page.{uuid.uuid4().hex[:8]}@example.no"
    return email, await accounts.create_user(email, name, municipality, [], "tests")


@asynccontextmanager
async def signed_in(app: Any, user_id: int) -> AsyncIterator[httpx.AsyncClient]:
    """A browser with a session cookie for the user (as the sign-in page would set)."""
    cookie = secrets.token_urlsafe(32)
    await SessionStore(None, timedelta(hours=1)).put(cookie, {"uid": user_id})
    async with new_browser(app) as b:
        b.cookies.set(SESSION_COOKIE, cookie)
        yield b


def assert_page(r: httpx.Response, status: int = 200) -> None:
    assert r.status_code == status, (r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"].startswith(CSP_START)
    assert "'unsafe-inline'" not in r.headers["content-security-policy"]
    assert "<script>" not in r.text and " style=" not in r.text


# --- the front page -----------------------------------------------------------------


async def test_the_front_page_lists_upcoming_gatherings_with_seats_in_three_languages(
    client, actors
):
    roomy = await published(actors, title="Romslig samling", capacity=3)
    full = await published(actors, title="Full samling", capacity=1)
    for actor in ("participant", "coordinator"):
        user = await accounts.load_user(actors[actor].id)
        await registrations.register(user, full, RegistrationIn(), "http://t")
    _, uid = await new_person()
    await registrations.register(await accounts.load_user(uid), full, RegistrationIn(), "")
    past = await published(actors, title="Gammel samling", programme=[], meals=[])
    await move_to_the_past(past)

    nb = await client.get("/")
    assert_page(nb)
    assert '<html lang="nb"' in nb.text
    page = text(nb)
    assert "Kommende samlinger" in page
    assert f'href="/gatherings/{roomy}"' in page and "3 ledige plasser" in page
    assert f'href="/gatherings/{full}"' in page and "Fullt – 2 på venteliste" in page
    assert f'href="/gatherings/{past}"' not in page
    assert "1. oktober 2031" in page and "Bystranda, Kristiansand" in page
    assert 'href="/networks/agder-rogaland"' in page and "Nyheter" in page

    nn = text(await client.get("/", headers={"Accept-Language": "nn-NO,nn;q=0.9"}))
    assert '<html lang="nn"' in nn and "Komande samlingar" in nn and "Nyheiter" in nn
    assert "Det er ingen nyheiter enno." in nn

    client.cookies.set("samling_lang", "en")
    try:
        en = text(await client.get("/", headers={"Accept-Language": "nb"}))
    finally:
        client.cookies.delete("samling_lang")
    assert '<html lang="en"' in en and "Upcoming gatherings" in en
    assert "Full – 2 on the waiting list" in en and "3 seats left" in en
    assert "1 October 2031" in en and "There is no news yet." in en


async def test_the_front_page_filters_by_network_and_county(client, actors):
    south = await published(actors, title="Sørlandssamling")
    other = await accounts.load_user(actors["other_coordinator"].id)
    north = await gatherings.create(
        other,
        GatheringIn(
            network="nord",
            title="Nordlandssamling",
            starts_at="2031-11-01T10:00",
            ends_at="2031-11-01T15:00",
            capacity=5,
        ),
        "http://t",
    )
    await gatherings.publish(other, north.id, "http://t")
    nets = {n.slug: n for n in await networks.list_networks()}
    south_county = nets["agder-rogaland"].county_numbers[0]
    north_county = nets["nord"].county_numbers[0]

    everything = await client.get("/")
    assert (
        f'/gatherings/{south}"' in everything.text and f'/gatherings/{north.id}"' in everything.text
    )
    # a plain GET form: selects with the current choice kept
    assert re.search(r'<form method="get" action="/"', everything.text)
    assert 'name="network"' in everything.text and 'name="county"' in everything.text

    by_network = await client.get("/", params={"network": "nord"})
    assert_page(by_network)
    assert f'/gatherings/{north.id}"' in by_network.text
    assert f'/gatherings/{south}"' not in by_network.text
    assert '<option value="nord" selected>' in by_network.text

    by_county = await client.get("/", params={"county": south_county})
    assert f'/gatherings/{south}"' in by_county.text
    assert f'/gatherings/{north.id}"' not in by_county.text
    assert f'<option value="{south_county}" selected>' in by_county.text

    nothing = await client.get("/", params={"network": "nord", "county": south_county})
    assert "Ingen kommende samlinger passer filteret." in text(nothing)
    both = await client.get("/", params={"network": "nord", "county": north_county})
    assert f'/gatherings/{north.id}"' in both.text

    # values no form offers are ignored, not an error
    odd = await client.get("/", params={"network": "<nope>", "county": "99"})
    assert_page(odd)
    assert "&lt;nope&gt;" not in odd.text and f'/gatherings/{south}"' in odd.text


async def test_the_gathering_list_has_upcoming_and_past_with_the_same_cards(client, actors):
    upcoming = await published(actors, title="Kommer snart")
    past = await published(actors, title="Var i fjor", programme=[], meals=[])
    await move_to_the_past(past)
    r = await client.get("/gatherings")
    assert_page(r)
    page = text(r)
    assert page.index("Kommende samlinger") < page.index(f'/gatherings/{upcoming}"')
    assert page.index("Tidligere samlinger") < page.index(f'/gatherings/{past}"')
    assert "Gjennomført" in page and 'class="ds-card gathering-card"' in page
    en = text(await client.get("/gatherings", headers={"Accept-Language": "en"}))
    assert "Past gatherings" in en and "Held" in en


# --- a network's page ---------------------------------------------------------------


async def test_a_network_page_shows_its_area_people_gatherings_and_calendar(client, actors):
    gid = await published(actors, title="Nettverkets samling")
    r = await client.get("/networks/agder-rogaland")
    assert_page(r)
    page = text(r)
    detail = await networks.get_network("agder-rogaland")
    assert detail.name in page
    for county in detail.counties:
        assert county in page
    members = [m.name for m in detail.members if m.status == "member"]
    missing = [name for name in members if html.escape(name) not in page]
    assert members and not missing, missing
    # Coordinators are shown only when they agreed to be listed (tests/test_directory.py).
    assert actors["coordinator"].email not in page and 'href="/coordinators"' in r.text
    assert f'/gatherings/{gid}"' in page

    feed = re.search(r'readonly value="([^"]+)"', r.text)
    assert feed and feed.group(1).endswith("/calendar/networks/agder-rogaland.ics")
    url = feed.group(1)
    webcal = "webcal://" + url.split("://", 1)[1]
    assert f'href="{webcal}"' in r.text
    outlook = re.search(
        r'href="(https://outlook\.office\.com/calendar/0/addfromweb\?[^"]+)"', r.text
    )
    assert outlook and f"url={quote(url, safe='')}" in outlook.group(1).replace("&amp;", "&")
    assert "name=" in outlook.group(1)
    google = re.search(r'href="https://calendar\.google\.com/calendar/r\?cid=([^"]+)"', r.text)
    assert google and unquote(google.group(1)) == webcal
    # the feed the page offers answers with the gathering in it
    ics = await client.get("/" + url.split("://", 1)[1].split("/", 1)[1])
    assert ics.status_code == 200 and "Nettverkets samling" in ics.text

    nn = text(await client.get("/networks/agder-rogaland", headers={"Accept-Language": "nn"}))
    assert "Medlemskommunar" in nn and "Koordinatorar" in nn
    assert "Abonner på kalenderen til nettverket" in nn
    en = text(await client.get("/networks/agder-rogaland", headers={"Accept-Language": "en"}))
    assert "Member municipalities" in en and "Outlook on the web" in en


async def test_unknown_addresses_are_html_404_pages(client):
    for path in ("/networks/no-such-network", "/gatherings/999999", "/gatherings/abc"):
        r = await client.get(path)
        assert_page(r, 404)
        with i18n.use("nb"):
            assert i18n.gettext("Not found") in text(r), path
        en = await client.get(path, headers={"Accept-Language": "en"})
        assert en.status_code == 404 and "Not found" in en.text
        assert en.headers["content-type"].startswith("text/html")


# --- a gathering's page ---------------------------------------------------------------


async def test_a_gathering_page_shows_everything_a_participant_needs(client, actors):
    gid = await published(
        actors,
        title="Høstsamling <i>på</i> Sørlandet",
        description="Faglig påfyll.",
        latitude=58.14,
        longitude=7.99,
        cancellation_deadline="2031-09-20T12:00",
        registration_opens_at="2020-01-01T08:00",
    )
    r = await client.get(f"/gatherings/{gid}")
    assert_page(r)
    page = text(r)
    assert "Høstsamling &lt;i&gt;på&lt;/i&gt; Sørlandet" in page and "<i>på</i>" not in page
    assert "Faglig påfyll." in page
    assert "10.00–11.15" in page and "Åpning" in page and "Kari Nordmann" in page
    assert "Lunsj, Middag" in page and "Frokost" in page
    assert "Bystranda" in page and "Strandpromenaden 1" in page
    assert (
        'href="https://www.openstreetmap.org/?mlat=58.14000&amp;mlon=7.99000'
        '#map=16/58.14000/7.99000"' in page
    )
    assert "Kristiansand" in page and "Vertskommune" in page
    assert "Medlemskommunene i nettverket" in page
    assert "10 av 10 ledige" in page and "20. september 2031 kl. 12.00" in page
    assert f'href="/calendar/gatherings/{gid}.ics"' in page
    assert f'href="/login?next=/gatherings/{gid}"' in page and "Logg inn for å melde deg på" in page
    assert 'action="/gatherings/' not in page  # no form for anonymous visitors

    nn = text(await client.get(f"/gatherings/{gid}", headers={"Accept-Language": "nn"}))
    assert "Måltid som blir serverte" in nn and "Logg inn for å melde deg på" in nn
    assert "Medlemskommunane i nettverket" in nn
    en = text(await client.get(f"/gatherings/{gid}", headers={"Accept-Language": "en"}))
    assert "Meals served" in en and "Sign in to register" in en and "Lunch, Dinner" in en

    # no coordinates: the map link searches for the address
    plain = await published(actors, address="Tordenskjolds gate 65", city="Kristiansand")
    r = await client.get(f"/gatherings/{plain}")
    assert (
        "https://www.openstreetmap.org/search?query="
        + quote("Tordenskjolds gate 65, Kristiansand", safe="")
    ) in r.text


async def test_registering_confirms_then_waitlists_and_the_status_comes_from_the_server(
    app, actors
):
    gid = await published(actors, capacity=1, reimbursable=True)
    first_email, first = await new_person(name="Første Person")
    second_email, second = await new_person(name="Andre Person")
    async with signed_in(app, first) as a, signed_in(app, second) as b:
        page = await a.get(f"/gatherings/{gid}")
        assert f'action="/gatherings/{gid}/register"' in page.text and "Meld meg på" in page.text
        r = await a.post(
            f"/gatherings/{gid}/register", data={"dietary": "Nøtter", "accommodation": "1"}
        )
        assert r.status_code == 303 and r.headers["location"] == f"/gatherings/{gid}"
        page = await a.get(r.headers["location"])
        assert_page(page)
        assert "Du er påmeldt og har fått plass." in text(page)  # once, from the POST
        assert "Du har plass." in text(page)
        assert "Meld meg av" in page.text and 'action="/gatherings/' not in page.text
        reg = next(x for x in await registrations.mine(await accounts.load_user(first)))
        assert f'href="/claims/new?registration={reg.id}"' in page.text
        again = await a.get(f"/gatherings/{gid}")
        assert "Du er påmeldt og har fått plass." not in text(again)  # the flash is one-shot
        assert "Du har plass." in text(again)

        full = await b.get(f"/gatherings/{gid}")
        assert "Sett meg på ventelisten" in full.text
        r = await b.post(f"/gatherings/{gid}/register", data={})
        assert r.status_code == 303 and "message" not in r.headers["location"]
        page = text(await b.get(r.headers["location"]))
        assert "Du står som nummer 1 på ventelisten." in page
        # a ?message= parameter puts no words on the page
        odd = await b.get(f"/gatherings/{gid}?message=Du+har+vunnet")
        assert "Du har vunnet" not in odd.text

        # a form post from another site is refused and registers nobody
        r = await b.post(
            f"/gatherings/{gid}/register", data={}, headers={"Origin": "https://evil.example"}
        )
        assert r.status_code == 403
    coordinator = await accounts.load_user(actors["coordinator"].id)
    rows = await registrations.for_gathering(coordinator, gid)
    assert [(x.email, x.status) for x in rows] == [
        (first_email, "confirmed"),
        (second_email, "waitlisted"),
    ]
    assert rows[0].dietary == "Nøtter" and rows[0].accommodation is True


async def test_a_refused_registration_shows_why_and_changes_nothing(app, actors):
    later = await published(actors, registration_opens_at="2031-06-01T09:00")
    _, uid = await new_person()
    async with signed_in(app, uid) as b:
        page = await b.get(f"/gatherings/{later}")
        assert "Påmeldingen åpner 1. juni 2031 kl. 09.00." in text(page)
        r = await b.post(f"/gatherings/{later}/register", data={"dietary": "Vegetar"})
        assert_page(r, 409)
        assert (
            'class="ds-alert" data-color="danger"' in r.text and "Påmeldingen gikk ikke" in r.text
        )
    # someone from a municipality outside the network may not register for members only
    gid = await published(actors)
    _, outsider = await new_person(municipality="5501")
    async with signed_in(app, outsider) as b:
        r = await b.post(f"/gatherings/{gid}/register", data={})
        assert_page(r, 403)
        danger = r'<div class="ds-alert" data-color="danger" role="alert">(.*?)</div>'
        alert = re.search(danger, r.text, re.S)
        assert alert and "Nettverk Agder og Rogaland" in alert.group(1)  # the reason, in words
    for user_id in (uid, outsider):
        assert await registrations.mine(await accounts.load_user(user_id)) == []


async def test_anonymous_register_post_goes_to_sign_in(client, actors):
    gid = await published(actors)
    r = await client.post(f"/gatherings/{gid}/register", data={})
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=" + quote(f"/gatherings/{gid}")


async def test_cancelling_asks_first_then_promotes_the_first_on_the_waiting_list(app, actors):
    gid = await published(actors, capacity=1)
    _, first = await new_person(name="Har Plass")
    _, second = await new_person(name="Venter")
    async with signed_in(app, first) as a, signed_in(app, second) as b:
        await a.post(f"/gatherings/{gid}/register", data={})
        await b.post(f"/gatherings/{gid}/register", data={})
        page = await a.get(f"/gatherings/{gid}")
        action = re.search(r'action="(/me/registrations/\d+/cancel)"', page.text)
        assert action
        ask = await a.post(action.group(1), data={"next": f"/gatherings/{gid}"})
        assert_page(ask)
        assert "Melde deg av?" in text(ask) and "Ja, meld meg av" in text(ask)
        assert 'name="confirm" value="yes"' in ask.text
        # asking changed nothing
        assert "Du har plass." in text(await a.get(f"/gatherings/{gid}"))
        assert "nummer 1 på ventelisten" in text(await b.get(f"/gatherings/{gid}"))

        done = await a.post(action.group(1), data={"next": f"/gatherings/{gid}", "confirm": "yes"})
        assert done.status_code == 303 and done.headers["location"] == f"/gatherings/{gid}"
        page = text(await a.get(done.headers["location"]))
        assert "Påmeldingen din er avmeldt." in page and "Sett meg på ventelisten" in page
        promoted = text(await b.get(f"/gatherings/{gid}"))
        assert "Du har plass." in promoted and "ventelisten." not in promoted

        # a second cancel of the same registration is refused with a reason, not a 500
        again = await a.post(action.group(1), data={"confirm": "yes"})
        assert again.status_code == 409 and 'role="alert"' in again.text
        # someone else's registration is not found
        other = await b.post(action.group(1), data={"confirm": "yes"})
        assert_page(other, 404)
