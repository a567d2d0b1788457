"""Registrations over HTTP: confirmed or waitlisted, repeat and re-register, who may
register (published, open window, audience), the per-municipality cap, promotion from
the waiting list, capacity up and down, CSV, attendance, per-municipality counts and
the participant's own list.

The database is shared by the whole run: every test makes its own gatherings and
people and looks only at those.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from service.db.tables import County, Gathering, Municipality, OutboxMessage, Registration

PROBLEM = "application/problem+json"
NETWORK = "agder-rogaland"


# --- helpers ---------------------------------------------------------------------------


class Person:
    def __init__(self, user_id: int, email: str, name: str, token: str) -> None:
        self.id, self.email, self.name = user_id, email, name
        self.headers = {"Authorization": f"Bearer {token}"}


async def person(municipality: str | None = "4204", name: str = "Kari Nordmann") -> Person:
    """A new participant with an API token (4204 Kristiansand is in agder-rogaland)."""
    from service.accounts import service

    email = f"reg.{uuid.uuid4().hex[:10]}@example.no"
    user_id = await service.create_user(email, name, municipality, [], "tests")
    token = await service.create_api_token(user_id, "tests", "tests")
    return Person(user_id, email, name, token["token"])


async def arendal() -> str:
    """Arendal (4203, Aust-Agder, county 09): inside agder-rogaland's region but not a
    member of the network. Added once; the demo data has no such municipality."""
    if not await Municipality.exists().where(Municipality.number == "4203"):
        county = await County.select(County.id).where(County.number == "09").first()
        assert county is not None
        await Municipality.insert(
            Municipality(number="4203", name="Arendal", county=county["id"], org_number=None)
        )
    return "4203"


def gathering_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "network": NETWORK,
        "title": "Samling om rus og psykisk helse",
        "starts_at": "2031-11-04T10:00",
        "ends_at": "2031-11-05T15:00",
        "venue": "Quality Hotel Residence",
        "city": "Sandnes",
        "capacity": 10,
    }
    body.update(over)
    return body


async def create(client: httpx.AsyncClient, actor: Any, **over: Any) -> dict[str, Any]:
    r = await client.post("/api/v1/gatherings", json=gathering_body(**over), headers=actor.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def published(client: httpx.AsyncClient, actor: Any, **over: Any) -> dict[str, Any]:
    g = await create(client, actor, **over)
    r = await client.post(f"/api/v1/gatherings/{g['id']}/publish", headers=actor.headers)
    assert r.status_code == 200, r.text
    return r.json()


async def post_registration(
    client: httpx.AsyncClient, who: Any, gid: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    return await client.post(
        f"/api/v1/gatherings/{gid}/registrations", json=body or {}, headers=who.headers
    )


async def register(
    client: httpx.AsyncClient, who: Any, gid: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    r = await post_registration(client, who, gid, body)
    assert r.status_code == 201, r.text
    return r.json()


async def cancel(client: httpx.AsyncClient, who: Any, reg_id: str) -> httpx.Response:
    return await client.post(f"/api/v1/registrations/{reg_id}/cancel", headers=who.headers)


async def gathering(client: httpx.AsyncClient, gid: str) -> dict[str, Any]:
    r = await client.get(f"/api/v1/gatherings/{gid}")
    assert r.status_code == 200, r.text
    return r.json()


async def mine(client: httpx.AsyncClient, who: Any, gid: str) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/me/registrations", headers=who.headers)
    assert r.status_code == 200, r.text
    return [m for m in r.json() if m["gathering"] == gid]


async def live_one(client: httpx.AsyncClient, who: Any, gid: str) -> dict[str, Any]:
    live = [m for m in await mine(client, who, gid) if m["status"] != "cancelled"]
    assert len(live) == 1, live
    return live[0]


async def mails(kind: str, gid: str) -> list[dict[str, Any]]:
    rows = await (
        OutboxMessage.select()
        .where(OutboxMessage.kind == kind)
        .order_by(OutboxMessage.id)
        .output(load_json=True)
    )
    return [r for r in rows if str(r["context"].get("gathering_id")) == str(gid)]


async def rows_of(gid: str) -> list[dict[str, Any]]:
    return await Registration.select().where(Registration.gathering == int(gid))


def assert_problem(r: httpx.Response, status: int, names: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM), r.headers["content-type"]
    body = r.json()
    assert body["detail"]
    if names is not None:
        assert names.lower() in body["detail"].lower(), body["detail"]
    return body


async def move_start_into_the_past(gid: str) -> None:
    """The gathering started an hour ago and is still going on."""
    await Gathering.update(
        {
            Gathering.starts_at: datetime.now(UTC) - timedelta(hours=1),
            Gathering.ends_at: datetime.now(UTC) + timedelta(hours=5),
        }
    ).where(Gathering.id == int(gid))


# --- register, repeat, cancel, re-register ---------------------------------------------


async def test_confirmed_until_full_then_waitlisted_and_repeating_changes_nothing(client, actors):
    g = await published(client, actors["coordinator"], capacity=2)
    gid = g["id"]
    a, b, c, d = [await person() for _ in range(4)]

    first = await register(client, a, gid, {"dietary": "Vegetar", "accommodation": True})
    assert (first["status"], first["waitlist_position"]) == ("confirmed", None)
    assert (first["dietary"], first["accommodation"]) == ("Vegetar", True)
    assert first["gathering"] == gid

    repeat = await post_registration(client, a, gid, {"dietary": "Noe annet"})
    assert repeat.status_code == 200, repeat.text
    assert repeat.json()["id"] == first["id"]
    assert repeat.json()["status"] == "confirmed"
    assert repeat.json()["dietary"] == "Vegetar"

    assert (await register(client, b, gid))["status"] == "confirmed"
    third = await register(client, c, gid)
    fourth = await register(client, d, gid)
    assert (third["status"], third["waitlist_position"]) == ("waitlisted", 1)
    assert (fourth["status"], fourth["waitlist_position"]) == ("waitlisted", 2)

    again = await post_registration(client, c, gid)
    assert again.status_code == 200
    assert (again.json()["id"], again.json()["waitlist_position"]) == (third["id"], 1)

    now = await gathering(client, gid)
    assert (now["confirmed_count"], now["waitlist_count"], now["seats_left"]) == (2, 2, 0)
    rows = await rows_of(gid)
    assert len(rows) == 4
    assert sorted(r["user"] for r in rows) == sorted([a.id, b.id, c.id, d.id])

    confirmed_mail = await mails("registration_confirmed", gid)
    assert sorted(m["recipient"] for m in confirmed_mail) == sorted([a.email, b.email])
    waitlisted_mail = await mails("registration_waitlisted", gid)
    assert {m["recipient"]: m["context"]["position"] for m in waitlisted_mail} == {
        c.email: 1,
        d.email: 2,
    }


async def test_my_registrations_show_status_and_waitlist_position(client, actors):
    one = await published(client, actors["coordinator"], capacity=1, title="Først")
    two = await published(
        client,
        actors["coordinator"],
        capacity=5,
        title="Senere",
        starts_at="2031-12-01T10:00",
        ends_at="2031-12-01T15:00",
    )
    me, ahead, other = await person(), await person(), await person()
    await register(client, ahead, one["id"])
    await register(client, other, one["id"])
    await register(client, me, one["id"])
    await register(client, me, two["id"])

    r = await client.get("/api/v1/me/registrations", headers=me.headers)
    assert r.status_code == 200
    listed = {m["gathering"]: m for m in r.json()}
    assert (listed[one["id"]]["status"], listed[one["id"]]["waitlist_position"]) == (
        "waitlisted",
        2,
    )
    assert (listed[two["id"]]["status"], listed[two["id"]]["waitlist_position"]) == (
        "confirmed",
        None,
    )
    assert listed[one["id"]]["gathering_title"] == "Først"
    # Nobody else's registrations are in the list.
    assert all(m["email"] in (None, me.email) for m in r.json())

    # When the one ahead leaves the waiting list, my position moves up.
    before_me = await live_one(client, other, one["id"])
    assert (await cancel(client, other, before_me["id"])).status_code == 200
    assert (await live_one(client, me, one["id"]))["waitlist_position"] == 1

    anonymous = await client.get("/api/v1/me/registrations")
    assert anonymous.status_code == 401


async def test_cancelling_a_confirmed_place_promotes_the_first_in_line(client, actors):
    g = await published(client, actors["coordinator"], capacity=1)
    gid = g["id"]
    seated, first_in_line, second_in_line = await person(), await person(), await person()
    seat = await register(client, seated, gid)
    await register(client, first_in_line, gid)
    await register(client, second_in_line, gid)

    # Someone else may not cancel my registration (and does not learn it exists).
    r = await cancel(client, actors["participant"], seat["id"])
    assert_problem(r, 404)

    r = await cancel(client, seated, seat["id"])
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"

    promoted = await live_one(client, first_in_line, gid)
    assert (promoted["status"], promoted["waitlist_position"]) == ("confirmed", None)
    still = await live_one(client, second_in_line, gid)
    assert (still["status"], still["waitlist_position"]) == ("waitlisted", 1)
    now = await gathering(client, gid)
    assert (now["confirmed_count"], now["waitlist_count"], now["seats_left"]) == (1, 1, 0)
    assert [m["recipient"] for m in await mails("registration_promoted", gid)] == [
        first_in_line.email
    ]
    assert [m["recipient"] for m in await mails("registration_cancelled", gid)] == [seated.email]

    # Cancelling twice is a conflict; leaving the waiting list promotes nobody.
    assert_problem(await cancel(client, seated, seat["id"]), 409, "already cancelled")
    r = await cancel(client, second_in_line, still["id"])
    assert r.status_code == 200
    now = await gathering(client, gid)
    assert (now["confirmed_count"], now["waitlist_count"]) == (1, 0)
    assert len(await mails("registration_promoted", gid)) == 1

    # The coordinator may cancel someone's place on their behalf.
    r = await cancel(client, actors["coordinator"], promoted["id"])
    assert r.status_code == 200
    assert (await gathering(client, gid))["confirmed_count"] == 0

    assert_problem(await cancel(client, seated, "999999999"), 404)
    assert_problem(await cancel(client, seated, "abc"), 404)


async def test_register_again_after_cancelling(client, actors):
    g = await published(client, actors["coordinator"], capacity=1)
    gid = g["id"]
    me, rival, third = await person(), await person(), await person()

    first = await register(client, me, gid)
    assert (await cancel(client, me, first["id"])).status_code == 200
    again = await post_registration(client, me, gid)
    assert again.status_code == 201, again.text
    assert again.json()["id"] != first["id"]
    assert again.json()["status"] == "confirmed"

    # Leaving the waiting list and coming back puts you at the end of it.
    waiting = await register(client, rival, gid)
    assert waiting["waitlist_position"] == 1
    assert (await register(client, third, gid))["waitlist_position"] == 2
    assert (await cancel(client, rival, waiting["id"])).status_code == 200
    back = await register(client, rival, gid)
    assert (back["status"], back["waitlist_position"]) == ("waitlisted", 2)
    assert (await live_one(client, third, gid))["waitlist_position"] == 1

    statuses = sorted(m["status"] for m in await mine(client, me, gid))
    assert statuses == ["cancelled", "confirmed"]
    now = await gathering(client, gid)
    assert (now["confirmed_count"], now["waitlist_count"]) == (1, 2)


# --- who may register ------------------------------------------------------------------


async def test_no_registration_unless_published(client, actors):
    coordinator, participant = actors["coordinator"], actors["participant"]
    draft = await create(client, coordinator)
    # A draft is invisible to participants ...
    assert_problem(await post_registration(client, participant, draft["id"]), 404)
    # ... and its editors, who see it, are told it takes no registrations.
    assert_problem(await post_registration(client, coordinator, draft["id"]), 409, "draft")

    g = await published(client, coordinator)
    r = await client.post(
        f"/api/v1/gatherings/{g['id']}/cancel",
        json={"reason": "Avlyst"},
        headers=coordinator.headers,
    )
    assert r.status_code == 200
    assert_problem(await post_registration(client, participant, g["id"]), 409, "cancelled")

    assert await rows_of(draft["id"]) == []
    assert await rows_of(g["id"]) == []
    assert_problem(await post_registration(client, participant, "999999999"), 404)
    anonymous = await client.post(f"/api/v1/gatherings/{g['id']}/registrations", json={})
    assert anonymous.status_code == 401


async def test_registration_window(client, actors):
    coordinator = actors["coordinator"]
    not_yet = await published(
        client,
        coordinator,
        registration_opens_at="2031-06-01T12:00",
        registration_closes_at="2031-10-01T12:00",
    )
    closed = await published(client, coordinator, registration_closes_at="2026-01-05T12:00")
    someone = await person()

    r = await post_registration(client, someone, not_yet["id"])
    assert_problem(r, 409, "opens")
    # The API speaks English, in Oslo time; a page shows the same rule in its language.
    assert r.json()["detail"] == "Registration opens 1 June 2031 at 12:00"

    r = await post_registration(client, someone, closed["id"])
    assert_problem(r, 409, "closed")
    assert r.json()["detail"] == "Registration closed 5 January 2026 at 12:00"

    assert await rows_of(not_yet["id"]) == []
    assert await rows_of(closed["id"]) == []

    # Once the window opens (the coordinator moves it), the same person gets in.
    r = await client.patch(
        f"/api/v1/gatherings/{not_yet['id']}",
        json={"registration_opens_at": "2026-01-01T12:00"},
        headers=coordinator.headers,
    )
    assert r.status_code == 200, r.text
    assert (await register(client, someone, not_yet["id"]))["status"] == "confirmed"


async def test_audience_members_region_open(client, actors):
    coordinator = actors["coordinator"]
    members = await published(client, coordinator, audience="members")
    region = await published(client, coordinator, audience="region")
    everybody = await published(client, coordinator, audience="open")
    member = await person("4204")
    non_member_in_region = await person(await arendal(), name="Arne Arendal")
    bergen = actors["finance"]  # Bergen (4601): network vest, county 12
    tromso = await person("5501")
    no_municipality = actors["admin"]

    # members: only staff of the network's member municipalities.
    assert (await register(client, member, members["id"]))["status"] == "confirmed"
    for who in (non_member_in_region, bergen, tromso):
        body = assert_problem(await post_registration(client, who, members["id"]), 403, "member")
        assert "Nettverk Agder og Rogaland" in body["detail"]
    assert_problem(
        await post_registration(client, no_municipality, members["id"]), 403, "municipality"
    )

    # region: any municipality in the network's counties.
    assert (await register(client, member, region["id"]))["status"] == "confirmed"
    assert (await register(client, non_member_in_region, region["id"]))["status"] == "confirmed"
    for who in (bergen, tromso):
        assert_problem(await post_registration(client, who, region["id"]), 403, "region")
    assert_problem(
        await post_registration(client, no_municipality, region["id"]), 403, "municipality"
    )

    # open: anyone signed in.
    for who in (member, non_member_in_region, bergen, tromso, no_municipality):
        assert (await register(client, who, everybody["id"]))["status"] == "confirmed"

    assert len(await rows_of(members["id"])) == 1
    assert len(await rows_of(region["id"])) == 2
    assert len(await rows_of(everybody["id"])) == 5


# --- the per-municipality cap ----------------------------------------------------------


async def test_municipality_cap_waitlists_and_lets_others_ahead(client, actors):
    g = await published(client, actors["coordinator"], capacity=3, seats_per_municipality=1)
    gid = g["id"]
    kristiansand_1 = await person("4204")
    kristiansand_2 = await person("4204")
    stavanger = await person("1103")
    haa = await person("1119")
    klepp = await person("1120")

    assert (await register(client, kristiansand_1, gid))["status"] == "confirmed"
    # The second from Kristiansand goes on the waiting list although seats are free.
    second = await register(client, kristiansand_2, gid)
    assert (second["status"], second["waitlist_position"]) == ("waitlisted", 1)
    assert (await gathering(client, gid))["seats_left"] == 2
    stavanger_reg = await register(client, stavanger, gid)
    assert stavanger_reg["status"] == "confirmed"
    assert (await register(client, haa, gid))["status"] == "confirmed"
    later = await register(client, klepp, gid)
    assert (later["status"], later["waitlist_position"]) == ("waitlisted", 2)

    # A seat frees up in Stavanger: Klepp (later, room in its quota) is confirmed ahead of
    # the second from Kristiansand, who keeps the first place in line.
    assert (await cancel(client, stavanger, stavanger_reg["id"])).status_code == 200
    assert (await live_one(client, klepp, gid))["status"] == "confirmed"
    kept = await live_one(client, kristiansand_2, gid)
    assert (kept["status"], kept["waitlist_position"]) == ("waitlisted", 1)
    assert [m["recipient"] for m in await mails("registration_promoted", gid)] == [klepp.email]

    # When Kristiansand's first place is given up, the second one from there gets it.
    first = await live_one(client, kristiansand_1, gid)
    assert (await cancel(client, kristiansand_1, first["id"])).status_code == 200
    assert (await live_one(client, kristiansand_2, gid))["status"] == "confirmed"
    now = await gathering(client, gid)
    assert (now["confirmed_count"], now["waitlist_count"], now["seats_left"]) == (3, 0, 0)


async def test_raising_the_municipality_cap_gives_free_seats_to_those_waiting(client, actors):
    coordinator = actors["coordinator"]
    g = await published(client, coordinator, capacity=5, seats_per_municipality=1)
    gid = g["id"]
    first, second = await person("1121"), await person("1121")
    await register(client, first, gid)
    assert (await register(client, second, gid))["status"] == "waitlisted"

    r = await client.patch(
        f"/api/v1/gatherings/{gid}", json={"seats_per_municipality": 2}, headers=coordinator.headers
    )
    assert r.status_code == 200, r.text
    # A seat is free and the quota no longer holds them back: nobody waits for nothing.
    assert (await live_one(client, second, gid))["status"] == "confirmed"
    assert (r.json()["confirmed_count"], r.json()["waitlist_count"]) == (2, 0)


# --- capacity up and down --------------------------------------------------------------


async def test_raising_capacity_promotes_as_many_as_fit(client, actors):
    coordinator = actors["coordinator"]
    g = await published(client, coordinator, capacity=1)
    gid = g["id"]
    people = [await person() for _ in range(5)]
    for p in people:
        await register(client, p, gid)
    assert (await gathering(client, gid))["waitlist_count"] == 4

    r = await client.patch(
        f"/api/v1/gatherings/{gid}", json={"capacity": 3}, headers=coordinator.headers
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["capacity"], body["confirmed_count"], body["waitlist_count"]) == (3, 3, 2)
    assert (body["seats_left"], body["over_capacity"]) == (0, 0)
    statuses = [(await live_one(client, p, gid))["status"] for p in people]
    assert statuses == ["confirmed", "confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [(await live_one(client, p, gid))["waitlist_position"] for p in people[3:]] == [1, 2]
    promoted = sorted(m["recipient"] for m in await mails("registration_promoted", gid))
    assert promoted == sorted([people[1].email, people[2].email])

    # More seats than people waiting: everyone is confirmed and the rest are free.
    r = await client.patch(
        f"/api/v1/gatherings/{gid}", json={"capacity": 10}, headers=coordinator.headers
    )
    body = r.json()
    assert (body["confirmed_count"], body["waitlist_count"], body["seats_left"]) == (5, 0, 5)


async def test_lowering_capacity_never_unconfirms_anyone(client, actors):
    coordinator = actors["coordinator"]
    g = await published(client, coordinator, capacity=3)
    gid = g["id"]
    seated = [await person() for _ in range(3)]
    regs = [await register(client, p, gid) for p in seated]

    r = await client.patch(
        f"/api/v1/gatherings/{gid}", json={"capacity": 1}, headers=coordinator.headers
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["capacity"], body["confirmed_count"], body["seats_left"]) == (1, 3, 0)
    assert body["over_capacity"] == 2
    assert [(await live_one(client, p, gid))["status"] for p in seated] == ["confirmed"] * 3

    latecomer = await person()
    assert (await register(client, latecomer, gid))["status"] == "waitlisted"

    # Cancellations bring the count down to the capacity before anyone is promoted.
    assert (await cancel(client, seated[0], regs[0]["id"])).status_code == 200
    now = await gathering(client, gid)
    assert (now["confirmed_count"], now["over_capacity"], now["waitlist_count"]) == (2, 1, 1)
    assert (await cancel(client, seated[1], regs[1]["id"])).status_code == 200
    now = await gathering(client, gid)
    assert (now["confirmed_count"], now["over_capacity"], now["waitlist_count"]) == (1, 0, 1)
    assert (await live_one(client, latecomer, gid))["status"] == "waitlisted"
    assert (await cancel(client, seated[2], regs[2]["id"])).status_code == 200
    assert (await live_one(client, latecomer, gid))["status"] == "confirmed"
    now = await gathering(client, gid)
    assert (now["confirmed_count"], now["waitlist_count"], now["over_capacity"]) == (1, 0, 0)


async def test_capacity_zero_puts_everyone_on_the_waiting_list(client, actors):
    g = await published(client, actors["coordinator"], capacity=0)
    a, b = await person(), await person()
    assert (await register(client, a, g["id"]))["waitlist_position"] == 1
    assert (await register(client, b, g["id"]))["waitlist_position"] == 2
    assert (await gathering(client, g["id"]))["confirmed_count"] == 0


# --- lists, CSV and counts for the coordinator -----------------------------------------


async def test_coordinator_list_and_csv_with_bom_and_norwegian_letters(client, actors):
    coordinator = actors["coordinator"]
    g = await published(client, coordinator, capacity=1)
    gid = g["id"]
    aase = await person("4204", name="Åse Ødegård-Ærø")
    bjorn = await person("1119", name="Bjørn Håland")
    await register(
        client,
        aase,
        gid,
        {
            "dietary": "Ingen nøtter; gjerne blåbær",
            "accessibility": "Rullestol",
            "accommodation": True,
        },
    )
    await register(client, bjorn, gid)

    r = await client.get(f"/api/v1/gatherings/{gid}/registrations", headers=coordinator.headers)
    assert r.status_code == 200
    listed = r.json()
    assert [(x["name"], x["email"], x["status"], x["waitlist_position"]) for x in listed] == [
        ("Åse Ødegård-Ærø", aase.email, "confirmed", None),
        ("Bjørn Håland", bjorn.email, "waitlisted", 1),
    ]
    assert [x["municipality"] for x in listed] == ["4204", "1119"]

    r = await client.get(
        f"/api/v1/gatherings/{gid}/registrations",
        headers={**coordinator.headers, "Accept": "text/csv"},
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "utf-8" in r.headers["content-type"].lower()
    assert "attachment" in r.headers.get("content-disposition", "")
    raw = r.content
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "Åse Ødegård-Ærø".encode() in raw
    text = raw[3:].decode("utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header, *data = rows
    assert len(header) > 5
    assert "oppmøtt" in header or "påmeldt" in header
    assert len(data) == 2
    assert all(len(row) == len(header) for row in data)
    by_email = {row[header.index("e-post")]: row for row in data}
    aase_row = by_email[aase.email]
    assert aase_row[header.index("navn")] == "Åse Ødegård-Ærø"
    assert aase_row[header.index("kommune")] == "Kristiansand"
    # The semicolon inside the note is quoted, not a column break.
    assert "Ingen nøtter; gjerne blåbær" in aase_row
    assert "confirmed" in aase_row or "bekreftet" in aase_row
    bjorn_row = by_email[bjorn.email]
    assert bjorn_row[header.index("navn")] == "Bjørn Håland"
    assert bjorn_row[header.index("kommune")] == "Hå"
    assert "1" in bjorn_row

    for role in ("participant", "finance", "other_coordinator"):
        for accept in ("application/json", "text/csv"):
            r = await client.get(
                f"/api/v1/gatherings/{gid}/registrations",
                headers={**actors[role].headers, "Accept": accept},
            )
            assert r.status_code == 403, (role, accept)
            assert aase.email not in r.text
    r = await client.get(
        f"/api/v1/gatherings/{gid}/registrations",
        headers={**actors["admin"].headers, "Accept": "text/csv"},
    )
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")


async def test_counts_per_municipality(client, actors):
    coordinator = actors["coordinator"]
    g = await published(client, coordinator, capacity=3)
    gid = g["id"]
    for municipality in ("4204", "1103", "4204", "4204", "1122"):
        await register(client, await person(municipality), gid)
    gone = await person("1120")
    reg = await register(client, gone, gid)
    assert (await cancel(client, gone, reg["id"])).status_code == 200

    r = await client.get(f"/api/v1/gatherings/{gid}/municipalities", headers=coordinator.headers)
    assert r.status_code == 200, r.text
    counts = {c["municipality"]: c for c in r.json()}
    assert (counts["4204"]["confirmed"], counts["4204"]["waitlisted"]) == (2, 1)
    assert counts["4204"]["name"] == "Kristiansand"
    assert (counts["1103"]["confirmed"], counts["1103"]["waitlisted"]) == (1, 0)
    assert (counts["1122"]["confirmed"], counts["1122"]["waitlisted"]) == (0, 1)
    assert sum(c["confirmed"] for c in r.json()) == 3
    assert sum(c["waitlisted"] for c in r.json()) == 2
    assert all(c["attended"] == 0 for c in r.json())

    for role in ("participant", "finance", "other_coordinator"):
        r = await client.get(
            f"/api/v1/gatherings/{gid}/municipalities", headers=actors[role].headers
        )
        assert r.status_code == 403, role


# --- attendance ------------------------------------------------------------------------


async def test_attendance_only_after_start_and_only_for_confirmed(client, actors):
    coordinator = actors["coordinator"]
    g = await published(client, coordinator, capacity=2)
    gid = g["id"]
    came, stayed_home, waiting = await person("4204"), await person("1103"), await person("1103")
    reg_came = await register(client, came, gid)
    reg_home = await register(client, stayed_home, gid)
    reg_waiting = await register(client, waiting, gid)

    async def mark(who: Any, reg: dict[str, Any], attended: bool) -> httpx.Response:
        return await client.post(
            f"/api/v1/registrations/{reg['id']}/attendance",
            json={"attended": attended},
            headers=who.headers,
        )

    # Not before the gathering has started.
    assert_problem(await mark(coordinator, reg_came, True), 409, "started")
    assert (await live_one(client, came, gid))["attended"] is None

    await move_start_into_the_past(gid)

    r = await mark(coordinator, reg_came, True)
    assert r.status_code == 200, r.text
    assert (r.json()["attended"], r.json()["name"]) == (True, came.name)
    r = await mark(actors["admin"], reg_home, False)
    assert r.status_code == 200 and r.json()["attended"] is False
    assert_problem(await mark(coordinator, reg_waiting, True), 409, "waitlisted")

    # Participants (even the one concerned) and other networks' coordinators may not.
    for who in (came, actors["participant"], actors["other_coordinator"], actors["finance"]):
        assert_problem(await mark(who, reg_home, True), 404)
    r = await client.post(
        f"/api/v1/registrations/{reg_came['id']}/attendance",
        json={"attended": "maybe"},
        headers=coordinator.headers,
    )
    assert r.status_code == 400 and "attended" in r.text

    assert (await live_one(client, came, gid))["attended"] is True
    assert (await live_one(client, stayed_home, gid))["attended"] is False
    assert (await live_one(client, waiting, gid))["attended"] is None

    counts = (
        await client.get(f"/api/v1/gatherings/{gid}/municipalities", headers=coordinator.headers)
    ).json()
    assert {c["municipality"]: c["attended"] for c in counts} == {"4204": 1, "1103": 0}

    csv_text = (
        await client.get(
            f"/api/v1/gatherings/{gid}/registrations",
            headers={**coordinator.headers, "Accept": "text/csv"},
        )
    ).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(csv_text), delimiter=";"))
    header = rows[0]
    attended = {row[header.index("e-post")]: row[header.index("oppmøtt")] for row in rows[1:]}
    assert attended == {came.email: "ja", stayed_home.email: "nei", waiting.email: ""}

    # Once started, participants can no longer cancel themselves.
    assert_problem(await cancel(client, stayed_home, reg_home["id"]), 409, "started")
