"""Finance's journey, in Chromium: one finance officer attests a demo claim (for a
gathering that has ended, with attendance marked) and is then refused approving it; a
second one approves it, makes a payout batch of it and downloads both bank files. The
claim's receipts show inside its page with the CSP in force. Then every finance page
passes axe (WCAG 2.1 A/AA) in nb, nn and en at 1280 and 360 px, with screenshots.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from .browser_support import (
    ADMIN,
    FINANCE,
    LANGS,
    SCREENSHOTS,
    Server,
    check_at_both_widths,
    exactly,
    screenshot,
    sign_in,
    t,
)
from .test_csp import RECORD_VIOLATIONS


def new_finance(server: Server, name: str, lang: str = "nb") -> str:
    address = f"finance.{lang}.{uuid.uuid4().hex[:6]}@example.org"
    body = {"email": address, "name": name, "roles": ["finance"], "language": lang}
    r = server.api(ADMIN).post("/api/v1/admin/users", json=body)
    assert r.status_code == 201, r.text
    return address


def _submitted_claim(server: Server) -> dict[str, Any]:
    """The oldest submitted demo claim (the accessibility sweep looks at the newest)."""
    claims = server.api(FINANCE).get("/api/v1/claims", params={"status": "submitted"}).json()
    assert claims, "the demo has no submitted claim"
    return dict(claims[-1])


def test_two_finance_officers_attest_approve_and_pay_out_a_claim(new_page, server: Server):
    claim = _submitted_claim(server)
    claim_id = claim["id"]
    first = new_page("nb")
    violations: list[str] = []
    first.add_init_script(RECORD_VIOLATIONS)
    first.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    sign_in(first, server, new_finance(server, "Frida Først"))

    # -- the queue and the claim --------------------------------------------------------
    first.get_by_role("navigation", name=t("Main menu")).get_by_role(
        "link", name=exactly("Review claims")
    ).click()
    expect(first.get_by_role("heading", level=1)).to_have_text(t("Claims to review"))
    first.get_by_label(t("Status")).select_option("submitted")
    first.get_by_role("button", name=exactly("Show")).click()
    expect(first).to_have_url(re.compile(r"/review\?status=submitted"))
    row = first.locator("tr", has=first.locator(f'a[href="/claims/{claim_id}"]'))
    expect(row).to_have_count(1)
    screenshot(first, "finance-review", "nb", 1280)
    row.get_by_role("link").click()
    expect(first).to_have_url(re.compile(rf"/claims/{claim_id}$"))
    if claim["receipts"]:  # shown inside the page, within its CSP
        frame = first.locator("iframe.receipt__pdf").first
        expect(frame).to_be_visible()
        src = frame.get_attribute("src")
        assert src and src.startswith(f"/claims/{claim_id}/receipts/")
        answer = first.request.get(src)
        assert answer.ok and answer.headers["content-type"] == "application/pdf"
        assert "sandbox" in answer.headers["content-security-policy"]
        # A full-page shot leaves the PDF viewer blank: this one shows the receipt itself,
        # once the viewer has drawn it (its blank grey compresses to almost nothing).
        frame.scroll_into_view_if_needed()
        for _ in range(50):
            if len(frame.screenshot()) > 15_000:
                break
            first.wait_for_timeout(100)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        first.screenshot(path=str(SCREENSHOTS / "finance-claim-receipt-nb-1280.png"))
    first.wait_for_load_state("networkidle")
    assert not violations and not first.evaluate("() => window.__csp"), violations
    expect(first.get_by_role("region", name=t("Check before deciding"))).to_be_visible()
    screenshot(first, "finance-claim", "nb", 1280)

    # -- the first officer attests, and may not approve too ---------------------------
    # The decision posts and comes back to the claim. Pressed from the keyboard: Chromium's
    # PDF viewer above may still scroll the page as it settles, and a click by coordinates
    # then lands beside the button.
    with first.expect_navigation():
        first.get_by_role("button", name=exactly("Attest")).press("Enter")
    refusal = first.locator('.ds-alert[data-color="danger"], .ds-error-summary')
    assert refusal.count() == 0, f"attesting was refused: {refusal.all_inner_texts()}"
    expect(first.get_by_role("status")).to_contain_text(t("The claim is attested."))
    expect(first.locator("main")).to_contain_text(
        t("You attested this claim, so someone else in finance approves it.")
    )
    expect(first.get_by_role("button", name=exactly("Approve"))).to_have_count(0)
    refused = first.request.post(
        f"/claims/{claim_id}/decide", form={"action": "approve"}, headers={"Origin": server.base}
    )
    assert refused.status == 403, refused.status
    assert t("The attester cannot also approve the claim") in refused.text()

    # -- the second officer approves and pays it out ----------------------------------
    second = new_page("nb")
    sign_in(second, server, new_finance(server, "Sigurd Sist"))
    second.goto(f"/claims/{claim_id}")
    with second.expect_navigation():
        second.get_by_role("button", name=exactly("Approve")).press("Enter")
    second.wait_for_load_state()
    refusal = second.locator('.ds-alert[data-color="danger"], .ds-error-summary')
    assert refusal.count() == 0, f"approving was refused: {refusal.all_inner_texts()}"
    expect(second.get_by_role("status")).to_contain_text(t("The claim is approved."))
    second.get_by_role("navigation", name=t("Main menu")).get_by_role(
        "link", name=exactly("Payouts")
    ).click()
    for box in second.locator('input[name="claim"]').all():
        if box.get_attribute("value") != claim_id:
            box.uncheck()
    expect(second.locator(f'input[name="claim"][value="{claim_id}"]')).to_be_checked()
    second.get_by_role("button", name=exactly("Make a payout")).click()
    expect(second.get_by_role("status")).to_contain_text(
        t("The payout is made: download the bank file and pay it.")
    )
    payout_id = second.url.rstrip("/").rsplit("/", 1)[1]
    with second.expect_download() as csv_download:
        second.get_by_role("link", name=exactly("Download CSV")).click()
    with second.expect_download() as xml_download:
        second.get_by_role("link", name=exactly("Download the payment file (pain.001)")).click()
    csv_text = open(csv_download.value.path(), encoding="utf-8-sig").read()
    assert claim["municipality_name"] in csv_text, csv_text
    xml = open(xml_download.value.path(), encoding="utf-8").read()
    assert "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03" in xml
    assert csv_download.value.suggested_filename.endswith(".csv")
    assert xml_download.value.suggested_filename == f"pain001-{payout_id}.xml"
    screenshot(second, "finance-payout", "nb", 1280)
    done = server.api(FINANCE).get(f"/api/v1/claims/{claim_id}").json()
    assert done["status"] == "approved" and done["payout"] == payout_id
    assert done["attested_by"] != done["decided_by"]


FINANCE_PAGES = [
    ("finance", "/finance"),
    ("finance-review-all", "/review?status=all"),
    ("finance-claim-flags", "/claims/{claim}"),
    ("finance-budgets", "/finance/budgets"),
    ("finance-rates", "/finance/rates"),
    ("finance-rates-error", None),  # the rate form with a field refused
    ("finance-exports", "/finance/exports"),
]


@pytest.mark.parametrize("lang", LANGS)
def test_the_finance_pages_pass_axe_at_both_widths(new_page, server: Server, lang: str):
    claim = _submitted_claim(server)["id"]
    page: Any = new_page(lang, bypass_csp=True)
    sign_in(page, server, new_finance(server, f"Finans {lang}", lang))
    problems = []
    for name, path in FINANCE_PAGES:
        page.set_viewport_size({"width": 1280, "height": 900})
        if path is None:
            page.goto("/finance/rates")
            page.get_by_label(re.compile(re.escape(t("Driving, per km", lang)))).fill("fem")
            page.get_by_role("button", name=exactly("Add the rate table", lang)).click()
            expect(page.locator("#error-km")).to_be_visible()
        else:
            response = page.goto(path.format(claim=claim))
            assert response is not None and response.ok, f"{path}: {response and response.status}"
        problems += check_at_both_widths(page, name, lang)
    assert not problems, "\n".join(problems)
