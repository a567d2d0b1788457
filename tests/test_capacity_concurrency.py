"""Capacity under load: the proof that seats are never oversold and the waiting list
stays fair.

(a) 200 members register at once over real HTTP requests for 20 seats: exactly 20 are
    confirmed, 180 wait in positions 1..180; five cancel at once and exactly the first
    five in line move up.
(b) A seeded random run of arrivals, cancellations and capacity changes on one
    gathering, checked against a reference model and the invariants after every step,
    with bursts of concurrent operations in between.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from service.db.tables import Gathering, OutboxMessage, Registration

NETWORK = "agder-rogaland"
MEMBER_MUNICIPALITIES = ("4204", "1103", "1119", "1120", "1121", "1122")
CROWD = 200
BASE_URL = "http://samling.test"


@dataclass
class Member:
    id: int
    email: str
    municipality: str
    headers: dict[str, str]
    user: Any  # CurrentUser, for calling the services directly


@pytest.fixture(scope="module")
async def crowd(migrated: None) -> list[Member]:
    """200 participants spread over agder-rogaland's member municipalities."""
    from service.accounts import service

    tag = uuid.uuid4().hex[:6]
    people = []
    for i in range(CROWD):
        municipality = MEMBER_MUNICIPALITIES[i % len(MEMBER_MUNICIPALITIES)]
        email = f"crowd{i:03d}.{tag}@example.no"
        user_id = await service.create_user(email, f"Deltaker {i}", municipality, [], "tests")
        token = await service.create_api_token(user_id, "load", "tests")
        user = await service.load_user(user_id)
        assert user is not None
        people.append(
            Member(
                user_id,
                email,
                municipality,
                {"Authorization": f"Bearer {token['token']}"},
                user,
            )
        )
    return people


async def new_gathering(client: httpx.AsyncClient, actor: Any, capacity: int) -> str:
    body = {
        "network": NETWORK,
        "title": "Årssamling",
        "starts_at": "2033-04-20T09:00",
        "ends_at": "2033-04-21T15:00",
        "venue": "Stavanger Forum",
        "city": "Stavanger",
        "capacity": capacity,
    }
    r = await client.post("/api/v1/gatherings", json=body, headers=actor.headers)
    assert r.status_code == 201, r.text
    gid = r.json()["id"]
    r = await client.post(f"/api/v1/gatherings/{gid}/publish", headers=actor.headers)
    assert r.status_code == 200, r.text
    return str(gid)


async def db_state(gid: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    g = await Gathering.select().where(Gathering.id == int(gid)).first()
    assert g is not None
    rows = await Registration.select(
        Registration.id, Registration.user, Registration.status, Registration.queue_number
    ).where(Registration.gathering == int(gid))
    return g, rows


def split(rows: list[dict[str, Any]]) -> tuple[set[int], list[int]]:
    """(confirmed users, waiting users in queue order)."""
    confirmed = {r["user"] for r in rows if r["status"] == "confirmed"}
    waiting = sorted(
        (r for r in rows if r["status"] == "waitlisted"), key=lambda r: r["queue_number"]
    )
    return confirmed, [r["user"] for r in waiting]


def assert_consistent(g: dict[str, Any], rows: list[dict[str, Any]]) -> tuple[set[int], list[int]]:
    """What must hold whatever happened: counters match the rows, one live registration
    per person, nobody waits while a seat is free, distinct queue places."""
    confirmed, waiting = split(rows)
    live = Counter(r["user"] for r in rows if r["status"] in ("confirmed", "waitlisted"))
    assert all(n == 1 for n in live.values()), [u for u, n in live.items() if n > 1]
    assert g["confirmed_count"] == len(confirmed), (g["confirmed_count"], len(confirmed))
    assert g["waitlist_count"] == len(waiting), (g["waitlist_count"], len(waiting))
    if waiting:
        assert len(confirmed) >= g["capacity"], (len(confirmed), g["capacity"], len(waiting))
    queue = [r["queue_number"] for r in rows if r["status"] == "waitlisted"]
    assert None not in queue
    assert len(set(queue)) == len(queue)
    return confirmed, waiting


# --- (a) 200 at once over HTTP ---------------------------------------------------------


async def test_200_members_register_at_once_for_20_seats(client, actors, crowd):
    coordinator = actors["coordinator"]
    gid = await new_gathering(client, coordinator, capacity=20)
    url = f"/api/v1/gatherings/{gid}/registrations"

    answers = await asyncio.gather(*(client.post(url, json={}, headers=p.headers) for p in crowd))

    assert [r.status_code for r in answers] == [201] * CROWD, {
        r.status_code: r.text for r in answers if r.status_code != 201
    }
    by_user = {p.id: r.json() for p, r in zip(crowd, answers, strict=True)}
    assert Counter(a["status"] for a in by_user.values()) == {"confirmed": 20, "waitlisted": 180}
    positions = sorted(a["waitlist_position"] for a in by_user.values() if a["waitlist_position"])
    assert positions == list(range(1, 181))
    assert all(
        a["waitlist_position"] is None for a in by_user.values() if a["status"] == "confirmed"
    )

    shown = (await client.get(f"/api/v1/gatherings/{gid}")).json()
    assert (shown["confirmed_count"], shown["waitlist_count"], shown["seats_left"]) == (20, 180, 0)
    g, rows = await db_state(gid)
    confirmed, waiting = assert_consistent(g, rows)
    assert (len(confirmed), len(waiting), len(rows)) == (20, 180, 200)
    # The position each person was told is their place in the queue, first come first served.
    told = {uid: a["waitlist_position"] for uid, a in by_user.items() if a["waitlist_position"]}
    assert [told[uid] for uid in waiting] == list(range(1, 181))

    # The coordinator's list agrees, person by person.
    r = await client.get(f"/api/v1/gatherings/{gid}/registrations", headers=coordinator.headers)
    listed = r.json()
    assert len(listed) == 200
    email_of = {p.id: p.email for p in crowd}
    waiting_emails = [x["email"] for x in listed if x["status"] == "waitlisted"]
    assert waiting_emails == [email_of[uid] for uid in waiting]
    assert [x["waitlist_position"] for x in listed if x["status"] == "waitlisted"] == list(
        range(1, 181)
    )

    # One mail each: a confirmation or a waiting-list notice.
    sent = await OutboxMessage.select(OutboxMessage.kind, OutboxMessage.recipient).where(
        OutboxMessage.recipient.is_in([p.email for p in crowd])
    )
    kinds = Counter(m["kind"] for m in sent)
    assert kinds["registration_confirmed"] == 20
    assert kinds["registration_waitlisted"] == 180

    # Five confirmed cancel at once: exactly the first five in line move up.
    member_by_id = {p.id: p for p in crowd}
    leaving = sorted(confirmed)[:5]
    cancels = await asyncio.gather(
        *(
            client.post(
                f"/api/v1/registrations/{by_user[uid]['id']}/cancel",
                headers=member_by_id[uid].headers,
            )
            for uid in leaving
        )
    )
    assert [r.status_code for r in cancels] == [200] * 5, [r.text for r in cancels]

    first_five = waiting[:5]
    g, rows = await db_state(gid)
    now_confirmed, now_waiting = assert_consistent(g, rows)
    assert now_confirmed == (confirmed - set(leaving)) | set(first_five)
    assert now_waiting == waiting[5:]
    assert (g["confirmed_count"], g["waitlist_count"]) == (20, 175)

    mine = await asyncio.gather(
        *(
            client.get("/api/v1/me/registrations", headers=member_by_id[uid].headers)
            for uid in waiting
        )
    )
    position_of = {}
    for uid, r in zip(waiting, mine, strict=True):
        ours = [x for x in r.json() if x["gathering"] == gid]
        assert len(ours) == 1
        position_of[uid] = (ours[0]["status"], ours[0]["waitlist_position"])
    assert [position_of[uid] for uid in first_five] == [("confirmed", None)] * 5
    assert [position_of[uid] for uid in waiting[5:]] == [("waitlisted", n) for n in range(1, 176)]

    promoted = (
        await OutboxMessage.select(OutboxMessage.recipient, OutboxMessage.context)
        .where(OutboxMessage.kind == "registration_promoted")
        .output(load_json=True)
    )
    promoted_here = sorted(
        m["recipient"] for m in promoted if str(m["context"]["gathering_id"]) == gid
    )
    assert promoted_here == sorted(member_by_id[uid].email for uid in first_five)


async def test_double_clicks_never_make_two_registrations(client, actors, crowd):
    gid = await new_gathering(client, actors["coordinator"], capacity=3)
    url = f"/api/v1/gatherings/{gid}/registrations"
    clickers = crowd[:6]
    answers = await asyncio.gather(
        *(client.post(url, json={}, headers=p.headers) for p in clickers for _ in range(3))
    )
    for i, p in enumerate(clickers):
        mine = answers[3 * i : 3 * i + 3]
        assert sorted(r.status_code for r in mine) == [200, 200, 201], [r.text for r in mine]
        assert len({r.json()["id"] for r in mine}) == 1, p.email
    g, rows = await db_state(gid)
    confirmed, waiting = assert_consistent(g, rows)
    assert (len(confirmed), len(waiting), len(rows)) == (3, 3, 6)


async def test_cancellations_at_once_free_each_seat_once(client, actors, crowd):
    """A double-clicked cancel, and someone leaving the waiting list just as they are
    promoted: each seat is freed once and the counters keep matching the rows."""
    for round_ in range(6):
        gid = await new_gathering(client, actors["coordinator"], capacity=1)
        url = f"/api/v1/gatherings/{gid}/registrations"
        a, b, c = crowd[3 * round_ : 3 * round_ + 3]
        regs = {}
        for p in (a, b, c):
            r = await client.post(url, json={}, headers=p.headers)
            assert r.status_code == 201, r.text
            regs[p.id] = r.json()["id"]

        def cancel(p: Member) -> Any:
            return client.post(f"/api/v1/registrations/{regs[p.id]}/cancel", headers=p.headers)

        a1, a2, b1 = await asyncio.gather(cancel(a), cancel(a), cancel(b))
        assert sorted([a1.status_code, a2.status_code]) == [200, 409], (a1.text, a2.text)
        assert b1.status_code == 200, b1.text

        g, rows = await db_state(gid)
        confirmed, waiting = assert_consistent(g, rows)
        assert (confirmed, waiting) == ({c.id}, []), round_
        assert (g["confirmed_count"], g["waitlist_count"]) == (1, 0), round_
        shown = (await client.get(f"/api/v1/gatherings/{gid}")).json()
        assert (shown["confirmed_count"], shown["waitlist_count"], shown["seats_left"]) == (1, 0, 0)


async def test_a_seat_freed_while_someone_registers_is_taken(client, actors, crowd):
    """One person leaves as another arrives at a full gathering: whichever comes first,
    the newcomer ends up with the seat, never waiting beside an empty one."""
    for round_ in range(8):
        gid = await new_gathering(client, actors["coordinator"], capacity=1)
        url = f"/api/v1/gatherings/{gid}/registrations"
        leaving, arriving = crowd[100 + 2 * round_], crowd[101 + 2 * round_]
        seat = await client.post(url, json={}, headers=leaving.headers)
        assert seat.json()["status"] == "confirmed"

        left, came = await asyncio.gather(
            client.post(
                f"/api/v1/registrations/{seat.json()['id']}/cancel", headers=leaving.headers
            ),
            client.post(url, json={}, headers=arriving.headers),
        )
        assert (left.status_code, came.status_code) == (200, 201), (left.text, came.text)

        g, rows = await db_state(gid)
        confirmed, waiting = assert_consistent(g, rows)
        assert (confirmed, waiting) == ({arriving.id}, []), round_
        mine = await client.get("/api/v1/me/registrations", headers=arriving.headers)
        ours = [r for r in mine.json() if r["gathering"] == gid]
        assert [(r["status"], r["waitlist_position"]) for r in ours] == [("confirmed", None)]


# --- (b) a seeded random run -----------------------------------------------------------


@dataclass
class Model:
    """The reference: who is confirmed, who waits in which order, the capacity."""

    capacity: int
    confirmed: set[int] = field(default_factory=set)
    queue: list[int] = field(default_factory=list)
    reg_of: dict[int, str] = field(default_factory=dict)  # user -> live registration id

    def arrive(self, uid: int, reg_id: str) -> tuple[str, int | None]:
        self.reg_of[uid] = reg_id
        if len(self.confirmed) < self.capacity:
            self.confirmed.add(uid)
            return "confirmed", None
        self.queue.append(uid)
        return "waitlisted", len(self.queue)

    def fill(self) -> list[int]:
        promoted = []
        while self.queue and len(self.confirmed) < self.capacity:
            uid = self.queue.pop(0)
            self.confirmed.add(uid)
            promoted.append(uid)
        return promoted

    def leave(self, uid: int) -> None:
        del self.reg_of[uid]
        if uid in self.confirmed:
            self.confirmed.discard(uid)
            self.fill()
        else:
            self.queue.remove(uid)

    def resize(self, capacity: int) -> None:
        raised = capacity > self.capacity
        self.capacity = capacity
        if raised:
            self.fill()


SEED = 20_310_101
STEPS = 220
BURST_EVERY = 20


async def test_random_arrivals_cancellations_and_capacity_changes_keep_the_invariants(
    actors, crowd
):
    from service.accounts import service as accounts
    from service.gatherings import service as gatherings
    from service.gatherings.schemas import GatheringIn, GatheringPatch
    from service.registrations import service as registrations
    from service.registrations.schemas import RegistrationIn

    rng = random.Random(SEED)
    coordinator = await accounts.load_user(actors["coordinator"].id)
    assert coordinator is not None
    made = await gatherings.create(
        coordinator,
        GatheringIn(
            network=NETWORK,
            title="Tilfeldig samling",
            starts_at="2033-06-01T09:00",
            ends_at="2033-06-01T16:00",
            capacity=8,
        ),
        BASE_URL,
    )
    gid = made.id
    await gatherings.publish(coordinator, gid, BASE_URL)
    model = Model(capacity=8)
    member_by_id = {p.id: p for p in crowd}
    ever_promoted: set[int] = set()
    over_capacity_steps = waiting_steps = 0

    async def arrive(p: Member) -> Any:
        out, created = await registrations.register(p.user, gid, RegistrationIn(), BASE_URL)
        assert created
        return out

    async def leave(uid: int) -> Any:
        return await registrations.cancel(member_by_id[uid].user, model.reg_of[uid], BASE_URL)

    async def resize(capacity: int) -> Any:
        return await gatherings.update(
            coordinator, gid, GatheringPatch(capacity=capacity), BASE_URL
        )

    async def check_positions(users: list[int]) -> None:
        """Each waiting person's own list shows their place in the queue."""
        for uid in users:
            mine = [
                r for r in await registrations.mine(member_by_id[uid].user) if r.gathering == gid
            ]
            live = [r for r in mine if r.status != "cancelled"]
            assert len(live) == 1
            assert live[0].status == "waitlisted"
            assert live[0].waitlist_position == model.queue.index(uid) + 1

    def pick_operation() -> str:
        outside = [p for p in crowd if p.id not in model.reg_of]
        options = ["arrive"] * 5 if outside else []
        if model.confirmed:
            options += ["leave_confirmed"] * 2
        if model.queue:
            options += ["leave_waiting"] * 2
        options += ["resize"]
        return rng.choice(options)

    def new_capacity() -> int:
        return max(0, model.capacity + rng.choice([-6, -3, -2, -1, 1, 2, 3, 6]))

    for step in range(1, STEPS + 1):
        before_confirmed = set(model.confirmed)
        leaving: set[int] = set()

        if step % BURST_EVERY == 0:
            # A burst of concurrent operations; the order they take effect in is the
            # database's, so the model is re-read afterwards and only invariants apply.
            outside = [p for p in crowd if p.id not in model.reg_of]
            newcomers = rng.sample(outside, min(6, len(outside)))
            live = sorted(model.reg_of)
            leaving = set(rng.sample(live, min(3, len(live))))
            ops = [arrive(p) for p in newcomers] + [leave(uid) for uid in leaving]
            capacity = new_capacity()
            ops.append(resize(capacity))
            rng.shuffle(ops)
            await asyncio.gather(*ops)
            g, rows = await db_state(gid)
            confirmed, waiting = assert_consistent(g, rows)
            assert g["capacity"] == capacity
            assert before_confirmed - leaving <= confirmed, "someone lost a confirmed seat"
            assert not (confirmed | set(waiting)) & leaving
            assert {p.id for p in newcomers} <= confirmed | set(waiting)
            model.capacity = capacity
            model.confirmed, model.queue = confirmed, waiting
            model.reg_of = {
                r["user"]: str(r["id"]) for r in rows if r["status"] in ("confirmed", "waitlisted")
            }
            await check_positions(model.queue[:3] + model.queue[-2:])
            continue

        op = pick_operation()
        if op == "arrive":
            p = rng.choice([p for p in crowd if p.id not in model.reg_of])
            out = await arrive(p)
            expected = model.arrive(p.id, out.id)
            assert (out.status, out.waitlist_position) == expected, (step, op)
        elif op in ("leave_confirmed", "leave_waiting"):
            pool = sorted(model.confirmed) if op == "leave_confirmed" else model.queue
            uid = rng.choice(pool)
            leaving = {uid}
            queue_before = list(model.queue)
            out = await leave(uid)
            assert out.status == "cancelled"
            model.leave(uid)
            ever_promoted |= set(queue_before) - set(model.queue) - leaving
        else:
            capacity = new_capacity()
            queue_before = list(model.queue)
            shown = await resize(capacity)
            model.resize(capacity)
            ever_promoted |= set(queue_before) - set(model.queue)
            assert shown.capacity == capacity
            assert shown.confirmed_count == len(model.confirmed)
            assert shown.over_capacity == max(0, len(model.confirmed) - capacity)
            assert shown.seats_left == max(0, capacity - len(model.confirmed))

        g, rows = await db_state(gid)
        confirmed, waiting = assert_consistent(g, rows)
        assert g["capacity"] == model.capacity
        assert before_confirmed - leaving <= confirmed, (step, op, "someone lost a seat")
        assert confirmed == model.confirmed, (step, op)
        assert waiting == model.queue, (step, op)
        over_capacity_steps += len(confirmed) > model.capacity
        waiting_steps += bool(waiting)
        if model.queue:
            await check_positions(
                sorted({model.queue[0], model.queue[-1], rng.choice(model.queue)})
            )

    # The run went through the interesting states.
    assert ever_promoted, "nobody was ever promoted"
    assert over_capacity_steps > 0, "capacity was never lowered below the confirmed count"
    assert waiting_steps > STEPS // 4, "the waiting list was rarely in use"
    shown = await gatherings.detail(None, gid, BASE_URL)
    g, rows = await db_state(gid)
    confirmed, waiting = assert_consistent(g, rows)
    assert (shown.confirmed_count, shown.waitlist_count) == (len(confirmed), len(waiting))
    await check_positions(model.queue)
    listed = await registrations.for_gathering(coordinator, gid)
    email_of = {p.id: p.email for p in crowd}
    assert [r.email for r in listed if r.status == "waitlisted"] == [
        email_of[uid] for uid in model.queue
    ]
