"""Network membership (interest, member, withdrawn) and municipality settings (bank
account, e-mail domains), with who may do what and the audit trail it leaves.

The database is shared by the whole run, so every test works on its own pair of
municipality and network and never withdraws a demo member from its network.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from conftest import new_browser
from mail_fixtures import follow_link, mail_link

from service.db.tables import AuditEvent, Municipality, OutboxMessage

PROBLEM = "application/problem+json"


@pytest.fixture
async def api(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with new_browser(app) as c:
        yield c


def assert_problem(r: httpx.Response, status: int, names: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM), r.headers["content-type"]
    body = r.json()
    assert body["status"] == status
    assert body["detail"]
    if names is not None:
        assert names in r.text, f"{names!r} not named in {r.text}"
    return body


async def participant_of(
    municipality: str | None, roles: list[str] | None = None
) -> dict[str, str]:
    """Bearer headers of a new user of `municipality` (a participant unless `roles`)."""
    from service.accounts import service

    email = f"member.{uuid.uuid4().hex[:10]}@example.no"
    user_id = await service.create_user(email, "Member Test", municipality, roles or [], "tests")
    token = await service.create_api_token(user_id, "tests", "tests")
    return {"Authorization": f"Bearer {token['token']}"}


async def network(api: httpx.AsyncClient, slug: str) -> dict[str, Any]:
    r = await api.get(f"/api/v1/networks/{slug}")
    assert r.status_code == 200
    return r.json()


async def status_in(api: httpx.AsyncClient, slug: str, number: str) -> str | None:
    members = [m for m in (await network(api, slug))["members"] if m["municipality"] == number]
    assert len(members) <= 1, members
    return members[0]["status"] if members else None


async def member_count(api: httpx.AsyncClient, slug: str) -> int:
    listed = {n["slug"]: n["member_count"] for n in (await api.get("/api/v1/networks")).json()}
    detail = (await network(api, slug))["member_count"]
    assert listed[slug] == detail
    return detail


async def audit_trail(slug: str, number: str) -> list[dict[str, Any]]:
    return (
        await AuditEvent.select()
        .where(
            (AuditEvent.object_type == "network_membership")
            & (AuditEvent.object_id == f"{slug}/{number}")
        )
        .order_by(AuditEvent.id)
        .output(load_json=True)
    )


async def municipality_row(number: str) -> dict[str, Any]:
    row = await Municipality.select().where(Municipality.number == number).first()
    assert row is not None
    return row


# --- interest ------------------------------------------------------------------------------


async def test_a_municipality_shows_interest_in_another_network(api, actors):
    # Fyresdal (telemark-vestfold-buskerud) asks to join Nettverk Midt.
    headers = await participant_of("4032")
    assert await status_in(api, "midt", "4032") is None
    count = await member_count(api, "midt")

    r = await api.post("/api/v1/networks/midt/interest", headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["municipality"] == "4032"
    assert r.json()["name"] == "Fyresdal"
    assert r.json()["status"] == "interested"
    assert await status_in(api, "midt", "4032") == "interested"
    assert await member_count(api, "midt") == count  # interest is not membership

    again = await api.post("/api/v1/networks/midt/interest", headers=headers)
    assert again.status_code == 200
    assert again.json() == r.json()
    assert await status_in(api, "midt", "4032") == "interested"

    (event,) = await audit_trail("midt", "4032")
    assert event["action"] == "membership.interest"
    assert event["before"] is None
    assert event["after"] == {"status": "interested"}

    # The network's own coordinators and admins can then make it a member.
    r = await api.put(
        "/api/v1/networks/midt/members/4032",
        json={"status": "member"},
        headers=actors["admin"].headers,
    )
    assert r.status_code == 200
    assert await member_count(api, "midt") == count + 1
    r = await api.post("/api/v1/networks/midt/interest", headers=headers)
    assert_problem(r, 409)
    r = await api.put(
        "/api/v1/networks/midt/members/4032",
        json={"status": "withdrawn"},
        headers=actors["admin"].headers,
    )
    assert r.status_code == 200
    assert await member_count(api, "midt") == count

    # A withdrawn municipality may ask again.
    r = await api.post("/api/v1/networks/midt/interest", headers=headers)
    assert r.status_code == 201
    assert await status_in(api, "midt", "4032") == "interested"


async def test_interest_is_refused_when_it_makes_no_sense(api, actors):
    # Kristiansand is already a member of agder-rogaland.
    r = await api.post(
        "/api/v1/networks/agder-rogaland/interest", headers=actors["participant"].headers
    )
    assert_problem(r, 409)
    assert await status_in(api, "agder-rogaland", "4204") == "member"

    r = await api.post("/api/v1/networks/atlantis/interest", headers=actors["participant"].headers)
    assert_problem(r, 404, "atlantis")

    assert_problem(await api.post("/api/v1/networks/vest/interest"), 401)

    # The admin account has no municipality to ask for.
    before = (await network(api, "vest"))["members"]
    r = await api.post("/api/v1/networks/vest/interest", headers=actors["admin"].headers)
    assert_problem(r, 422, "municipality")
    assert (await network(api, "vest"))["members"] == before


async def test_double_clicked_interest_gives_one_membership(api):
    # Skien (telemark-vestfold-buskerud) asks to join Nettverk Vest, several times at once.
    headers = await participant_of("4003")
    assert (await api.get("/api/v1/me", headers=headers)).status_code == 200
    responses = await asyncio.gather(
        *(api.post("/api/v1/networks/vest/interest", headers=headers) for _ in range(8))
    )
    assert sorted(r.status_code for r in responses) == [200] * 7 + [201], [
        r.text for r in responses
    ]
    assert {r.json()["status"] for r in responses} == {"interested"}
    assert await status_in(api, "vest", "4003") == "interested"


# --- setting membership --------------------------------------------------------------------


async def test_the_networks_coordinator_adds_and_withdraws_a_member(api, actors):
    # Larvik joins Nettverk Agder og Rogaland, then leaves it again.
    coordinator = actors["coordinator"].headers
    count = await member_count(api, "agder-rogaland")

    r = await api.put(
        "/api/v1/networks/agder-rogaland/members/3909",
        json={"status": "member"},
        headers=coordinator,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["municipality"] == "3909"
    assert body["name"] == "Larvik"
    assert body["status"] == "member"
    assert body["member_since"]
    assert await member_count(api, "agder-rogaland") == count + 1
    assert await status_in(api, "agder-rogaland", "3909") == "member"

    # Setting the same status again changes nothing.
    r = await api.put(
        "/api/v1/networks/agder-rogaland/members/3909",
        json={"status": "member"},
        headers=coordinator,
    )
    assert r.status_code == 200
    assert await member_count(api, "agder-rogaland") == count + 1

    r = await api.put(
        "/api/v1/networks/agder-rogaland/members/3909",
        json={"status": "withdrawn"},
        headers=coordinator,
    )
    assert r.status_code == 200
    assert r.json()["status"] == "withdrawn"
    assert await member_count(api, "agder-rogaland") == count
    assert await status_in(api, "agder-rogaland", "3909") == "withdrawn"
    # Larvik is still a member of its own network.
    assert await status_in(api, "telemark-vestfold-buskerud", "3909") == "member"

    trail = await audit_trail("agder-rogaland", "3909")
    assert [(e["action"], e["before"], e["after"]) for e in trail] == [
        ("membership.set", None, {"status": "member"}),
        ("membership.set", {"status": "member"}, {"status": "withdrawn"}),
    ]
    assert {e["actor"] for e in trail} == {actors["coordinator"].email}


async def test_an_admin_sets_membership_of_any_network(api, actors):
    admin = actors["admin"].headers
    count = await member_count(api, "vest")
    r = await api.put(
        "/api/v1/networks/vest/members/5601", json={"status": "member"}, headers=admin
    )
    assert r.status_code == 200, r.text
    assert await member_count(api, "vest") == count + 1
    r = await api.put(
        "/api/v1/networks/vest/members/5601", json={"status": "withdrawn"}, headers=admin
    )
    assert r.status_code == 200
    assert await member_count(api, "vest") == count
    trail = await audit_trail("vest", "5601")
    assert [e["after"] for e in trail] == [{"status": "member"}, {"status": "withdrawn"}]
    assert {e["actor"] for e in trail} == {actors["admin"].email}


async def test_double_clicked_membership_change_counts_once(api):
    # Lillehammer (ost) is made a member of Nettverk Nord by a double-clicking admin.
    admin = await participant_of(None, ["admin"])
    assert (await api.get("/api/v1/me", headers=admin)).status_code == 200
    count = await member_count(api, "nord")
    responses = await asyncio.gather(
        *(
            api.put("/api/v1/networks/nord/members/3405", json={"status": "member"}, headers=admin)
            for _ in range(8)
        )
    )
    assert [r.status_code for r in responses] == [200] * 8, [r.text for r in responses]
    assert {r.json()["status"] for r in responses} == {"member"}
    assert await member_count(api, "nord") == count + 1
    assert len(await audit_trail("nord", "3405")) == 1


async def test_only_the_networks_coordinators_and_admins_set_membership(api, actors):
    count = await member_count(api, "agder-rogaland")
    url = "/api/v1/networks/agder-rogaland/members/3303"
    for role in ("other_coordinator", "participant", "finance"):
        r = await api.put(url, json={"status": "member"}, headers=actors[role].headers)
        assert_problem(r, 403)
    assert_problem(await api.put(url, json={"status": "member"}), 401)
    assert await status_in(api, "agder-rogaland", "3303") is None
    assert await member_count(api, "agder-rogaland") == count
    assert await audit_trail("agder-rogaland", "3303") == []
    # A demo member cannot be withdrawn by the coordinator of another network either.
    r = await api.put(
        "/api/v1/networks/agder-rogaland/members/4204",
        json={"status": "withdrawn"},
        headers=actors["other_coordinator"].headers,
    )
    assert_problem(r, 403)
    assert await status_in(api, "agder-rogaland", "4204") == "member"


async def test_bad_membership_requests_are_problems(api, actors):
    coordinator = actors["coordinator"].headers
    count = await member_count(api, "agder-rogaland")
    url = "/api/v1/networks/agder-rogaland/members/3301"
    for body in ({"status": "boss"}, {"status": "interested"}, {}):
        assert_problem(await api.put(url, json=body, headers=coordinator), 400, "status")
    r = await api.put(url, json={"status": "member", "since": "2020"}, headers=coordinator)
    assert_problem(r, 400, "since")
    r = await api.put(
        "/api/v1/networks/agder-rogaland/members/9999",
        json={"status": "member"},
        headers=coordinator,
    )
    assert_problem(r, 404, "9999")
    r = await api.put(
        "/api/v1/networks/atlantis/members/3301", json={"status": "member"}, headers=coordinator
    )
    assert_problem(r, 404, "atlantis")
    assert await status_in(api, "agder-rogaland", "3301") is None
    assert await member_count(api, "agder-rogaland") == count


# --- municipality settings -----------------------------------------------------------------


async def test_finance_sets_a_bank_account(api, actors):
    """Entered by one finance officer, confirmed by a second person (here an admin);
    the two-person rule itself is tested in test_claim_controls.py."""
    finance = actors["finance"].headers
    r = await api.patch(
        "/api/v1/municipalities/3905", json={"bank_account": "1234.56.78903"}, headers=finance
    )
    assert r.status_code == 200, r.text
    assert r.json()["pending_bank_account"]["account"] == "12345678903"
    r = await api.post(
        "/api/v1/municipalities/3905/bank-account/confirm", headers=actors["admin"].headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["bank_account"] == "12345678903"
    assert r.json()["pending_bank_account"] is None
    assert (await municipality_row("3905"))["bank_account"] == "12345678903"

    r = await api.patch(
        "/api/v1/municipalities/3905", json={"bank_account": "1234.56.78900"}, headers=finance
    )
    assert_problem(r, 422, "bank_account")
    r = await api.patch(
        "/api/v1/municipalities/3905", json={"bank_account": "not a number"}, headers=finance
    )
    assert_problem(r, 422, "bank_account")
    assert (await municipality_row("3905"))["bank_account"] == "12345678903"

    # Only finance and admins see it.
    for headers in (finance, actors["admin"].headers):
        r = await api.get("/api/v1/municipalities/3905", headers=headers)
        assert r.status_code == 200
        assert r.json()["bank_account"] == "12345678903"
    for headers in ({}, actors["participant"].headers, actors["coordinator"].headers):
        r = await api.get("/api/v1/municipalities/3905", headers=headers)
        assert r.status_code == 200
        assert r.json()["name"] == "Tønsberg"
        assert r.json()["bank_account"] is None
        assert r.json()["pending_bank_account"] is None
        assert r.json()["bank_account_changed_at"] is None
        assert "12345678903" not in r.text


async def test_email_domains_are_replaced_and_used_for_sign_up(app, api, actors):
    finance = actors["finance"].headers
    extra = f"sub{uuid.uuid4().hex[:8]}.bamble.no"
    r = await api.patch(
        "/api/v1/municipalities/4012",
        json={"email_domains": ["Bamble.Kommune.NO", f"@{extra.upper()}"]},
        headers=finance,
    )
    assert r.status_code == 200, r.text
    assert sorted(r.json()["email_domains"]) == sorted(["bamble.kommune.no", extra])
    r = await api.get("/api/v1/municipalities/4012")
    assert sorted(r.json()["email_domains"]) == sorted(["bamble.kommune.no", extra])

    # An address on the new domain is active as soon as it is confirmed.
    email = f"ansatt.{uuid.uuid4().hex[:8]}@{extra}"
    async with new_browser(app) as b:
        r = await b.post(
            "/api/v1/auth/signup",
            json={"email": email, "name": "Bamble Ansatt", "municipality": "4012"},
        )
        assert r.status_code == 202
        mails = (
            await OutboxMessage.select()
            .where((OutboxMessage.recipient == email) & (OutboxMessage.kind == "signup_confirm"))
            .output(load_json=True)
        )
        assert len(mails) == 1
        url = mail_link(mails[0])
        r = await follow_link(b, url)
        assert r.status_code == 303
        assert (await b.get("/api/v1/me")).json()["municipality"] == "4012"

    r = await api.patch(
        "/api/v1/municipalities/4012", json={"email_domains": ["not a domain"]}, headers=finance
    )
    assert_problem(r, 422, "email_domains")
    assert sorted((await api.get("/api/v1/municipalities/4012")).json()["email_domains"]) == sorted(
        ["bamble.kommune.no", extra]
    )


async def test_a_domain_of_another_municipality_is_a_conflict(api, actors):
    admin = actors["admin"].headers
    before = (await api.get("/api/v1/municipalities/4647", headers=admin)).json()
    r = await api.patch(
        "/api/v1/municipalities/4647",
        json={
            "bank_account": "1234.56.78903",
            "email_domains": ["sunnfjord.kommune.no", "Kristiansand.Kommune.no"],
        },
        headers=admin,
    )
    body = assert_problem(r, 409)
    assert "kristiansand.kommune.no" in body["detail"]
    after = (await api.get("/api/v1/municipalities/4647", headers=admin)).json()
    assert after == before
    kristiansand = (await api.get("/api/v1/municipalities/4204")).json()
    assert "kristiansand.kommune.no" in kristiansand["email_domains"]


async def test_only_finance_and_admins_change_municipalities(api, actors):
    before = (await api.get("/api/v1/municipalities/1506", headers=actors["admin"].headers)).json()
    patch = {"bank_account": "1234.56.78903", "email_domains": ["evil.example.no"]}
    for role in ("coordinator", "participant", "other_coordinator"):
        r = await api.patch("/api/v1/municipalities/1506", json=patch, headers=actors[role].headers)
        assert_problem(r, 403)
    assert_problem(await api.patch("/api/v1/municipalities/1506", json=patch), 401)
    after = (await api.get("/api/v1/municipalities/1506", headers=actors["admin"].headers)).json()
    assert after == before

    r = await api.patch(
        "/api/v1/municipalities/9999",
        json={"bank_account": "1234.56.78903"},
        headers=actors["finance"].headers,
    )
    assert_problem(r, 404, "9999")
