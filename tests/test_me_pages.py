"""My page and my calendar: registrations grouped as a person thinks of them, cancelling
behind a confirmation, my claims, the profile form (the language takes effect on the next
page), and the personal calendar feed with its subscribe links and a reset that makes the
old address answer 404."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

import msgspec
from test_web_pages import assert_page, move_to_the_past, new_person, published, signed_in, text

from service.accounts import service as accounts
from service.claims import claims
from service.claims.schemas import ClaimIn
from service.registrations import service as registrations
from service.registrations.schemas import RegistrationIn


async def test_my_pages_need_a_signed_in_user(client):
    for path in ("/me", "/me/calendar"):
        r = await client.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/login?next=" + quote(path)


async def test_my_page_groups_registrations_and_lists_claims(app, actors):
    coordinator = await accounts.load_user(actors["coordinator"].id)
    _, uid = await new_person(name="Mona Mange")
    me = await accounts.load_user(uid)
    coming = await published(actors, title="Kommende med plass")
    crowded = await published(actors, title="Full med kø", capacity=1)
    went = await published(actors, title="Var der")
    skipped = await published(actors, title="Meldte meg av")
    await registrations.register(coordinator, crowded, RegistrationIn(), "")
    mine = {}
    for gid in (coming, crowded, went, skipped):
        reg, _ = await registrations.register(me, gid, RegistrationIn(), "")
        mine[gid] = reg
    await registrations.cancel(me, mine[skipped].id, "")
    claim = await claims.create(
        me,
        msgspec.convert(
            {
                "registration": mine[went].id,
                "lines": [
                    {
                        "kind": "other",
                        "date": "2031-10-01",
                        "description": "Parkering",
                        "amount": "1234.50",
                    }
                ],
            },
            ClaimIn,
        ),
    )
    await move_to_the_past(went)
    await registrations.set_attendance(coordinator, mine[went].id, True)

    async with signed_in(app, uid) as b:
        r = await b.get("/me")
        assert_page(r)
        page = text(r)
        upcoming = page[page.index("Kommende") : page.index("Tidligere")]
        assert "Kommende med plass" in upcoming and "Bekreftet" in upcoming
        assert "Full med kø" in upcoming and "Nummer 1 på venteliste" in upcoming
        assert upcoming.count("Meld meg av") == 2
        past = page[page.index("Tidligere") : page.index("Mine reiseregninger")]
        assert "Var der" in past and "Deltok" in past and "Meld meg av" not in past
        cancelled = page[page.index("Avmeldte påmeldinger") : page.index("Mine reiseregninger")]
        assert "Meldte meg av" in cancelled and "Avmeldt" in cancelled
        for gid in (coming, crowded, went, skipped):
            assert f'href="/gatherings/{gid}"' in page
        assert f'href="/claims/{claim.id}"' in page and "Utkast" in page and "1 234,50 kr" in page

        nn = text(await b.get("/me", headers={"Accept-Language": "nn"}))
        assert "Påmeldingane mine" not in nn  # the account's language (nb) wins
        await accounts.update_profile(me, language="nn")
        nn = text(await b.get("/me"))
        assert (
            '<html lang="nn"' in nn and "Påmeldingane mine" in nn and "Reiserekningane mine" in nn
        )
        await accounts.update_profile(me, language="en")
        en = text(await b.get("/me"))
        assert "My registrations" in en and "Number 1 on the waiting list" in en
        assert "Draft" in en and "Cancelled registrations" in en


async def test_cancelling_from_my_page_asks_first_and_comes_back(app, actors):
    gid = await published(actors, title="Avmeldes fra min side")
    _, uid = await new_person()
    reg, _ = await registrations.register(await accounts.load_user(uid), gid, RegistrationIn(), "")
    async with signed_in(app, uid) as b:
        page = await b.get("/me")
        action = f"/me/registrations/{reg.id}/cancel"
        assert f'action="{action}"' in page.text
        ask = await b.post(action, data={"next": "/me"})
        assert_page(ask)
        assert "Avmeldes fra min side" in text(ask) and 'href="/me"' in ask.text
        assert (await registrations.mine(await accounts.load_user(uid)))[0].status == "confirmed"
        done = await b.post(action, data={"next": "/me", "confirm": "yes"})
        assert done.status_code == 303 and done.headers["location"] == "/me"
        page = text(await b.get("/me"))
        assert "Påmeldingen din er avmeldt." in page
        assert "Du er ikke påmeldt noen kommende samling." in page
        # a `next` to another site falls back to the gathering
        other = await published(actors)
        reg2, _ = await registrations.register(
            await accounts.load_user(uid), other, RegistrationIn(), ""
        )
        r = await b.post(
            f"/me/registrations/{reg2.id}/cancel",
            data={"next": "https://evil.example/", "confirm": "yes"},
        )
        assert r.headers["location"] == f"/gatherings/{other}"
        unknown = await b.post("/me/registrations/999999/cancel", data={"confirm": "yes"})
        assert_page(unknown, 404)


async def test_the_profile_form_saves_name_and_language(app, actors):
    _, uid = await new_person(name="Gammelt Navn")
    async with signed_in(app, uid) as b:
        page = await b.get("/me")
        assert 'value="Gammelt Navn"' in page.text
        assert re.search(r'value="nb" checked', page.text)
        r = await b.post("/me/profile", data={"name": "Nytt Navn", "language": "en"})
        assert r.status_code == 303 and r.headers["location"] == "/me"
        page = await b.get("/me")
        assert '<html lang="en"' in page.text and "Saved." in page.text
        assert 'value="Nytt Navn"' in page.text and re.search(r'value="en" checked', page.text)
        assert "Saved." not in (await b.get("/me")).text
        user = await accounts.load_user(uid)
        assert user.name == "Nytt Navn" and user.language == "en"

        bad = await b.post("/me/profile", data={"name": "  ", "language": "xx"})
        assert_page(bad, 400)
        assert "Please write your name." in bad.text and "Choose one of the languages." in bad.text
        assert 'aria-invalid="true"' in bad.text and 'class="ds-error-summary"' in bad.text
        assert (await accounts.load_user(uid)).name == "Nytt Navn"

        await b.post("/me/profile", data={"name": "Nytt Navn", "language": "nn"})
        assert "Lagra." in text(await b.get("/me"))


async def test_my_calendar_offers_the_personal_feed_and_a_reset_that_kills_the_old_one(app, actors):
    gid = await published(actors, title="I kalenderen min")
    _, uid = await new_person()
    await registrations.register(await accounts.load_user(uid), gid, RegistrationIn(), "")
    async with signed_in(app, uid) as b:
        r = await b.get("/me/calendar")
        assert_page(r)
        url = re.search(r'readonly value="([^"]+/calendar/feed/[0-9a-f]+\.ics)"', r.text)
        assert url
        feed_url = url.group(1)
        webcal = "webcal://" + feed_url.split("://", 1)[1]
        assert f'href="{webcal}"' in r.text
        assert (
            "https://outlook.office.com/calendar/0/addfromweb?url=" + quote(feed_url, safe="")
        ) in r.text.replace("&amp;", "&")
        google = re.search(r'href="https://calendar\.google\.com/calendar/r\?cid=([^"]+)"', r.text)
        assert google and unquote(google.group(1)) == webcal
        # the same URL as the API gives
        api = await b.get("/api/v1/me/calendar")
        assert api.json() == {"url": feed_url, "webcal_url": webcal}
        path = "/" + feed_url.split("://", 1)[1].split("/", 1)[1]
        feed = await b.get(path)
        assert feed.status_code == 200 and "I kalenderen min" in feed.text
        assert (await b.get("/me/calendar")).text.count(feed_url) >= 1  # stable between visits

        nn = text(await b.get("/me/calendar", headers={"Accept-Language": "nn"}))
        assert "Lag ny lenke" in nn  # the account's language (nb) wins over the header

        ask = await b.post("/me/calendar/reset", data={})
        assert_page(ask)
        assert "Den gamle lenken slutter å virke med en gang." in text(ask)
        assert (await b.get(path)).status_code == 200  # asking changed nothing

        done = await b.post("/me/calendar/reset", data={"confirm": "yes"})
        assert done.status_code == 303 and done.headers["location"] == "/me/calendar"
        page = await b.get("/me/calendar")
        assert "Den gamle lenken virker ikke lenger." in text(page)
        fresh = re.search(r'readonly value="([^"]+)"', page.text)
        assert fresh and fresh.group(1) != feed_url
        assert (await b.get(path)).status_code == 404
        new_path = "/" + fresh.group(1).split("://", 1)[1].split("/", 1)[1]
        assert (await b.get(new_path)).status_code == 200

        await accounts.update_profile(await accounts.load_user(uid), language="en")
        en = text(await b.get("/me/calendar"))
        assert "Reset the link" in en and "Outlook on the web" in en and "Google Calendar" in en
        await accounts.update_profile(await accounts.load_user(uid), language="nn")
        nn = text(await b.get("/me/calendar"))
        assert "Lag ny lenkje" in nn and "Abonner" in nn
