"""The annual statistics over the API: every figure of a year of activity
(tests/statistics_year.py) against sums worked out by hand, the CSV and the XLSX
carrying the same figures, the filters, who may see what, bad input, and the
waiting-list peak the registration service keeps.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import openpyxl
from statistics_year import build, person

from service.db.tables import Gathering

YEAR = 2015
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROBLEM = "application/problem+json"
KEYS = [
    "gatherings",
    "places",
    "registrations",
    "attended",
    "no_shows",
    "waitlist_peak",
    "late_cancellations",
    "claims_submitted",
    "claimed_total",
    "claims_approved",
    "approved_total",
    "claims_paid",
    "paid_total",
    "cost_per_attendee",
]


def fig(*values: Any) -> dict[str, Any]:
    assert len(values) == len(KEYS)
    return dict(zip(KEYS, values, strict=True))


# Network A = GA1 + GA2 (GA0 is the year before).
#   gatherings 2, places 20 + 10 = 30, registrations r1–r8 (8) + r9–r11 (3) = 11,
#   attended r1 r2 r4 r9 = 4, no-shows r3 = 1, peak 3 + 0 = 3, late r5 (after the
#   deadline) + r10 (no deadline, after registration closed) = 2;
#   claims submitted c(r1) c(r2) c(r4 rejected) c(r8) = 4: 1500.00 + 800.25 + 333.33 +
#   123.45 = 2757.03; approved r1 r2 = 2: 1450.50 + 800.25 = 2250.75; paid r1 = 1450.50;
#   per attendee 1450.50 / 4 = 362.625 → 362.63 (half up).
A = fig(2, 30, 11, 4, 1, 3, 2, 4, "2757.03", 2, "2250.75", 1, "1450.50", "362.63")
# Network B = GB1 (GB2 cancelled, GB3 a draft): places 15, r12 r13 r14 = 3, attended r12,
#   no-show r13, peak 2, r14 cancelled before registration closed (not late);
#   submitted r12 (700.01) + r13 (200.00) = 900.01; approved and paid r12 = 700.01;
#   per attendee 700.01 / 1.
B = fig(1, 15, 3, 1, 1, 2, 0, 2, "900.01", 1, "700.01", 1, "700.01", "700.01")
# Totals = A + B; per attendee 2150.51 / 5 = 430.102 → 430.10.
TOTAL = fig(3, 45, 14, 5, 2, 5, 2, 6, "3657.04", 3, "2950.76", 2, "2150.51", "430.10")
# M1: r1 r2 r7 (GA1) r9 (GA2) = 4, attended r1 r2 r9 = 3, in GA1 and GA2; claims r1 paid,
#   r2 approved (r9 a draft): 1500.00 + 800.25 = 2300.25 claimed, 2250.75 approved,
#   1450.50 paid; 1450.50 / 3 = 483.50.
M1 = fig(2, None, 4, 3, 0, None, 0, 2, "2300.25", 2, "2250.75", 1, "1450.50", "483.50")
# M2: r3 r5 (GA1) r11 (GA2) r12 (GB1) = 4, attended r12, no-show r3, late r5; three
#   gatherings; claims r12 paid 700.01 (r3 returned: not counted).
M2 = fig(3, None, 4, 1, 1, None, 1, 1, "700.01", 1, "700.01", 1, "700.01", "700.01")
# M3: r4 r6 r8 (GA1) r10 (GA2) r13 r14 (GB1) = 6, attended r4, no-show r13, late r10;
#   claims r4 rejected 333.33 + r8 submitted 123.45 + r13 attested 200.00 = 656.78;
#   nothing approved or paid: 0.00 / 1 attendee = 0.00.
M3 = fig(3, None, 6, 1, 1, None, 1, 3, "656.78", 0, "0.00", 0, "0.00", "0.00")
# County 11 = M1 + M2 (gatherings GA1 GA2 GB1 = 3); per attendee 2150.51 / 4 = 537.6275
#   → 537.63. County 10 = M3.
C11 = fig(3, None, 8, 4, 1, None, 1, 3, "3000.26", 3, "2950.76", 2, "2150.51", "537.63")
C10 = M3


async def stats(client: httpx.AsyncClient, who: Any, **params: Any) -> dict[str, Any]:
    headers = who.headers if hasattr(who, "headers") else who["headers"]
    r = await client.get("/api/v1/statistics", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def by(rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {r[key]: r["figures"] for r in rows}


async def test_every_figure_of_a_year_matches_the_sums_by_hand(client, actors):
    y = await build(YEAR)
    body = await stats(client, actors["finance"], year=YEAR)
    assert body["year"] == YEAR
    assert body["filters"] == {"network": None, "county": None}
    nets = by(body["networks"], "network")
    assert nets[y.a] == A
    assert nets[y.b] == B
    assert body["totals"] == TOTAL
    muns = by(body["municipalities"], "municipality")
    assert muns == {y.m["M1"]: M1, y.m["M2"]: M2, y.m["M3"]: M3}
    names = {r["municipality"]: (r["name"], r["county"]) for r in body["municipalities"]}
    assert names[y.m["M3"]] == (y.m_names["M3"], "10")
    assert by(body["counties"], "county") == {"11": C11, "10": C10}


async def test_the_year_before_counts_on_its_own(client, actors):
    y = await build(YEAR)
    body = await stats(client, actors["admin"], year=YEAR - 1, network=y.a)
    # GA0 alone: 50 places, r15 attended, its claim paid 1000.00.
    assert body["totals"] == fig(
        1, 50, 1, 1, 0, 0, 0, 1, "1000.00", 1, "1000.00", 1, "1000.00", "1000.00"
    )
    empty = await stats(client, actors["admin"], year=YEAR + 3, network=y.a)
    assert empty["networks"] == [] and empty["municipalities"] == []
    assert empty["totals"]["gatherings"] == 0 and empty["totals"]["cost_per_attendee"] is None


async def test_filters_change_the_figures(client, actors):
    y = await build(YEAR)
    only_a = await stats(client, actors["finance"], year=YEAR, network=y.a)
    assert only_a["filters"] == {"network": y.a, "county": None}
    assert [n["network"] for n in only_a["networks"]] == [y.a]
    assert only_a["totals"] == A
    muns = by(only_a["municipalities"], "municipality")
    assert muns[y.m["M1"]] == M1  # all of M1's activity is in A
    # M2 in A: r3 r5 r11, no-show r3, late r5; its one claim (r3) was returned: nobody
    # attended, so no cost per attendee.
    assert muns[y.m["M2"]] == fig(2, None, 3, 0, 1, None, 1, 0, "0.00", 0, "0.00", 0, "0.00", None)
    # M3 in A: r4 r6 r8 r10, attended r4, late r10; claims r4 + r8 = 456.78.
    assert muns[y.m["M3"]] == fig(
        2, None, 4, 1, 0, None, 1, 2, "456.78", 0, "0.00", 0, "0.00", "0.00"
    )

    agder = await stats(client, actors["finance"], year=YEAR, county="10")
    assert agder["filters"] == {"network": None, "county": "10"}
    nets = by(agder["networks"], "network")
    # Gatherings, places and peaks stay the networks' own; the rest is M3's.
    assert nets[y.a] == fig(2, 30, 4, 1, 0, 3, 1, 2, "456.78", 0, "0.00", 0, "0.00", "0.00")
    # B from M3: r13 (no-show) r14; claim r13 attested 200.00; nobody attended.
    assert nets[y.b] == fig(1, 15, 2, 0, 1, 2, 0, 1, "200.00", 0, "0.00", 0, "0.00", None)
    assert [c["county"] for c in agder["counties"]] == ["10"]
    assert list(by(agder["municipalities"], "municipality")) == [y.m["M3"]]

    both = await stats(client, actors["finance"], year=YEAR, network=y.b, county="11")
    # B from county 11: r12 attended, its claim paid 700.01.
    assert both["totals"] == fig(
        1, 15, 1, 1, 0, 2, 0, 1, "700.01", 1, "700.01", 1, "700.01", "700.01"
    )
    assert list(by(both["municipalities"], "municipality")) == [y.m["M2"]]


async def test_csv_and_xlsx_carry_the_same_figures(client, actors):
    y = await build(YEAR)
    h = {**actors["finance"].headers, "Accept": "text/csv"}
    r = await client.get("/api/v1/statistics", params={"year": YEAR, "network": y.a}, headers=h)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    head = rows[0]
    assert head[:4] == ["nivå", "kode", "navn", "fylke"]  # bokmål headings by default
    lines = {(row[0], row[1]): row for row in rows[1:]}
    a_row = lines[("nettverk", y.a)]
    # money with a decimal comma, as the other CSV files
    assert a_row[4:] == [
        "2",
        "30",
        "11",
        "4",
        "1",
        "3",
        "2",
        "4",
        "2757,03",
        "2",
        "2250,75",
        "1",
        "1450,50",
        "362,63",
    ]
    m2 = lines[("kommune", y.m["M2"])]
    assert m2[3] == "11" and m2[4:] == [
        "2",
        "",
        "3",
        "0",
        "1",
        "",
        "1",
        "0",
        "0,00",
        "0",
        "0,00",
        "0",
        "0,00",
        "",
    ]
    total = rows[-1]
    assert total[0] == "sum" and total[4:] == a_row[4:]

    for how in ({"headers": {**actors["finance"].headers, "Accept": XLSX}}, {"format": "xlsx"}):
        params = {"year": YEAR}
        headers = actors["finance"].headers
        if "format" in how:
            params["format"] = "xlsx"
        else:
            headers = how["headers"]
        r = await client.get("/api/v1/statistics", params=params, headers=headers)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith(XLSX)
        wb = openpyxl.load_workbook(io.BytesIO(r.content))
        assert wb.sheetnames == ["Nettverk", "Fylker", "Kommuner"]
        ws = wb["Nettverk"]
        assert ws.freeze_panes == "A2"
        assert all(c.font.bold for c in ws[1] if c.value)
        sheet = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True)}
        a = sheet[y.a]
        assert a[1] == y.a_name
        assert list(a[2:9]) == [2, 30, 11, 4, 1, 3, 2]
        assert [round(v * 100) for v in (a[10], a[12], a[14], a[15])] == [
            275703,
            225075,
            145050,
            36263,
        ]
        money_cell = ws.cell(row=[c.value for c in ws["A"]].index(y.a) + 1, column=11)
        assert money_cell.number_format == "#,##0.00"
        assert isinstance(money_cell.value, (int, float))
        tot = sheet["sum"]
        assert round(tot[14] * 100) == 215051 and round(tot[15] * 100) == 43010
        kom = {row[0]: row for row in wb["Kommuner"].iter_rows(min_row=2, values_only=True)}
        m3 = kom[y.m["M3"]]
        assert m3[2]  # the county's name
        assert m3[3] == 3 and m3[4] is None and m3[5] == 6 and round(m3[11] * 100) == 65678
        fylker = {row[0]: row for row in wb["Fylker"].iter_rows(min_row=2, values_only=True)}
        assert round(fylker["11"][15] * 100) == 53763


async def test_who_sees_which_networks(client, actors):
    y = await build(YEAR)
    coordinator_a = await person([f"coordinator:{y.a}"])
    body = await stats(client, coordinator_a, year=YEAR)
    assert [n["network"] for n in body["networks"]] == [y.a]
    assert body["totals"] == A
    r = await client.get(
        "/api/v1/statistics",
        params={"year": YEAR, "network": y.b},
        headers=coordinator_a["headers"],
    )
    assert r.status_code == 403 and r.headers["content-type"].startswith(PROBLEM)
    admin = await stats(client, actors["admin"], year=YEAR, network=y.b)
    assert admin["totals"] == B
    r = await client.get("/api/v1/statistics", headers=actors["participant"].headers)
    assert r.status_code == 403
    r = await client.get("/api/v1/statistics")
    assert r.status_code == 401


async def test_bad_input_is_a_400_problem(client, actors):
    h = actors["finance"].headers
    for params, field in (
        ({"year": "twenty"}, "year"),
        ({"year": "1899"}, "year"),
        ({"year": "2015", "network": "no-such-network"}, "network"),
        ({"year": "2015", "county": "99"}, "county"),
        ({"year": "2015", "format": "pdf"}, "format"),
    ):
        r = await client.get("/api/v1/statistics", params=params, headers=h)
        assert r.status_code == 400, (params, r.text)
        assert r.headers["content-type"].startswith(PROBLEM)
        assert r.json().get("field", field) == field
    r = await client.get("/api/v1/statistics", params={"county": "x" * 40}, headers=h)
    assert r.status_code == 400


async def test_the_waiting_list_peak_is_kept_as_the_list_grows_and_shrinks(client, actors):
    from test_registrations import person as participant
    from test_registrations import post_registration, published

    g = await published(client, actors["coordinator"], capacity=1)
    people = [await participant() for _ in range(4)]
    regs = []
    for p in people:
        r = await post_registration(client, p, g["id"])
        assert r.status_code == 201, r.text
        regs.append(r.json())
    # one confirmed, three waiting: the list grew to 3
    waiting = [reg for reg in regs if reg["status"] == "waitlisted"]
    assert len(waiting) == 3
    for reg, p in zip(regs[2:], people[2:], strict=True):
        r = await client.post(f"/api/v1/registrations/{reg['id']}/cancel", headers=p.headers)
        assert r.status_code == 200, r.text
    row = await Gathering.select(Gathering.waitlist_count, Gathering.waitlist_peak).where(
        Gathering.id == int(g["id"])
    )
    assert row[0] == {"waitlist_count": 1, "waitlist_peak": 3}
    r = await post_registration(client, await participant(), g["id"])
    assert r.json()["status"] == "waitlisted"
    row = await Gathering.select(Gathering.waitlist_peak).where(Gathering.id == int(g["id"]))
    assert row[0]["waitlist_peak"] == 3  # back to 2 waiting: the peak stays 3
