"""An administrator's journeys, in Chromium: granting a coordinator role (the new
coordinator then finds their dashboard), importing a malformed SSB file (the page names
the line and nothing is imported), and every admin page checked by axe (WCAG 2.1 A/AA)
at 1280 and 360 px, with screenshots. The admin works on the pages; the new person signs
in through a mailed link; a finance officer's entered bank account comes from the API.
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
    Server,
    check_at_both_widths,
    exactly,
    screenshot,
    sign_in,
    t,
    valid_account,
)


def new_admin(server: Server, lang: str = "nb") -> str:
    """An administrator of our own who reads `lang` (the demo's admin reads English)."""
    address = f"admin.{lang}.{uuid.uuid4().hex[:6]}@example.org"
    body = {"email": address, "name": f"Admin {lang}", "roles": ["admin"], "language": lang}
    r = server.api(ADMIN).post("/api/v1/admin/users", json=body)
    assert r.status_code == 201, r.text
    return address


def test_an_admin_makes_a_coordinator_who_then_sees_their_dashboard(new_page, server: Server):
    name = f"Kari Koordinator {uuid.uuid4().hex[:4]}"
    address = server.add_user(name, "4204")
    networks = server.api(ADMIN).get("/api/v1/networks").json()
    network = next(n for n in networks if n["slug"] == "vest")

    admin = new_page("nb")
    sign_in(admin, server, new_admin(server))
    admin.get_by_role("link", name=exactly("Administration")).click()
    admin.get_by_role("navigation", name=t("Administration")).get_by_role(
        "link", name=exactly("Users")
    ).click()
    admin.get_by_label(t("Name, e-mail address or municipality")).fill(name)
    admin.get_by_role("button", name=exactly("Search")).click()
    admin.get_by_role("link", name=name).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(name)
    role = t("Coordinator, {network}").format(network=network["name"])
    admin.get_by_label(role, exact=True).check()
    admin.get_by_role("button", name=exactly("Save roles")).click()
    expect(admin.get_by_role("status").or_(admin.locator(".ds-alert")).first).to_contain_text(
        t("The roles are saved.")
    )
    expect(admin.get_by_label(role, exact=True)).to_be_checked()

    coordinator = new_page("nb")
    sign_in(coordinator, server, address)
    nav = coordinator.get_by_role("navigation", name=t("Main menu"))
    nav.get_by_role("link", name=exactly("My networks")).click()
    expect(coordinator).to_have_url(re.compile(r"/coordinator$"))
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(t("My networks"))
    expect(coordinator.locator("main")).to_contain_text(network["name"])


def test_an_admin_imports_a_malformed_ssb_file_and_sees_the_line(new_page, server: Server):
    header = "code;parentCode;level;name;shortName;presentationName;validFrom;validTo;notes"
    rows = ['"9801";"";"1";"Riktigvik";"";"";"";"";""', '"98x2";"";"1";"Feilvik";"";"";"";"";""']
    content = ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8")

    admin = new_page("nb")
    sign_in(admin, server, new_admin(server))
    admin.goto("/admin")
    admin.get_by_role("link", name=exactly("Import SSB's classification")).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(t("Import municipalities"))
    field = admin.get_by_label(t("SSB classification file (CSV)"))
    field.set_input_files({"name": "klass-feil.csv", "mimeType": "text/csv", "buffer": content})
    admin.get_by_role("button", name=exactly("Import")).click()

    problem = admin.locator("#error-file")
    expect(problem).to_contain_text("linje 3")
    expect(problem).to_contain_text("98x2")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(admin.get_by_role("alert")).to_contain_text("klass-feil.csv")
    listed = {m["number"] for m in server.api(ADMIN).get("/api/v1/municipalities").json()}
    assert "9801" not in listed, "a file with a problem imports nothing"
    screenshot(admin, "admin-import-error", "nb", 1280)

    # The corrected file imports, and the page says what was added.
    fixed = content.replace(b"98x2", b"9802")
    field = admin.get_by_label(t("SSB classification file (CSV)"))
    field.set_input_files({"name": "klass.csv", "mimeType": "text/csv", "buffer": fixed})
    admin.get_by_role("button", name=exactly("Import")).click()
    expect(admin.get_by_role("status").first).to_contain_text("2 lagt til")
    expect(admin.get_by_role("link", name="9802 Feilvik")).to_be_visible()


ADMIN_PAGES = [
    ("admin", "/admin"),
    ("admin-users", "/admin/users"),
    ("admin-user", "/admin/users/{user}"),
    ("admin-networks", "/admin/networks"),
    ("admin-municipalities", "/admin/municipalities?county=42"),
    ("admin-municipality", "/admin/municipalities/4204"),
    ("admin-import", "/admin/import"),
    ("admin-mail", "/admin/mail"),
    ("admin-audit", "/admin/audit"),
]


@pytest.mark.parametrize("lang", LANGS)
def test_the_admin_pages_pass_axe_at_both_widths(new_page, server: Server, lang: str):
    # A bank account waiting for a second person, so the municipality's page shows it.
    finance = server.api(FINANCE)
    r = finance.patch("/api/v1/municipalities/4204", json={"bank_account": valid_account(4211)})
    assert r.status_code == 200, r.text
    address = new_admin(server, lang)
    user = server.api(address).get("/api/v1/me").json()["id"]
    page: Any = new_page(lang, bypass_csp=True)
    sign_in(page, server, address)
    problems = []
    for name, path in ADMIN_PAGES:
        page.set_viewport_size({"width": 1280, "height": 900})
        response = page.goto(path.format(user=user))
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        problems += check_at_both_widths(page, path, lang)
    assert not problems, "\n".join(problems)
