"""Gatherings: create, edit, publish and cancel over HTTP, with the validation a
coordinator meets, numbering within a network, drafts hidden from others, the list
filters, change notices (sequence + mail with old -> new), cancellation, completion
and reminders.

The database is shared by the whole run: every test makes its own gatherings and
people and looks only at those (mail is found by recipient and gathering id).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from service.db.tables import Gathering, OutboxMessage, Registration

PROBLEM = "application/problem+json"
BASE_URL = "http://samling.test"
NETWORK = "agder-rogaland"


# --- helpers ---------------------------------------------------------------------------


def gathering_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "network": NETWORK,
        "title": "Nettverkssamling om barnevern",
        "description": "Faglig påfyll og erfaringsdeling.",
        "starts_at": "2031-09-10T10:00",
        "ends_at": "2031-09-11T15:00",
        "venue": "Scandic Kristiansand Bystranda",
        "address": "Østre Strandgate 76",
        "city": "Kristiansand",
        "capacity": 10,
    }
    body.update(over)
    return body


async def create(client: httpx.AsyncClient, actor: Any, **over: Any) -> dict[str, Any]:
    r = await client.post("/api/v1/gatherings", json=gathering_body(**over), headers=actor.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def publish(client: httpx.AsyncClient, actor: Any, gid: str) -> dict[str, Any]:
    r = await client.post(f"/api/v1/gatherings/{gid}/publish", headers=actor.headers)
    assert r.status_code == 200, r.text
    return r.json()


async def published(client: httpx.AsyncClient, actor: Any, **over: Any) -> dict[str, Any]:
    return await publish(client, actor, (await create(client, actor, **over))["id"])


class Person:
    def __init__(self, user_id: int, email: str, token: str) -> None:
        self.id, self.email = user_id, email
        self.headers = {"Authorization": f"Bearer {token}"}


async def person(municipality: str | None = "4204", name: str = "Kari Nordmann") -> Person:
    """A new participant with an API token (4204 Kristiansand is in agder-rogaland)."""
    from service.accounts import service

    email = f"gathering.{uuid.uuid4().hex[:10]}@example.no"
    user_id = await service.create_user(email, name, municipality, [], "tests")
    token = await service.create_api_token(user_id, "tests", "tests")
    return Person(user_id, email, token["token"])


async def register(client: httpx.AsyncClient, who: Any, gid: str) -> dict[str, Any]:
    r = await client.post(f"/api/v1/gatherings/{gid}/registrations", json={}, headers=who.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def mails(kind: str, gid: str, recipients: list[str] | None = None) -> list[dict[str, Any]]:
    """Outbox rows of `kind` about gathering `gid` (optionally only to `recipients`)."""
    query = OutboxMessage.select().where(OutboxMessage.kind == kind)
    if recipients is not None:
        query = query.where(OutboxMessage.recipient.is_in([r.lower() for r in recipients]))
    rows = await query.order_by(OutboxMessage.id).output(load_json=True)
    return [r for r in rows if str(r["context"].get("gathering_id")) == str(gid)]


def assert_problem(r: httpx.Response, statuses: tuple[int, ...], names: str) -> dict[str, Any]:
    assert r.status_code in statuses, r.text
    assert r.headers["content-type"].startswith(PROBLEM), r.headers["content-type"]
    body = r.json()
    assert body["status"] == r.status_code
    assert body["detail"]
    assert named(body, names), f"{names!r} not named in {r.text}"
    return body


def named(body: dict[str, Any], name: str) -> bool:
    """The problem names `name`: as its field, an error's key, or in the detail."""
    keys = [str(body.get("field") or "")]
    keys += [str(e.get("key") or "") for e in body.get("errors") or []]
    if any(k == name or k.startswith((f"{name}[", f"{name}.")) for k in keys):
        return True
    return name in str(body["detail"])


async def gathering_count() -> int:
    return int(await Gathering.count())


async def get(client: httpx.AsyncClient, gid: str, actor: Any | None = None) -> httpx.Response:
    headers = actor.headers if actor is not None else {}
    return await client.get(f"/api/v1/gatherings/{gid}", headers=headers)


# --- create ----------------------------------------------------------------------------


async def test_coordinator_creates_a_draft_with_counters(client, actors):
    g = await create(
        client,
        actors["coordinator"],
        capacity=25,
        audience="region",
        seats_per_municipality=3,
        programme=[
            {"starts_at": "2031-09-10T10:00", "ends_at": "2031-09-10T11:30", "title": "Åpning"},
        ],
        meals=[{"date": "2031-09-10", "meal": "lunch"}],
    )
    assert g["status"] == "draft"
    assert g["network"] == NETWORK
    assert g["title"] == "Nettverkssamling om barnevern"
    # A naive time is Europe/Oslo wall time (summer time in September).
    assert g["starts_at"] == "2031-09-10T10:00:00+02:00"
    assert g["ends_at"] == "2031-09-11T15:00:00+02:00"
    assert (g["capacity"], g["confirmed_count"], g["waitlist_count"], g["seats_left"]) == (
        25,
        0,
        0,
        25,
    )
    assert g["audience"] == "region"
    assert g["seats_per_municipality"] == 3
    assert [p["title"] for p in g["programme"]] == ["Åpning"]
    assert g["meals"] == [{"date": "2031-09-10", "meal": "lunch"}]
    # Registration closes when the gathering starts unless told otherwise.
    assert g["registration_closes_at"] == g["starts_at"]

    again = await get(client, g["id"], actors["coordinator"])
    assert again.status_code == 200
    assert again.json() == g


async def test_admin_creates_in_any_network_others_may_not(client, actors):
    made = await create(client, actors["admin"], network="nord", title="Samling i Tromsø")
    assert made["network"] == "nord"

    for role, network in (
        ("participant", NETWORK),
        ("finance", NETWORK),
        ("other_coordinator", NETWORK),
        ("coordinator", "nord"),
    ):
        before = await gathering_count()
        r = await client.post(
            "/api/v1/gatherings",
            json=gathering_body(network=network),
            headers=actors[role].headers,
        )
        assert r.status_code == 403, (role, r.text)
        assert r.headers["content-type"].startswith(PROBLEM)
        assert await gathering_count() == before, role

    anonymous = await client.post("/api/v1/gatherings", json=gathering_body())
    assert anonymous.status_code == 401


async def test_unknown_network_is_named(client, actors):
    before = await gathering_count()
    r = await client.post(
        "/api/v1/gatherings",
        json=gathering_body(network="atlantis"),
        headers=actors["admin"].headers,
    )
    assert_problem(r, (400, 422), "network")
    assert await gathering_count() == before


def _ids(cases: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [f"{i}-{field}" for i, (field, _) in enumerate(cases)]


INVALID_CREATE = [
    # (field named in the answer, body changes)
    ("ends_at", {"starts_at": "2031-09-10T10:00", "ends_at": "2031-09-10T09:00"}),
    ("ends_at", {"starts_at": "2031-09-10T10:00", "ends_at": "2031-09-10T10:00"}),
    # 02:30 on the last Sunday of March 2027 never happens in Oslo.
    ("starts_at", {"starts_at": "2027-03-28T02:30", "ends_at": "2027-03-28T12:00"}),
    # 02:30 on the last Sunday of October 2027 happens twice: an offset is needed.
    ("starts_at", {"starts_at": "2027-10-31T02:30", "ends_at": "2027-10-31T12:00"}),
    ("ends_at", {"starts_at": "2027-10-30T10:00", "ends_at": "2027-10-31T02:30"}),
    ("starts_at", {"starts_at": "next tuesday at ten"}),
    ("starts_at", {"starts_at": "2031-09-10"}),
    ("capacity", {"capacity": -1}),
    ("capacity", {"capacity": "many"}),
    ("title", {"title": ""}),
    ("audience", {"audience": "everyone"}),
    ("seats_per_municipality", {"seats_per_municipality": 0}),
    (
        "registration_closes_at",
        {
            "registration_opens_at": "2031-06-01T09:00",
            "registration_closes_at": "2031-05-01T09:00",
        },
    ),
    (
        "registration_closes_at",
        {
            "registration_opens_at": "2031-06-01T09:00",
            "registration_closes_at": "2031-06-01T09:00",
        },
    ),
    ("registration_closes_at", {"registration_closes_at": "2031-09-12T09:00"}),
    ("registration_opens_at", {"registration_opens_at": "2031-09-12T09:00"}),
    ("cancellation_deadline", {"cancellation_deadline": "2031-09-10T12:00"}),
    ("registration_opens_at", {"registration_opens_at": "2027-03-28T02:15"}),
    (
        "programme",
        {
            "programme": [
                {"starts_at": "2031-09-09T10:00", "ends_at": "2031-09-09T11:00", "title": "X"}
            ]
        },
    ),
    ("meals", {"meals": [{"date": "2031-09-20", "meal": "lunch"}]}),
    ("host_municipality", {"host_municipality": "9999"}),
]


@pytest.mark.parametrize(("field", "change"), INVALID_CREATE, ids=_ids(INVALID_CREATE))
async def test_an_invalid_gathering_is_refused_naming_the_field_and_nothing_is_stored(
    client, actors, field, change
):
    before = await gathering_count()
    r = await client.post(
        "/api/v1/gatherings",
        json=gathering_body(**change),
        headers=actors["coordinator"].headers,
    )
    body = assert_problem(r, (400, 422), field)
    assert await gathering_count() == before
    if r.status_code == 422:
        assert body.get("field", "").startswith(field), body


async def test_dst_messages_say_what_is_wrong(client, actors):
    gap = await client.post(
        "/api/v1/gatherings",
        json=gathering_body(starts_at="2027-03-28T02:30", ends_at="2027-03-28T12:00"),
        headers=actors["coordinator"].headers,
    )
    assert_problem(gap, (422,), "starts_at")
    assert "does not exist" in gap.json()["detail"]

    twice = await client.post(
        "/api/v1/gatherings",
        json=gathering_body(starts_at="2027-10-31T02:30", ends_at="2027-10-31T12:00"),
        headers=actors["coordinator"].headers,
    )
    assert_problem(twice, (422,), "starts_at")
    assert "offset" in twice.json()["detail"]


async def test_repeated_hour_with_an_explicit_offset_is_accepted(client, actors):
    summer = await create(
        client,
        actors["coordinator"],
        starts_at="2027-10-31T02:30+02:00",
        ends_at="2027-10-31T12:00",
    )
    winter = await create(
        client,
        actors["coordinator"],
        starts_at="2027-10-31T02:30+01:00",
        ends_at="2027-10-31T12:00",
    )
    assert summer["starts_at"] == "2027-10-31T02:30:00+02:00"
    assert winter["starts_at"] == "2027-10-31T02:30:00+01:00"
    first = datetime.fromisoformat(summer["starts_at"])
    second = datetime.fromisoformat(winter["starts_at"])
    assert second - first == timedelta(hours=1)
    # Naive times on either side of the change are fine; UTC "Z" is too.
    utc = await create(
        client, actors["coordinator"], starts_at="2027-10-31T01:30Z", ends_at="2027-10-31T12:00"
    )
    assert utc["starts_at"] == "2027-10-31T02:30:00+01:00"


async def test_capacity_zero_is_allowed(client, actors):
    g = await create(client, actors["coordinator"], capacity=0)
    assert (g["capacity"], g["seats_left"]) == (0, 0)


# --- numbering -------------------------------------------------------------------------


async def _highest_number(slug: str) -> int:
    row = await (
        Gathering.select(Gathering.number)
        .where(Gathering.network.slug == slug)
        .order_by(Gathering.number, ascending=False)
        .first()
    )
    return int(row["number"]) if row else 0


async def test_gatherings_are_numbered_within_their_network(client, actors):
    slug = "telemark-vestfold-buskerud"
    start = await _highest_number(slug)
    other_start = await _highest_number("midt")

    first = await create(client, actors["admin"], network=slug, title="Første")
    second = await create(client, actors["admin"], network=slug, title="Andre")
    elsewhere = await create(client, actors["admin"], network="midt", title="Midt")
    third = await create(client, actors["admin"], network=slug, title="Tredje")

    assert (first["number"], second["number"], third["number"]) == (
        start + 1,
        start + 2,
        start + 3,
    )
    assert elsewhere["number"] == other_start + 1
    # Numbers stay as they are after publishing and editing.
    await publish(client, actors["admin"], second["id"])
    r = await client.patch(
        f"/api/v1/gatherings/{second['id']}",
        json={"title": "Andre samling"},
        headers=actors["admin"].headers,
    )
    assert r.json()["number"] == start + 2


async def test_gatherings_created_at_once_get_distinct_numbers(client, actors):
    slug = "ost"
    start = await _highest_number(slug)
    answers = await asyncio.gather(
        *(
            client.post(
                "/api/v1/gatherings",
                json=gathering_body(network=slug, title=f"Samtidig {i}"),
                headers=actors["admin"].headers,
            )
            for i in range(6)
        )
    )
    assert [r.status_code for r in answers] == [201] * 6, [r.text for r in answers]
    numbers = sorted(r.json()["number"] for r in answers)
    assert numbers == list(range(start + 1, start + 7))


# --- visibility and the list -----------------------------------------------------------


async def test_drafts_are_404_to_everyone_but_their_editors(client, actors):
    draft = await create(client, actors["coordinator"], title="Hemmelig utkast")
    gid = draft["id"]

    for role in ("participant", "finance", "other_coordinator"):
        r = await get(client, gid, actors[role])
        assert r.status_code == 404, role
        assert r.headers["content-type"].startswith(PROBLEM)
        assert "Hemmelig" not in r.text
    assert (await get(client, gid)).status_code == 404
    for role in ("coordinator", "admin"):
        assert (await get(client, gid, actors[role])).status_code == 200, role

    async def listed(actor: Any | None) -> set[str]:
        headers = actor.headers if actor else {}
        r = await client.get("/api/v1/gatherings", params={"network": NETWORK}, headers=headers)
        assert r.status_code == 200
        return {g["id"] for g in r.json()}

    assert gid not in await listed(None)
    for role in ("participant", "finance", "other_coordinator"):
        assert gid not in await listed(actors[role]), role
    for role in ("coordinator", "admin"):
        assert gid in await listed(actors[role]), role

    # A participant cannot register for, or change, what they cannot see.
    r = await client.post(
        f"/api/v1/gatherings/{gid}/registrations", json={}, headers=actors["participant"].headers
    )
    assert r.status_code == 404
    r = await client.patch(
        f"/api/v1/gatherings/{gid}", json={"title": "Mitt"}, headers=actors["participant"].headers
    )
    assert r.status_code == 404

    # Once published everyone sees it, signed in or not.
    await publish(client, actors["coordinator"], gid)
    assert (await get(client, gid)).status_code == 200
    assert gid in await listed(None)
    assert gid in await listed(actors["participant"])


async def test_unknown_ids_are_404(client, actors):
    for gid in ("999999999", "abc", "-1"):
        r = await get(client, gid, actors["admin"])
        assert r.status_code == 404, gid
        assert r.headers["content-type"].startswith(PROBLEM)


async def test_list_filters_by_network_and_time_window(client, actors):
    coordinator = actors["coordinator"]
    jan = await published(
        client, coordinator, starts_at="2032-01-10T10:00", ends_at="2032-01-10T16:00"
    )
    feb = await published(
        client, coordinator, starts_at="2032-02-10T10:00", ends_at="2032-02-11T16:00"
    )
    mar = await published(
        client, coordinator, starts_at="2032-03-10T10:00", ends_at="2032-03-10T16:00"
    )
    north = await published(
        client,
        actors["admin"],
        network="nord",
        starts_at="2032-02-12T10:00",
        ends_at="2032-02-12T16:00",
    )
    mine = {jan["id"], feb["id"], mar["id"], north["id"]}

    r = await client.get("/api/v1/gatherings", params={"network": NETWORK})
    assert r.status_code == 200
    assert all(g["network"] == NETWORK for g in r.json())
    assert {g["id"] for g in r.json()} & mine == {jan["id"], feb["id"], mar["id"]}

    r = await client.get("/api/v1/gatherings", params={"network": "nord"})
    assert all(g["network"] == "nord" for g in r.json())
    assert {g["id"] for g in r.json()} & mine == {north["id"]}

    window = {"from": "2032-02-01T00:00", "to": "2032-03-01T00:00"}
    r = await client.get("/api/v1/gatherings", params=window)
    assert r.status_code == 200
    assert {g["id"] for g in r.json()} & mine == {feb["id"], north["id"]}
    start = datetime.fromisoformat("2032-02-01T00:00+01:00")
    end = datetime.fromisoformat("2032-03-01T00:00+01:00")
    for g in r.json():
        assert datetime.fromisoformat(g["ends_at"]) >= start, g
        assert datetime.fromisoformat(g["starts_at"]) < end, g

    r = await client.get("/api/v1/gatherings", params={**window, "network": NETWORK})
    assert {g["id"] for g in r.json()} & mine == {feb["id"]}

    # Ordered by start.
    r = await client.get(
        "/api/v1/gatherings", params={"from": "2032-01-01T00:00+01:00", "to": "2032-04-01T00:00"}
    )
    ours = [g["id"] for g in r.json() if g["id"] in mine]
    assert ours == [jan["id"], feb["id"], north["id"], mar["id"]]

    # A gathering that is under way at `from` is included (it ends after it).
    r = await client.get("/api/v1/gatherings", params={"from": "2032-02-11T12:00+01:00"})
    ids = {g["id"] for g in r.json()}
    assert feb["id"] in ids and jan["id"] not in ids


async def test_list_filter_errors_are_clear(client):
    r = await client.get("/api/v1/gatherings", params={"network": "atlantis"})
    assert_problem(r, (404,), "atlantis")
    r = await client.get("/api/v1/gatherings", params={"from": "yesterday"})
    assert_problem(r, (400, 422), "from")
    r = await client.get("/api/v1/gatherings", params={"to": "soon"})
    assert_problem(r, (400, 422), "to")


# --- edit and publish ------------------------------------------------------------------


async def test_coordinator_edits_and_publishes(client, actors):
    coordinator = actors["coordinator"]
    g = await create(client, coordinator)
    r = await client.patch(
        f"/api/v1/gatherings/{g['id']}",
        json={"title": "Ny tittel", "capacity": 40, "audience": "open", "reminder_days": 5},
        headers=coordinator.headers,
    )
    assert r.status_code == 200, r.text
    edited = r.json()
    assert (edited["title"], edited["capacity"], edited["seats_left"]) == ("Ny tittel", 40, 40)
    assert (edited["audience"], edited["reminder_days"]) == ("open", 5)
    assert edited["status"] == "draft"

    done = await publish(client, coordinator, g["id"])
    assert done["status"] == "published"
    assert done["title"] == "Ny tittel"

    again = await client.post(f"/api/v1/gatherings/{g['id']}/publish", headers=coordinator.headers)
    assert_problem(again, (409,), "draft")

    # The admin may edit it too; the other network's coordinator and participants may not.
    r = await client.patch(
        f"/api/v1/gatherings/{g['id']}", json={"city": "Arendal"}, headers=actors["admin"].headers
    )
    assert r.status_code == 200 and r.json()["city"] == "Arendal"
    for role in ("other_coordinator", "participant", "finance"):
        r = await client.patch(
            f"/api/v1/gatherings/{g['id']}", json={"city": "Bodø"}, headers=actors[role].headers
        )
        assert r.status_code == 403, role
        assert r.headers["content-type"].startswith(PROBLEM)
        r = await client.post(
            f"/api/v1/gatherings/{g['id']}/cancel",
            json={"reason": "Nei"},
            headers=actors[role].headers,
        )
        assert r.status_code == 403, role
    current = (await get(client, g["id"])).json()
    assert (current["city"], current["status"]) == ("Arendal", "published")


async def test_publish_and_cancel_at_once_never_revive_a_cancelled_gathering(client, actors):
    coordinator = actors["coordinator"]
    for _ in range(5):
        g = await create(client, coordinator)
        gid = g["id"]
        first, second, cancelled = await asyncio.gather(
            client.post(f"/api/v1/gatherings/{gid}/publish", headers=coordinator.headers),
            client.post(f"/api/v1/gatherings/{gid}/publish", headers=coordinator.headers),
            client.post(
                f"/api/v1/gatherings/{gid}/cancel",
                json={"reason": "Avlyst"},
                headers=coordinator.headers,
            ),
        )
        assert cancelled.status_code == 200, cancelled.text
        assert (await get(client, gid, coordinator)).json()["status"] == "cancelled"
        # A draft is published once at most.
        assert [first.status_code, second.status_code].count(200) <= 1, (first.text, second.text)


async def test_publishing_a_gathering_that_has_ended_is_refused(client, actors):
    g = await create(client, actors["coordinator"])
    await Gathering.update(
        {
            Gathering.starts_at: datetime.now(UTC) - timedelta(days=3),
            Gathering.ends_at: datetime.now(UTC) - timedelta(days=2),
        }
    ).where(Gathering.id == int(g["id"]))
    r = await client.post(
        f"/api/v1/gatherings/{g['id']}/publish", headers=actors["coordinator"].headers
    )
    assert_problem(r, (409,), "ended")
    assert (await get(client, g["id"], actors["coordinator"])).json()["status"] == "draft"


INVALID_PATCH = [
    ("ends_at", {"ends_at": "2031-09-10T09:00"}),
    ("ends_at", {"starts_at": "2031-09-12T10:00"}),
    ("starts_at", {"starts_at": "2027-03-28T02:30"}),
    ("starts_at", {"starts_at": "2027-10-31T02:30"}),
    ("capacity", {"capacity": -5}),
    ("title", {"title": ""}),
    ("registration_closes_at", {"registration_closes_at": "2031-09-20T10:00"}),
    (
        "registration_closes_at",
        {
            "registration_opens_at": "2031-08-01T10:00",
            "registration_closes_at": "2031-07-01T10:00",
        },
    ),
    ("cancellation_deadline", {"cancellation_deadline": "2031-09-10T11:00"}),
    ("network", {"network": "nord"}),
    # The same limits as when creating.
    ("seats_per_municipality", {"seats_per_municipality": 0}),
    ("reminder_days", {"reminder_days": -1}),
    ("reminder_days", {"reminder_days": 61}),
    ("latitude", {"latitude": 91.0, "longitude": 8.0}),
]


@pytest.mark.parametrize(("field", "change"), INVALID_PATCH, ids=_ids(INVALID_PATCH))
async def test_an_invalid_change_is_refused_and_nothing_changes(client, actors, field, change):
    coordinator = actors["coordinator"]
    g = await published(client, coordinator)
    r = await client.patch(
        f"/api/v1/gatherings/{g['id']}", json=change, headers=coordinator.headers
    )
    assert_problem(r, (400, 422), field)
    assert (await get(client, g["id"])).json() == g


# --- changes a participant notices -----------------------------------------------------


async def test_time_and_place_changes_bump_sequence_and_mail_everyone_registered(client, actors):
    coordinator = actors["coordinator"]
    g = await published(client, coordinator, capacity=1)
    gid = g["id"]
    confirmed, waiting, gone = await person(), await person("1103"), await person()
    assert (await register(client, confirmed, gid))["status"] == "confirmed"
    assert (await register(client, waiting, gid))["status"] == "waitlisted"
    left = await register(client, gone, gid)
    r = await client.post(f"/api/v1/registrations/{left['id']}/cancel", headers=gone.headers)
    assert r.status_code == 200
    everyone = [confirmed.email, waiting.email, gone.email]

    r = await client.patch(
        f"/api/v1/gatherings/{gid}",
        json={
            "starts_at": "2031-10-01T09:00",
            "ends_at": "2031-10-02T14:00",
            "venue": "Clarion Hotel Ernst",
        },
        headers=coordinator.headers,
    )
    assert r.status_code == 200, r.text
    changed = r.json()
    assert changed["sequence"] == g["sequence"] + 1
    assert changed["starts_at"] == "2031-10-01T09:00:00+02:00"
    assert changed["venue"] == "Clarion Hotel Ernst"

    sent = await mails("gathering_changed", gid, everyone)
    assert sorted(m["recipient"] for m in sent) == sorted([confirmed.email, waiting.email])
    for m in sent:
        ctx = m["context"]
        assert ctx["sequence"] == changed["sequence"]
        changes = {c["field"]: (c["old"], c["new"]) for c in ctx["changes"]}
        assert changes == {
            "starts_at": ("10. september 2031 kl. 10.00", "1. oktober 2031 kl. 09.00"),
            "ends_at": ("11. september 2031 kl. 15.00", "2. oktober 2031 kl. 14.00"),
            "venue": ("Scandic Kristiansand Bystranda", "Clarion Hotel Ernst"),
        }
    statuses = {m["recipient"]: m["context"]["registration_status"] for m in sent}
    assert statuses == {confirmed.email: "confirmed", waiting.email: "waitlisted"}

    # A second change of place is a second notice, with its own old -> new.
    r = await client.patch(
        f"/api/v1/gatherings/{gid}",
        json={"address": "Dronningens gate 5", "city": "Kristiansand S"},
        headers=coordinator.headers,
    )
    assert r.json()["sequence"] == changed["sequence"] + 1
    sent = await mails("gathering_changed", gid, everyone)
    assert len(sent) == 4
    latest = [m for m in sent if m["context"]["sequence"] == changed["sequence"] + 1]
    assert len(latest) == 2
    for m in latest:
        changes = {c["field"]: (c["old"], c["new"]) for c in m["context"]["changes"]}
        assert changes == {
            "address": ("Østre Strandgate 76", "Dronningens gate 5"),
            "city": ("Kristiansand", "Kristiansand S"),
        }


async def test_no_notice_for_changes_a_participant_does_not_notice(client, actors):
    coordinator = actors["coordinator"]
    g = await published(client, coordinator, capacity=5)
    gid = g["id"]
    someone = await person()
    await register(client, someone, gid)

    for change in (
        {"description": "Ny beskrivelse av programmet"},
        {"capacity": 8},
        # The same place and time again is no change at all.
        {"venue": g["venue"], "starts_at": "2031-09-10T10:00:00+02:00"},
    ):
        r = await client.patch(
            f"/api/v1/gatherings/{gid}", json=change, headers=coordinator.headers
        )
        assert r.status_code == 200, r.text
    assert await mails("gathering_changed", gid) == []

    before = (await get(client, gid)).json()["sequence"]
    unchanged = await client.patch(
        f"/api/v1/gatherings/{gid}",
        json={"venue": g["venue"], "ends_at": "2031-09-11T13:00:00Z"},
        headers=coordinator.headers,
    )
    # 13:00Z is 15:00 in Oslo: the same instant, so nothing to tell anyone.
    assert unchanged.status_code == 200, unchanged.text
    assert unchanged.json()["sequence"] == before
    assert await mails("gathering_changed", gid) == []

    # A new title shows in every calendar: the participant gets the update, old → new.
    r = await client.patch(
        f"/api/v1/gatherings/{gid}", json={"title": "Oppdatert tittel"}, headers=coordinator.headers
    )
    assert r.status_code == 200 and r.json()["sequence"] == before + 1
    (mail,) = await mails("gathering_changed", gid)
    changes = mail["context"]["changes"]
    assert [(c["field"], c["new"]) for c in changes] == [("title", "Oppdatert tittel")]


async def test_editing_a_draft_sends_no_mail(client, actors):
    coordinator = actors["coordinator"]
    g = await create(client, coordinator)
    r = await client.patch(
        f"/api/v1/gatherings/{g['id']}",
        json={"starts_at": "2031-09-09T10:00", "venue": "Et annet sted"},
        headers=coordinator.headers,
    )
    assert r.status_code == 200
    assert r.json()["starts_at"] == "2031-09-09T10:00:00+02:00"
    assert await mails("gathering_changed", g["id"]) == []


# --- cancellation ----------------------------------------------------------------------


async def test_cancelling_cancels_every_registration_and_mails_everyone(client, actors):
    coordinator = actors["coordinator"]
    g = await published(client, coordinator, capacity=1)
    gid = g["id"]
    first, second = await person(), await person("1119")
    one = await register(client, first, gid)
    two = await register(client, second, gid)
    assert (one["status"], two["status"]) == ("confirmed", "waitlisted")

    empty = await client.post(
        f"/api/v1/gatherings/{gid}/cancel", json={"reason": ""}, headers=coordinator.headers
    )
    assert_problem(empty, (400, 422), "reason")
    assert (await get(client, gid)).json()["status"] == "published"

    r = await client.post(
        f"/api/v1/gatherings/{gid}/cancel",
        json={"reason": "For få påmeldte – vi prøver igjen i høst"},
        headers=coordinator.headers,
    )
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "cancelled"
    assert done["cancel_reason"] == "For få påmeldte – vi prøver igjen i høst"
    assert (done["confirmed_count"], done["waitlist_count"]) == (0, 0)
    assert done["sequence"] == g["sequence"] + 1

    for who, reg in ((first, one), (second, two)):
        mine = (await client.get("/api/v1/me/registrations", headers=who.headers)).json()
        ours = [m for m in mine if m["id"] == reg["id"]]
        assert len(ours) == 1 and ours[0]["status"] == "cancelled"
        assert ours[0]["waitlist_position"] is None
    live = await Registration.count().where(
        (Registration.gathering == int(gid))
        & Registration.status.is_in(["confirmed", "waitlisted"])
    )
    assert live == 0

    sent = await mails("gathering_cancelled", gid)
    assert sorted(m["recipient"] for m in sent) == sorted([first.email, second.email])
    assert all(m["context"]["reason"] == done["cancel_reason"] for m in sent)

    # Nothing more can happen to it.
    late = await person()
    r = await client.post(f"/api/v1/gatherings/{gid}/registrations", json={}, headers=late.headers)
    assert_problem(r, (409,), "cancelled")
    r = await client.post(
        f"/api/v1/gatherings/{gid}/cancel", json={"reason": "Igjen"}, headers=coordinator.headers
    )
    assert r.status_code == 409
    r = await client.patch(
        f"/api/v1/gatherings/{gid}", json={"venue": "Et sted"}, headers=coordinator.headers
    )
    assert r.status_code == 409
    r = await client.post(f"/api/v1/gatherings/{gid}/publish", headers=coordinator.headers)
    assert r.status_code == 409
    assert len(await mails("gathering_cancelled", gid)) == 2


async def test_a_draft_can_be_cancelled_without_mail(client, actors):
    g = await create(client, actors["admin"])
    r = await client.post(
        f"/api/v1/gatherings/{g['id']}/cancel",
        json={"reason": "Dobbeltbooket"},
        headers=actors["admin"].headers,
    )
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    assert await mails("gathering_cancelled", g["id"]) == []


# --- completion and reminders ----------------------------------------------------------


async def test_complete_due_marks_ended_gatherings_completed_once(client, actors):
    from service.gatherings.service import complete_due

    coordinator = actors["coordinator"]
    past = await published(client, coordinator)
    future = await published(client, coordinator)
    someone = await person()
    await register(client, someone, past["id"])
    await Gathering.update(
        {
            Gathering.starts_at: datetime.now(UTC) - timedelta(days=2, hours=6),
            Gathering.ends_at: datetime.now(UTC) - timedelta(days=2),
        }
    ).where(Gathering.id == int(past["id"]))

    assert await complete_due() >= 1
    assert (await get(client, past["id"])).json()["status"] == "completed"
    assert (await get(client, future["id"])).json()["status"] == "published"
    first = await Gathering.select(Gathering.completed_at).where(Gathering.id == int(past["id"]))

    assert await complete_due() == 0
    again = await Gathering.select(Gathering.completed_at).where(Gathering.id == int(past["id"]))
    assert again == first

    # A completed gathering takes no registrations and no changes.
    late = await person()
    r = await client.post(
        f"/api/v1/gatherings/{past['id']}/registrations", json={}, headers=late.headers
    )
    assert_problem(r, (409,), "completed")
    r = await client.patch(
        f"/api/v1/gatherings/{past['id']}", json={"venue": "X"}, headers=coordinator.headers
    )
    assert r.status_code == 409
    # Its registrations stay as they were (attendance is marked on them).
    mine = (await client.get("/api/v1/me/registrations", headers=someone.headers)).json()
    assert [m["status"] for m in mine if m["gathering"] == past["id"]] == ["confirmed"]


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="minutes")


async def test_reminders_go_once_to_each_confirmed_registration_in_the_window(client, actors):
    from service.gatherings.service import send_reminders

    coordinator = actors["coordinator"]
    soon = datetime.now(UTC) + timedelta(days=2)
    near = await published(
        client,
        coordinator,
        capacity=2,
        starts_at=_utc_iso(soon),
        ends_at=_utc_iso(soon + timedelta(hours=6)),
        reminder_days=3,
    )
    later = datetime.now(UTC) + timedelta(days=10)
    far = await published(
        client,
        coordinator,
        capacity=5,
        starts_at=_utc_iso(later),
        ends_at=_utc_iso(later + timedelta(hours=6)),
        reminder_days=3,
    )
    a, b, c, d, e = [await person() for _ in range(5)]
    assert (await register(client, a, near["id"]))["status"] == "confirmed"
    assert (await register(client, b, near["id"]))["status"] == "confirmed"
    assert (await register(client, c, near["id"]))["status"] == "waitlisted"
    gone = await register(client, d, near["id"])
    r = await client.post(f"/api/v1/registrations/{gone['id']}/cancel", headers=d.headers)
    assert r.status_code == 200
    await register(client, e, far["id"])

    assert await send_reminders(BASE_URL) >= 2
    sent = await mails("gathering_reminder", near["id"])
    assert sorted(m["recipient"] for m in sent) == sorted([a.email, b.email])
    assert all(m["context"]["days"] == 3 for m in sent)
    assert await mails("gathering_reminder", far["id"]) == []

    # Never twice.
    assert await send_reminders(BASE_URL) == 0
    assert len(await mails("gathering_reminder", near["id"])) == 2

    # Someone promoted later gets their own reminder, once; the others get no second.
    mine = (await client.get("/api/v1/me/registrations", headers=a.headers)).json()
    reg_a = next(m for m in mine if m["gathering"] == near["id"])
    r = await client.post(f"/api/v1/registrations/{reg_a['id']}/cancel", headers=a.headers)
    assert r.status_code == 200
    assert await send_reminders(BASE_URL) == 1
    assert await send_reminders(BASE_URL) == 0
    sent = await mails("gathering_reminder", near["id"])
    assert sorted(m["recipient"] for m in sent) == sorted([a.email, b.email, c.email])
