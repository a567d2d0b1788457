"""Signing in and signing up on the pages, as a person (and their mail scanner) does it.

A link from a mail opens a page with one button; opening it, however often, spends
nothing; the button's POST signs in once and returns to a local `next`. Sign-up asks
for name, e-mail and municipality and never tells whether an address is known. In
development the sign-in page lists the demo accounts; in production that route is 404.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import AsyncIterator
from html import unescape
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from conftest import new_browser
from mail_fixtures import SESSION_COOKIE, follow_link, link_path, mail_link, open_link, sign_in_form

from service.accounts import service as accounts
from service.db.tables import OutboxMessage, User
from service.settings import load_settings

EN = {"Accept-Language": "en"}


def unique_email(tag: str, domain: str = "example.no") -> str:
    return f"{tag}.{uuid.uuid4().hex[:10]}@{domain}"


@pytest.fixture
async def browser(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with new_browser(app) as c:
        yield c


async def mailed_links(recipient: str, kind: str) -> list[str]:
    rows = (
        await OutboxMessage.select()
        .where((OutboxMessage.recipient == recipient.lower()) & (OutboxMessage.kind == kind))
        .order_by(OutboxMessage.id)
        .output(load_json=True)
    )
    return [mail_link(r) for r in rows]


async def only_link(recipient: str, kind: str) -> str:
    links = await mailed_links(recipient, kind)
    assert len(links) == 1, f"expected one {kind} mail to {recipient}, got {len(links)}"
    return links[0]


async def new_user(tag: str = "page", domain: str = "example.no") -> str:
    email = unique_email(tag, domain)
    await accounts.create_user(email, "Page Person", "4204", [], "tests")
    return email


async def who(browser: httpx.AsyncClient) -> str | None:
    r = await browser.get("/api/v1/me")
    return r.json()["email"] if r.status_code == 200 else None


def session_cookies(r: httpx.Response) -> list[str]:
    return [c for c in r.headers.get_list("set-cookie") if c.startswith(f"{SESSION_COOKIE}=")]


def field_error(html: str, name: str) -> str:
    """The validation message shown next to a field (and wired to it)."""
    found = re.search(rf'<p class="ds-validation-message"[^>]*id="error-{name}">([^<]*)</p>', html)
    assert found, f"no message next to {name}"
    control = re.search(rf'<(?:input|select)[^>]*id="field-{name}"[^>]*>', html)
    assert control and 'aria-invalid="true"' in control.group(0), f"{name} not marked invalid"
    assert f"error-{name}" in control.group(0), f"{name} not described by its message"
    return found.group(1)


def hidden_fields(html: str, action: str) -> dict[str, str]:
    """The hidden fields of the page's form that posts to `action`."""
    forms = re.findall(rf'<form method="post" action="{action}"[^>]*>(.*?)</form>', html, re.S)
    assert len(forms) == 1, f"not one form posting to {action}"
    fields = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', forms[0])
    return {name: unescape(value) for name, value in fields}


async def ask_for_link(browser: httpx.AsyncClient, email: str, **extra: str) -> httpx.Response:
    r = await browser.post("/login", data={"email": email, **extra})
    assert r.status_code == 200, r.text
    return r


# --- signing in through the mailed link -------------------------------------------------


async def test_opening_the_link_twice_spends_nothing_and_the_button_signs_in_once(app, browser):
    email = await new_user("scanner")
    page = await browser.get("/login")
    assert page.status_code == 200
    assert 'autocomplete="email"' in page.text and 'for="field-email"' in page.text
    r = await ask_for_link(browser, email)
    assert "Sjekk e-posten" in r.text
    link = await only_link(email, "login_link")

    # A mail scanner opens the link, twice; a person then opens it too.
    async with new_browser(app) as scanner:
        for _ in range(2):
            seen = await open_link(scanner, link)
            assert seen.status_code == 200
            assert await who(scanner) is None
    page = await open_link(browser, link)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert page.text.count('action="/auth/login"') == 1  # one button
    assert await who(browser) is None

    r = await browser.post("/auth/login", data=sign_in_form(page.text))
    assert r.status_code == 303
    assert r.headers["location"] == "/"
    assert len(session_cookies(r)) == 1
    assert await who(browser) == email

    # The button works once: pressed again (anywhere) or opened again, the link is dead.
    async with new_browser(app) as other:
        again = await other.post("/auth/login", data=sign_in_form(page.text))
        assert again.status_code == 400
        assert "Lenken virker ikke" in again.text
        assert 'href="/login"' in again.text
        assert not session_cookies(again)
        assert await who(other) is None
        reopened = await other.get(link_path(link))
        assert reopened.status_code == 400 and "Lenken virker ikke" in reopened.text


async def test_a_fresh_session_id_replaces_the_one_the_browser_had(browser):
    first, second = await new_user("first"), await new_user("second")
    await ask_for_link(browser, first)
    r = await follow_link(browser, await only_link(first, "login_link"))
    old = session_cookies(r)[0].split(";")[0].split("=", 1)[1]
    await ask_for_link(browser, second)
    r = await follow_link(browser, await only_link(second, "login_link"))
    new = session_cookies(r)[0].split(";")[0].split("=", 1)[1]
    assert new != old
    assert await who(browser) == second
    stale = await browser.get("/api/v1/me", headers={"Cookie": f"{SESSION_COOKIE}={old}"})
    assert stale.status_code == 401


async def test_sign_in_returns_to_the_local_page_the_user_came_from(browser):
    email = await new_user("next")
    target = "/gatherings?network=vest&x=1"
    page = await browser.get("/login", params={"next": target})
    assert hidden_fields(page.text, "/login")["next"] == target
    await ask_for_link(browser, email, next=target)
    link = await only_link(email, "login_link")
    assert parse_qs(urlsplit(link).query)["next"] == [target]
    form = sign_in_form((await open_link(browser, link)).text)
    assert form["next"] == target
    r = await browser.post("/auth/login", data=form)
    assert r.status_code == 303
    assert r.headers["location"] == target


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"],
)
async def test_a_next_off_this_site_goes_to_the_front_page(browser, target):
    email = await new_user("evil")
    page = await browser.get("/login", params={"next": target})
    assert "next" not in hidden_fields(page.text, "/login")
    await ask_for_link(browser, email, next=target)
    link = await only_link(email, "login_link")
    assert "next" not in parse_qs(urlsplit(link).query)
    # A doctored link, or a doctored form, still lands at home.
    doctored = link_path(link) + "&next=" + quote(target, safe="")
    page = await open_link(browser, doctored)
    assert "next" not in sign_in_form(page.text)
    form = {**sign_in_form(page.text), "next": target}
    r = await browser.post("/auth/login", data=form)
    assert r.status_code == 303
    assert r.headers["location"] == "/"


async def test_another_site_cannot_press_the_button(app, browser):
    email = await new_user("csrf")
    await ask_for_link(browser, email)
    link = await only_link(email, "login_link")
    form = sign_in_form((await open_link(browser, link)).text)
    async with new_browser(app) as victim:
        r = await victim.post("/auth/login", data=form, headers={"Origin": "https://evil.example"})
        assert r.status_code == 403
        assert await who(victim) is None
    assert (await browser.post("/auth/login", data=form)).status_code == 303  # not spent


async def test_the_sign_in_form_checks_the_address_in_both_languages(browser):
    r = await browser.post("/login", data={"email": ""})
    assert r.status_code == 400
    assert field_error(r.text, "email") == "Skriv inn e-postadressen din."
    assert 'href="#field-email"' in r.text  # the error summary links to the field
    r = await browser.post("/login", data={"email": "not an address"}, headers=EN)
    assert r.status_code == 400
    assert field_error(r.text, "email") == "Enter an e-mail address like name@kommune.no."
    assert 'value="not an address"' in r.text


async def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(browser):
    known, unknown = await new_user("known"), unique_email("unknown")
    a = await ask_for_link(browser, known)
    b = await ask_for_link(browser, unknown)
    assert a.text.replace(known, "ADDRESS") == b.text.replace(unknown, "ADDRESS")
    assert await mailed_links(unknown, "login_link") == []
    assert len(await mailed_links(known, "login_link")) == 1


async def test_asking_too_often_is_refused_with_a_message(browser):
    email = unique_email("often")
    for _ in range(5):
        await ask_for_link(browser, email)
    r = await browser.post("/login", data={"email": email}, headers=EN)
    assert r.status_code == 429
    assert "Too many attempts. Try again in" in r.text


async def test_pages_name_each_other_and_carry_the_security_headers(browser):
    email = await new_user("headers")
    await ask_for_link(browser, email)
    link_page = await open_link(browser, await only_link(email, "login_link"))
    pages = {
        "/login": await browser.get("/login"),
        "/signup": await browser.get("/signup"),
        "check mail": await browser.post("/login", data={"email": unique_email("x")}),
        "link": link_page,
        "dead link": await browser.get("/auth/login?token=nonsense"),
    }
    for name, r in pages.items():
        csp = r.headers.get("content-security-policy", "")
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, name
        assert r.headers["x-content-type-options"] == "nosniff", name
        assert r.headers["content-type"].startswith("text/html"), name
        assert "<script>" not in r.text and " style=" not in r.text, name
    assert 'href="/signup"' in pages["/login"].text
    assert 'href="/login"' in pages["/signup"].text
    # same-origin, not no-referrer: with no-referrer Chromium posts the button with
    # `Origin: null`, which the cross-site check must refuse; the token still never
    # leaves the site in a Referer.
    assert pages["link"].headers["referrer-policy"] == "same-origin"


# --- signing up -----------------------------------------------------------------------------


async def test_the_signup_page_offers_every_municipality_grouped_by_county(browser):
    r = await browser.get("/signup")
    assert r.status_code == 200
    assert 'autocomplete="name"' in r.text and 'autocomplete="email"' in r.text
    groups = dict(re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', r.text, re.S))
    known = (await browser.get("/api/v1/municipalities", params={"limit": 1000})).json()
    assert len(groups) == len({m["county"] for m in known}) > 5
    for m in known:
        assert (
            f'<option value="{m["number"]}">{m["name"]}</option>' in groups[m["county"] or "–"]
        ), m
    numbers = re.findall(r'<option value="(\d+)"', r.text)
    assert sorted(numbers) == sorted(m["number"] for m in known)


async def test_signing_up_with_the_municipality_domain_gives_an_active_account(app, browser):
    email = unique_email("ny", "kristiansand.kommune.no")
    form = {"name": "Nina Ny", "email": email, "municipality": "4204"}
    r = await browser.post("/signup", data=form)
    assert r.status_code == 200
    assert "Sjekk e-posten" in r.text and email in r.text
    link = await only_link(email, "signup_confirm")
    r = await follow_link(browser, link)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert await who(browser) == email
    me = (await browser.get("/api/v1/me")).json()
    assert me["name"] == "Nina Ny" and me["municipality"] == "4204"
    # and later signs in the ordinary way
    async with new_browser(app) as later:
        await ask_for_link(later, email)
        assert (await follow_link(later, await only_link(email, "login_link"))).status_code == 303
        assert await who(later) == email


async def test_signing_up_from_another_domain_waits_for_approval(browser):
    email = unique_email("frivillig", "gmail.com")
    form = {"name": "Frida Frivillig", "email": email, "municipality": "4204"}
    r = await browser.post("/signup", data=form, headers=EN)
    assert r.status_code == 200 and "Check your mail" in r.text
    r = await follow_link(browser, await only_link(email, "signup_confirm"))
    assert r.status_code == 200
    assert "Venter på godkjenning" in r.text
    assert not session_cookies(r)
    assert await who(browser) is None
    row = await User.select(User.active, User.email_confirmed_at).where(User.email == email).first()
    assert row is not None and not row["active"] and row["email_confirmed_at"] is not None


async def test_the_signup_answer_does_not_tell_a_known_address(browser):
    known = await new_user("kjent")
    unknown = unique_email("ukjent")
    a = await browser.post("/signup", data={"name": "A", "email": known, "municipality": "4204"})
    b = await browser.post("/signup", data={"name": "A", "email": unknown, "municipality": "4204"})
    assert a.status_code == b.status_code == 200
    assert a.text.replace(known, "ADDRESS") == b.text.replace(unknown, "ADDRESS")


@pytest.mark.parametrize(
    ("headers", "messages"),
    [
        (
            {},
            {
                "name": "Skriv inn navnet ditt.",
                "email": "Skriv en e-postadresse som navn@kommune.no.",
                "municipality": "Velg kommunen din fra listen.",
            },
        ),
        (
            EN,
            {
                "name": "Enter your name.",
                "email": "Enter an e-mail address like name@kommune.no.",
                "municipality": "Choose your municipality from the list.",
            },
        ),
    ],
)
async def test_signup_errors_sit_next_to_their_fields_and_nothing_is_stored(
    browser, headers, messages
):
    r = await browser.post(
        "/signup", data={"name": " ", "email": "nope@", "municipality": "9999"}, headers=headers
    )
    assert r.status_code == 400
    for name, text in messages.items():
        assert field_error(r.text, name) == text
    assert 'value="nope@"' in r.text
    # one field wrong: the others keep what was typed, and no account is made
    email = unique_email("nesten")
    r = await browser.post(
        "/signup", data={"name": "", "email": email, "municipality": "4204"}, headers=headers
    )
    assert r.status_code == 400
    assert field_error(r.text, "name") == messages["name"]
    assert f'value="{email}"' in r.text
    assert re.search(r'<option value="4204" selected>', r.text)
    assert not await User.exists().where(User.email == email)
    assert await mailed_links(email, "signup_confirm") == []


# --- demo accounts ----------------------------------------------------------------------------


async def demo_account() -> Any:
    """The first demo account (the admin), present as `samling demo` makes the people."""
    from service.demo.accounts import demo_accounts
    from service.demo.people import ensure_people

    await ensure_people()
    return demo_accounts()[0]


async def test_in_development_the_demo_accounts_sign_in_with_one_click(app, browser):
    account = await demo_account()
    page = await browser.get("/login", params={"next": "/me"})
    assert 'action="/login/demo"' in page.text
    assert f'value="{account.email}"' in page.text
    # each with its role, a coordinator with the network's name
    from service.demo.accounts import demo_accounts
    from service.lib import i18n
    from service.lib.labels import ROLE, label
    from service.networks.service import list_networks

    coordinator = next(a for a in demo_accounts() if a.role.startswith("coordinator:"))
    network = {n.slug: n.name for n in await list_networks()}[coordinator.role.split(":")[1]]
    with i18n.use("nb"):
        admin_label, coordinator_label = label(ROLE, "admin"), label(ROLE, "coordinator")
    assert f"<td>{admin_label}</td>" in page.text
    assert f"<td>{coordinator_label}, {network}</td>" in page.text
    assert f"Logg inn som {coordinator.name}" in page.text
    r = await browser.post("/login/demo", data={"email": account.email, "next": "/me"})
    assert r.status_code == 303 and r.headers["location"] == "/me"
    assert await who(browser) == account.email
    # only the demo accounts: another address is not signed in this way
    async with new_browser(app) as other:
        someone = await new_user("notdemo")
        r = await other.post("/login/demo", data={"email": someone})
        assert r.status_code == 404
        assert await who(other) is None


async def test_in_production_there_are_no_demo_accounts(migrated):
    from service.app import create_app

    account = await demo_account()
    settings = dataclasses.replace(
        load_settings(),
        env="production",
        secret_key="p" * 40,
        base_url="https://samling.example.org",
    )
    transport = httpx.ASGITransport(app=create_app(settings))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        page = await c.get("/login")
        assert page.status_code == 200
        assert "/login/demo" not in page.text and account.email not in page.text
        r = await c.post("/login/demo", data={"email": account.email})
        assert r.status_code == 404
        assert not session_cookies(r)


async def test_a_visitor_signing_up_in_nynorsk_gets_a_nynorsk_account_and_mail(browser):
    email = unique_email("nynorsk", "gmail.com")
    form = {"name": "Nils Nynorsk", "email": email, "municipality": "4204"}
    r = await browser.post("/signup", data=form, headers={"Cookie": "samling_lang=nn"})
    assert r.status_code == 200 and '<html lang="nn"' in r.text
    user = await User.select(User.language).where(User.email == email).first()
    assert user is not None and user["language"] == "nn"
    (row,) = await OutboxMessage.select(OutboxMessage.language).where(
        (OutboxMessage.recipient == email) & (OutboxMessage.kind == "signup_confirm")
    )
    assert row["language"] == "nn"


async def test_another_site_cannot_make_us_send_sign_in_or_sign_up_mails(browser):
    email = await new_user("crosssite")
    evil = {"Origin": "https://evil.example"}
    r = await browser.post("/login", data={"email": email}, headers=evil)
    assert r.status_code == 403
    form = {"name": "Eve", "email": unique_email("eve"), "municipality": "4204"}
    assert (await browser.post("/signup", data=form, headers=evil)).status_code == 403
    assert await mailed_links(email, "login_link") == []
    assert await mailed_links(form["email"], "signup_confirm") == []


async def test_the_link_page_does_not_copy_the_token_into_its_other_links(browser):
    email = await new_user("tokenlinks")
    await ask_for_link(browser, email)
    link = await only_link(email, "login_link")
    token = parse_qs(urlsplit(link).query)["token"][0]
    html = (await open_link(browser, link)).text
    # Only the sign-in form itself carries it.
    assert html.count(token) == 1, "the token shows up outside the sign-in form"
