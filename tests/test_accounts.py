"""Accounts as users meet them: login links, sessions, CSRF, API tokens, sign-up and
approval, user administration and the `samling` commands for users and tokens.

Mail is read from the outbox table (kind, recipient, context["url"]). Every browser is
a fresh httpx client with its own client address, so cookies and per-address rate
limits never leak between tests.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from conftest import new_browser
from mail_fixtures import follow_link, mail_link

from service.db.tables import ApiToken, LoginToken, OutboxMessage, User
from service.settings import load_settings

PROBLEM = "application/problem+json"
COOKIE = "samling_session"


def unique_email(tag: str, domain: str = "example.no") -> str:
    return f"{tag}.{uuid.uuid4().hex[:10]}@{domain}"


@pytest.fixture
async def browser(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with new_browser(app) as c:
        yield c


async def outbox(recipient: str, kind: str | None = None) -> list[dict[str, Any]]:
    query = (
        OutboxMessage.select()
        .where(OutboxMessage.recipient == recipient.lower())
        .order_by(OutboxMessage.id)
        .output(load_json=True)
    )
    rows = await query
    return [r for r in rows if kind is None or r["kind"] == kind]


def link_of(mail: dict[str, Any]) -> str:
    """The path and query of the mail's link, to follow it against the test app."""
    parts = urlsplit(mail_link(mail))
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


async def only_link(recipient: str, kind: str) -> str:
    mails = await outbox(recipient, kind)
    assert len(mails) == 1, f"expected one {kind} mail to {recipient}, got {len(mails)}"
    return link_of(mails[0])


def assert_problem(r: httpx.Response, status: int, names: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM), r.headers["content-type"]
    body = r.json()
    assert body["status"] == status
    assert body["detail"]
    if names is not None:
        assert names in r.text, f"{names!r} not named in {r.text}"
    return body


def session_cookie_header(r: httpx.Response) -> str:
    cookies = [v for v in r.headers.get_list("set-cookie") if v.startswith(f"{COOKIE}=")]
    assert len(cookies) == 1, r.headers.get_list("set-cookie")
    return cookies[0]


async def make_user(
    email: str, municipality: str | None = "4204", roles: list[str] | None = None
) -> tuple[int, str]:
    """An active user made directly by the service, and an API token for it."""
    from service.accounts import service

    user_id = await service.create_user(email, "Test Person", municipality, roles or [], "tests")
    token = await service.create_api_token(user_id, "tests", "tests")
    return user_id, token["token"]


async def sign_in(browser: httpx.AsyncClient, email: str) -> httpx.Response:
    """Ask for a login link by mail and follow it in `browser` (open it, press the button)."""
    r = await browser.post("/api/v1/auth/login-link", json={"email": email})
    assert r.status_code == 202, r.text
    mails = await outbox(email, "login_link")
    assert mails, f"no login link mailed to {email}"
    return await follow_link(browser, link_of(mails[-1]))


# --- login links and sessions ------------------------------------------------------------


async def test_login_link_signs_in_with_a_safe_session_cookie(browser, actors):
    email = unique_email("login")
    await make_user(email)

    r = await browser.post("/api/v1/auth/login-link", json={"email": email})
    assert r.status_code == 202
    mails = await outbox(email, "login_link")
    assert len(mails) == 1
    assert mail_link(mails[0]).startswith(load_settings().base_url + "/auth/login?token=")
    path = link_of(mails[0])
    assert path.startswith("/auth/login?token=")

    r = await follow_link(browser, path)
    assert r.status_code == 303
    assert r.headers["location"] == "/"
    cookie = session_cookie_header(r).lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/" in cookie

    me = await browser.get("/api/v1/me")
    assert me.status_code == 200
    body = me.json()
    assert body["email"] == email
    assert body["name"] == "Test Person"
    assert body["municipality"] == "4204"
    assert body["roles"] == []


async def test_login_link_address_is_case_insensitive(browser):
    email = unique_email("case")
    await make_user(email)
    r = await browser.post("/api/v1/auth/login-link", json={"email": email.upper()})
    assert r.status_code == 202
    assert len(await outbox(email, "login_link")) == 1


async def test_login_link_works_once(app):
    email = unique_email("once")
    await make_user(email)
    async with new_browser(app) as first:
        r = await sign_in(first, email)
        assert r.status_code == 303
        path = link_of((await outbox(email, "login_link"))[-1])
    async with new_browser(app) as second:
        r = await second.get(path)
        assert r.status_code == 400
        assert r.headers["content-type"].startswith("text/html")
        assert "Lenken virker ikke" in r.text
        assert COOKIE not in r.headers.get("set-cookie", "")
        assert (await second.get("/api/v1/me")).status_code == 401


async def test_expired_login_link_is_refused(browser):
    email = unique_email("expired")
    user_id, _ = await make_user(email)
    assert (await browser.post("/api/v1/auth/login-link", json={"email": email})).status_code == 202
    path = await only_link(email, "login_link")
    await LoginToken.update(
        {LoginToken.expires_at: datetime.now(UTC) - timedelta(minutes=1)}
    ).where(LoginToken.user == user_id)
    r = await browser.get(path)
    assert r.status_code == 400
    assert "utløpt" in r.text
    assert COOKIE not in r.headers.get("set-cookie", "")
    assert (await browser.get("/api/v1/me")).status_code == 401


async def test_unknown_or_garbage_link_is_refused(browser):
    for path in ("/auth/login?token=not-a-real-token", "/auth/login"):
        r = await browser.get(path)
        assert r.status_code == 400
        assert "Lenken virker ikke" in r.text


async def test_unknown_address_gets_202_and_no_mail(browser):
    email = unique_email("nobody")
    r = await browser.post("/api/v1/auth/login-link", json={"email": email})
    assert r.status_code == 202
    known = unique_email("somebody")
    await make_user(known)
    r2 = await browser.post("/api/v1/auth/login-link", json={"email": known})
    # The answer does not tell a known address from an unknown one.
    assert r2.status_code == r.status_code
    assert r2.json() == r.json()
    assert await outbox(email) == []


async def test_inactive_user_gets_no_login_link(browser):
    email = unique_email("inactive")
    user_id, _ = await make_user(email)
    await User.update({User.active: False}).where(User.id == user_id)
    r = await browser.post("/api/v1/auth/login-link", json={"email": email})
    assert r.status_code == 202
    assert await outbox(email, "login_link") == []


async def test_malformed_login_link_requests_are_problems(browser):
    r = await browser.post("/api/v1/auth/login-link", json={})
    assert_problem(r, 400, "email")
    r = await browser.post(
        "/api/v1/auth/login-link", json={"email": unique_email("x"), "remember_me": True}
    )
    assert_problem(r, 400, "remember_me")
    r = await browser.post("/api/v1/auth/login-link", json={"email": 42})
    assert_problem(r, 400, "email")


async def test_sixth_login_link_request_for_an_address_is_rate_limited(app):
    email = unique_email("flood")
    await make_user(email)
    async with new_browser(app) as b:
        for _ in range(5):
            r = await b.post("/api/v1/auth/login-link", json={"email": email})
            assert r.status_code == 202
        r = await b.post("/api/v1/auth/login-link", json={"email": email})
    assert_problem(r, 429)
    retry = int(r.headers["retry-after"])
    assert 0 < retry <= 15 * 60
    assert len(await outbox(email, "login_link")) == 5
    # A flood from one client locks nobody else out: another client still gets a link...
    async with new_browser(app) as other:
        r = await other.post("/api/v1/auth/login-link", json={"email": email.upper()})
        assert r.status_code == 202
    assert len(await outbox(email, "login_link")) == 6
    # ...but however many clients ask, one address gets at most 10 links per window,
    # and the answer stays 202 (no enumeration, no lock-out).
    for _ in range(8):
        async with new_browser(app) as more:
            r = await more.post("/api/v1/auth/login-link", json={"email": email})
            assert r.status_code == 202
    assert len(await outbox(email, "login_link")) == 10


async def test_login_link_requests_at_once_are_not_errors(app):
    email = unique_email("double")
    await make_user(email)
    async with new_browser(app) as b:
        responses = await asyncio.gather(
            *(b.post("/api/v1/auth/login-link", json={"email": email}) for _ in range(4))
        )
    assert [r.status_code for r in responses] == [202] * 4, [r.text for r in responses]
    assert len(await outbox(email, "login_link")) == 4


async def test_logout_ends_the_session(app):
    email = unique_email("logout")
    await make_user(email)
    async with new_browser(app) as b:
        r = await sign_in(b, email)
        assert r.status_code == 303
        old = b.cookies[COOKIE]
        assert (await b.get("/api/v1/me")).status_code == 200
        r = await b.post("/api/v1/auth/logout")
        assert r.status_code == 204
        assert (await b.get("/api/v1/me")).status_code == 401
    async with new_browser(app) as replay:
        r = await replay.get("/api/v1/me", headers={"Cookie": f"{COOKIE}={old}"})
        assert_problem(r, 401)


async def test_me_without_credentials_is_401(browser):
    assert_problem(await browser.get("/api/v1/me"), 401)


async def test_change_my_language(browser):
    email = unique_email("lang")
    _, token = await make_user(email)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await browser.get("/api/v1/me", headers=headers)).json()["language"] == "nb"
    r = await browser.patch("/api/v1/me", json={"language": "en"}, headers=headers)
    assert r.status_code == 200
    assert r.json()["language"] == "en"
    assert (await browser.get("/api/v1/me", headers=headers)).json()["language"] == "en"
    r = await browser.patch("/api/v1/me", json={"language": "de"}, headers=headers)
    assert_problem(r, 400, "language")
    assert (await browser.get("/api/v1/me", headers=headers)).json()["language"] == "en"


async def test_my_name_cannot_be_blanked(browser):
    email = unique_email("blank")
    _, token = await make_user(email)
    headers = {"Authorization": f"Bearer {token}"}
    r = await browser.patch("/api/v1/me", json={"name": "  Nytt Navn "}, headers=headers)
    assert r.status_code == 200
    assert r.json()["name"] == "Nytt Navn"
    r = await browser.patch("/api/v1/me", json={"name": "   "}, headers=headers)
    assert r.status_code in (400, 422), r.text
    assert_problem(r, r.status_code, "name")
    assert (await browser.get("/api/v1/me", headers=headers)).json()["name"] == "Nytt Navn"


# --- CSRF ----------------------------------------------------------------------------------


async def test_cross_site_requests_with_the_cookie_are_refused(app):
    email = unique_email("csrf")
    _, token = await make_user(email)
    async with new_browser(app) as b:
        assert (await sign_in(b, email)).status_code == 303

        r = await b.patch(
            "/api/v1/me", json={"language": "en"}, headers={"Origin": "https://evil.example"}
        )
        assert_problem(r, 403)
        r = await b.patch("/api/v1/me", json={"language": "en"}, headers={"Origin": "null"})
        assert_problem(r, 403)
        r = await b.patch(
            "/api/v1/me", json={"language": "en"}, headers={"Sec-Fetch-Site": "cross-site"}
        )
        assert_problem(r, 403)
        r = await b.post(
            "/api/v1/me/tokens",
            json={"label": "stolen"},
            headers={"Origin": "https://evil.example"},
        )
        assert_problem(r, 403)
        me = await b.get("/api/v1/me")
        assert me.json()["language"] == "nb"
        tokens = await b.get("/api/v1/me/tokens")
        assert [t["label"] for t in tokens.json()] == ["tests"]
        # Reading with a foreign Origin is harmless and allowed.
        r = await b.get("/api/v1/me", headers={"Origin": "https://evil.example"})
        assert r.status_code == 200

        own = load_settings().base_url
        r = await b.patch("/api/v1/me", json={"language": "en"}, headers={"Origin": own})
        assert r.status_code == 200
        assert r.json()["language"] == "en"
        r = await b.patch(
            "/api/v1/me",
            json={"language": "nb"},
            headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
        )
        assert r.status_code == 200
        assert r.json()["language"] == "nb"

    async with new_browser(app) as script:
        r = await script.patch(
            "/api/v1/me",
            json={"language": "en"},
            headers={
                "Authorization": f"Bearer {token}",
                "Origin": "https://evil.example",
                "Sec-Fetch-Site": "cross-site",
            },
        )
        assert r.status_code == 200
        assert r.json()["language"] == "en"


# --- API tokens ----------------------------------------------------------------------------


async def test_api_token_lifecycle(app, actors):
    email = unique_email("tokens")
    await make_user(email)
    async with new_browser(app) as b:
        assert (await sign_in(b, email)).status_code == 303
        r = await b.post("/api/v1/me/tokens", json={"label": "calendar script"})
        assert r.status_code in (200, 201)
        created = r.json()
        secret = created["token"]
        assert created["label"] == "calendar script"
        assert len(secret) >= 32

        listed = (await b.get("/api/v1/me/tokens")).json()
        mine = [t for t in listed if t["id"] == created["id"]]
        assert len(mine) == 1
        assert mine[0]["label"] == "calendar script"
        assert "token" not in mine[0]
        assert secret not in str(listed)

    async with new_browser(app) as script:
        bearer = {"Authorization": f"Bearer {secret}"}
        me = await script.get("/api/v1/me", headers=bearer)
        assert me.status_code == 200
        assert me.json()["email"] == email

        # Another user cannot see or revoke it.
        r = await script.delete(
            f"/api/v1/me/tokens/{created['id']}", headers=actors["admin"].headers
        )
        assert_problem(r, 404)
        assert (await script.get("/api/v1/me", headers=bearer)).status_code == 200

        r = await script.delete(f"/api/v1/me/tokens/{created['id']}", headers=bearer)
        assert r.status_code in (200, 204)
        assert_problem(await script.get("/api/v1/me", headers=bearer), 401)
        r = await script.delete(
            f"/api/v1/me/tokens/{created['id']}", headers=actors["admin"].headers
        )
        assert_problem(r, 404)


async def test_only_the_hash_of_an_api_token_is_stored(browser):
    email = unique_email("hash")
    _, token = await make_user(email)
    r = await browser.post(
        "/api/v1/me/tokens", json={"label": "x"}, headers={"Authorization": f"Bearer {token}"}
    )
    secret = r.json()["token"]
    row = await ApiToken.select().where(ApiToken.id == int(r.json()["id"])).first()
    assert row is not None
    assert row["token_hash"] != secret
    for column, value in row.items():
        assert secret not in str(value), f"the secret is stored in {column}"


async def test_bad_credentials_are_401_problems(browser):
    r = await browser.get("/api/v1/me", headers={"Authorization": "Bearer sam_bogus"})
    body = assert_problem(r, 401)
    assert "token" in body["detail"].lower()
    r = await browser.get("/api/v1/me", headers={"Authorization": "Basic x"})
    assert_problem(r, 401)
    r = await browser.get("/api/v1/me", headers={"Authorization": "Bearer "})
    assert_problem(r, 401)
    r = await browser.get("/api/v1/me", headers={"Cookie": f"{COOKIE}=forged"})
    assert_problem(r, 401)


async def test_deactivated_users_token_stops_working(browser):
    email = unique_email("gone")
    user_id, token = await make_user(email)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await browser.get("/api/v1/me", headers=headers)).status_code == 200
    await User.update({User.active: False}).where(User.id == user_id)
    assert_problem(await browser.get("/api/v1/me", headers=headers), 401)


# --- sign-up and approval ------------------------------------------------------------------


async def test_signup_with_the_municipality_domain_is_active_at_once(app):
    email = unique_email("ansatt", "kristiansand.kommune.no")
    async with new_browser(app) as b:
        r = await b.post(
            "/api/v1/auth/signup",
            json={"email": email, "name": "Kari Ansatt", "municipality": "4204"},
        )
        assert r.status_code == 202
        path = await only_link(email, "signup_confirm")
        r = await follow_link(b, path)
        assert r.status_code == 303
        assert r.headers["location"] == "/"
        session_cookie_header(r)
        me = await b.get("/api/v1/me")
        assert me.status_code == 200
        assert me.json()["email"] == email
        assert me.json()["name"] == "Kari Ansatt"
        assert me.json()["municipality"] == "4204"
        assert me.json()["roles"] == []
    assert await outbox(email, "approval_needed") == []
    # Now a known, active user: a login link works.
    async with new_browser(app) as b:
        assert (await sign_in(b, email)).status_code == 303


async def test_signup_from_a_foreign_domain_waits_for_approval(app, actors):
    email = unique_email("frivillig", "gmail.com")
    async with new_browser(app) as b:
        r = await b.post(
            "/api/v1/auth/signup",
            json={"email": email, "name": "Ola Frivillig", "municipality": "4204"},
        )
        assert r.status_code == 202
        r = await follow_link(b, await only_link(email, "signup_confirm"))
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/html")
        assert "godkjenning" in r.text.lower()
        assert COOKIE not in r.headers.get("set-cookie", "")
        assert (await b.get("/api/v1/me")).status_code == 401

    # Not yet active: no login link.
    async with new_browser(app) as b:
        assert (await b.post("/api/v1/auth/login-link", json={"email": email})).status_code == 202
    assert await outbox(email, "login_link") == []

    rows = (
        await OutboxMessage.select()
        .where(OutboxMessage.kind == "approval_needed")
        .output(load_json=True)
    )
    recipients = {r["recipient"] for r in rows if r["context"].get("applicant_email") == email}
    assert actors["coordinator"].email in recipients
    assert actors["admin"].email in recipients
    assert actors["other_coordinator"].email not in recipients
    assert actors["participant"].email not in recipients

    async with new_browser(app) as c:

        async def pending(actor: str) -> list[dict[str, Any]]:
            r = await c.get("/api/v1/approvals", headers=actors[actor].headers)
            assert r.status_code == 200
            return [p for p in r.json() if p["email"] == email]

        for_coordinator = await pending("coordinator")
        assert len(for_coordinator) == 1
        assert for_coordinator[0]["name"] == "Ola Frivillig"
        assert for_coordinator[0]["municipality"] == "4204"
        user_id = for_coordinator[0]["id"]
        assert [p["id"] for p in await pending("admin")] == [user_id]
        assert await pending("other_coordinator") == []

        assert_problem(await c.get("/api/v1/approvals", headers=actors["participant"].headers), 403)
        assert_problem(await c.get("/api/v1/approvals"), 401)
        r = await c.post(
            f"/api/v1/approvals/{user_id}/approve", headers=actors["participant"].headers
        )
        assert_problem(r, 403)
        r = await c.post(
            f"/api/v1/approvals/{user_id}/approve", headers=actors["other_coordinator"].headers
        )
        assert_problem(r, 404)
        assert await outbox(email, "account_approved") == []

        r = await c.post(
            f"/api/v1/approvals/{user_id}/approve", headers=actors["coordinator"].headers
        )
        assert r.status_code == 204
        assert await pending("coordinator") == []
        assert await pending("admin") == []
        r = await c.post(f"/api/v1/approvals/{user_id}/approve", headers=actors["admin"].headers)
        assert_problem(r, 404)

        users = (await c.get("/api/v1/admin/users", headers=actors["admin"].headers)).json()
        (me,) = [u for u in users if u["email"] == email]
        assert me["active"] is True
        assert me["status"] == "active"

    approved = await outbox(email, "account_approved")
    assert len(approved) == 1
    async with new_browser(app) as b:
        r = await sign_in(b, email)
        assert r.status_code == 303
        assert (await b.get("/api/v1/me")).json()["email"] == email


async def test_signup_for_an_existing_active_user_sends_a_login_link(browser):
    email = unique_email("again")
    await make_user(email)
    r = await browser.post(
        "/api/v1/auth/signup", json={"email": email, "name": "Again", "municipality": "4204"}
    )
    assert r.status_code == 202
    assert await outbox(email, "signup_confirm") == []
    assert len(await outbox(email, "login_link")) == 1


async def test_signup_with_bad_input_is_a_problem(browser):
    r = await browser.post(
        "/api/v1/auth/signup",
        json={"email": unique_email("nomuni"), "name": "N", "municipality": "9999"},
    )
    assert r.status_code in (400, 422)
    assert_problem(r, r.status_code, "municipality")
    r = await browser.post(
        "/api/v1/auth/signup",
        json={"email": unique_email("nomuni"), "name": "N", "municipality": "Kristiansand"},
    )
    assert r.status_code in (400, 422)
    assert_problem(r, r.status_code, "municipality")
    r = await browser.post(
        "/api/v1/auth/signup", json={"email": unique_email("noname"), "municipality": "4204"}
    )
    assert_problem(r, 400, "name")


# --- user administration -----------------------------------------------------------------


async def test_admin_creates_and_lists_users(app, browser, actors):
    admin = actors["admin"].headers
    email = unique_email("ny.koordinator")
    r = await browser.post(
        "/api/v1/admin/users",
        json={
            "email": email,
            "name": "Ny Koordinator",
            "municipality": "5501",
            "roles": ["coordinator:nord"],
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["email"] == email
    assert body["municipality"] == "5501"
    assert body["roles"] == ["coordinator:nord"]

    r = await browser.post(
        "/api/v1/admin/users",
        json={"email": email.upper(), "name": "Twin", "municipality": "5501"},
        headers=admin,
    )
    assert_problem(r, 409)

    bad = unique_email("bad.role")
    r = await browser.post(
        "/api/v1/admin/users",
        json={"email": bad, "name": "Bad Role", "roles": ["boss"]},
        headers=admin,
    )
    assert_problem(r, 422, "roles")
    r = await browser.post(
        "/api/v1/admin/users",
        json={"email": bad, "name": "Bad Role", "roles": ["coordinator:atlantis"]},
        headers=admin,
    )
    assert_problem(r, 422, "roles")

    r = await browser.get("/api/v1/admin/users", headers=admin)
    assert r.status_code == 200
    users = {u["email"]: u for u in r.json()}
    assert users[email]["roles"] == ["coordinator:nord"]
    assert users[email]["active"] is True
    assert bad not in users

    # The new coordinator can sign in, and is shown as the network's contact once they
    # agree to be listed (not before).
    async with new_browser(app) as b:
        assert (await sign_in(b, email)).status_code == 303
        assert (await b.get("/api/v1/me")).json()["roles"] == ["coordinator:nord"]
        nord = (await browser.get("/api/v1/networks/nord")).json()
        assert email not in {c["email"] for c in nord["coordinators"]}
        r = await b.patch("/api/v1/me", json={"listed": True})
        assert r.status_code == 200, r.text
    nord = (await browser.get("/api/v1/networks/nord")).json()
    assert email in {c["email"] for c in nord["coordinators"]}


async def test_creating_the_same_user_twice_at_once_is_a_conflict(browser, actors):
    email = unique_email("twice")
    body = {"email": email, "name": "Twice", "municipality": "4204"}
    responses = await asyncio.gather(
        *(
            browser.post("/api/v1/admin/users", json=body, headers=actors["admin"].headers)
            for _ in range(3)
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409], [r.text for r in responses]
    users = (await browser.get("/api/v1/admin/users", headers=actors["admin"].headers)).json()
    assert [u["email"] for u in users].count(email) == 1


async def test_only_admins_manage_users(browser, actors):
    new = {"email": unique_email("sneaky"), "name": "Sneaky", "roles": ["admin"]}
    for role in ("participant", "coordinator", "finance"):
        headers = actors[role].headers
        assert_problem(await browser.post("/api/v1/admin/users", json=new, headers=headers), 403)
        assert_problem(await browser.get("/api/v1/admin/users", headers=headers), 403)
    assert_problem(await browser.post("/api/v1/admin/users", json=new), 401)
    assert_problem(await browser.get("/api/v1/admin/users"), 401)
    users = (await browser.get("/api/v1/admin/users", headers=actors["admin"].headers)).json()
    assert new["email"] not in {u["email"] for u in users}


# --- command line ---------------------------------------------------------------------------


async def samling(
    samling_bin: Any, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run,
        [str(samling_bin), *args],
        env=os.environ if env is None else env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_cli_user_token_and_login_link(app, migrated, samling_bin):
    email = unique_email("cli")
    r = await samling(
        samling_bin,
        "user",
        "add",
        email,
        "--name",
        "Cli Person",
        "--municipality",
        "4204",
        "--role",
        "coordinator:vest",
        "finance",
    )
    assert r.returncode == 0, r.stderr

    r = await samling(samling_bin, "token", "create", email)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 1, r.stdout
    token = lines[0].strip()
    async with new_browser(app) as b:
        me = await b.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200
        assert me.json()["email"] == email
        assert me.json()["name"] == "Cli Person"
        assert me.json()["municipality"] == "4204"
        assert sorted(me.json()["roles"]) == ["coordinator:vest", "finance"]

    r = await samling(samling_bin, "login-link", email)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 1, r.stdout
    url = urlsplit(lines[0].strip())
    assert url.scheme in ("http", "https")
    assert url.path == "/auth/login"
    async with new_browser(app) as b:
        r = await follow_link(b, f"{url.path}?{url.query}")
        assert r.status_code == 303
        assert (await b.get("/api/v1/me")).json()["email"] == email


async def test_cli_refuses_unknown_users_and_bad_roles(migrated, samling_bin):
    nobody = unique_email("cli.nobody")
    for args in (("token", "create", nobody), ("login-link", nobody)):
        r = await samling(samling_bin, *args)
        assert r.returncode != 0
        assert r.stdout.strip() == ""
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert nobody in r.stderr

    email = unique_email("cli.badrole")
    r = await samling(samling_bin, "user", "add", email, "--name", "X", "--role", "boss")
    assert r.returncode != 0
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "boss" in r.stderr
    assert await User.select().where(User.email == email) == []

    r = await samling(samling_bin, "user", "add", email, "--name", "X", "--municipality", "9999")
    assert r.returncode != 0
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert await User.select().where(User.email == email) == []


async def test_cli_on_an_unmigrated_database_says_so_in_one_line(samling_bin, tmp_path):
    env = {**os.environ, "SAMLING_DATABASE_URL": f"sqlite:///{tmp_path}/empty.db"}
    email = unique_email("cli.empty")
    for args in (
        ("user", "add", email, "--name", "X"),
        ("token", "create", email),
        ("login-link", email),
    ):
        r = await samling(samling_bin, *args, env=env)
        assert r.returncode != 0, args
        assert "Traceback" not in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
