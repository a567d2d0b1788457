"""The public coordinator directory: only coordinators who agreed to be listed, with
municipality, e-mail and phone, on /coordinators, GET /api/v1/directory and the network
page; consent given and withdrawn on /me and through PATCH /api/v1/me; a bad phone number
refused next to its field, nothing changed; the consent audited."""

from __future__ import annotations

import re
import uuid
from html import unescape
from typing import Any

import httpx
from mail_fixtures import follow_link

from service.accounts import service as accounts
from service.db.tables import AuditEvent, User

NETWORK = "agder-rogaland"
ORIGIN = {"Origin": "http://testserver"}


def seen(r: httpx.Response) -> str:
    return re.sub(r"\s+", " ", unescape(r.text))


async def coordinator(name: str, municipality: str = "1103") -> tuple[str, int, dict[str, str]]:
    email = f"koord.{uuid.uuid4().hex[:6]}@example.no"
    uid = await accounts.create_user(email, name, municipality, [f"coordinator:{NETWORK}"], "t")
    token = await accounts.create_api_token(uid, "tests", "tests")
    return email, uid, {"Authorization": f"Bearer {token['token']}"}


def listed_in(directory: list[dict[str, Any]], email: str) -> dict[str, Any] | None:
    for n in directory:
        for c in n["coordinators"]:
            if c["email"] == email:
                return {**c, "network": n["slug"]}
    return None


async def test_only_listed_coordinators_are_shown_and_consent_can_be_withdrawn(client) -> None:
    shown_email, _uid, shown = await coordinator(f"Synlig {uuid.uuid4().hex[:4]}")
    hidden_email, _uid2, _hidden = await coordinator(f"Skjult {uuid.uuid4().hex[:4]}")
    r = await client.patch(
        "/api/v1/me", json={"phone": "912 34 567", "listed": True}, headers=shown
    )
    assert r.status_code == 200, r.text
    assert r.json()["phone"] == "+4791234567" and r.json()["listed"] is True

    directory = (await client.get("/api/v1/directory")).json()
    person = listed_in(directory, shown_email)
    assert person is not None and person["network"] == NETWORK
    assert person["phone"] == "+4791234567" and person["municipality"] == "Stavanger"
    assert listed_in(directory, hidden_email) is None
    assert {n["slug"] for n in directory} >= {"nord", NETWORK}

    for path in ("/coordinators", f"/networks/{NETWORK}"):
        page = await client.get(path)
        text = seen(page)
        assert f'href="mailto:{shown_email}"' in page.text, path
        assert 'href="tel:+4791234567"' in page.text and "+47 912 34 567" in text, path
        assert hidden_email not in page.text, path
    # A network whose coordinators are all unlisted says how to reach it instead.
    page = seen(await client.get("/coordinators"))
    assert "Kontakt programmet" in page

    r = await client.patch("/api/v1/me", json={"listed": False}, headers=shown)
    assert r.status_code == 200 and r.json()["listed"] is False
    assert listed_in((await client.get("/api/v1/directory")).json(), shown_email) is None
    for path in ("/coordinators", f"/networks/{NETWORK}"):
        assert shown_email not in (await client.get(path)).text
    events = (
        await AuditEvent.select(AuditEvent.after)
        .where((AuditEvent.action == "user.update") & (AuditEvent.actor == shown_email))
        .output(load_json=True)
    )
    assert [e["after"].get("listed") for e in events] == [True, False]


async def test_a_bad_phone_is_refused_and_nothing_changes(client) -> None:
    _email, uid, headers = await coordinator("Telefon")
    await client.patch("/api/v1/me", json={"phone": "+47 22 33 44 55"}, headers=headers)
    for bad in ("12345", "+46 912 34 567", "9123456789", "telefon", "0123 45 67"):
        r = await client.patch("/api/v1/me", json={"phone": bad, "listed": True}, headers=headers)
        assert r.status_code == 422, bad
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json().get("field", "phone") == "phone" and "Norwegian" in r.text
    row = await User.select(User.phone, User.listed).where(User.id == uid).first()
    assert row == {"phone": "+4722334455", "listed": False}
    for good, stored in (("0047 41 23 45 67", "+4741234567"), ("", None)):
        r = await client.patch("/api/v1/me", json={"phone": good}, headers=headers)
        assert r.status_code == 200 and r.json()["phone"] == stored


async def test_consent_on_my_page(app) -> None:
    email, _uid, _headers = await coordinator(f"Sidekoord {uuid.uuid4().hex[:4]}")
    c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    try:
        link = await accounts.create_login_link(email, "http://testserver")
        assert (await follow_link(c, link)).status_code == 303
        page = await c.get("/me")
        assert 'name="phone"' in page.text and 'name="listed"' in page.text
        form = {"name": "Sidekoord", "language": "en", "contact": "1"}
        r = await c.post("/me/profile", data={**form, "phone": "12", "listed": "1"}, headers=ORIGIN)
        assert r.status_code == 400
        assert 'id="error-phone"' in r.text and "Skriv et norsk telefonnummer" in seen(r)
        assert 'value="12"' in r.text  # what was typed stays
        assert email not in (await c.get("/api/v1/directory")).text
        r = await c.post(
            "/me/profile", data={**form, "phone": "+47 912 34 567", "listed": "1"}, headers=ORIGIN
        )
        assert r.status_code == 303
        assert 'value="+47 912 34 567"' in (await c.get("/me")).text
        assert email in (await c.get("/coordinators")).text
        r = await c.post("/me/profile", data={**form, "phone": "+47 912 34 567"}, headers=ORIGIN)
        assert r.status_code == 303
        assert email not in (await c.get("/coordinators")).text
    finally:
        await c.aclose()


async def test_a_participant_has_no_directory_fields(client, actors) -> None:
    page = await client.get("/me", headers=actors["participant"].headers)
    assert 'name="listed"' not in page.text


async def test_an_admin_sees_the_phone_and_the_consent(client, actors) -> None:
    _email, uid, headers = await coordinator("Adminsett")
    await client.patch("/api/v1/me", json={"phone": "41234567", "listed": True}, headers=headers)
    page = await client.get(f"/admin/users/{uid}", headers=actors["admin"].headers)
    assert page.status_code == 200
    text = seen(page)
    assert 'href="tel:+4741234567"' in page.text and "+47 412 34 567" in text
    assert "I den offentlige oversikten over koordinatorer</dt><dd>Ja</dd>" in page.text
