"""A visitor's and a participant's journeys through the pages, in Chromium.

Everything a person does here happens on the pages (typing, pressing buttons, following
links); only what other people do meanwhile (a coordinator publishing gatherings, someone
else cancelling) goes through the API. Mails are read from the SMTP sink.
"""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.sync_api import expect

from .browser_support import (
    ADMIN,
    COORDINATOR,
    Server,
    create_gathering,
    exactly,
    link_in,
    screenshot,
    t,
    text_of,
)


def _subject(title_msgid: str, lang: str, **params: str):
    wanted = t(title_msgid, lang, **params)
    return lambda mail: str(mail["Subject"]).strip() == wanted


def test_a_visitor_signs_up_and_confirms_through_the_mailed_link(new_page, server: Server):
    # The municipality knows its mail domain: an address on it is active once confirmed.
    domain = f"signup-{uuid.uuid4().hex[:6]}.example.org"
    api = server.api(ADMIN)
    known = api.get("/api/v1/municipalities/4204").json()["email_domains"]
    r = api.patch("/api/v1/municipalities/4204", json={"email_domains": [*known, domain]})
    assert r.status_code == 200, r.text
    address = f"siri.signup@{domain}"

    page = new_page("nb")
    page.goto("/")
    page.get_by_role("link", name=exactly("Sign in")).click()
    page.get_by_role("link", name=exactly("Create an account")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Create an account"))

    # Sent empty first: each field says what is missing, and nothing is lost after.
    page.get_by_role("button", name=exactly("Create account")).click()
    expect(page.get_by_text(t("Enter your name."), exact=True).first).to_be_visible()
    page.get_by_label(t("Your name")).fill("Siri Signup")
    page.get_by_label(t("Work e-mail address")).fill(address)
    page.get_by_label(t("Municipality")).select_option(label="Kristiansand")
    page.get_by_role("button", name=exactly("Create account")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Check your mail"))
    expect(page.get_by_text(address).first).to_be_visible()

    mail = server.wait_mail(address, what="the sign-up confirmation")
    assert "Siri Signup" in text_of(mail)
    link = link_in(mail, server, "/")
    # A mail scanner opening the link first does not spend it.
    assert httpx.get(link, timeout=10).status_code == 200

    page.goto(link)
    buttons = page.get_by_role("button", name=exactly("Sign in"))
    expect(buttons).to_have_count(1)
    page.locator("main").get_by_role("button", name=exactly("Sign in")).click()
    expect(page.get_by_role("button", name=exactly("Sign out"))).to_be_visible()
    expect(page.locator("header")).to_contain_text("Siri Signup")

    # The link is spent now: opening it again says so.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(t("This link does not work"))


def test_an_address_off_the_municipalitys_domains_waits_for_approval(new_page, server: Server):
    address = f"ola.outside.{uuid.uuid4().hex[:6]}@example.net"
    page = new_page("nb")
    page.goto("/signup")
    page.get_by_label(t("Your name")).fill("Ola Outside")
    page.get_by_label(t("Work e-mail address")).fill(address)
    page.get_by_label(t("Municipality")).select_option(label="Kristiansand")
    page.get_by_role("button", name=exactly("Create account")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Check your mail"))

    page.goto(link_in(server.wait_mail(address, what="the sign-up confirmation"), server))
    page.locator("main").get_by_role("button", name=exactly("Sign in")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Waiting for approval"))
    expect(page.get_by_role("link", name=exactly("Sign in"))).to_be_visible()


def test_a_participants_journey(new_page, server: Server):
    """Sign in through a mailed link, register, wait, get promoted, subscribe, switch to
    English, cancel with confirmation."""
    tag = uuid.uuid4().hex[:4]
    coordinator = COORDINATOR
    open_title = f"Fagdag om samtaler {tag}"
    full_title = f"Nettverkssamling i Arendal {tag}"
    open_id = create_gathering(server, coordinator, open_title, 20, days_ahead=40)
    full_id = create_gathering(server, coordinator, full_title, 1, days_ahead=50)
    other = server.add_user("Olav Annen", "1103")
    r = server.api(other).post(f"/api/v1/gatherings/{full_id}/registrations", json={})
    assert r.status_code == 201 and r.json()["status"] == "confirmed", r.text
    others_place = r.json()["id"]

    participant = server.add_user("Pia Deltaker", "4204")
    page = new_page("nb")

    # -- signing in through a mailed link --------------------------------------------
    page.goto(f"/gatherings/{open_id}")
    page.get_by_role("link", name=exactly("Sign in to register")).click()
    page.get_by_label(t("E-mail address")).fill(participant)
    page.get_by_role("button", name=exactly("Send me a sign-in link")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Check your mail"))
    link = link_in(server.wait_mail(participant, what="the sign-in link"), server, "/auth/")
    assert httpx.get(link, timeout=10).status_code == 200  # a mail scanner looks first
    page.goto(link)
    expect(page.get_by_role("button", name=exactly("Sign in"))).to_have_count(1)
    page.locator("main").get_by_role("button", name=exactly("Sign in")).click()
    # Back on the page the participant came from, signed in.
    expect(page).to_have_url(re.compile(rf"/gatherings/{open_id}$"))
    expect(page.get_by_role("button", name=exactly("Sign out"))).to_be_visible()

    # -- registering --------------------------------------------------------------------
    page.get_by_label(t("Dietary needs or allergies")).fill("Vegetar")
    page.get_by_role("button", name=exactly("Register")).click()
    expect(page.get_by_text(t("You have a place."))).to_be_visible()
    server.wait_mail(
        participant,
        _subject("Registration confirmed: %(title)s", "nb", title=open_title),
        what="the registration mail",
    )
    screenshot(page, "journey-gathering", "nb", 1280)

    # -- the waiting list of a full gathering ---------------------------------------------
    page.goto(f"/gatherings/{full_id}")
    full = (
        "The gathering is full. If you register, you are put on the waiting list and get a "
        "place as soon as one is free."
    )
    expect(page.get_by_text(t(full))).to_be_visible()
    page.get_by_role("button", name=exactly("Join the waiting list")).click()
    expect(page.get_by_text(t("You are number %(n)s on the waiting list.", n=1))).to_be_visible()
    page.goto("/me")
    expect(page.get_by_text(t("Number %(n)s on the waiting list", n=1))).to_be_visible()

    # -- someone else cancels: promoted -----------------------------------------------------
    r = server.api(other).post(f"/api/v1/registrations/{others_place}/cancel")
    assert r.status_code == 200, r.text
    server.wait_mail(
        participant,
        _subject("You have a place: %(title)s", "nb", title=full_title),
        what="the promotion mail",
    )
    page.goto(f"/gatherings/{full_id}")
    expect(page.get_by_text(t("You have a place."))).to_be_visible()
    page.goto("/me")
    expect(page.get_by_text(t("Number %(n)s on the waiting list", n=1))).to_have_count(0)
    screenshot(page, "journey-me", "nb", 1280)

    # -- the calendar subscription --------------------------------------------------------
    page.get_by_role("link", name=exactly("Subscribe to my calendar")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("My calendar"))
    feed = page.get_by_label(t("Or copy the address into your calendar app")).input_value()
    assert feed.startswith(server.base), feed
    webcal = page.get_by_role("link", name=exactly("Apple Calendar or Outlook on your computer"))
    assert webcal.get_attribute("href") == "webcal://" + feed.split("://", 1)[1]
    r = httpx.get(feed, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/calendar")
    unfolded = r.text.replace("\r\n ", "").replace("\r\n\t", "")
    assert open_title in unfolded and full_title in unfolded
    screenshot(page, "journey-calendar", "nb", 1280)

    # -- English, from the header ------------------------------------------------------
    page.locator("header").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My calendar")
    page.get_by_role("link", name=exactly("My page", "en")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My page")

    # -- cancelling, with a confirmation -------------------------------------------------
    # The button names its gathering for screen readers ("Cancel my place: <title>").
    name = re.compile(rf"^Cancel my place\s*:\s*{re.escape(open_title)}$")
    page.get_by_role("button", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel my place?")
    expect(page.locator("main")).to_contain_text(open_title)
    page.get_by_role("button", name="Yes, cancel my place").click()
    expect(page).to_have_url(re.compile(r"/me$"))
    expect(page.get_by_role("status")).to_contain_text("Your registration is cancelled.")
    expect(page.get_by_role("button", name=name)).to_have_count(0)
    item = page.get_by_role("listitem").filter(has=page.get_by_role("link", name=open_title))
    expect(item).to_contain_text("Cancelled")
    mail = server.wait_mail(
        participant,
        _subject("Registration cancelled: %(title)s", "en", title=open_title),
        what="the cancellation mail in English",
    )
    assert mail["Subject"] != t("Registration cancelled: %(title)s", "nb", title=open_title)
    mine = server.api(participant).get("/api/v1/me/registrations").json()
    mine = {r["gathering"]: r["status"] for r in mine}
    assert mine == {open_id: "cancelled", full_id: "confirmed"}
