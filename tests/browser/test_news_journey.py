"""Reports and news in Chromium: a coordinator writes the report of a held gathering
from its page (a preview first), uploads a photo with its alt text (refused without
one), publishes, and the report shows on the gathering's page with the photo. Then the
news list, a post and the editor pass axe (WCAG 2.1 A/AA) in nb, nn and en at 1280 and
360 px without scrolling sideways, with screenshots."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from .browser_support import (
    ADMIN,
    COORDINATOR,
    LANGS,
    Server,
    check_at_both_widths,
    exactly,
    sign_in,
    t,
)

SEMINAR = "Nettverksseminar i Oslo: nyttige knep i støttekontaktarbeidet"  # held, no report
KRISTIANSAND = "Sett og verdsatt: nettverkssamling i Kristiansand"  # the demo's report


def _coordinator(server: Server, lang: str) -> str:
    """A coordinator of agder-rogaland who reads Samling in `lang`."""
    address = f"referent.{lang}.{uuid.uuid4().hex[:6]}@example.org"
    body = {
        "email": address,
        "name": f"Referent {lang}",
        "municipality": "4204",
        "roles": ["coordinator:agder-rogaland"],
        "language": lang,
    }
    r = server.api(ADMIN).post("/api/v1/admin/users", json=body)
    assert r.status_code == 201, r.text
    return address


def _gathering(server: Server, title: str) -> str:
    items = server.api(COORDINATOR).get("/api/v1/gatherings?network=agder-rogaland").json()
    return next(g["id"] for g in items if g["title"] == title)


def _photo(tmp: Path) -> Path:
    path = tmp / "gruppebilde.jpg"
    image = Image.new("RGB", (2400, 1600), (0, 98, 186))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    path.write_bytes(out.getvalue())
    return path


def test_a_coordinator_writes_a_report(new_page, server: Server, tmp_path: Path):
    gid = _gathering(server, SEMINAR)
    page = new_page("nb")
    sign_in(page, server, COORDINATOR)
    page.goto(f"/gatherings/{gid}")
    page.get_by_role("link", name=exactly("Write the report")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Write the report"))
    title = page.get_by_label(t("Title"), exact=True)
    expect(title).to_have_value(t("Report: {title}", title=SEMINAR))
    title.fill("Nyttige knep i støttekontaktarbeidet")
    page.get_by_label(t("Summary"), exact=True).fill(
        "Rekruttering, gruppeorganisering og Fritid med bistand på seminaret i Oslo."
    )
    page.get_by_label(t("Text"), exact=True).fill(
        "Deltakere fra Rogaland og Agder delte fikse triks.\n\n## Rekruttering\n\n"
        "- Annonse i lokalavisen\n- Stand på frivillighetsdagen\n\n<script>alert(1)</script>"
    )
    with page.expect_navigation():
        page.get_by_role("button", name=exactly("Preview")).click()
    preview = page.locator(".preview")
    expect(preview.get_by_role("heading", name="Rekruttering")).to_be_visible()
    expect(preview.locator("script")).to_have_count(0)
    with page.expect_navigation():
        page.get_by_role("button", name=exactly("Save as draft")).click()
    expect(page.get_by_role("status")).to_contain_text(
        t("The draft is saved. Add photos and attachments, then publish it.")
    )

    # a photo without alt text is refused, with the error next to the field
    photo = _photo(tmp_path)
    page.get_by_label(t("Photo"), exact=True).set_input_files(str(photo))
    with page.expect_navigation():
        page.get_by_role("button", name=exactly("Add the photo")).click()
    expect(page.locator("#error-alt")).to_have_text(
        t("Describe the photo for those who cannot see it (alt text)")
    )
    page.get_by_label(t("Photo"), exact=True).set_input_files(str(photo))
    page.get_by_label(t("Alt text"), exact=True).fill("Et blått fotografi uten motiv")
    page.get_by_label(t("Caption (optional)"), exact=True).fill("Fra seminaret")
    with page.expect_navigation():
        page.get_by_role("button", name=exactly("Add the photo")).click()
    expect(page.get_by_role("status")).to_contain_text(t("The photo is added."))
    image = page.get_by_role("img", name="Et blått fotografi uten motiv")
    expect(image).to_have_attribute("width", "1600")

    with page.expect_navigation():
        page.get_by_role("button", name=exactly("Publish the post")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Nyttige knep i støttekontaktarbeidet"
    )
    expect(page.get_by_role("status")).to_contain_text(t("The post is published."))

    # everyone sees it on the gathering's page, with the photo
    visitor = new_page("nb")
    visitor.goto(f"/gatherings/{gid}")
    report = visitor.locator(
        "section", has=visitor.get_by_role("heading", name=t("Report from the gathering"))
    )
    expect(report.get_by_role("link", name="Nyttige knep i støttekontaktarbeidet")).to_be_visible()
    expect(report.get_by_role("img", name="Et blått fotografi uten motiv")).to_be_visible()
    visitor.goto("/news")
    expect(visitor.get_by_role("link", name="Nyttige knep i støttekontaktarbeidet")).to_be_visible()


@pytest.mark.parametrize("lang", LANGS)
def test_the_news_pages_pass_axe_at_both_widths(new_page, server: Server, lang: str):
    gid = _gathering(server, KRISTIANSAND)
    items = server.api(COORDINATOR).get(f"/api/v1/posts?gathering={gid}").json()["items"]
    pid = items[0]["id"]
    page: Any = new_page(lang, bypass_csp=True)

    visits: list[tuple[str, str]] = [
        ("news-list", "/news"),
        ("news-post", f"/news/{pid}"),
        ("news-network", "/networks/agder-rogaland"),
        ("news-gathering", f"/gatherings/{gid}"),
        ("news-home", "/"),
    ]
    problems = []
    for name, path in visits:
        page.set_viewport_size({"width": 1280, "height": 900})
        response = page.goto(path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        problems += check_at_both_widths(page, name, lang)

    sign_in(page, server, _coordinator(server, lang))

    def preview() -> None:
        page.goto(f"/news/{pid}/edit")
        page.get_by_role("button", name=exactly("Preview", lang)).first.click()
        expect(page.locator(".preview")).to_be_visible()

    def refused() -> None:
        page.goto(f"/news/{pid}/edit")
        page.get_by_label(t("Title", lang), exact=True).fill("")
        page.get_by_role("button", name=exactly("Save", lang)).first.click()
        expect(page.locator("#error-title")).to_have_text(t("Write a title", lang))

    draft = server.api(COORDINATOR).post(
        "/api/v1/posts",
        json={"network": "agder-rogaland", "title": f"Utkast {lang}", "body": "Tekst."},
    )
    assert draft.status_code == 201, draft.text

    def confirm_delete() -> None:
        page.goto(f"/news/{draft.json()['id']}/edit")
        with page.expect_navigation():
            page.get_by_role("button", name=exactly("Delete the draft", lang)).click()
        expect(
            page.get_by_role("button", name=exactly("Yes, delete the draft", lang))
        ).to_be_visible()

    for name, go in (
        ("news-editor", lambda: page.goto(f"/news/{pid}/edit")),
        ("news-delete-confirm", confirm_delete),
        ("news-editor-preview", preview),
        ("news-editor-error", refused),
        ("news-new", lambda: page.goto("/coordinator/posts/new?network=agder-rogaland")),
    ):
        page.set_viewport_size({"width": 1280, "height": 900})
        go()
        problems += check_at_both_widths(page, name, lang)
    assert not problems, "\n".join(problems)
