"""Keyboard only: a participant signs in, registers for a gathering and submits a travel
claim with Tab, Shift+Tab, Enter, Space and typing, never the mouse; after every Tab the
focused element shows a focus indicator (a computed outline or box-shadow). The claim
is drafted before the gathering and submitted once it is over (the test moves the
gathering into the past on the server's database, as the demo does)."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from datetime import date

from playwright.sync_api import expect

from .browser_support import (
    COORDINATOR,
    Server,
    create_gathering,
    focused,
    named,
    t,
    tab_to,
    type_date,
    valid_account,
)

END_GATHERING = """
import asyncio, sys
from service.db.tx import atomic
from service.demo.gatherings import move_into_past

async def main():
    async with atomic():
        await move_into_past(int(sys.argv[1]), int(sys.argv[2]))

asyncio.run(main())
"""


def end_gathering(server: Server, gid: str, days: int) -> None:
    """Let `days` pass: the gathering (with its programme, meals and registrations) is
    moved that far back on the server's database."""
    r = subprocess.run(
        [sys.executable, "-c", END_GATHERING, gid, str(days)],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr


def _when(iso: str, lang: str = "nb") -> str:
    from datetime import datetime

    from service.lib import i18n

    with i18n.use(lang):
        return i18n.datetime_text(datetime.fromisoformat(iso))


def _status(code: str, lang: str = "nb") -> str:
    from service.lib import i18n
    from service.lib.labels import CLAIM_STATUS, label

    with i18n.use(lang):
        return label(CLAIM_STATUS, code)


def test_register_and_claim_with_the_keyboard_alone(new_page, server: Server) -> None:
    title = f"Fagdag på tastaturet {uuid.uuid4().hex[:4]}"
    gid = create_gathering(server, COORDINATOR, title, 30, days_ahead=20)
    start = date.fromisoformat(
        server.api(COORDINATOR).get(f"/api/v1/gatherings/{gid}").json()["starts_at"][:10]
    )
    participant = server.add_user("Tina Tastatur", "4204")
    page = new_page("nb")

    # The mailed link's page: Tab to its one button and press Enter.
    page.goto(server.login_link(participant))
    tab_to(page, named(t("Sign in"), "button"), "the Sign-in button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("button", name=t("Sign out"))).to_be_visible()

    # The skip link comes first and takes focus to the main content.
    page.goto("/")
    first = tab_to(page, lambda f: True, "anything")
    assert first["name"] == t("Skip to main content"), first
    page.keyboard.press("Enter")
    # From the front page to the gathering.
    tab_to(page, named(title, "a"), f"the link to {title}")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)

    # The registration form: type, tick with Space, send with Enter.
    tab_to(page, named(t("Dietary needs or allergies"), "textarea"), "the dietary field")
    page.keyboard.type("Glutenfri")
    tab_to(page, named(t("I need accommodation"), "input"), "the accommodation box")
    page.keyboard.press("Space")
    assert page.get_by_label(t("I need accommodation")).is_checked()
    tab_to(page, named(t("Register"), "button"), "the Register button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text(t("You have a place."))).to_be_visible()

    # The claim form, reached from the gathering page.
    tab_to(page, named(t("Make a travel claim"), "a"), "the claim link")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("New travel claim"))
    tab_to(page, lambda f: f["tag"] == "input" and f["type"] == "date", "the mileage date")
    type_date(page, start)
    assert page.locator("input[name='mileage.date']").input_value() == start.isoformat()
    tab_to(page, named(t("Kilometres in all"), "input"), "the kilometres")
    page.keyboard.type("212")
    tab_to(page, named(t("Route"), "input"), "the route")
    page.keyboard.type("Vennesla–Kristiansand tur/retur")
    tab_to(page, named(t("Account number for the payout"), "input"), "the account")
    page.keyboard.type(valid_account(4204))
    # Back up one field with Shift+Tab and forward again: the route is still there.
    back = tab_to(page, lambda f: f["tag"] == "input", "the field before", backwards=True)
    assert back["indicated"]
    tab_to(page, named(t("Save draft"), "button"), "the Save draft button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/claims/\d+$"))
    expect(page.locator("main")).to_contain_text(_status("draft"))
    expect(page.locator("main")).to_contain_text("Vennesla–Kristiansand")
    # Not before the gathering has ended: the page says so instead of offering the button.
    expect(page.get_by_role("button", name=t("Submit claim"))).to_have_count(0)
    ends = server.api(COORDINATOR).get(f"/api/v1/gatherings/{gid}").json()["ends_at"]
    expect(page.locator("main")).to_contain_text(
        t(
            "You can save and change the claim now and submit it once the gathering has "
            "ended (%(ends)s).",
            ends=_when(ends),
        )
    )

    end_gathering(server, gid, 30)
    page.reload()
    tab_to(page, named(t("Submit claim"), "button"), "the Submit button")
    with page.expect_navigation():
        page.keyboard.press("Space")
    expect(page.locator("main")).to_contain_text(_status("submitted"))
    claims = server.api(participant).get("/api/v1/claims").json()
    assert [(c["gathering_title"], c["status"]) for c in claims] == [(title, "submitted")]
    assert focused(page) is None or focused(page)["indicated"]
