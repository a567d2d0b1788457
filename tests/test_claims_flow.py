"""Travel-cost claims as their users meet them, over HTTP on the real database:
create a draft for a confirmed place, change it, attach receipts, submit, attest,
approve (with cuts), return and resubmit, reject; who may see and do what; the mails
each step queues; the history; the lists; money as exact two-decimal strings.

The database is shared by the whole run: every test makes its own gatherings and
people (in 2031, priced by the demo rate table: 5.00 a km) and looks only at those.
Mail is found by kind and the claim's URL in the mail's context. A claim is drafted
now and acted on (submitted, attested, ...) on the day after the gathering, with
the clock moved there (`service.lib.clock.moved_to`); the coordinator has marked the
claimant as attended by then. Claimants are from member municipalities of the network.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from service.db.tables import (
    Claim,
    ClaimLine,
    Municipality,
    OutboxMessage,
    Receipt,
    Registration,
    User,
)
from service.lib.clock import moved_to

PROBLEM = "application/problem+json"
NETWORK = "agder-rogaland"
YEAR = 2031
ACCOUNT = "86011117947"
OTHER_ACCOUNT = "12345678903"
BAD_ACCOUNT = "86011117940"  # eleven digits, wrong check digit
# Members of agder-rogaland no other test gives a bank account (gatherings here are open
# to all; the network's coordinator attests claims of its members only).
WITH_ACCOUNT = "1122"  # Gjesdal: finance puts ACCOUNT on file (and a second one confirms)
WITHOUT_ACCOUNT = "1121"  # Time: never an account on file
AFTER = datetime(YEAR, 3, 13, 9, tzinfo=UTC)  # the day after the gatherings here
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


# --- helpers ---------------------------------------------------------------------------


class Person:
    def __init__(self, user_id: int, email: str, token: str) -> None:
        self.id, self.email = user_id, email
        self.headers = {"Authorization": f"Bearer {token}"}


async def person(
    municipality: str | None = WITH_ACCOUNT, roles: list[str] | None = None, name: str = ""
) -> Person:
    """A new user with an API token (a plain participant unless given roles)."""
    from service.accounts import service

    email = f"claims.{uuid.uuid4().hex[:10]}@example.no"
    user_id = await service.create_user(
        email, name or "Åse Øyen", municipality, roles or [], "tests"
    )
    token = await service.create_api_token(user_id, "tests", "tests")
    return Person(user_id, email, token["token"])


async def new_gathering(client: httpx.AsyncClient, coordinator: Any, **over: Any) -> str:
    """A published, open gathering in agder-rogaland on 11-12 March 2031."""
    body = {
        "network": NETWORK,
        "title": f"Reisesamling {uuid.uuid4().hex[:6]}",
        "starts_at": f"{YEAR}-03-11T10:00",
        "ends_at": f"{YEAR}-03-12T15:00",
        "capacity": 20,
        "city": "Kristiansand",
        "audience": "open",
        **over,
    }
    r = await client.post("/api/v1/gatherings", json=body, headers=coordinator.headers)
    assert r.status_code == 201, r.text
    gid = str(r.json()["id"])
    r = await client.post(f"/api/v1/gatherings/{gid}/publish", headers=coordinator.headers)
    assert r.status_code == 200, r.text
    return gid


async def register(client: httpx.AsyncClient, who: Any, gid: str) -> dict[str, Any]:
    r = await client.post(f"/api/v1/gatherings/{gid}/registrations", json={}, headers=who.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def attend(client: httpx.AsyncClient, coordinator: Any, registration: str) -> None:
    """The coordinator marks the place as attended (once the gathering has started)."""
    with moved_to(AFTER):
        r = await client.post(
            f"/api/v1/registrations/{registration}/attendance",
            json={"attended": True},
            headers=coordinator.headers,
        )
    assert r.status_code == 200, r.text


def mileage(km: float = 100, route: str = "Arendal – Kristiansand t/r") -> dict[str, Any]:
    return {"kind": "mileage", "date": f"{YEAR}-03-11", "km": km, "route": route}


def ticket(amount: str, description: str = "Taxi") -> dict[str, Any]:
    return {"kind": "ticket", "date": f"{YEAR}-03-11", "description": description, "amount": amount}


def other(amount: str, description: str = "Parkering") -> dict[str, Any]:
    return {"kind": "other", "date": f"{YEAR}-03-12", "description": description, "amount": amount}


async def post_claim(
    client: httpx.AsyncClient, who: Any, registration: str, *lines: dict[str, Any], **extra: Any
) -> httpx.Response:
    body = {"registration": registration, "lines": list(lines) or [mileage()], **extra}
    return await client.post("/api/v1/claims", json=body, headers=who.headers)


async def draft(
    client: httpx.AsyncClient,
    actors: Any,
    who: Any | None = None,
    *lines: dict[str, Any],
    gid: str | None = None,
    **extra: Any,
) -> tuple[Any, dict[str, Any]]:
    """A fresh claimant (unless given) with a draft claim on a fresh gathering, marked
    as attended."""
    who = who or await person()
    gid = gid or await new_gathering(client, actors["coordinator"])
    reg = await register(client, who, gid)
    await attend(client, actors["coordinator"], reg["id"])
    extra.setdefault("payee_account", ACCOUNT)
    r = await post_claim(client, who, reg["id"], *lines, **extra)
    assert r.status_code == 201, r.text
    return who, dict(r.json())


async def act(
    client: httpx.AsyncClient, who: Any, claim_id: str, action: str, body: Any = None
) -> httpx.Response:
    """A step on the claim, taken the day after the gathering."""
    with moved_to(AFTER):
        return await client.post(
            f"/api/v1/claims/{claim_id}/{action}", json=body, headers=who.headers
        )


async def ok(client: httpx.AsyncClient, who: Any, claim_id: str, action: str, body: Any = None):
    r = await act(client, who, claim_id, action, body)
    assert r.status_code == 200, r.text
    return r.json()


async def submitted(client, actors, who=None, *lines, **kw) -> tuple[Any, dict[str, Any]]:
    who, c = await draft(client, actors, who, *lines, **kw)
    return who, await ok(client, who, c["id"], "submit")


async def attested(client, actors, who=None, *lines, **kw) -> tuple[Any, dict[str, Any]]:
    who, c = await submitted(client, actors, who, *lines, **kw)
    return who, await ok(client, actors["coordinator"], c["id"], "attest")


async def get_claim(client: httpx.AsyncClient, who: Any, claim_id: str) -> httpx.Response:
    return await client.get(f"/api/v1/claims/{claim_id}", headers=who.headers)


async def status_of(claim_id: str) -> str:
    row = await Claim.select(Claim.status).where(Claim.id == int(claim_id)).first()
    assert row is not None
    return str(row["status"])


async def mails(kind: str, claim_id: str) -> list[dict[str, Any]]:
    """Outbox rows of `kind` about claim `claim_id`, oldest first."""
    rows = (
        await OutboxMessage.select()
        .where(OutboxMessage.kind == kind)
        .order_by(OutboxMessage.id)
        .output(load_json=True)
    )
    return [r for r in rows if str(r["context"].get("url", "")).endswith(f"/claims/{claim_id}")]


def assert_problem(r: httpx.Response, status: int | tuple[int, ...], name: str | None = None):
    statuses = (status,) if isinstance(status, int) else status
    assert r.status_code in statuses, r.text
    assert r.headers["content-type"].startswith(PROBLEM), r.headers["content-type"]
    body = r.json()
    assert body["status"] == r.status_code and body["detail"]
    if name is not None:
        keys = [str(body.get("field") or "")]
        keys += [str(e.get("key") or "") for e in body.get("errors") or []]
        hit = any(k == name or k.startswith((f"{name}[", f"{name}.")) for k in keys)
        assert hit or name in body["detail"], f"{name!r} not named in {r.text}"
    return body


async def counts() -> tuple[int, int, int]:
    return (int(await Claim.count()), int(await ClaimLine.count()), int(await Receipt.count()))


@pytest.fixture
async def account_on_file(client, actors) -> str:
    """Finance enters ACCOUNT and an admin confirms it (a change is a decision of two)."""
    url = f"/api/v1/municipalities/{WITH_ACCOUNT}"
    r = await client.patch(url, json={"bank_account": ACCOUNT}, headers=actors["finance"].headers)
    assert r.status_code == 200, r.text
    if r.json()["pending_bank_account"] is not None:
        r = await client.post(f"{url}/bank-account/confirm", headers=actors["admin"].headers)
        assert r.status_code == 200, r.text
    assert r.json()["bank_account"] == ACCOUNT
    return ACCOUNT


@pytest.fixture
async def no_account_on_file() -> str:
    await Municipality.update({Municipality.bank_account: None}).where(
        Municipality.number == WITHOUT_ACCOUNT
    )
    return WITHOUT_ACCOUNT


# --- 1. create -------------------------------------------------------------------------


async def test_create_a_draft_with_priced_lines_and_the_municipalitys_account(
    client, actors, account_on_file
):
    who = await person(WITH_ACCOUNT)
    gid = await new_gathering(client, actors["coordinator"])
    reg = await register(client, who, gid)
    assert reg["status"] == "confirmed"
    r = await post_claim(client, who, reg["id"], mileage(212), ticket("89.50", "Buss"))
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["status"] == "draft"
    assert c["registration"] == reg["id"] and c["gathering"] == gid
    assert c["network"] == NETWORK
    assert c["claimant"] == who.email
    assert c["municipality"] == WITH_ACCOUNT
    assert c["payee_account"] == ACCOUNT
    assert [line["kind"] for line in c["lines"]] == ["mileage", "ticket"]
    assert [line["amount"] for line in c["lines"]] == ["1060.00", "89.50"]
    assert all(line["id"] and line["rule"] for line in c["lines"])
    assert "212 km × 5.00" in c["lines"][0]["rule"]
    assert len({line["id"] for line in c["lines"]}) == 2
    assert c["total"] == "1149.50"
    assert c["approved_total"] is None and c["submitted_at"] is None
    assert c["attested_by"] is None and c["receipts"] == []
    again = await get_claim(client, who, c["id"])
    assert again.status_code == 200 and again.json() == c
    row = await Claim.select().where(Claim.id == int(c["id"])).first()
    assert row is not None and row["total"] == 114950 and row["claimant"] == who.id


async def test_a_given_account_wins_over_the_one_on_file_and_is_stored_compact(
    client, actors, account_on_file
):
    who = await person(WITH_ACCOUNT)
    _, c = await draft(client, actors, who, payee_account="1234.56.78903")
    assert c["payee_account"] == OTHER_ACCOUNT


async def test_no_account_on_file_leaves_the_draft_without_one(client, actors, no_account_on_file):
    who = await person(WITHOUT_ACCOUNT)
    _, c = await draft(client, actors, who, payee_account=None)
    assert c["status"] == "draft" and c["payee_account"] is None


async def test_an_invalid_account_is_refused_naming_payee_account(client, actors):
    who = await person()
    gid = await new_gathering(client, actors["coordinator"])
    reg = await register(client, who, gid)
    before = await counts()
    for bad in (BAD_ACCOUNT, "8601 11 1794X", "86011117947000"):
        r = await post_claim(client, who, reg["id"], payee_account=bad)
        assert_problem(r, (400, 422), "payee_account")
    assert_problem(await post_claim(client, who, reg["id"], payee_account=BAD_ACCOUNT), 422)
    assert await counts() == before


async def test_a_claim_only_for_your_own_confirmed_registration(client, actors):
    coordinator = actors["coordinator"]
    gid = await new_gathering(client, coordinator, capacity=1)
    first, second, third = await person(), await person(), await person()
    mine = await register(client, first, gid)
    waiting = await register(client, second, gid)
    assert waiting["status"] == "waitlisted"
    before = await counts()
    # Someone else's registration, an unknown one, a malformed id: as if none existed.
    for reg_id in (mine["id"], "999999999", "abc"):
        assert_problem(await post_claim(client, third, reg_id), 404)
    body = assert_problem(await post_claim(client, second, waiting["id"]), 409)
    assert "waitlisted" in body["detail"]
    # A cancelled place: the waiting one is promoted, the cancelled one cannot claim.
    r = await client.post(f"/api/v1/registrations/{mine['id']}/cancel", headers=first.headers)
    assert r.status_code == 200, r.text
    body = assert_problem(await post_claim(client, first, mine["id"]), 409)
    assert "cancelled" in body["detail"]
    assert await counts() == before
    promoted = await post_claim(client, second, waiting["id"], payee_account=ACCOUNT)
    assert promoted.status_code == 201, promoted.text


async def test_one_live_claim_per_registration_but_a_new_one_after_rejection(client, actors):
    who, c = await submitted(client, actors)
    reg = c["registration"]
    before = await counts()
    body = assert_problem(await post_claim(client, who, reg, payee_account=ACCOUNT), 409)
    assert "claim already" in body["detail"]
    assert await counts() == before
    await ok(client, actors["finance"], c["id"], "reject", {"reason": "Dobbelt innsendt"})
    r = await post_claim(client, who, reg, mileage(50), payee_account=ACCOUNT)
    assert r.status_code == 201, r.text
    assert r.json()["id"] != c["id"] and r.json()["total"] == "250.00"
    assert_problem(await post_claim(client, who, reg, payee_account=ACCOUNT), 409)
    assert await Claim.count().where(Claim.registration == int(reg)) == 2


async def test_no_claim_for_a_place_marked_as_not_attended(client, actors):
    who = await person()
    gid = await new_gathering(client, actors["coordinator"])
    reg = await register(client, who, gid)
    # Attendance is marked once a gathering has started; 2031 is far off, so set it here.
    await Registration.update({Registration.attended: False}).where(
        Registration.id == int(reg["id"])
    )
    before = await counts()
    body = assert_problem(await post_claim(client, who, reg["id"], payee_account=ACCOUNT), 409)
    assert "not attended" in body["detail"]
    assert await counts() == before


async def test_two_claims_at_once_for_one_registration_make_one(client, actors):
    who = await person()
    gid = await new_gathering(client, actors["coordinator"])
    reg = await register(client, who, gid)
    before = await counts()
    results = await asyncio.gather(
        *(post_claim(client, who, reg["id"], payee_account=ACCOUNT) for _ in range(4))
    )
    assert sorted(r.status_code for r in results) == [201, 409, 409, 409], [r.text for r in results]
    for r in results:
        if r.status_code == 409:
            assert_problem(r, 409)
    assert await Claim.count().where(Claim.registration == int(reg["id"])) == 1
    assert (await counts())[:2] == (before[0] + 1, before[1] + 1)


async def test_submitting_twice_at_once_submits_once(client, actors):
    who, c = await draft(client, actors)
    results = await asyncio.gather(*(act(client, who, c["id"], "submit") for _ in range(3)))
    assert sorted(r.status_code for r in results) == [200, 409, 409]
    recipients = [m["recipient"] for m in await mails("claim_submitted", c["id"])]
    assert len(recipients) == len(set(recipients))
    r = await client.get(f"/api/v1/claims/{c['id']}/history", headers=who.headers)
    assert [e["action"] for e in r.json()] == ["create", "submit"]


async def test_a_cancelled_gathering_takes_its_draft_claims_with_it(client, actors):
    gid = await new_gathering(client, actors["coordinator"])
    who, c = await draft(client, actors, gid=gid)
    r = await client.post(
        f"/api/v1/gatherings/{gid}/cancel",
        json={"reason": "For få påmeldte"},
        headers=actors["coordinator"].headers,
    )
    assert r.status_code == 200, r.text
    body = assert_problem(await act(client, who, c["id"], "submit"), 409)
    assert "not reimbursed" in body["detail"]
    assert await status_of(c["id"]) == "draft"
    assert_problem(await post_claim(client, who, c["registration"]), 409)


async def test_no_claim_for_a_gathering_that_does_not_reimburse(client, actors):
    who = await person()
    gid = await new_gathering(client, actors["coordinator"], reimbursable=False)
    reg = await register(client, who, gid)
    before = await counts()
    body = assert_problem(await post_claim(client, who, reg["id"], payee_account=ACCOUNT), 409)
    assert "reimbursed" in body["detail"]
    assert await counts() == before


async def test_bad_lines_are_refused_and_nothing_is_stored(client, actors):
    who = await person()
    gid = await new_gathering(client, actors["coordinator"])
    reg = await register(client, who, gid)
    before = await counts()
    r = await client.post(
        "/api/v1/claims", json={"registration": reg["id"], "lines": []}, headers=who.headers
    )
    assert_problem(r, (400, 422), "lines")
    r = await post_claim(client, who, reg["id"], ticket("12,50"))
    assert_problem(r, (400, 422), "amount")
    # A trip date before any rate table: refused naming the line, after the claim row
    # would have been written -- the transaction must leave nothing behind.
    early = {**mileage(), "date": "1990-01-01"}
    r = await post_claim(client, who, reg["id"], mileage(), early, payee_account=ACCOUNT)
    assert_problem(r, (400, 422), "lines[1].date")
    assert await counts() == before
    r = await client.post("/api/v1/claims", json={"registration": reg["id"], "lines": [mileage()]})
    assert_problem(r, 401)


# --- 2. changing a claim ---------------------------------------------------------------


async def test_the_claimant_changes_a_draft_and_the_lines_are_priced_again(client, actors):
    who, c = await draft(client, actors, None, mileage(100))
    assert c["total"] == "500.00"
    r = await client.patch(
        f"/api/v1/claims/{c['id']}",
        json={"lines": [mileage(40), other("120"), ticket("0.5")]},
        headers=who.headers,
    )
    assert r.status_code == 200, r.text
    changed = r.json()
    assert [line["amount"] for line in changed["lines"]] == ["200.00", "120.00", "0.50"]
    assert all(line["rule"] and line["id"] for line in changed["lines"])
    assert changed["total"] == "320.50"
    assert changed["payee_account"] == ACCOUNT
    assert await ClaimLine.count().where(ClaimLine.claim == int(c["id"])) == 3
    r = await client.patch(
        f"/api/v1/claims/{c['id']}", json={"payee_account": OTHER_ACCOUNT}, headers=who.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["payee_account"] == OTHER_ACCOUNT and r.json()["total"] == "320.50"
    r = await client.patch(
        f"/api/v1/claims/{c['id']}", json={"payee_account": BAD_ACCOUNT}, headers=who.headers
    )
    assert_problem(r, 422, "payee_account")
    assert (await get_claim(client, who, c["id"])).json()["payee_account"] == OTHER_ACCOUNT


async def test_a_bad_change_leaves_the_lines_as_they_were(client, actors):
    who, c = await draft(client, actors, None, mileage(100), ticket("10.00"))
    before = await ClaimLine.select().where(ClaimLine.claim == int(c["id"]))
    early = {**mileage(), "date": "1990-01-01"}
    r = await client.patch(
        f"/api/v1/claims/{c['id']}", json={"lines": [mileage(1), early]}, headers=who.headers
    )
    assert_problem(r, (400, 422), "lines[1].date")
    assert await ClaimLine.select().where(ClaimLine.claim == int(c["id"])) == before
    assert (await get_claim(client, who, c["id"])).json()["total"] == "510.00"


async def test_only_the_claimant_changes_and_only_while_draft_or_returned(client, actors):
    who, c = await draft(client, actors)
    url = f"/api/v1/claims/{c['id']}"
    patch = {"lines": [mileage(10)]}
    assert_problem(await client.patch(url, json=patch, headers=actors["finance"].headers), 403)
    stranger = await person()
    assert_problem(await client.patch(url, json=patch, headers=stranger.headers), 404)
    # A coordinator does not see a draft at all.
    assert_problem(await client.patch(url, json=patch, headers=actors["coordinator"].headers), 404)
    await ok(client, who, c["id"], "submit")
    assert_problem(await client.patch(url, json=patch, headers=who.headers), 409)
    assert_problem(await client.patch(url, json=patch, headers=actors["coordinator"].headers), 403)
    await ok(client, actors["coordinator"], c["id"], "attest")
    assert_problem(await client.patch(url, json=patch, headers=who.headers), 409)
    await ok(client, actors["finance"], c["id"], "approve")
    assert_problem(await client.patch(url, json=patch, headers=who.headers), 409)
    assert (await get_claim(client, who, c["id"])).json()["total"] == "500.00"
    assert await status_of(c["id"]) == "approved"


# --- 3. submit -------------------------------------------------------------------------


async def test_submit_queues_a_mail_to_the_networks_coordinators(client, actors):
    who, c = await draft(client, actors, None, mileage(100), ticket("89.50"))
    r = await act(client, who, c["id"], "submit")
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["status"] == "submitted" and s["submitted_at"]
    assert s["submitted_at"] >= s["created_at"]
    sent = await mails("claim_submitted", c["id"])
    recipients = {m["recipient"] for m in sent}
    assert actors["coordinator"].email in recipients
    assert who.email not in recipients
    assert actors["other_coordinator"].email not in recipients
    assert actors["finance"].email not in recipients
    to_coordinator = next(m for m in sent if m["recipient"] == actors["coordinator"].email)
    ctx = to_coordinator["context"]
    assert ctx["claimant"] == "Åse Øyen"
    assert ctx["municipality"] == "Gjesdal"
    assert ctx["title"] == s["gathering_title"]
    assert ctx["total"] == "589,50\xa0kr"
    assert ctx["url"].endswith(f"/claims/{c['id']}") and "/api/" not in ctx["url"]  # the page
    assert all(m["status"] in ("queued", "sending", "sent") for m in sent)


async def test_submit_needs_an_account_and_happens_once(client, actors, no_account_on_file):
    who = await person(WITHOUT_ACCOUNT)
    _, c = await draft(client, actors, who, payee_account=None)
    assert_problem(await act(client, who, c["id"], "submit"), 422, "payee_account")
    assert await status_of(c["id"]) == "draft"
    assert await mails("claim_submitted", c["id"]) == []
    r = await client.patch(
        f"/api/v1/claims/{c['id']}", json={"payee_account": ACCOUNT}, headers=who.headers
    )
    assert r.status_code == 200, r.text
    await ok(client, who, c["id"], "submit")
    queued = len(await mails("claim_submitted", c["id"]))
    assert queued >= 1
    assert_problem(await act(client, who, c["id"], "submit"), 409)
    assert len(await mails("claim_submitted", c["id"])) == queued


async def test_only_the_claimant_submits(client, actors):
    who, c = await draft(client, actors)
    assert_problem(await act(client, actors["finance"], c["id"], "submit"), 403)
    assert_problem(await act(client, await person(), c["id"], "submit"), 404)
    assert_problem(await act(client, actors["coordinator"], c["id"], "submit"), 404)
    assert_problem(await act(client, who, "999999999", "submit"), 404)
    assert await status_of(c["id"]) == "draft"


async def test_a_coordinators_own_claim_does_not_mail_them(client, actors):
    coordinator = await person("4204", [f"coordinator:{NETWORK}"], name="Kari Koordinator")
    _, c = await submitted(client, actors, coordinator)
    recipients = {m["recipient"] for m in await mails("claim_submitted", c["id"])}
    assert coordinator.email not in recipients
    assert actors["coordinator"].email in recipients


# --- 4. attest -------------------------------------------------------------------------


async def test_the_networks_coordinator_attests(client, actors):
    who, c = await submitted(client, actors)
    assert_problem(await act(client, actors["other_coordinator"], c["id"], "attest"), 404)
    assert_problem(await act(client, await person(), c["id"], "attest"), 404)
    assert_problem(await act(client, who, c["id"], "attest"), 403)
    assert await status_of(c["id"]) == "submitted"
    r = await act(client, actors["coordinator"], c["id"], "attest", {"comment": "Stemmer"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "attested"
    assert r.json()["attested_by"] == actors["coordinator"].email
    assert_problem(await act(client, actors["coordinator"], c["id"], "attest"), 409)
    assert_problem(await act(client, actors["finance"], c["id"], "attest"), 409)


async def test_finance_attests_too(client, actors):
    _, c = await submitted(client, actors)
    a = await ok(client, actors["finance"], c["id"], "attest")
    assert a["status"] == "attested" and a["attested_by"] == actors["finance"].email


async def test_nobody_attests_their_own_claim(client, actors):
    coordinator = await person("4204", [f"coordinator:{NETWORK}"])
    _, c = await submitted(client, actors, coordinator)
    body = assert_problem(await act(client, coordinator, c["id"], "attest"), 403)
    assert "own" in body["detail"]
    finance = await person("4601", ["finance"])
    _, f = await submitted(client, actors, finance)
    assert_problem(await act(client, finance, f["id"], "attest"), 403)
    assert await status_of(c["id"]) == await status_of(f["id"]) == "submitted"


async def test_a_draft_cannot_be_attested(client, actors):
    _, c = await draft(client, actors)
    assert_problem(await act(client, actors["coordinator"], c["id"], "attest"), 404)
    assert_problem(await act(client, actors["finance"], c["id"], "attest"), 409)
    assert await status_of(c["id"]) == "draft"


# --- 5. approve ------------------------------------------------------------------------


async def test_finance_approves_an_attested_claim_in_full(client, actors):
    who, c = await attested(client, actors, None, mileage(100), ticket("450.00"))
    assert_problem(await act(client, actors["coordinator"], c["id"], "approve"), 403)
    assert_problem(await act(client, await person(), c["id"], "approve"), 404)
    assert_problem(await act(client, who, c["id"], "approve"), 403)
    r = await act(client, actors["finance"], c["id"], "approve", {"comment": "OK"})
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["status"] == "approved" and a["decided_by"] == actors["finance"].email
    assert a["decided_at"]
    assert a["approved_total"] == a["total"] == "950.00"
    assert [line["approved_amount"] for line in a["lines"]] == ["500.00", "450.00"]
    assert all(line["cut_reason"] is None for line in a["lines"])
    [mail] = await mails("claim_approved", c["id"])
    assert mail["recipient"] == who.email
    assert mail["context"]["cuts"] == []
    assert mail["context"]["claimed"] == mail["context"]["approved"] == "950,00\xa0kr"
    assert_problem(await act(client, actors["finance"], c["id"], "approve"), 409)


async def test_only_an_attested_claim_is_approved(client, actors):
    _, d = await draft(client, actors)
    assert_problem(await act(client, actors["finance"], d["id"], "approve"), 409)
    _, s = await submitted(client, actors)
    assert_problem(await act(client, actors["finance"], s["id"], "approve"), 409)
    assert await status_of(d["id"]) == "draft" and await status_of(s["id"]) == "submitted"
    assert await mails("claim_approved", s["id"]) == []


async def test_the_attester_does_not_approve_and_nor_does_the_claimant(client, actors):
    _, c = await submitted(client, actors)
    await ok(client, actors["finance"], c["id"], "attest")
    body = assert_problem(await act(client, actors["finance"], c["id"], "approve"), 403)
    assert "attest" in body["detail"]
    assert await status_of(c["id"]) == "attested"
    second_finance = await person("4601", ["finance"])
    assert (await ok(client, second_finance, c["id"], "approve"))["status"] == "approved"
    # Finance claiming for themselves: attested by the coordinator, still not theirs to approve.
    finance = await person(roles=["finance"])  # of a member municipality of the network
    _, own = await attested(client, actors, finance)
    assert_problem(await act(client, finance, own["id"], "approve"), 403)
    assert await status_of(own["id"]) == "attested"


async def test_approve_with_cuts(client, actors):
    who, c = await attested(client, actors, None, mileage(100), ticket("450.00"), other("120"))
    mil, taxi, parking = (line["id"] for line in c["lines"])
    finance = actors["finance"]
    cut = {"line": taxi, "approved_amount": "300", "reason": "Kvittering mangler"}
    over = {"line": mil, "approved_amount": "500.01", "reason": "x"}
    r = await act(client, finance, c["id"], "approve", {"lines": [cut, over]})
    assert_problem(r, 422, "lines[1].approved_amount")
    unknown = {"line": "999999999", "approved_amount": "1.00", "reason": "x"}
    assert_problem(await act(client, finance, c["id"], "approve", {"lines": [unknown]}), 422)
    r = await act(client, finance, c["id"], "approve", {"lines": [unknown]})
    assert_problem(r, 422, "lines[0].line")
    # A line of another claim is not a line of this one.
    _, other_claim = await draft(client, actors)
    foreign = {"line": other_claim["lines"][0]["id"], "approved_amount": "1.00", "reason": "x"}
    assert_problem(await act(client, finance, c["id"], "approve", {"lines": [foreign]}), 422)
    twice = [cut, {**cut, "approved_amount": "200"}]
    assert_problem(await act(client, finance, c["id"], "approve", {"lines": twice}), 422)
    blank = {**cut, "reason": "  "}
    assert_problem(await act(client, finance, c["id"], "approve", {"lines": [blank]}), 422)
    r = await act(client, finance, c["id"], "approve", {"lines": [blank]})
    assert_problem(r, 422, "lines[0].reason")
    bad_money = {**cut, "approved_amount": "300,00"}
    assert_problem(await act(client, finance, c["id"], "approve", {"lines": [bad_money]}), 400)
    assert await status_of(c["id"]) == "attested"
    assert await mails("claim_approved", c["id"]) == []
    stored = await ClaimLine.select(ClaimLine.approved_amount).where(
        ClaimLine.claim == int(c["id"])
    )
    assert all(row["approved_amount"] is None for row in stored)

    zero = {"line": parking, "approved_amount": "0", "reason": "Ikke dokumentert"}
    r = await act(client, finance, c["id"], "approve", {"lines": [cut, zero]})
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["total"] == "1070.00"
    assert a["approved_total"] == "800.00"
    by_id = {line["id"]: line for line in a["lines"]}
    assert by_id[mil]["approved_amount"] == "500.00" and by_id[mil]["cut_reason"] is None
    assert by_id[taxi]["approved_amount"] == "300.00"
    assert by_id[taxi]["cut_reason"] == "Kvittering mangler"
    assert by_id[taxi]["amount"] == "450.00"
    assert by_id[parking]["approved_amount"] == "0.00"
    [mail] = await mails("claim_approved", c["id"])
    assert mail["recipient"] == who.email
    ctx = mail["context"]
    assert ctx["claimed"] == "1\xa0070,00\xa0kr" and ctx["approved"] == "800,00\xa0kr"
    assert ctx["cuts"] == [
        "Taxi: 450,00\xa0kr → 300,00\xa0kr (Kvittering mangler)",
        "Parkering: 120,00\xa0kr → 0,00\xa0kr (Ikke dokumentert)",
    ]
    seen = (await get_claim(client, who, c["id"])).json()
    assert seen["approved_total"] == "800.00"


async def test_an_english_claimant_hears_in_english(client, actors):
    who = await person()
    await User.update({User.language: "en"}).where(User.id == who.id)
    _, c = await attested(client, actors, who, mileage(100), ticket("450.00"))
    taxi = c["lines"][1]["id"]
    cut = {"line": taxi, "approved_amount": "300.00", "reason": "Receipt missing"}
    await ok(client, actors["finance"], c["id"], "approve", {"lines": [cut]})
    [mail] = await mails("claim_approved", c["id"])
    assert mail["language"] == "en"
    assert mail["context"]["claimed"] == "NOK\xa0950.00"
    assert mail["context"]["approved"] == "NOK\xa0800.00"
    assert mail["context"]["cuts"] == ["Taxi: NOK\xa0450.00 → NOK\xa0300.00 (Receipt missing)"]


# --- 6. return and reject --------------------------------------------------------------


async def test_return_edit_and_resubmit(client, actors):
    who, c = await submitted(client, actors, None, mileage(100))
    coordinator = actors["coordinator"]
    r = await act(client, coordinator, c["id"], "return", {"reason": "Legg ved kvittering"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "returned"
    [mail] = await mails("claim_returned", c["id"])
    assert mail["recipient"] == who.email
    assert mail["context"]["reason"] == "Legg ved kvittering"
    assert mail["context"]["title"] == c["gathering_title"]
    # The coordinator still sees it; the claimant changes it.
    assert (await get_claim(client, coordinator, c["id"])).status_code == 200
    r = await client.patch(
        f"/api/v1/claims/{c['id']}", json={"lines": [mileage(60)]}, headers=who.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["total"] == "300.00" and r.json()["status"] == "returned"
    assert (await ok(client, who, c["id"], "submit"))["status"] == "submitted"
    assert len(await mails("claim_submitted", c["id"])) >= 2  # once per submission


async def test_a_claim_returned_after_attesting_must_be_attested_again(client, actors):
    who, c = await attested(client, actors)
    assert c["attested_by"] == actors["coordinator"].email
    r = await act(client, actors["finance"], c["id"], "return", {"reason": "Feil dato"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "returned" and r.json()["attested_by"] is None
    resubmitted = await ok(client, who, c["id"], "submit")
    assert resubmitted["status"] == "submitted" and resubmitted["attested_by"] is None
    assert_problem(await act(client, actors["finance"], c["id"], "approve"), 409)
    await ok(client, actors["coordinator"], c["id"], "attest")
    assert (await ok(client, actors["finance"], c["id"], "approve"))["status"] == "approved"


async def test_returning_needs_a_reason_and_the_right_person_and_state(client, actors):
    who, c = await submitted(client, actors)
    coordinator = actors["coordinator"]
    assert_problem(await act(client, coordinator, c["id"], "return", {}), (400, 422), "reason")
    r = await act(client, coordinator, c["id"], "return", {"reason": ""})
    assert_problem(r, (400, 422), "reason")
    assert_problem(await act(client, coordinator, c["id"], "return", {"reason": "   "}), 422)
    assert_problem(await act(client, coordinator, c["id"], "return"), (400, 422))
    assert_problem(await act(client, who, c["id"], "return", {"reason": "x"}), 403)
    r = await act(client, actors["other_coordinator"], c["id"], "return", {"reason": "x"})
    assert_problem(r, 404)
    assert await status_of(c["id"]) == "submitted"
    assert await mails("claim_returned", c["id"]) == []
    _, d = await draft(client, actors)
    assert_problem(await act(client, coordinator, d["id"], "return", {"reason": "x"}), 404)
    assert_problem(await act(client, actors["finance"], d["id"], "return", {"reason": "x"}), 409)
    own_coordinator = await person("4204", [f"coordinator:{NETWORK}"])
    _, own = await submitted(client, actors, own_coordinator)
    r = await act(client, own_coordinator, own["id"], "return", {"reason": "x"})
    assert_problem(r, 403)
    _, approved = await attested(client, actors)
    await ok(client, actors["finance"], approved["id"], "approve")
    r = await act(client, actors["finance"], approved["id"], "return", {"reason": "x"})
    assert_problem(r, 409)


async def test_finance_rejects_for_good(client, actors):
    who, c = await attested(client, actors)
    reason = {"reason": "Ikke deltatt"}
    assert_problem(await act(client, actors["coordinator"], c["id"], "reject", reason), 403)
    assert_problem(await act(client, actors["other_coordinator"], c["id"], "reject", reason), 404)
    assert_problem(await act(client, actors["finance"], c["id"], "reject", {"reason": "  "}), 422)
    assert await status_of(c["id"]) == "attested"
    r = await act(client, actors["finance"], c["id"], "reject", reason)
    assert r.status_code == 200, r.text
    rejected = r.json()
    assert rejected["status"] == "rejected"
    assert rejected["decided_by"] == actors["finance"].email and rejected["decided_at"]
    [mail] = await mails("claim_rejected", c["id"])
    assert mail["recipient"] == who.email and mail["context"]["reason"] == "Ikke deltatt"
    assert_problem(await act(client, who, c["id"], "submit"), 409)
    r = await client.patch(
        f"/api/v1/claims/{c['id']}", json={"lines": [mileage(1)]}, headers=who.headers
    )
    assert_problem(r, 409)
    assert_problem(await act(client, actors["finance"], c["id"], "reject", reason), 409)
    assert_problem(await act(client, actors["finance"], c["id"], "approve"), 409)
    assert await status_of(c["id"]) == "rejected"
    _, d = await draft(client, actors)
    assert_problem(await act(client, actors["finance"], d["id"], "reject", reason), 409)


# --- 7. history -------------------------------------------------------------------------


async def test_history_lists_every_step_in_order(client, actors):
    who, c = await draft(client, actors)
    cid = c["id"]
    coordinator, finance = actors["coordinator"], actors["finance"]
    r = await client.patch(
        f"/api/v1/claims/{cid}", json={"lines": [mileage(20)]}, headers=who.headers
    )
    assert r.status_code == 200
    await ok(client, who, cid, "submit")
    await ok(client, coordinator, cid, "return", {"reason": "Mangler kvittering"})
    files = {"file": ("hotell.pdf", PDF, "application/pdf")}
    r = await client.post(f"/api/v1/claims/{cid}/receipts", files=files, headers=who.headers)
    assert r.status_code == 201, r.text
    await ok(client, who, cid, "submit")
    await ok(client, coordinator, cid, "attest", {"comment": "Sjekket"})
    await ok(client, finance, cid, "approve", {"comment": "Utbetales"})
    r = await client.get(f"/api/v1/claims/{cid}/history", headers=who.headers)
    assert r.status_code == 200, r.text
    steps = [
        (e["action"], e["from_status"], e["to_status"], e["actor"], e["comment"]) for e in r.json()
    ]
    assert steps == [
        ("create", None, "draft", who.email, ""),
        ("update", "draft", "draft", who.email, ""),
        ("submit", "draft", "submitted", who.email, ""),
        ("return", "submitted", "returned", coordinator.email, "Mangler kvittering"),
        ("receipt", "returned", "returned", who.email, "hotell.pdf"),
        ("submit", "returned", "submitted", who.email, ""),
        ("attest", "submitted", "attested", coordinator.email, "Sjekket"),
        ("approve", "attested", "approved", finance.email, "Utbetales"),
    ]
    ats = [e["at"] for e in r.json()]
    assert all(ats) and ats == sorted(ats)
    for viewer in (finance, coordinator):
        seen = await client.get(f"/api/v1/claims/{cid}/history", headers=viewer.headers)
        assert seen.status_code == 200 and seen.json() == r.json()
    for stranger in (await person(), actors["other_coordinator"]):
        h = await client.get(f"/api/v1/claims/{cid}/history", headers=stranger.headers)
        assert_problem(h, 404)


# --- 8. who sees what ------------------------------------------------------------------


async def test_seeing_a_claim(client, actors):
    who, c = await draft(client, actors)
    assert (await get_claim(client, actors["finance"], c["id"])).status_code == 200
    for hidden in (actors["coordinator"], actors["other_coordinator"], await person()):
        assert_problem(await get_claim(client, hidden, c["id"]), 404)
    assert_problem(await client.get(f"/api/v1/claims/{c['id']}"), 401)
    await ok(client, who, c["id"], "submit")
    assert (await get_claim(client, actors["coordinator"], c["id"])).status_code == 200
    assert_problem(await get_claim(client, actors["other_coordinator"], c["id"]), 404)
    for bad in ("999999999", "x1", "1" * 13):
        assert_problem(await get_claim(client, who, bad), 404)


async def test_listing_claims(client, actors):
    a, a_draft = await draft(client, actors)
    gid = await new_gathering(client, actors["coordinator"])
    _, a_sub = await submitted(client, actors, a, gid=gid)
    b, b_sub = await submitted(client, actors)
    finance, coordinator = actors["finance"], actors["coordinator"]

    async def ids(who: Any, query: str = "") -> list[str]:
        r = await client.get(f"/api/v1/claims{query}", headers=who.headers)
        assert r.status_code == 200, r.text
        return [x["id"] for x in r.json()]

    r = await client.get("/api/v1/claims", headers=a.headers)
    assert sorted(x["id"] for x in r.json()) == sorted([a_draft["id"], a_sub["id"]])
    assert {x["claimant"] for x in r.json()} == {a.email}
    assert await ids(b) == [b_sub["id"]]
    assert await ids(a, "?status=draft") == [a_draft["id"]]
    assert await ids(await person()) == []
    everything = await ids(finance)
    assert {a_draft["id"], a_sub["id"], b_sub["id"]} <= set(everything)
    assert everything == sorted(everything, key=int, reverse=True)  # newest first
    r = await client.get("/api/v1/claims?status=submitted", headers=finance.headers)
    assert {a_sub["id"], b_sub["id"]} <= {x["id"] for x in r.json()}
    assert a_draft["id"] not in {x["id"] for x in r.json()}
    assert {x["status"] for x in r.json()} == {"submitted"}
    assert_problem(
        await client.get("/api/v1/claims?status=bogus", headers=finance.headers), 422, "status"
    )
    assert_problem(await client.get("/api/v1/claims?status=bogus", headers=a.headers), 422)
    # A coordinator: their network's claims once submitted; never another network's.
    r = await client.get(f"/api/v1/claims?network={NETWORK}", headers=coordinator.headers)
    assert r.status_code == 200, r.text
    seen = {x["id"] for x in r.json()}
    assert {a_sub["id"], b_sub["id"]} <= seen and a_draft["id"] not in seen
    assert {x["network"] for x in r.json()} == {NETWORK}
    assert "draft" not in {x["status"] for x in r.json()}
    r = await client.get(
        f"/api/v1/claims?network={NETWORK}&status=submitted", headers=coordinator.headers
    )
    assert {x["status"] for x in r.json()} == {"submitted"}
    assert_problem(
        await client.get("/api/v1/claims?network=nord", headers=coordinator.headers), 403
    )
    assert_problem(await client.get(f"/api/v1/claims?network={NETWORK}", headers=a.headers), 403)
    r = await client.get("/api/v1/claims?network=nord", headers=actors["other_coordinator"].headers)
    assert r.status_code == 200
    assert not {a_sub["id"], b_sub["id"]} & {x["id"] for x in r.json()}
    assert a_sub["id"] not in await ids(coordinator)  # without network=: only their own
    assert_problem(await client.get("/api/v1/claims"), 401)


# --- 9. receipts ------------------------------------------------------------------------


async def upload(client, who, claim_id, name="kvittering.pdf", body=PDF, ctype="application/pdf"):
    files = {"file": (name, body, ctype)}
    return await client.post(
        f"/api/v1/claims/{claim_id}/receipts", files=files, headers=who.headers
    )


async def test_receipts_are_attached_listed_and_downloaded_byte_for_byte(client, actors):
    who, c = await draft(client, actors)
    r = await upload(client, who, c["id"], "hotell.pdf")
    assert r.status_code == 201, r.text
    pdf = r.json()
    assert pdf["filename"] == "hotell.pdf" and pdf["content_type"] == "application/pdf"
    assert pdf["size"] == len(PDF) and pdf["id"]
    # The type comes from the bytes, not from what the browser claimed.
    r = await upload(client, who, c["id"], "bilde.png", PNG, "application/pdf")
    assert r.status_code == 201, r.text
    png = r.json()
    assert png["content_type"] == "image/png"
    listed = (await get_claim(client, who, c["id"])).json()["receipts"]
    assert [(x["id"], x["filename"], x["content_type"], x["size"]) for x in listed] == [
        (pdf["id"], "hotell.pdf", "application/pdf", len(PDF)),
        (png["id"], "bilde.png", "image/png", len(PNG)),
    ]
    assert all(x["uploaded_at"] for x in listed)
    url = f"/api/v1/claims/{c['id']}/receipts/{pdf['id']}"
    for viewer in (who, actors["finance"]):
        d = await client.get(url, headers=viewer.headers)
        assert d.status_code == 200, d.text
        assert d.content == PDF
        assert d.headers["content-type"].startswith("application/pdf")
        assert d.headers["content-disposition"].startswith("attachment")
        assert "hotell.pdf" in d.headers["content-disposition"]
        assert d.headers["x-content-type-options"] == "nosniff"
    d = await client.get(f"/api/v1/claims/{c['id']}/receipts/{png['id']}", headers=who.headers)
    assert d.content == PNG and d.headers["content-type"].startswith("image/png")
    for hidden in (await person(), actors["coordinator"], actors["other_coordinator"]):
        assert_problem(await client.get(url, headers=hidden.headers), 404)
    assert_problem(await client.get(url), 401)
    for bad in ("999999999", "abc"):
        r = await client.get(f"/api/v1/claims/{c['id']}/receipts/{bad}", headers=who.headers)
        assert_problem(r, 404)
    # A receipt is found only under its own claim.
    other_who, other_claim = await draft(client, actors)
    r = await client.get(
        f"/api/v1/claims/{other_claim['id']}/receipts/{pdf['id']}", headers=other_who.headers
    )
    assert_problem(r, 404)
    await ok(client, who, c["id"], "submit")
    d = await client.get(url, headers=actors["coordinator"].headers)
    assert d.status_code == 200 and d.content == PDF


async def test_only_pdf_and_images_and_never_empty(client, actors):
    who, c = await draft(client, actors)
    before = await counts()
    cases = [
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "application/octet-stream"),
        ("kvittering.pdf", b"Dette er en kvittering, 450 kr", "application/pdf"),
        ("notat.txt", b"hello", "text/plain"),
        ("side.html", b"<html><script>alert(1)</script>", "text/html"),
        ("tom.pdf", b"", "application/pdf"),
    ]
    for name, body, ctype in cases:
        assert_problem(await upload(client, who, c["id"], name, body, ctype), 422, "file")
    r = await client.post(
        f"/api/v1/claims/{c['id']}/receipts",
        files={"other": ("k.pdf", PDF, "application/pdf")},
        headers=who.headers,
    )
    assert_problem(r, (400, 422), "file")
    assert await counts() == before
    assert (await get_claim(client, who, c["id"])).json()["receipts"] == []


async def test_only_the_claimant_adds_receipts_and_only_while_it_can_change(client, actors):
    who, c = await draft(client, actors)
    before = await counts()
    assert_problem(await upload(client, actors["finance"], c["id"]), 403)
    assert_problem(await upload(client, await person(), c["id"]), 404)
    assert_problem(await upload(client, actors["coordinator"], c["id"]), 404)
    assert await counts() == before
    await ok(client, who, c["id"], "submit")
    assert_problem(await upload(client, who, c["id"]), 409)
    assert_problem(await upload(client, actors["coordinator"], c["id"]), 403)
    await ok(client, actors["coordinator"], c["id"], "return", {"reason": "Kvittering"})
    assert (await upload(client, who, c["id"])).status_code == 201
    await ok(client, who, c["id"], "submit")
    await ok(client, actors["coordinator"], c["id"], "attest")
    assert_problem(await upload(client, who, c["id"]), 409)
    assert len((await get_claim(client, who, c["id"])).json()["receipts"]) == 1


async def test_receipt_size_and_count_limits(client, actors):
    from service.claims.receipts import MAX_PER_CLAIM

    who, c = await draft(client, actors)
    big = b"%PDF-" + b"0" * (10 * 1024 * 1024 - 5)  # exactly 10 MB is allowed
    r = await upload(client, who, c["id"], "stor.pdf", big)
    assert r.status_code == 201, r.text
    d = await client.get(f"/api/v1/claims/{c['id']}/receipts/{r.json()['id']}", headers=who.headers)
    assert d.content == big
    before = await counts()
    # One byte over 10 MB: refused, naming the limit.
    r = await upload(client, who, c["id"], "for-stor.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))
    assert "10 MB" in assert_problem(r, (422,))["detail"]
    # Far over: the server's body limit answers before the file is read.
    r = await upload(client, who, c["id"], "enorm.pdf", b"%PDF-" + b"0" * (12 * 1024 * 1024))
    assert_problem(r, (413,))
    assert await counts() == before
    for i in range(MAX_PER_CLAIM - 1):
        assert (await upload(client, who, c["id"], f"k{i}.png", PNG)).status_code == 201
    body = assert_problem(await upload(client, who, c["id"], "en-til.png", PNG), 409)
    assert str(MAX_PER_CLAIM) in body["detail"]
    assert len((await get_claim(client, who, c["id"])).json()["receipts"]) == MAX_PER_CLAIM


async def test_a_receipt_filename_is_cleaned_and_downloads_safely(client, actors):
    who, c = await draft(client, actors)
    r = await upload(client, who, c["id"], 'C:\\Users\\kari\\"hotell"<1>.pdf')
    assert r.status_code == 201, r.text
    assert r.json()["filename"] == "hotell1.pdf"
    r = await upload(client, who, c["id"], "Kvittering på hotell – 11.03 ✓.pdf")
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert r.json()["filename"] == "Kvittering på hotell – 11.03 ✓.pdf"
    listed = (await get_claim(client, who, c["id"])).json()["receipts"]
    assert listed[-1]["filename"] == "Kvittering på hotell – 11.03 ✓.pdf"
    d = await client.get(f"/api/v1/claims/{c['id']}/receipts/{rid}", headers=who.headers)
    assert d.status_code == 200, d.text
    assert d.content == PDF
    assert d.headers["content-disposition"] == (
        'attachment; filename="Kvittering pa hotell _ 11.03 _.pdf"; '
        "filename*=UTF-8''Kvittering%20p%C3%A5%20hotell%20%E2%80%93%2011.03%20%E2%9C%93.pdf"
    )


# --- 10. money ---------------------------------------------------------------------------


async def test_money_is_exact_with_two_decimals(client, actors):
    who, c = await draft(client, actors, None, other("0.10"), other("0.2"), other("0.70"))
    assert [line["amount"] for line in c["lines"]] == ["0.10", "0.20", "0.70"]
    assert c["total"] == "1.00"
    r = await client.patch(
        f"/api/v1/claims/{c['id']}",
        json={"lines": [other("0.1")] * 10 + [ticket("1234567.89")] * 12 + [mileage(0.1)]},
        headers=who.headers,
    )
    assert r.status_code == 200, r.text
    changed = r.json()
    assert changed["lines"][-1]["amount"] == "0.50"
    assert changed["total"] == "14814816.18"
    for value in [changed["total"]] + [line["amount"] for line in changed["lines"]]:
        assert isinstance(value, str) and value.split(".")[1].isdigit()
        assert len(value.split(".")[1]) == 2


async def test_approved_money_is_exact_too(client, actors):
    _, c = await attested(client, actors, None, other("0.10"), other("0.20"), other("0.70"))
    ids = [line["id"] for line in c["lines"]]
    cuts = [
        {"line": ids[0], "approved_amount": "0.05", "reason": "Halvparten"},
        {"line": ids[2], "approved_amount": "0.7", "reason": "Uendret"},
    ]
    a = await ok(client, actors["finance"], c["id"], "approve", {"lines": cuts})
    assert [line["approved_amount"] for line in a["lines"]] == ["0.05", "0.20", "0.70"]
    assert a["approved_total"] == "0.95"
    [mail] = await mails("claim_approved", c["id"])
    assert mail["context"]["cuts"] == ["Parkering: 0,10\xa0kr → 0,05\xa0kr (Halvparten)"]


async def test_amounts_beyond_what_is_stored_are_refused_not_a_crash(client, actors):
    """Money strings allow nine digits of kroner; amounts are stored as 32-bit øre."""
    who, c = await draft(client, actors, None, ticket("21474836.47"))
    assert c["total"] == "21474836.47"
    url = f"/api/v1/claims/{c['id']}"
    r = await client.patch(url, json={"lines": [ticket("999999999.99")]}, headers=who.headers)
    assert_problem(r, 422, "lines[0].amount")
    r = await client.patch(
        url, json={"lines": [other("1"), ticket("21474836.47")]}, headers=who.headers
    )
    assert_problem(r, 422, "lines")
    assert (await get_claim(client, who, c["id"])).json()["total"] == "21474836.47"
    gid = await new_gathering(client, actors["coordinator"])
    reg = await register(client, who, gid)
    before = await counts()
    r = await post_claim(client, who, reg["id"], ticket("30000000"), payee_account=ACCOUNT)
    assert_problem(r, 422, "lines[0].amount")
    assert await counts() == before


async def test_a_draft_for_a_place_given_up_is_not_submitted(client, actors):
    who, c = await draft(client, actors)
    r = await client.post(f"/api/v1/registrations/{c['registration']}/cancel", headers=who.headers)
    assert r.status_code == 200, r.text
    assert "cancelled" in assert_problem(await act(client, who, c["id"], "submit"), 409)["detail"]
    assert await status_of(c["id"]) == "draft"
    who, c = await draft(client, actors)
    from service.db.tables import Registration

    await Registration.update({Registration.attended: False}).where(
        Registration.id == int(c["registration"])
    )
    assert (
        "not attended" in assert_problem(await act(client, who, c["id"], "submit"), 409)["detail"]
    )
    assert await status_of(c["id"]) == "draft"


async def test_an_account_other_than_the_one_on_file_is_flagged(client, actors):
    _, c = await draft(client, actors)
    assert c["payee_account"] == ACCOUNT and c["payee_account_on_file"] is True
    _, c = await draft(client, actors, payee_account=OTHER_ACCOUNT)
    assert c["payee_account_on_file"] is False  # the attester sees it is not the usual one


async def test_odd_claim_ids_are_unknown_not_errors(client, actors):
    who, _ = await draft(client, actors)
    for bad in ("%C2%B2", "99999999999", "0x1", "-1"):
        assert_problem(await client.get(f"/api/v1/claims/{bad}", headers=who.headers), 404)


async def test_an_empty_change_changes_nothing_and_leaves_no_history(client, actors):
    who, c = await draft(client, actors)
    r = await client.patch(f"/api/v1/claims/{c['id']}", json={}, headers=who.headers)
    assert r.status_code == 200 and r.json()["updated_at"] == c["updated_at"]
    h = await client.get(f"/api/v1/claims/{c['id']}/history", headers=who.headers)
    assert [e["action"] for e in h.json()] == ["create"]


async def test_a_claim_cut_to_nothing_is_rejected_not_approved(client, actors):
    _, c = await attested(client, actors, None, other("80.00"))
    line = c["lines"][0]["id"]
    r = await act(
        client,
        actors["finance"],
        c["id"],
        "approve",
        {"lines": [{"line": line, "approved_amount": "0.00", "reason": "Ikke dokumentert"}]},
    )
    assert "reject" in assert_problem(r, 409)["detail"]
    assert await status_of(c["id"]) == "attested"


async def test_odd_receipt_and_gathering_ids_are_unknown_not_errors(client, actors):
    who, c = await draft(client, actors)
    for bad in ("%C2%B2", "99999999999999999999"):
        r = await client.get(f"/api/v1/claims/{c['id']}/receipts/{bad}", headers=who.headers)
        assert_problem(r, 404)
        r = await client.post(
            "/api/v1/claims/preview",
            json={"gathering": bad.replace("%C2%B2", "²"), "lines": [other("1.00")]},
            headers=who.headers,
        )
        assert_problem(r, 404)
