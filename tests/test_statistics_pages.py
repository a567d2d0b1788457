"""The statistics page: the figures of a year of activity (tests/statistics_year.py) in
its tables as a reader sees them, in the page's language; the filters; a coordinator's
own networks; bad filters answered on the page; the downloads in the page's language;
the charts as inline SVG without style attributes.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import httpx
import openpyxl
from statistics_year import build, person

YEAR = 2012  # tests/test_statistics.py uses 2015 (and 2014 for the year before)


def _plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


def table(html: str, table_id: str) -> dict[str, dict[str, str]]:
    """{row code: {figure key: the cell's text}} of one figures table."""
    found = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    assert found, f"no table {table_id}"
    rows = {}
    for code, body in re.findall(r'<tr data-code="([^"]+)">(.*?)</tr>', found.group(0), re.S):
        cells = re.findall(r'<td class="num" data-key="(\w+)">(.*?)</td>', body, re.S)
        rows[code] = {k: _plain(v.strip()) for k, v in cells}
    return rows


async def page(client: httpx.AsyncClient, who: Any, **params: Any) -> httpx.Response:
    """The page as `who` reads it (in the user's own language)."""
    headers = who.headers if hasattr(who, "headers") else who["headers"]
    return await client.get("/statistics", params=params, headers=headers)


async def test_the_page_shows_the_figures_in_its_tables(client, actors):
    y = await build(YEAR)
    r = await page(client, await person(["finance"], "4601"), year=YEAR)
    assert r.status_code == 200, r.text
    html = r.text
    assert f"Statistikk {YEAR}" in html
    nets = table(html, "networks-table")
    # network A (see tests/test_statistics.py for the sums)
    assert nets[y.a] == {
        "gatherings": "2",
        "places": "30",
        "registrations": "11",
        "attended": "4",
        "no_shows": "1",
        "waitlist_peak": "3",
        "late_cancellations": "2",
        "claims_submitted": "4",
        "claimed_total": "2 757,03 kr",
        "claims_approved": "2",
        "approved_total": "2 250,75 kr",
        "claims_paid": "1",
        "paid_total": "1 450,50 kr",
        "cost_per_attendee": "362,63 kr",
    }
    assert nets[y.b]["paid_total"] == "700,01 kr"
    assert nets["total"]["claimed_total"] == "3 657,04 kr"
    assert nets["total"]["cost_per_attendee"] == "430,10 kr"
    muns = table(html, "municipalities-table")
    assert muns[y.m["M3"]]["registrations"] == "6"
    assert muns[y.m["M3"]]["places"] == "–"  # a municipality offers no places
    assert muns[y.m["M2"]]["late_cancellations"] == "1"
    counties = table(html, "counties-table")
    assert counties["11"]["cost_per_attendee"] == "537,63 kr"
    assert counties["10"]["claimed_total"] == "656,78 kr"
    # key figures and the definitions
    assert "Nøkkeltall" in html and "Om tallene" in html
    assert "430,10 kr" in _plain(html)
    # the downloads keep the filters
    assert f'href="/statistics.xlsx?year={YEAR}"' in html
    assert f'href="/statistics.csv?year={YEAR}"' in html


async def test_the_charts_are_inline_svg_with_a_title_and_a_description(client, actors):
    y = await build(YEAR)
    html = (await page(client, await person(["finance"], "4601"), year=YEAR, network=y.a)).text
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(svgs) == 2
    for svg in svgs:
        assert 'role="img"' in svg
        ids = re.search(r'aria-labelledby="([^"]+)"', svg).group(1).split()  # type: ignore[union-attr]
        for i in ids:
            assert f'id="{i}"' in svg
        assert "<title" in svg and "<desc" in svg
        assert y.a_name in svg
    assert "style=" not in html  # the CSP allows no inline style
    assert "<script>" not in html
    # the longest bar is the largest value: A's 30 places
    assert 'width="230.0"' in svgs[0]


async def test_in_english_and_nynorsk(client, actors):
    y = await build(YEAR)
    en = await page(client, await person(["admin"], None, "en"), year=YEAR, network=y.a)
    nets = table(en.text, "networks-table")
    assert nets[y.a]["claimed_total"] == "NOK 2,757.03"
    assert "About the figures" in en.text
    nn = await page(client, await person(["admin"], None, "nn"), year=YEAR, network=y.a)
    assert "Om tala" in nn.text
    assert table(nn.text, "networks-table")[y.a]["paid_total"] == "1 450,50 kr"


async def test_filters_change_the_figures_on_the_page(client, actors):
    y = await build(YEAR)
    r = await page(client, await person(["finance"], "4601"), year=YEAR, network=y.b, county="11")
    assert r.status_code == 200
    nets = table(r.text, "networks-table")
    assert list(nets) == [y.b, "total"]
    # B from county 11: r12 attended, its claim paid 700.01
    assert nets["total"]["registrations"] == "1"
    assert nets["total"]["paid_total"] == "700,01 kr"
    assert list(table(r.text, "municipalities-table")) == [y.m["M2"]]
    assert "Rogaland" in r.text
    # the selects keep the choice
    assert f'<option value="{y.b}" selected>' in r.text
    assert '<option value="11" selected>' in r.text
    assert f'<option value="{YEAR}" selected>' in r.text


async def test_a_coordinator_sees_own_networks_only(client, actors):
    y = await build(YEAR)
    coordinator_a = await person([f"coordinator:{y.a}"])
    r = await page(client, coordinator_a, year=YEAR)
    assert r.status_code == 200
    assert list(table(r.text, "networks-table")) == [y.a, "total"]
    assert y.b_name not in r.text  # not even in the network select
    r = await page(client, coordinator_a, year=YEAR, network=y.b)
    assert r.status_code == 403
    assert "Du ser bare statistikken for nettverkene du koordinerer" in r.text
    assert 'id="error-network"' in r.text


async def test_bad_filters_are_told_next_to_their_field(client, actors):
    for params, field, text in (
        ({"year": "tjue"}, "year", "Året må være et årstall mellom 2000 og 2100"),
        ({"year": "1850"}, "year", "Året må være et årstall mellom 2000 og 2100"),
        ({"year": str(YEAR), "county": "99"}, "county", "Det finnes ikke noe fylke med nummer"),
        ({"year": str(YEAR), "network": "finnes-ikke"}, "network", "finnes-ikke"),
    ):
        r = await page(client, await person(["finance"], "4601"), **params)
        assert r.status_code == 400, params
        assert r.headers["content-type"].startswith("text/html")
        assert f'id="error-{field}"' in r.text and text in r.text, params
        assert 'aria-invalid="true"' in r.text
        assert "networks-table" not in r.text
    r = await client.get(
        "/statistics.csv",
        params={"year": "x"},
        headers=(await person(["finance"], "4601"))["headers"],
    )
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")


async def test_the_downloads_speak_the_page_language(client, actors):
    y = await build(YEAR)
    h = (await person(["finance"], "4601", "en"))["headers"]
    r = await client.get("/statistics.csv", params={"year": YEAR, "network": y.a}, headers=h)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert f'filename="statistikk-{YEAR}-{y.a}.csv"' in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["level", "code", "name", "county", "gatherings held"]
    a = next(row for row in rows if row[1] == y.a)
    assert a[0] == "network" and a[12] == "2757,03" and a[17] == "362,63"
    assert rows[-1][0] == "total"

    h = (await person(["finance"], "4601", "nn"))["headers"]
    r = await client.get("/statistics.xlsx", params={"year": YEAR}, headers=h)
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["Nettverk", "Fylke", "Kommunar"]
    ws = wb["Nettverk"]
    assert ws["C1"].value == "samlingar haldne"
    sheet = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    assert round(sheet[y.b][14] * 100) == 70001
    assert round(sheet["sum"][10] * 100) == 365704
