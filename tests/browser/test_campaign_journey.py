"""Invitation campaigns in Chromium, on the demo (which sent a campaign to Rogaland,
Hordaland and Sogn og Fjordane): an administrator writes a new campaign and sees its
preview; a municipality opens the reply link from its letter in the sink (no account)
and answers; the network's coordinator finds the reply from the dashboard and selects
the municipality. Every campaign page (the admin's list, new, draft and sent campaign,
the reply page before and after answering, the coordinator's list and campaign) is
checked by axe at 1280 and 360 px in nb, nn and en, with screenshots.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from .browser_support import (
    ADMIN,
    COORDINATOR,
    LANGS,
    Server,
    check_at_both_widths,
    exactly,
    link_in,
    sign_in,
    t,
)

pytestmark = pytest.mark.browser

# Demo municipalities that got the letter and have not answered it (service/demo).
UNANSWERED = {
    "nb": "postmottak@stavanger.kommune.no",
    "nn": "postmottak@time.kommune.no",
    "en": "postmottak@bergen.kommune.no",
}


def demo_campaign(server: Server) -> dict[str, Any]:
    rows = server.api(ADMIN).get("/api/v1/campaigns").json()
    return next(c for c in rows if c["status"] == "sent")


def reply_link(server: Server, address: str) -> str:
    mail = server.wait_mail(
        address,
        lambda m: "/reply/" in m.get_body(("plain",)).get_content(),
        what="the campaign letter",
    )
    return link_in(mail, server, "/reply/")


def test_an_admin_writes_a_campaign_and_sees_who_gets_it(new_page, server: Server):
    admin = new_page("nb")
    sign_in(admin, server, ADMIN)
    admin.goto("/admin")
    admin.locator(".admin-cards").get_by_role(
        "link", name=exactly("Invitation campaigns", "en")
    ).click()
    admin.get_by_role("link", name=exactly("New campaign", "en")).click()
    title = f"Ny invitasjon {uuid.uuid4().hex[:4]}"
    admin.get_by_label(t("Title", "en"), exact=True).fill(title)
    admin.get_by_label("Nettverk Agder og Rogaland").check()
    admin.get_by_label("Rogaland", exact=True).check()
    admin.locator("#field-subject_nb").fill("Invitasjon til nettverk")
    admin.locator("#field-body_nb").fill("Kommunen **inviteres** til å delta.")
    with admin.expect_navigation():
        admin.get_by_role("button", name=exactly("Save the draft", "en")).first.click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(title)
    expect(admin.locator("main")).to_contain_text(t("Who gets the letter", "en"))
    expect(admin.locator(".letter-preview").first).to_be_attached()


@pytest.mark.parametrize("lang", LANGS)
def test_the_campaign_pages_pass_axe_at_both_widths(new_page, server: Server, lang: str):
    problems: list[str] = []
    campaign = demo_campaign(server)
    # the administrator (a page in `lang`; the demo admin's own language is English, so a
    # page asked for in another language is shown in the account's language: we check it)
    admin = new_page(lang, bypass_csp=True)
    sign_in(admin, server, ADMIN)
    for name, path in (
        ("campaigns-admin-list", "/admin/campaigns"),
        ("campaigns-admin-new", "/admin/campaigns/new"),
        ("campaigns-admin-sent", f"/admin/campaigns/{campaign['id']}"),
    ):
        admin.set_viewport_size({"width": 1280, "height": 900})
        admin.goto(path)
        problems += check_at_both_widths(admin, name, lang)
    drafts = [
        c for c in server.api(ADMIN).get("/api/v1/campaigns").json() if c["status"] == "draft"
    ]
    if drafts:
        admin.set_viewport_size({"width": 1280, "height": 900})
        admin.goto(f"/admin/campaigns/{drafts[0]['id']}")
        problems += check_at_both_widths(admin, "campaigns-admin-draft", lang)

    # the municipality's reply page, before and after answering
    visitor = new_page(lang, bypass_csp=True)
    visitor.goto(reply_link(server, UNANSWERED[lang]))
    expect(visitor.get_by_role("heading", level=1)).to_be_visible()
    problems += check_at_both_widths(visitor, "campaigns-reply", lang)
    visitor.set_viewport_size({"width": 1280, "height": 900})
    visitor.get_by_label(t("Yes, we want to take part", lang)).check()
    visitor.get_by_label(t("Contact person's name", lang)).fill("Kari Kontakt")
    visitor.get_by_label(t("Contact person's e-mail address", lang)).fill(
        f"kari.{lang}.{uuid.uuid4().hex[:4]}@example.org"
    )
    visitor.get_by_label(t("Contact person's role", lang)).fill("Leder")
    with visitor.expect_navigation():
        visitor.get_by_role("button", name=exactly("Send the reply", lang)).click()
    expect(visitor.locator("main")).to_contain_text(t("Reply registered", lang))
    problems += check_at_both_widths(visitor, "campaigns-reply-done", lang)

    # the coordinator: from the dashboard to the campaign, which lists the reply
    coordinator = new_page(lang, bypass_csp=True)
    sign_in(coordinator, server, COORDINATOR)
    coordinator.goto("/coordinator")
    # (the coordinator's pages are in the account's own language, whatever the browser asks)
    with coordinator.expect_navigation():
        coordinator.locator('main a[href="/coordinator/campaigns"]').click()
    problems += check_at_both_widths(coordinator, "campaigns-coordinator-list", lang)
    coordinator.set_viewport_size({"width": 1280, "height": 900})
    coordinator.goto(f"/coordinator/campaigns/{campaign['id']}")
    problems += check_at_both_widths(coordinator, "campaigns-coordinator", lang)
    assert not problems, "\n".join(problems)


def test_the_coordinator_selects_a_municipality_that_replied(new_page, server: Server):
    campaign = demo_campaign(server)
    visitor = new_page("nb")
    visitor.goto(reply_link(server, "postmottak@klepp.kommune.no"))
    expect(visitor.get_by_label("Nettverk Agder og Rogaland")).to_be_checked()  # its region
    visitor.get_by_label(t("Yes, we want to take part")).check()
    visitor.get_by_label(t("Contact person's name")).fill("Liv Klepp")
    visitor.get_by_label(t("Contact person's e-mail address")).fill("liv.klepp@example.org")
    visitor.get_by_label(t("Contact person's role")).fill("Fagleder")
    with visitor.expect_navigation():
        visitor.get_by_role("button", name=exactly("Send the reply")).press("Enter")
    expect(visitor.locator("main")).to_contain_text(t("Reply registered"))

    coordinator = new_page("nb")
    sign_in(coordinator, server, COORDINATOR)
    coordinator.goto(f"/coordinator/campaigns/{campaign['id']}")
    row = coordinator.locator(".recipient-row", has_text="Liv Klepp")
    with coordinator.expect_navigation():
        row.get_by_role("button", name=exactly("Select %(name)s", name="Klepp")).click()
    expect(coordinator.locator("main")).to_contain_text(
        t("The municipality is a member, and its contact person is sent a sign-up link.")
    )
    mail = server.wait_mail("liv.klepp@example.org", what="the sign-up link")
    assert "/signup?" in mail.get_body(("plain",)).get_content()
