"""Network documents and the coordinator directory, in Chromium: a coordinator uploads an
action plan from the network's documents page (a file that is not what its name says is
refused next to the field first), then a new version; a participant of a member
municipality sees both versions and downloads the current one; the network page lists
the document; /coordinators shows the listed demo coordinators with phone links and not
the one who has not agreed. Then the documents list, a document page and /coordinators
pass axe (WCAG 2.1 A/AA) in nb, nn and en at 1280 and 360 px without scrolling sideways,
with screenshots.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from service.documents.pdf import text_pdf

from .browser_support import (
    ADMIN,
    COORDINATOR,
    LANGS,
    Server,
    check_at_both_widths,
    exactly,
    screenshot,
    sign_in,
    t,
)

NETWORK = "agder-rogaland"


def new_coordinator(server: Server, name: str, lang: str) -> str:
    """A coordinator of the network who reads the pages in `lang` (an account's language
    wins over the browser's)."""
    address = f"dokumenter.{lang}.{uuid.uuid4().hex[:6]}@example.org"
    body = {
        "email": address,
        "name": name,
        "municipality": "1103",
        "roles": [f"coordinator:{NETWORK}"],
        "language": lang,
    }
    r = server.api(ADMIN).post("/api/v1/admin/users", json=body)
    assert r.status_code == 201, r.text
    return address


def a_pdf(title: str) -> bytes:
    return text_pdf(title, ["# Mål", "Alle medlemskommunene deltar på minst én samling."])


def _status(page: Any, msgid: str, lang: str = "nb") -> None:
    refusal = page.locator('.ds-alert[data-color="danger"], .ds-error-summary')
    assert refusal.count() == 0, f"refused: {refusal.all_inner_texts()}"
    expect(page.get_by_role("status")).to_contain_text(t(msgid, lang))


def upload_plan(server: Server, coordinator: str, title: str) -> str:
    """An action plan with two versions, through the API; returns its id."""
    api = server.api(coordinator)
    r = api.post(
        f"/api/v1/networks/{NETWORK}/documents",
        data={"title": title, "kind": "action_plan", "visibility": "members", "label": "2025"},
        files={"file": ("plan-2025.pdf", a_pdf(title + " 2025"), "application/pdf")},
    )
    assert r.status_code == 201, r.text
    doc_id = r.json()["id"]
    r = api.post(
        f"/api/v1/documents/{doc_id}/versions",
        data={"label": "2026", "note": "Nye mål for ventetid og oppfølging."},
        files={"file": ("plan-2026.pdf", a_pdf(title + " 2026"), "application/pdf")},
    )
    assert r.status_code == 201, r.text
    return str(doc_id)


def test_a_coordinator_uploads_a_plan_and_a_member_sees_both_versions(new_page, server: Server):
    tag = uuid.uuid4().hex[:4]
    title = f"Handlingsplan for Agder og Rogaland {tag}"
    coordinator = server.add_user("Ola Koordinator", "1103", f"coordinator:{NETWORK}")
    page = new_page("nb")
    sign_in(page, server, coordinator)
    page.goto(f"/networks/{NETWORK}/documents")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Documents"))

    form = page.locator(f'form[action="/networks/{NETWORK}/documents"]')
    form.get_by_label(t("Title"), exact=True).fill(title)
    form.get_by_label(t("Kind of document"), exact=True).select_option("action_plan")
    form.get_by_label(t("Who may see it"), exact=True).select_option("members")
    form.get_by_label(t("Version (optional)"), exact=True).fill("2025")
    # A Word file named .pdf: refused next to the file field, the title kept.
    word = b"PK\x03\x04" + b"\x00" * 30
    form.get_by_label(t("File"), exact=True).set_input_files(
        {"name": "plan.exe.pdf", "mimeType": "application/pdf", "buffer": word}
    )
    with page.expect_navigation():
        form.get_by_role("button", name=exactly("Upload")).click()
    expect(page.locator("#error-file")).to_be_visible()
    expect(page.get_by_label(t("Title"), exact=True)).to_have_value(title)
    screenshot(page, "documents-upload-error", "nb", 1280)

    form = page.locator(f'form[action="/networks/{NETWORK}/documents"]')
    form.get_by_label(t("File"), exact=True).set_input_files(
        {"name": "handlingsplan-2025.pdf", "mimeType": "application/pdf", "buffer": a_pdf("2025")}
    )
    with page.expect_navigation():
        form.get_by_role("button", name=exactly("Upload")).click()
    _status(page, "The document is added.")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    doc_path = page.url.split(server.base, 1)[1]

    form = page.locator(f'form[action="{doc_path}/versions"]')
    form.get_by_label(t("Version (optional)"), exact=True).fill("2026")
    form.get_by_label(t("What has changed (optional)"), exact=True).fill("Nye mål for 2026.")
    form.get_by_label(t("File"), exact=True).set_input_files(
        {"name": "handlingsplan-2026.pdf", "mimeType": "application/pdf", "buffer": a_pdf("2026")}
    )
    with page.expect_navigation():
        form.get_by_role("button", name=exactly("Upload the new version")).click()
    _status(page, "The new version is uploaded. It is now the current one.")
    versions = page.locator(".version-item")
    expect(versions).to_have_count(2)
    expect(versions.nth(0)).to_contain_text("2026")
    expect(versions.nth(1)).to_contain_text("2025")

    # A member municipality's participant (Kristiansand) sees both and downloads the current.
    member = server.add_user("Mari Medlem", "4204")
    seen = new_page("nb")
    sign_in(seen, server, member)
    seen.goto(f"/networks/{NETWORK}")
    seen.get_by_role("link", name=exactly(title)).first.click()
    expect(seen.get_by_role("heading", level=1)).to_have_text(title)
    expect(seen.locator(".version-item")).to_have_count(2)
    expect(seen.locator("main")).to_contain_text("Nye mål for 2026.")
    expect(seen.locator(f'form[action="{doc_path}/versions"]')).to_have_count(0)
    with seen.expect_download() as download:
        seen.get_by_role("link", name=exactly("Download the current version")).click()
    assert download.value.suggested_filename == "handlingsplan-2026.pdf"
    with open(download.value.path(), "rb") as f:
        assert f.read() == a_pdf("2026")
    screenshot(seen, "documents-member", "nb", 1280)

    # Someone from a municipality outside the network gets the 404 page.
    outsider = server.add_user("Per Utenfor", "5501")
    other = new_page("nb")
    sign_in(other, server, outsider)
    response = other.goto(doc_path)
    assert response is not None and response.status == 404
    other.goto(f"/networks/{NETWORK}")
    expect(other.locator("main")).not_to_contain_text(title)


def test_the_directory_shows_only_listed_coordinators(new_page, server: Server):
    page = new_page("nb")
    page.goto("/")
    page.get_by_role("link", name=exactly("Contact the networks")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Coordinators"))
    main = page.locator("main")
    expect(main.locator(f'a[href="mailto:{COORDINATOR}"]')).to_be_visible()
    expect(main.locator('a[href^="tel:+47"]').first).to_be_visible()
    expect(main).not_to_contain_text("Kari Nordmann")  # the demo's coordinator who said no
    expect(main).to_contain_text(
        t("No coordinator of this network is listed. Contact the programme to reach the network.")
    )


@pytest.mark.parametrize("lang", LANGS)
def test_the_document_pages_pass_axe_at_both_widths(new_page, server: Server, lang: str):
    coordinator = new_coordinator(server, f"Koordinator {lang}", lang)
    doc_id = upload_plan(server, coordinator, f"Handlingsplan {lang} {uuid.uuid4().hex[:4]}")
    page: Any = new_page(lang, bypass_csp=True)
    sign_in(page, server, coordinator)

    def upload_error() -> None:
        page.goto(f"/networks/{NETWORK}/documents")
        form = page.locator(f'form[action="/networks/{NETWORK}/documents"]')
        with page.expect_navigation():
            form.get_by_role("button", name=exactly("Upload", lang)).click()
        expect(page.locator("#error-title, #error-file").first).to_be_visible()

    visits: list[tuple[str, Any]] = [
        ("documents-list", f"/networks/{NETWORK}/documents"),
        ("documents-upload-refused", upload_error),
        ("documents-document", f"/documents/{doc_id}"),
        ("directory", "/coordinators"),
        ("network-with-documents", f"/networks/{NETWORK}"),
        ("me-directory-consent", "/me"),  # a coordinator's phone and directory consent
    ]
    problems = []
    for name, go in visits:
        page.set_viewport_size({"width": 1280, "height": 900})
        if callable(go):
            go()
        else:
            response = page.goto(go)
            assert response is not None and response.ok, f"{go}: {response and response.status}"
        problems += check_at_both_widths(page, name, lang)
    # The public list as an anonymous visitor sees it (no members-only documents, no form).
    anonymous: Any = new_page(lang, bypass_csp=True)
    anonymous.goto(f"/networks/{NETWORK}/documents")
    problems += check_at_both_widths(anonymous, "documents-list-public", lang)
    assert not problems, "\n".join(problems)
