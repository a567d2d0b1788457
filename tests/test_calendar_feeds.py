"""The calendar feeds as the contract promises them to calendar clients: media type,
conditional requests (ETag, Last-Modified, 304), HEAD, caching, which gatherings each
feed holds, cancellations, personal feeds and their tokens, and what a VEVENT says."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import httpx
from icalendar import Calendar

from service.lib.clock import OSLO

NETWORK = "agder-rogaland"
BASE_URL = "http://127.0.0.1:8000"  # SAMLING_BASE_URL's default, which the tests run with


# --- helpers ------------------------------------------------------------------------------


def events(body: bytes) -> list[Any]:
    return Calendar.from_ical(body).walk("VEVENT")


def gathering_events(body: bytes, gid: str) -> list[Any]:
    return [e for e in events(body) if str(e.get("url", "")) == f"{BASE_URL}/gatherings/{gid}"]


def timed(body: bytes, gid: str) -> Any | None:
    """The gathering's own VEVENT in a feed, or None."""
    found = [e for e in gathering_events(body, gid) if isinstance(e.decoded("dtstart"), datetime)]
    assert len(found) <= 1, f"gathering {gid} shown {len(found)} times"
    return found[0] if found else None


def all_day(body: bytes, gid: str) -> list[Any]:
    return [
        e
        for e in gathering_events(body, gid)
        if isinstance(e.decoded("dtstart"), date) and not isinstance(e.decoded("dtstart"), datetime)
    ]


def media_type(response: httpx.Response) -> tuple[str, dict[str, str]]:
    kind, *params = (p.strip() for p in response.headers["content-type"].split(";"))
    return kind.lower(), {
        k.strip().lower(): v.strip().strip('"').lower()
        for k, _, v in (p.partition("=") for p in params)
    }


async def create(client: httpx.AsyncClient, actor: Any, title: str, **extra: Any) -> dict[str, Any]:
    body = {
        "network": NETWORK,
        "title": title,
        "starts_at": "2031-06-12T09:00",
        "ends_at": "2031-06-12T16:00",
        "capacity": 30,
        "venue": "Kilden",
        "address": "Sjølystveien 2",
        "city": "Kristiansand",
        "audience": "open",
        **extra,
    }
    r = await client.post("/api/v1/gatherings", json=body, headers=actor.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def published(
    client: httpx.AsyncClient, actor: Any, title: str, **extra: Any
) -> dict[str, Any]:
    g = await create(client, actor, title, **extra)
    r = await client.post(f"/api/v1/gatherings/{g['id']}/publish", headers=actor.headers)
    assert r.status_code == 200, r.text
    return r.json()


async def get_ok(
    client: httpx.AsyncClient, path: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    r = await client.get(path, headers=headers or {})
    assert r.status_code == 200, f"{path}: {r.status_code} {r.text[:300]}"
    return r


async def my_calendar(client: httpx.AsyncClient, actor: Any) -> dict[str, str]:
    r = await client.get("/api/v1/me/calendar", headers=actor.headers)
    assert r.status_code == 200, r.text
    return r.json()


async def personal_path(client: httpx.AsyncClient, actor: Any) -> str:
    return httpx.URL((await my_calendar(client, actor))["url"]).path


async def feed_paths(client: httpx.AsyncClient, actors: dict[str, Any], gid: str) -> list[str]:
    return [
        "/calendar/all.ics",
        f"/calendar/networks/{NETWORK}.ics",
        f"/calendar/gatherings/{gid}.ics",
        await personal_path(client, actors["participant"]),
    ]


# --- HTTP ---------------------------------------------------------------------------------


async def test_feeds_are_text_calendar_in_utf8(client, actors):
    g = await published(client, actors["coordinator"], "Medietype ÆØÅ")
    for path in await feed_paths(client, actors, g["id"]):
        r = await get_ok(client, path)
        kind, params = media_type(r)
        assert kind == "text/calendar", path
        assert params.get("charset") == "utf-8", path
        r.content.decode("utf-8")
        assert r.content.startswith(b"BEGIN:VCALENDAR\r\n")


async def test_feeds_answer_200_whatever_the_accept_header(client, actors):
    g = await published(client, actors["coordinator"], "Uten Accept")
    for path in await feed_paths(client, actors, g["id"]):
        request = client.build_request("GET", path)
        del request.headers["accept"]
        r = await client.send(request)
        assert r.status_code == 200, path
        assert media_type(r)[0] == "text/calendar"
        for accept in ("application/json", "text/html", "text/plain"):
            r = await client.get(path, headers={"Accept": accept})
            assert r.status_code == 200, (path, accept)
            assert media_type(r)[0] == "text/calendar"


async def test_strong_etag_and_if_none_match_gives_304_without_body(client, actors):
    g = await published(client, actors["coordinator"], "ETag")
    for path in await feed_paths(client, actors, g["id"]):
        r = await get_ok(client, path)
        etag = r.headers["etag"]
        assert etag.startswith('"') and etag.endswith('"') and len(etag) > 2, etag
        assert not etag.startswith("W/"), "the ETag must be strong"
        again = await get_ok(client, path)
        assert again.headers["etag"] == etag

        for inm in (etag, f'"nope", {etag}', f"W/{etag}", "*"):
            r304 = await client.get(path, headers={"If-None-Match": inm})
            assert r304.status_code == 304, (path, inm)
            assert r304.content == b""
            assert r304.headers["etag"] == etag

        other = await client.get(path, headers={"If-None-Match": '"something-else"'})
        assert other.status_code == 200
        assert other.content == r.content


async def test_last_modified_and_if_modified_since(client, actors):
    g = await published(client, actors["coordinator"], "Sist endret")
    for path in await feed_paths(client, actors, g["id"]):
        r = await get_ok(client, path)
        stamp = parsedate_to_datetime(r.headers["last-modified"])
        assert stamp.tzinfo is not None
        assert stamp <= datetime.now(UTC) + timedelta(seconds=1)

        same = await client.get(path, headers={"If-Modified-Since": r.headers["last-modified"]})
        assert same.status_code == 304, path
        assert same.content == b""
        later = format_datetime(stamp + timedelta(days=1), usegmt=True)
        assert (await client.get(path, headers={"If-Modified-Since": later})).status_code == 304

        earlier = format_datetime(stamp - timedelta(hours=1), usegmt=True)
        older = await client.get(path, headers={"If-Modified-Since": earlier})
        assert older.status_code == 200, path
        assert older.content == r.content
        # If-None-Match wins over If-Modified-Since (RFC 9110 13.1.3)
        both = await client.get(
            path,
            headers={
                "If-None-Match": '"something-else"',
                "If-Modified-Since": r.headers["last-modified"],
            },
        )
        assert both.status_code == 200, path


async def test_last_modified_is_the_newest_change_in_the_feed(client, actors):
    g = await published(client, actors["coordinator"], "Siste endring")
    r = await get_ok(client, f"/calendar/gatherings/{g['id']}.ics")
    ev = timed(r.content, g["id"])
    assert ev is not None
    modified = ev.decoded("last-modified").astimezone(UTC).replace(microsecond=0)
    assert parsedate_to_datetime(r.headers["last-modified"]) == modified


async def test_head_gives_the_headers_and_no_body(client, actors):
    g = await published(client, actors["coordinator"], "HEAD")
    for path in await feed_paths(client, actors, g["id"]):
        full = await get_ok(client, path)
        head = await client.head(path)
        assert head.status_code == 200, path
        assert head.content == b""
        assert head.headers["etag"] == full.headers["etag"]
        assert head.headers["last-modified"] == full.headers["last-modified"]
        assert head.headers["cache-control"] == full.headers["cache-control"]
        assert media_type(head) == media_type(full)
        assert int(head.headers["content-length"]) == len(full.content)
        conditional = await client.head(path, headers={"If-None-Match": full.headers["etag"]})
        assert conditional.status_code == 304
        assert conditional.content == b""


async def test_cache_control_public_for_public_feeds_private_for_the_personal_one(client, actors):
    g = await published(client, actors["coordinator"], "Mellomlagring")
    for path in ("/calendar/all.ics", f"/calendar/networks/{NETWORK}.ics"):
        directives = {
            d.strip() for d in (await get_ok(client, path)).headers["cache-control"].split(",")
        }
        assert "public" in directives and "private" not in directives, path
    one = await get_ok(client, f"/calendar/gatherings/{g['id']}.ics")
    assert "public" in {d.strip() for d in one.headers["cache-control"].split(",")}
    r = await get_ok(client, await personal_path(client, actors["participant"]))
    directives = {d.strip() for d in r.headers["cache-control"].split(",")}
    assert "private" in directives and "public" not in directives


async def test_a_feed_changes_after_a_gathering_edit(client, actors):
    coord = actors["coordinator"]
    g = await published(client, coord, "Før endring")
    r = await client.post(
        f"/api/v1/gatherings/{g['id']}/registrations", headers=actors["participant"].headers
    )
    assert r.status_code in (200, 201), r.text
    paths = await feed_paths(client, actors, g["id"])
    before = {p: await get_ok(client, p) for p in paths}
    r = await client.patch(
        f"/api/v1/gatherings/{g['id']}",
        json={"title": "Etter endring", "venue": "Ny sal"},
        headers=coord.headers,
    )
    assert r.status_code == 200, r.text
    for path in paths:
        old = before[path]
        new = await client.get(path, headers={"If-None-Match": old.headers["etag"]})
        assert new.status_code == 200, f"{path} still answers 304 after an edit"
        assert new.headers["etag"] != old.headers["etag"], path
        ev = timed(new.content, g["id"])
        assert ev is not None, path
        assert str(ev["summary"]) == "Etter endring"
        assert str(ev["location"]).startswith("Ny sal")
        assert int(ev["sequence"]) > int(timed(old.content, g["id"])["sequence"])


# --- which gatherings -----------------------------------------------------------------------


async def test_drafts_are_never_in_public_feeds(client, actors):
    coord = actors["coordinator"]
    title = f"Hemmelig utkast {uuid.uuid4().hex[:8]}"  # other tests may use the words
    draft = await create(client, coord, title)
    uid_probe = await get_ok(client, f"/calendar/gatherings/{draft['id']}.ics", coord.headers)
    uid = str(timed(uid_probe.content, draft["id"])["uid"])
    assert "private" in uid_probe.headers["cache-control"]
    for path in (
        "/calendar/all.ics",
        "/calendar/all.ics?lang=en",
        f"/calendar/networks/{NETWORK}.ics",
    ):
        for headers in ({}, coord.headers, actors["admin"].headers):
            body = (await get_ok(client, path, headers)).content
            assert timed(body, draft["id"]) is None, path
            assert uid.encode() not in body and title.encode() not in body, path
    anonymous = await client.get(f"/calendar/gatherings/{draft['id']}.ics")
    assert anonymous.status_code == 404
    outsider = await client.get(
        f"/calendar/gatherings/{draft['id']}.ics", headers=actors["other_coordinator"].headers
    )
    assert outsider.status_code == 404
    personal = (await get_ok(client, await personal_path(client, actors["participant"]))).content
    assert timed(personal, draft["id"]) is None


async def test_cancelled_gatherings_stay_with_status_cancelled(client, actors):
    coord = actors["coordinator"]
    g = await published(client, coord, "Vinterseminar")
    first = timed((await get_ok(client, "/calendar/all.ics")).content, g["id"])
    assert first is not None and str(first["status"]) == "CONFIRMED"
    r = await client.post(
        f"/api/v1/gatherings/{g['id']}/cancel", json={"reason": "Uvær"}, headers=coord.headers
    )
    assert r.status_code == 200, r.text
    for path in (
        "/calendar/all.ics",
        f"/calendar/networks/{NETWORK}.ics",
        f"/calendar/gatherings/{g['id']}.ics",
        await personal_path(client, coord),
    ):
        ev = timed((await get_ok(client, path)).content, g["id"])
        assert ev is not None, f"the cancelled gathering left {path}"
        assert str(ev["status"]) == "CANCELLED", path
        assert int(ev["sequence"]) > int(first["sequence"]), path
        assert str(ev["uid"]) == str(first["uid"]), path
        assert str(ev["summary"]) == "Avlyst: Vinterseminar", path
    for path in ("/calendar/all.ics?lang=en", f"/calendar/gatherings/{g['id']}.ics?lang=en"):
        ev = timed((await get_ok(client, path)).content, g["id"])
        assert str(ev["summary"]) == "Cancelled: Vinterseminar", path
        assert str(ev["status"]) == "CANCELLED"


async def test_gatherings_over_twelve_months_past_leave_the_public_feeds(client, actors):
    from service.db.tables import Gathering
    from service.db.tx import atomic

    coord = actors["coordinator"]
    old = await published(client, coord, "Gammel samling")
    recent = await published(client, coord, "Nylig samling")
    before = (await get_ok(client, "/calendar/all.ics")).content
    assert timed(before, old["id"]) is not None and timed(before, recent["id"]) is not None
    now = datetime.now(UTC)
    async with atomic():  # a committed write, as the nightly complete_due() makes
        for g, ago in ((old, timedelta(days=400)), (recent, timedelta(days=200))):
            await Gathering.update(
                {
                    Gathering.starts_at: now - ago - timedelta(hours=6),
                    Gathering.ends_at: now - ago,
                    Gathering.status: "completed",
                    Gathering.completed_at: now - ago,
                    Gathering.updated_at: now,
                }
            ).where(Gathering.id == int(g["id"]))
    for path in ("/calendar/all.ics", f"/calendar/networks/{NETWORK}.ics"):
        body = (await get_ok(client, path)).content
        assert timed(body, old["id"]) is None, f"{path} still shows a gathering 400 days old"
        assert timed(body, recent["id"]) is not None, f"{path} lost a gathering 200 days old"


async def test_unknown_network_and_gathering_are_404(client):
    assert (await client.get("/calendar/networks/atlantis.ics")).status_code == 404
    assert (await client.get("/calendar/gatherings/99999999.ics")).status_code == 404
    assert (await client.get("/calendar/gatherings/abc.ics")).status_code == 404


async def test_a_network_feed_holds_only_its_network(client, actors):
    g = await published(client, actors["coordinator"], "Bare agder")
    own = (await get_ok(client, f"/calendar/networks/{NETWORK}.ics")).content
    assert timed(own, g["id"]) is not None
    nord = await get_ok(client, "/calendar/networks/nord.ics")
    assert timed(nord.content, g["id"]) is None


# --- personal feeds -----------------------------------------------------------------------


async def test_my_calendar_gives_a_stable_url_and_webcal_url(client, actors):
    first = await my_calendar(client, actors["finance"])
    assert set(first) == {"url", "webcal_url"}
    url = httpx.URL(first["url"])
    assert first["url"].startswith(f"{BASE_URL}/calendar/feed/")
    assert url.path.endswith(".ics")
    assert len(url.path.removeprefix("/calendar/feed/").removesuffix(".ics")) >= 32
    assert first["webcal_url"] == "webcal://" + first["url"].split("://", 1)[1]
    for _ in range(3):
        assert await my_calendar(client, actors["finance"]) == first
    other = await my_calendar(client, actors["admin"])
    assert other["url"] != first["url"]
    assert (await client.get("/api/v1/me/calendar")).status_code == 401
    empty = await get_ok(client, url.path)
    assert media_type(empty)[0] == "text/calendar"


async def test_personal_feed_holds_confirmed_and_waitlisted_registrations(client, actors):
    coord, participant = actors["coordinator"], actors["participant"]
    roomy = await published(
        client, coord, "Plass til alle", starts_at="2031-08-20T09:00", ends_at="2031-08-20T15:00"
    )
    full = await published(
        client,
        coord,
        "Bare én plass",
        capacity=1,
        starts_at="2031-08-21T09:00",
        ends_at="2031-08-21T15:00",
    )
    untouched = await published(
        client, coord, "Ikke påmeldt", starts_at="2031-08-22T09:00", ends_at="2031-08-22T15:00"
    )
    r = await client.post(
        f"/api/v1/gatherings/{full['id']}/registrations", headers=actors["finance"].headers
    )
    assert r.status_code == 201 and r.json()["status"] == "confirmed", r.text
    seat_holder = r.json()["id"]

    path = await personal_path(client, participant)
    before = await get_ok(client, path)
    r = await client.post(
        f"/api/v1/gatherings/{roomy['id']}/registrations", headers=participant.headers
    )
    assert r.status_code == 201 and r.json()["status"] == "confirmed", r.text
    r = await client.post(
        f"/api/v1/gatherings/{full['id']}/registrations", headers=participant.headers
    )
    assert r.status_code == 201 and r.json()["status"] == "waitlisted", r.text

    after = await client.get(path, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200, "the personal feed did not change with new registrations"
    body = after.content
    confirmed, waiting = timed(body, roomy["id"]), timed(body, full["id"])
    assert confirmed is not None and str(confirmed["status"]) == "CONFIRMED"
    assert waiting is not None and str(waiting["status"]) == "TENTATIVE"
    assert timed(body, untouched["id"]) is None
    public = (await get_ok(client, "/calendar/all.ics")).content
    assert str(timed(public, roomy["id"])["uid"]) == str(confirmed["uid"])
    assert str(timed(public, full["id"])["uid"]) == str(waiting["uid"])
    name = Calendar.from_ical(body)
    assert str(name["x-wr-calname"]) in ("Mine samlinger", "My gatherings")

    # the seat frees up: the participant is promoted and the feed says so
    r = await client.post(
        f"/api/v1/registrations/{seat_holder}/cancel", headers=actors["finance"].headers
    )
    assert r.status_code == 200, r.text
    promoted = await client.get(path, headers={"If-None-Match": after.headers["etag"]})
    assert promoted.status_code == 200, "the personal feed did not change with the promotion"
    ev = timed(promoted.content, full["id"])
    assert ev is not None and str(ev["status"]) == "CONFIRMED"
    assert str(ev["uid"]) == str(waiting["uid"])


async def test_a_coordinators_feed_holds_every_gathering_of_the_network_with_deadlines(
    client, actors
):
    coord = actors["coordinator"]
    draft = await create(
        client, coord, "Utkast i nettverket", registration_closes_at="2031-05-20T12:00"
    )
    live = await published(client, coord, "Publisert i nettverket")
    body = (await get_ok(client, await personal_path(client, coord))).content

    ev = timed(body, draft["id"])
    assert ev is not None, "a draft of the coordinator's network is missing"
    assert str(ev["status"]) == "TENTATIVE"
    assert str(timed(body, live["id"])["status"]) == "CONFIRMED"

    listed = await client.get(f"/api/v1/gatherings?network={NETWORK}", headers=coord.headers)
    now = datetime.now(UTC)
    for g in listed.json():
        if datetime.fromisoformat(g["ends_at"]) < now or g["status"] == "cancelled":
            continue
        assert timed(body, g["id"]) is not None, f"gathering {g['id']} ({g['status']}) missing"
        deadlines = all_day(body, g["id"])
        assert len(deadlines) == 1, f"gathering {g['id']}: {len(deadlines)} deadline events"
        closes = datetime.fromisoformat(g["registration_closes_at"]).astimezone(OSLO).date()
        assert deadlines[0].decoded("dtstart") == closes

    raw = body.replace(b"\r\n ", b"").decode("utf-8")
    deadline = all_day(body, draft["id"])[0]
    assert deadline.decoded("dtstart") == date(2031, 5, 20)
    assert deadline.decoded("dtend") == date(2031, 5, 21)
    assert "DTSTART;VALUE=DATE:20310520\r\n" in raw
    assert str(deadline["uid"]) != str(ev["uid"])
    assert str(deadline["transp"]) == "TRANSPARENT"

    other = (await get_ok(client, await personal_path(client, actors["other_coordinator"]))).content
    assert timed(other, draft["id"]) is None and timed(other, live["id"]) is None


async def test_reset_gives_a_new_url_and_the_old_one_answers_404(client, actors):
    actor = actors["participant"]
    old = await my_calendar(client, actor)
    old_path = httpx.URL(old["url"]).path
    await get_ok(client, old_path)
    r = await client.post("/api/v1/me/calendar/reset", headers=actor.headers)
    assert r.status_code in (200, 201), r.text
    new = r.json()
    assert set(new) == {"url", "webcal_url"}
    assert new["url"] != old["url"] and new["webcal_url"] != old["webcal_url"]
    gone = await client.get(old_path)
    assert gone.status_code == 404
    assert (await client.head(old_path)).status_code == 404
    await get_ok(client, httpx.URL(new["url"]).path)
    assert await my_calendar(client, actor) == new
    assert (await client.post("/api/v1/me/calendar/reset")).status_code == 401


async def test_an_unknown_token_is_404(client):
    for path in (
        f"/calendar/feed/{secrets.token_hex(32)}.ics",
        "/calendar/feed/x.ics",
        f"/calendar/feed/{secrets.token_hex(32)}",
    ):
        r = await client.get(path)
        assert r.status_code == 404, path
        assert b"BEGIN:VCALENDAR" not in r.content


# --- what a feed and an event say ---------------------------------------------------------


async def test_calendar_properties(client, actors):
    g = await published(client, actors["coordinator"], "Kalenderegenskaper")
    network = (await client.get(f"/api/v1/networks/{NETWORK}")).json()["name"]
    for path in await feed_paths(client, actors, g["id"]):
        body = (await get_ok(client, path)).content
        lines = body.replace(b"\r\n ", b"").decode("utf-8").split("\r\n")
        first_component = next(i for i, x in enumerate(lines) if i and x.startswith("BEGIN:"))
        header = lines[:first_component]
        assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in header, path
        assert "X-PUBLISHED-TTL:PT1H" in header, path
        assert "X-WR-TIMEZONE:Europe/Oslo" in header, path
        cal = Calendar.from_ical(body)
        assert str(cal["name"]).strip(), path
        assert str(cal["x-wr-calname"]) == str(cal["name"]), path
        if "/networks/" in path:
            assert str(cal["name"]) == network


async def test_event_location_geo_url_and_programme(client, actors):
    coord = actors["coordinator"]
    g = await published(
        client,
        coord,
        "Samling med program",
        starts_at="2031-09-03T09:00",
        ends_at="2031-09-04T15:00",
        venue="Scandic Kristiansand Bystranda",
        address="Østre Strandgate 76",
        city="Kristiansand",
        latitude=58.1441,
        longitude=8.0031,
        description="Velkommen til to dager.",
        programme=[
            {
                "starts_at": "2031-09-03T09:00",
                "ends_at": "2031-09-03T10:00",
                "title": "Åpning",
                "speaker": "Kari Nordmann",
            },
            {
                "starts_at": "2031-09-04T13:00",
                "ends_at": "2031-09-04T15:00",
                "title": "Oppsummering",
            },
        ],
    )
    plain = await published(
        client, coord, "Uten koordinater", venue="", address="Rådhusgata 1", city="Arendal"
    )
    for path in ("/calendar/all.ics", f"/calendar/gatherings/{g['id']}.ics"):
        body = (await get_ok(client, path)).content
        ev = timed(body, g["id"])
        assert (
            str(ev["location"])
            == "Scandic Kristiansand Bystranda, Østre Strandgate 76, Kristiansand"
        )
        latitude, longitude = ev.decoded("geo")
        assert (round(latitude, 4), round(longitude, 4)) == (58.1441, 8.0031)
        # the coordinates as given, not a single-precision float's noise (58.144100189…)
        geo_line = re.search(r"\r\nGEO:([^\r]*)\r\n", body.decode("utf-8"))
        assert geo_line is not None
        for given, text in zip((58.1441, 8.0031), geo_line.group(1).split(";"), strict=True):
            assert len(text.partition(".")[2]) <= 6, f"GEO:{geo_line.group(1)}"
            assert abs(float(text) - given) < 1e-6
        assert str(ev["url"]) == f"{BASE_URL}/gatherings/{g['id']}"
        description = str(ev["description"])
        assert description.startswith("Velkommen til to dager.")
        assert "Program:" in description
        assert "03.09 09:00–10:00 Åpning (Kari Nordmann)" in description
        assert "04.09 13:00–15:00 Oppsummering" in description
        assert f"{BASE_URL}/gatherings/{g['id']}" in description
        assert ev.decoded("dtstart") == datetime(2031, 9, 3, 9, 0, tzinfo=OSLO)
        assert ev.decoded("dtend") == datetime(2031, 9, 4, 15, 0, tzinfo=OSLO)
        other = timed((await get_ok(client, "/calendar/all.ics")).content, plain["id"])
        assert "geo" not in other
        assert str(other["location"]) == "Rådhusgata 1, Arendal"
    english = timed(
        (await get_ok(client, f"/calendar/gatherings/{g['id']}.ics?lang=en")).content, g["id"]
    )
    assert "Programme:" in str(english["description"])


async def test_a_fresh_process_builds_the_feed_from_stored_pieces(client, actors):
    from service.calendar import feeds as feed_module
    from service.db.tables import IcsPiece

    before = (await client.get("/calendar/all.ics")).content
    stored = await IcsPiece.count()
    assert stored >= before.count(b"BEGIN:VEVENT")
    feed_module.clear_caches()  # nothing in this process's memory any more
    after = (await client.get("/calendar/all.ics")).content
    assert after == before
    assert await IcsPiece.count() == stored  # nothing had to be rendered again


async def test_feeds_speak_bokmal_nynorsk_and_english(client, actors):
    """The words a feed adds come from the catalogs; each language is its own rendering
    (its own ETag), and the same language gives the same bytes every time."""
    coord = actors["coordinator"]
    g = await published(
        client,
        coord,
        f"Språksamling {uuid.uuid4().hex[:6]}",
        starts_at="2031-09-03T09:00",
        ends_at="2031-09-03T15:00",
        programme=[
            {"starts_at": "2031-09-03T09:00", "ends_at": "2031-09-03T10:00", "title": "Opning"}
        ],
    )
    url = f"{BASE_URL}/gatherings/{g['id']}"
    expected = {
        "nb": ("Nettverkssamlinger", "Program:", f"Mer informasjon og påmelding: {url}"),
        "nn": ("Nettverkssamlingar", "Program:", f"Meir informasjon og påmelding: {url}"),
        "en": ("Network gatherings", "Programme:", f"More information and registration: {url}"),
    }
    etags = set()
    for lang, (name, programme, more) in expected.items():
        path = f"/calendar/all.ics?lang={lang}"
        r = await get_ok(client, path)
        etags.add(r.headers["etag"])
        assert str(Calendar.from_ical(r.content)["x-wr-calname"]) == name, lang
        description = str(timed(r.content, g["id"])["description"]).split("\n")
        assert programme in description and description[-1] == more, (lang, description)
        day = "03 Sept" if lang == "en" else "03.09"
        assert f"{day} 09:00–10:00 Opning" in description, (lang, description)
        again = (await get_ok(client, path)).content
        assert again == r.content, f"{lang}: the same feed gave other bytes"
    assert len(etags) == 3
    assert (await client.get("/calendar/all.ics?lang=de")).status_code == 400

    r = await client.post(
        f"/api/v1/gatherings/{g['id']}/cancel", json={"reason": "Uvêr"}, headers=coord.headers
    )
    assert r.status_code == 200, r.text
    ev = timed(
        (await get_ok(client, f"/calendar/gatherings/{g['id']}.ics?lang=nn")).content, g["id"]
    )
    assert str(ev["summary"]) == f"Avlyst: {g['title']}"


async def test_a_nynorsk_users_personal_feed_is_in_nynorsk(client, actors):
    who = actors["participant"]
    path = await personal_path(client, who)
    try:
        r = await client.patch("/api/v1/me", json={"language": "nn"}, headers=who.headers)
        assert r.status_code == 200, r.text
        body = (await get_ok(client, path)).content
        assert str(Calendar.from_ical(body)["x-wr-calname"]) == "Samlingane mine"
    finally:
        r = await client.patch("/api/v1/me", json={"language": "nb"}, headers=who.headers)
        assert r.status_code == 200, r.text
    body = (await get_ok(client, path)).content
    assert str(Calendar.from_ical(body)["x-wr-calname"]) == "Mine samlinger"
