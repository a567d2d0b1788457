"""The controls finance relies on, over HTTP on the real database (both engines):

- a claim is drafted after registering, but submitted only once the gathering has ended;
- it is attested only once the coordinator has marked the registration as attended
  (and approved only while it still is);
- a coordinator attests claims of, and approves sign-ups from, municipalities that are
  members of their network: an "interest" is not enough;
- a municipality's bank account changes by two people: finance or an admin enters it,
  a second one confirms it (or discards it); until then claims pay to the confirmed
  account, and a claim paying to an account confirmed within 30 days is flagged.

Each rule is refused first and then accepted. Every test makes its own municipality
(numbers 95xxxx, in no network until a test says so), people and gatherings (2032,
open to all), and acts on claims the day after the gathering by moving the clock
(`service.lib.clock.moved_to`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from conftest import new_browser
from mail_fixtures import follow_link, mail_link

from service.db.tables import AuditEvent, Municipality, OutboxMessage
from service.lib.clock import moved_to, now

PROBLEM = "application/problem+json"
NETWORK = "agder-rogaland"
AFTER = datetime(2032, 9, 15, 9, tzinfo=UTC)  # the day after every gathering here
FIRST, SECOND = "86011117947", "12345678903"  # valid Norwegian account numbers


class Person:
    def __init__(self, user_id: int, email: str, token: str) -> None:
        self.id, self.email = user_id, email
        self.headers = {"Authorization": f"Bearer {token}"}


async def person(municipality: str | None, roles: list[str] | None = None) -> Person:
    from service.accounts import service

    email = f"controls.{uuid.uuid4().hex[:10]}@example.no"
    user_id = await service.create_user(email, "Kari Kontroll", municipality, roles or [], "tests")
    token = await service.create_api_token(user_id, "tests", "tests")
    return Person(user_id, email, token["token"])


async def municipality() -> str:
    """A municipality of the test's own, member of no network."""
    number = f"95{uuid.uuid4().int % 10000:04d}"
    await Municipality.insert(Municipality(number=number, name=f"Kontroll {number}"))
    return number


async def make_member(client: httpx.AsyncClient, actors: Any, number: str) -> None:
    r = await client.put(
        f"/api/v1/networks/{NETWORK}/members/{number}",
        json={"status": "member"},
        headers=actors["coordinator"].headers,
    )
    assert r.status_code == 200, r.text


async def gathering(client: httpx.AsyncClient, actors: Any) -> str:
    """A published gathering of agder-rogaland, open to all, on 13-14 September 2032."""
    headers = actors["coordinator"].headers
    body = {
        "network": NETWORK,
        "title": f"Kontrollsamling {uuid.uuid4().hex[:6]}",
        "starts_at": "2032-09-13T10:00",
        "ends_at": "2032-09-14T15:00",
        "capacity": 30,
        "city": "Stavanger",
        "audience": "open",
    }
    r = await client.post("/api/v1/gatherings", json=body, headers=headers)
    assert r.status_code == 201, r.text
    gid = str(r.json()["id"])
    r = await client.post(f"/api/v1/gatherings/{gid}/publish", headers=headers)
    assert r.status_code == 200, r.text
    return gid


async def registered(client: httpx.AsyncClient, who: Person, gid: str) -> str:
    r = await client.post(f"/api/v1/gatherings/{gid}/registrations", json={}, headers=who.headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def draft(
    client: httpx.AsyncClient, who: Person, registration: str, account: str | None = FIRST
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "registration": registration,
        "lines": [{"kind": "mileage", "date": "2032-09-13", "km": 80, "route": "Sandnes t/r"}],
    }
    if account is not None:
        body["payee_account"] = account
    r = await client.post("/api/v1/claims", json=body, headers=who.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def attendance(
    client: httpx.AsyncClient, actors: Any, registration: str, attended: bool
) -> None:
    with moved_to(AFTER):
        r = await client.post(
            f"/api/v1/registrations/{registration}/attendance",
            json={"attended": attended},
            headers=actors["coordinator"].headers,
        )
    assert r.status_code == 200, r.text


async def act(
    client: httpx.AsyncClient, who: Any, claim_id: str, action: str, body: Any = None
) -> httpx.Response:
    """A step on the claim, taken the day after the gathering."""
    with moved_to(AFTER):
        return await client.post(
            f"/api/v1/claims/{claim_id}/{action}", json=body, headers=who.headers
        )


async def ok(client: httpx.AsyncClient, who: Any, claim_id: str, action: str) -> dict[str, Any]:
    r = await act(client, who, claim_id, action)
    assert r.status_code == 200, r.text
    return dict(r.json())


def problem(r: httpx.Response, status: int) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    return str(r.json()["detail"])


async def claim_json(client: httpx.AsyncClient, actors: Any, claim_id: str) -> dict[str, Any]:
    r = await client.get(f"/api/v1/claims/{claim_id}", headers=actors["finance"].headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def audit_actions(number: str) -> list[tuple[str, str]]:
    rows = (
        await AuditEvent.select(AuditEvent.action, AuditEvent.actor)
        .where((AuditEvent.object_type == "municipality") & (AuditEvent.object_id == number))
        .order_by(AuditEvent.id)
    )
    return [(r["action"], r["actor"]) for r in rows]


# --- submit once the gathering has ended ------------------------------------------------


async def test_a_claim_is_drafted_now_and_submitted_once_the_gathering_has_ended(client, actors):
    number = await municipality()
    await make_member(client, actors, number)
    who = await person(number)
    reg = await registered(client, who, await gathering(client, actors))
    c = await draft(client, who, reg)
    assert c["status"] == "draft" and c["gathering_ended"] is False
    assert c["gathering_ends_at"].startswith("2032-09-14T15:00")

    r = await client.post(f"/api/v1/claims/{c['id']}/submit", headers=who.headers)
    detail = problem(r, 409)
    assert "once the gathering has ended" in detail and "2032" in detail
    assert (await claim_json(client, actors, c["id"]))["status"] == "draft"

    with moved_to(AFTER):
        r = await client.get(f"/api/v1/claims/{c['id']}", headers=who.headers)
        assert r.json()["gathering_ended"] is True
    assert (await ok(client, who, c["id"], "submit"))["status"] == "submitted"


# --- attest only what was attended ------------------------------------------------------


async def test_attestation_needs_the_registration_marked_as_attended(client, actors):
    number = await municipality()
    await make_member(client, actors, number)
    who = await person(number)
    reg = await registered(client, who, await gathering(client, actors))
    c = await draft(client, who, reg)
    assert c["attended"] is None
    await ok(client, who, c["id"], "submit")

    for reviewer in (actors["coordinator"], actors["finance"]):
        detail = problem(await act(client, reviewer, c["id"], "attest"), 409)
        assert "attendance list" in detail
    await attendance(client, actors, reg, False)  # marked absent: no better
    assert "attended" in problem(await act(client, actors["coordinator"], c["id"], "attest"), 409)
    assert (await claim_json(client, actors, c["id"]))["status"] == "submitted"

    await attendance(client, actors, reg, True)
    attested = await ok(client, actors["coordinator"], c["id"], "attest")
    assert attested["status"] == "attested" and attested["attended"] is True

    # Attendance taken back after the attestation: finance does not approve it.
    await attendance(client, actors, reg, False)
    assert "attended" in problem(await act(client, actors["finance"], c["id"], "approve"), 409)
    await attendance(client, actors, reg, True)
    assert (await ok(client, actors["finance"], c["id"], "approve"))["status"] == "approved"


# --- coordinators act for member municipalities only -------------------------------------


async def test_a_coordinator_attests_claims_of_member_municipalities_only(client, actors):
    number = await municipality()
    who = await person(number)
    # The participant's municipality shows interest in the network: not membership.
    r = await client.post(f"/api/v1/networks/{NETWORK}/interest", headers=who.headers)
    assert r.status_code == 201, r.text
    gid = await gathering(client, actors)
    first = await draft(client, who, await registered(client, who, gid))
    other = await person(number)
    second = await draft(client, other, await registered(client, other, gid))
    for claimant, c in ((who, first), (other, second)):
        await attendance(client, actors, c["registration"], True)
        await ok(client, claimant, c["id"], "submit")

    detail = problem(await act(client, actors["coordinator"], first["id"], "attest"), 403)
    assert "not a member" in detail and f"Kontroll {number}" in detail
    # The coordinator of another network does not even see it.
    problem(await act(client, actors["other_coordinator"], first["id"], "attest"), 404)
    # Finance attests claims from anywhere.
    assert (await ok(client, actors["finance"], first["id"], "attest"))["status"] == "attested"

    await make_member(client, actors, number)
    attested = await ok(client, actors["coordinator"], second["id"], "attest")
    assert attested["attested_by"] == actors["coordinator"].email


async def test_a_coordinator_approves_sign_ups_from_member_municipalities_only(app, actors):
    number = await municipality()
    insider = await person(number)
    email = f"controls.{uuid.uuid4().hex[:8]}@gmail.com"  # not the municipality's domain
    async with new_browser(app) as b:
        r = await b.post("/api/v1/networks/agder-rogaland/interest", headers=insider.headers)
        assert r.status_code == 201, r.text
        r = await b.post(
            "/api/v1/auth/signup",
            json={"email": email, "name": "Per Påmelding", "municipality": number},
        )
        assert r.status_code == 202
        rows = (
            await OutboxMessage.select()
            .where((OutboxMessage.recipient == email) & (OutboxMessage.kind == "signup_confirm"))
            .output(load_json=True)
        )
        assert len(rows) == 1
        assert (await follow_link(b, mail_link(rows[0]))).status_code == 200  # waits

    async with new_browser(app) as c:

        async def pending(actor: str) -> list[str]:
            r = await c.get("/api/v1/approvals", headers=actors[actor].headers)
            assert r.status_code == 200, r.text
            return [p["id"] for p in r.json() if p["email"] == email]

        assert await pending("coordinator") == []  # an interest is not enough
        (user_id,) = await pending("admin")
        r = await c.post(
            f"/api/v1/approvals/{user_id}/approve", headers=actors["coordinator"].headers
        )
        problem(r, 404)
        # No mail asked the network's coordinator to approve it either.
        asked = (
            await OutboxMessage.select(OutboxMessage.recipient, OutboxMessage.context)
            .where(OutboxMessage.kind == "approval_needed")
            .output(load_json=True)
        )
        recipients = {m["recipient"] for m in asked if m["context"]["applicant_email"] == email}
        assert actors["coordinator"].email not in recipients
        assert actors["admin"].email in recipients

        await make_member(c, actors, number)
        assert await pending("coordinator") == [user_id]
        r = await c.post(
            f"/api/v1/approvals/{user_id}/approve", headers=actors["coordinator"].headers
        )
        assert r.status_code == 204, r.text


# --- a bank account is a decision of two ------------------------------------------------


async def test_a_bank_account_change_is_a_decision_of_two(client, actors):
    number = await municipality()
    await make_member(client, actors, number)
    url = f"/api/v1/municipalities/{number}"
    finance, admin = actors["finance"], actors["admin"]
    second_finance = await person("4601", ["finance"])

    # Entered by finance: pending, not the account claims pay to.
    r = await client.patch(url, json={"bank_account": "8601.11.17947"}, headers=finance.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["bank_account"] is None and body["bank_account_changed_at"] is None
    pending = body["pending_bank_account"]
    assert pending["account"] == FIRST and pending["proposed_by"] == finance.email
    assert pending["proposed_at"]
    for headers in ({}, actors["participant"].headers, actors["coordinator"].headers):
        shown = (await client.get(url, headers=headers)).json()
        assert shown["pending_bank_account"] is None and FIRST not in str(shown)

    # The one who entered it cannot confirm it; others without the role are refused.
    detail = problem(await client.post(f"{url}/bank-account/confirm", headers=finance.headers), 403)
    assert "second" in detail
    for role in ("participant", "coordinator"):
        r = await client.post(f"{url}/bank-account/confirm", headers=actors[role].headers)
        problem(r, 403)
    problem(await client.post(f"{url}/bank-account/confirm"), 401)
    assert (await client.get(url, headers=admin.headers)).json()["bank_account"] is None

    # A second finance officer confirms it (naming the account they were shown).
    r = await client.post(
        f"{url}/bank-account/confirm", json={"account": FIRST}, headers=second_finance.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["bank_account"] == FIRST and r.json()["pending_bank_account"] is None
    assert r.json()["bank_account_changed_at"]
    problem(await client.post(f"{url}/bank-account/confirm", headers=admin.headers), 409)

    # A claim now pays to it by default, flagged as recently changed for 30 days.
    gid = await gathering(client, actors)
    early = await person(number)
    early_claim = await draft(client, early, await registered(client, early, gid), account=None)
    assert early_claim["payee_account"] == FIRST
    assert early_claim["payee_account_on_file"] is True
    assert early_claim["payee_account_recently_changed"] is True
    for days, flagged in ((29, True), (31, False)):
        with moved_to(now() + timedelta(days=days)):
            c = await claim_json(client, actors, early_claim["id"])
        assert c["payee_account_recently_changed"] is flagged, days

    # A second change waits: new claims keep paying to the confirmed account, through
    # to the payout, while it is pending.
    r = await client.patch(url, json={"bank_account": SECOND}, headers=admin.headers)
    assert r.status_code == 200, r.text
    assert r.json()["bank_account"] == FIRST
    assert r.json()["pending_bank_account"]["account"] == SECOND
    later = await person(number)
    reg = await registered(client, later, gid)
    paid = await draft(client, later, reg, account=None)
    assert paid["payee_account"] == FIRST and paid["payee_account_on_file"] is True
    await attendance(client, actors, reg, True)
    await ok(client, later, paid["id"], "submit")
    await ok(client, actors["coordinator"], paid["id"], "attest")
    # The approver, looking at it now, sees the flag.
    assert (await claim_json(client, actors, paid["id"]))["payee_account_recently_changed"]
    await ok(client, finance, paid["id"], "approve")
    r = await client.post("/api/v1/payouts", json={"claims": [paid["id"]]}, headers=finance.headers)
    assert r.status_code == 201, r.text
    assert [p["account"] for p in r.json()["payments"]] == [FIRST]

    # A stale confirmation changes nothing; the pending one is discarded instead.
    r = await client.post(
        f"{url}/bank-account/confirm", json={"account": FIRST}, headers=finance.headers
    )
    assert SECOND in problem(r, 409)
    r = await client.post(f"{url}/bank-account/discard", headers=finance.headers)
    assert r.status_code == 200, r.text
    assert r.json()["bank_account"] == FIRST and r.json()["pending_bank_account"] is None
    problem(await client.post(f"{url}/bank-account/discard", headers=finance.headers), 409)

    # Entered again and confirmed by a second person: the older claim no longer pays to
    # the account on file, and new claims pay to the new one.
    r = await client.patch(url, json={"bank_account": SECOND}, headers=admin.headers)
    assert r.status_code == 200, r.text
    problem(await client.post(f"{url}/bank-account/confirm", headers=admin.headers), 403)
    r = await client.post(f"{url}/bank-account/confirm", headers=finance.headers)
    assert r.status_code == 200 and r.json()["bank_account"] == SECOND
    old = await claim_json(client, actors, early_claim["id"])
    assert old["payee_account"] == FIRST and old["payee_account_on_file"] is False
    assert old["payee_account_recently_changed"] is False
    newest = await person(number)
    fresh = await draft(client, newest, await registered(client, newest, gid), account=None)
    assert fresh["payee_account"] == SECOND and fresh["payee_account_recently_changed"] is True

    # Every proposal, confirmation and discard is in the audit log, with who did it.
    assert await audit_actions(number) == [
        ("municipality.bank_account.propose", finance.email),
        ("municipality.bank_account.confirm", second_finance.email),
        ("municipality.bank_account.propose", admin.email),
        ("municipality.bank_account.discard", finance.email),
        ("municipality.bank_account.propose", admin.email),
        ("municipality.bank_account.confirm", finance.email),
    ]
