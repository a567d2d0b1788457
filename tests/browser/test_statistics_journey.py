"""The statistics in Chromium: finance opens /statistics from the menu, changes the year
and the network in the filter form, and downloads the spreadsheet, whose figures match
the API's; a coordinator sees only the network they coordinate. Then the page (with its
SVG charts, one network, and a refused year) passes axe (WCAG 2.1 A/AA) in nb, nn and en
at 1280 and 360 px, with screenshots.
"""

from __future__ import annotations

import re
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import expect

from .browser_support import (
    COORDINATOR,
    FINANCE,
    LANGS,
    Server,
    check_at_both_widths,
    exactly,
    screenshot,
    sign_in,
    t,
)
from .test_csp import RECORD_VIOLATIONS
from .test_finance_journey import new_finance


def test_finance_filters_the_year_and_network_and_downloads_the_workbook(new_page, server):
    api = server.api(FINANCE)
    figures = api.get("/api/v1/statistics").json()
    year = figures["year"]
    assert len(figures["networks"]) >= 2, "the demo has a year of activity"
    nord = next(n for n in figures["networks"] if n["network"] == "nord")
    assert nord["figures"]["waitlist_peak"] >= 1 and nord["figures"]["claims_paid"] >= 1

    page = new_page("nb")
    violations: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    # A finance officer of their own: the demo's one may have chosen another language in
    # an earlier journey (the choice is stored on the account).
    sign_in(page, server, new_finance(server, "Stine Statistikk"))
    page.get_by_role("navigation", name=t("Main menu")).get_by_role(
        "link", name=exactly("Statistics")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Statistics %(year)s", year=year))
    expect(page.locator("svg[role=img]")).to_have_count(2)
    total_paid = page.locator("#networks-table tfoot td[data-key=paid_total]")
    expect(total_paid).to_have_count(1)
    shown = re.sub(r"\D", "", total_paid.inner_text())  # "6 797,30 kr" -> "679730"
    assert shown == figures["totals"]["paid_total"].replace(".", "")

    # the year before, then this year for one network
    page.get_by_label(t("Year"), exact=True).select_option(str(year - 1))
    page.get_by_role("button", name=exactly("Show")).click()
    expect(page).to_have_url(re.compile(rf"/statistics\?year={year - 1}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        t("Statistics %(year)s", year=year - 1)
    )
    page.get_by_label(t("Year"), exact=True).select_option(str(year))
    page.get_by_label(t("Network"), exact=True).select_option("nord")
    page.get_by_role("button", name=exactly("Show")).click()
    expect(page).to_have_url(re.compile(rf"/statistics\?year={year}&network=nord"))
    rows = page.locator("#networks-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-code", "nord")
    screenshot(page, "statistics-nord", "nb", 1280)

    with page.expect_download() as download:
        page.get_by_role("link", name=exactly("Download as a spreadsheet (XLSX)")).click()
    assert download.value.suggested_filename == f"statistikk-{year}-nord.xlsx"
    with open(download.value.path(), "rb") as fh:  # the saved file has no .xlsx suffix
        wb = openpyxl.load_workbook(fh)
    assert wb.sheetnames == ["Nettverk", "Fylker", "Kommuner"]
    sheet = {r[0]: r for r in wb["Nettverk"].iter_rows(min_row=2, values_only=True)}
    f = nord["figures"]
    assert sheet["nord"][2:9] == (
        f["gatherings"],
        f["places"],
        f["registrations"],
        f["attended"],
        f["no_shows"],
        f["waitlist_peak"],
        f["late_cancellations"],
    )
    assert f"{sheet['nord'][14]:.2f}" == f["paid_total"]
    assert not violations, violations


def test_a_coordinator_sees_their_own_network(new_page, server):
    page = new_page("nb")
    sign_in(page, server, COORDINATOR)
    page.goto("/statistics")
    rows = page.locator("#networks-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-code", "agder-rogaland")
    screenshot(page, "statistics-coordinator", "nb", 1280)


PAGES = [
    ("statistics", "/statistics"),
    ("statistics-network", "/statistics?network=agder-rogaland&county=11"),
    ("statistics-error", "/statistics?year=tjue"),  # the year refused next to its field
]


@pytest.mark.parametrize("lang", LANGS)
def test_the_statistics_page_passes_axe_at_both_widths(new_page, server: Server, lang: str):
    page: Any = new_page(lang, bypass_csp=True)
    sign_in(page, server, new_finance(server, f"Statistikk {lang}", lang))
    problems = []
    for name, path in PAGES:
        page.set_viewport_size({"width": 1280, "height": 900})
        response = page.goto(path)
        assert response is not None
        assert response.status == (400 if name.endswith("error") else 200), path
        problems += check_at_both_widths(page, name, lang)
    assert not problems, "\n".join(problems)
