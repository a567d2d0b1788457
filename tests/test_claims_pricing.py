"""Travel-cost pricing: rate tables (effective-dated, finance writes) and the claim
preview, which prices lines as a claim would and stores nothing.

Rate tables live in the shared test database, so each test that publishes one uses
a year of its own (2090 and later) and gatherings in that year.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from service.claims import compute
from service.db.tables import AuditEvent, RateTable

PROBLEM = "application/problem+json"
_years = itertools.count(2090)

RATES = {
    "km": "5.00",
    "passenger_km": "1.00",
    "day_6_12h": "384.00",
    "day_over_12h": "713.00",
    "overnight": "977.00",
    "night_allowance": "452.00",
    "source": "test figures",
}


def table(**over: str) -> compute.Rates:
    values = {**RATES, **over}
    return compute.Rates(
        valid_from=date(2025, 1, 1),
        source=values.pop("source"),
        **{k: Decimal(v) for k, v in values.items()},
    )


def oslo(text: str) -> datetime:
    from service.lib.clock import parse_when

    return parse_when(text, "t")


def assert_problem(r: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    if field is not None:
        assert field in r.text, f"{field!r} not named in {body}"
    return body


async def publish_rates(client: httpx.AsyncClient, who: Any, year: int, **over: str) -> None:
    body = {**RATES, "valid_from": f"{year}-01-01", **over}
    r = await client.post("/api/v1/rates", json=body, headers=who.headers)
    assert r.status_code == 201, r.text


async def gathering(client: httpx.AsyncClient, who: Any, year: int, **over: Any) -> str:
    body = {
        "network": "agder-rogaland",
        "title": "Samling med måltider",
        "starts_at": f"{year}-03-11T10:00",
        "ends_at": f"{year}-03-12T15:00",
        "capacity": 20,
        "city": "Kristiansand",
        "meals": [
            {"date": f"{year}-03-11", "meal": "lunch"},
            {"date": f"{year}-03-11", "meal": "dinner"},
            {"date": f"{year}-03-12", "meal": "breakfast"},
            {"date": f"{year}-03-12", "meal": "lunch"},
        ],
        **over,
    }
    r = await client.post("/api/v1/gatherings", json=body, headers=who.headers)
    assert r.status_code == 201, r.text
    gid = r.json()["id"]
    r = await client.post(f"/api/v1/gatherings/{gid}/publish", headers=who.headers)
    assert r.status_code == 200, r.text
    return str(gid)


async def preview(client: httpx.AsyncClient, who: Any, gid: str, *lines: dict[str, Any]):
    return await client.post(
        "/api/v1/claims/preview", json={"gathering": gid, "lines": list(lines)}, headers=who.headers
    )


# --- the rules, as pure functions ------------------------------------------------------


@pytest.mark.parametrize(
    ("departure", "back", "amount"),
    [
        ("2027-03-11T08:00", "2027-03-11T13:59", "0.00"),  # under 6 hours
        ("2027-03-11T08:00", "2027-03-11T14:00", "384.00"),  # 6 hours exactly
        ("2027-03-11T08:00", "2027-03-11T20:00", "384.00"),  # 12 hours exactly
        ("2027-03-11T07:00", "2027-03-11T19:30", "713.00"),  # over 12 hours
        ("2027-03-11T07:00", "2027-03-12T07:00", "977.00"),  # one night, 24 hours
        ("2027-03-11T18:00", "2027-03-12T09:00", "977.00"),  # one night, 15 hours
        ("2027-03-11T07:00", "2027-03-12T12:00", "977.00"),  # 5 hours beyond: nothing more
        ("2027-03-11T07:00", "2027-03-12T18:00", "1361.00"),  # 11 h beyond: + 6-12 h rate
        ("2027-03-11T07:00", "2027-03-12T20:00", "1690.00"),  # 13 h beyond: + over-12 h rate
        ("2027-03-11T07:00", "2027-03-13T07:00", "1954.00"),  # two nights
    ],
)
def test_per_diem_follows_the_hours_away(departure: str, back: str, amount: str) -> None:
    got = compute.per_diem(oslo(departure), oslo(back), 120, table(), [], "nb")
    assert got.amount == Decimal(amount), got.rule


def test_per_diem_needs_15_km_from_the_starting_point() -> None:
    short = compute.per_diem(
        oslo("2027-03-11T07:00"), oslo("2027-03-11T20:00"), 14.9, table(), [], "en"
    )
    assert short.amount == 0 and "15 km" in short.rule
    at_15 = compute.per_diem(
        oslo("2027-03-11T07:00"), oslo("2027-03-11T20:00"), 15, table(), [], "en"
    )
    assert at_15.amount == Decimal("713.00")


def test_meals_served_during_the_trip_are_deducted_from_the_applicable_rate() -> None:
    meals = [
        (date(2027, 3, 11), "lunch"),
        (date(2027, 3, 11), "dinner"),
        (date(2027, 3, 12), "breakfast"),
        (date(2027, 3, 14), "dinner"),  # after the trip: not deducted
    ]
    # One night: 977 - (30 % + 50 % + 20 %) of 977 = 0, never below zero.
    night = compute.per_diem(
        oslo("2027-03-11T07:00"), oslo("2027-03-12T07:00"), 80, table(), meals, "nb"
    )
    assert night.amount == Decimal("0.00")
    assert "frokost 12.03." in night.rule and "middag 14.03." not in night.rule
    # A day trip over 12 hours with lunch served: 713 - 30 % of 713 = 499.10.
    day = compute.per_diem(
        oslo("2027-03-11T07:00"), oslo("2027-03-11T20:00"), 80, table(), meals[:1], "en"
    )
    assert day.amount == Decimal("499.10")
    assert "lunch" in day.rule


def test_mileage_pays_km_and_passengers_and_rounds_half_up() -> None:
    got = compute.mileage(240, 2, table(), "nb")
    assert got.amount == Decimal("1680.00")  # 240 x 5.00 + 240 x 2 x 1.00
    assert "2 passasjerer" in got.rule
    odd = compute.mileage(0.1, 0, table(km="0.25"), "en")  # 0.025 -> 0.03
    assert odd.amount == Decimal("0.03")


@pytest.mark.parametrize(
    ("lang", "mileage", "nights", "trip", "short"),
    [
        (
            "nb",
            "240 km × 5.00 + 240 km × 1 passasjer × 1.00 (satser fra 2025-01-01)",
            "2 netter × 452.00 (satser fra 2025-01-01)",
            "24 t med overnatting: 1 døgn × 977.00 − måltider servert (frokost 12.03.): 195.40"
            " (satser fra 2025-01-01)",
            "under 15 km fra reisens utgangspunkt: ingen diett",
        ),
        (
            "nn",
            "240 km × 5.00 + 240 km × 1 passasjer × 1.00 (satsar frå 2025-01-01)",
            "2 netter × 452.00 (satsar frå 2025-01-01)",
            "24 t med overnatting: 1 døgn × 977.00 − måltid servert (frukost 12.03.): 195.40"
            " (satsar frå 2025-01-01)",
            "under 15 km frå utgangspunktet for reisa: ingen diett",
        ),
        (
            "en",
            "240 km × 5.00 + 240 km × 1 passenger × 1.00 (rates from 2025-01-01)",
            "2 nights × 452.00 (rates from 2025-01-01)",
            "24 h with an overnight stay: 1 × 24 h × 977.00 − meals served (breakfast 12.03.):"
            " 195.40 (rates from 2025-01-01)",
            "under 15 km from the starting point: no per diem",
        ),
    ],
)
def test_rules_are_written_in_the_claimants_language(
    lang: str, mileage: str, nights: str, trip: str, short: str
) -> None:
    from service.lib import i18n

    with i18n.use("en"):  # the language of the moment does not leak into a rule
        assert compute.mileage(240, 1, table(), lang).rule == mileage
        assert compute.night_allowance(2, table(), lang).rule == nights
        assert i18n.current() == "en"
    meals = [(date(2027, 3, 12), "breakfast")]
    away = (oslo("2027-03-11T07:00"), oslo("2027-03-12T07:00"))
    assert compute.per_diem(*away, 80, table(), meals, lang).rule == trip
    assert compute.per_diem(*away, 3, table(), [], lang).rule == short
    assert (
        compute.receipted(Decimal("10"), lang).rule
        == {
            "nb": "etter kvittering",
            "nn": "etter kvittering",
            "en": "as receipted",
        }[lang]
    )


# --- rate tables over HTTP -----------------------------------------------------------------


async def test_finance_publishes_rate_tables_and_everyone_signed_in_reads_them(client, actors):
    year = next(_years)
    await publish_rates(client, actors["finance"], year, km="5.30")
    r = await client.get("/api/v1/rates", headers=actors["participant"].headers)
    assert r.status_code == 200
    tables = r.json()
    mine = [t for t in tables if t["valid_from"] == f"{year}-01-01"]
    assert mine == [
        {
            **RATES,
            "km": "5.30",
            "valid_from": f"{year}-01-01",
            "created_by": actors["finance"].email,
        }
    ]
    assert [t["valid_from"] for t in tables] == sorted(
        (t["valid_from"] for t in tables), reverse=True
    )
    assert await AuditEvent.exists().where(
        (AuditEvent.action == "rates.create") & (AuditEvent.object_id == f"{year}-01-01")
    )


@pytest.mark.parametrize("role", ["participant", "coordinator", "admin"])
async def test_only_finance_publishes_rates(client, actors, role):
    year = next(_years)
    body = {**RATES, "valid_from": f"{year}-01-01"}
    r = await client.post("/api/v1/rates", json=body, headers=actors[role].headers)
    assert_problem(r, 403)
    assert not await RateTable.exists().where(RateTable.valid_from == date(year, 1, 1))


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"km": "5,30"}, "km"),
        ({"overnight": "-1.00"}, "overnight"),
        ({"night_allowance": "452.005"}, "night_allowance"),
        ({"valid_from": "2090-02-30"}, "valid_from"),
        ({"source": ""}, "source"),
        ({"overnight": "21474836.48"}, "overnight"),  # more than is stored
    ],
)
async def test_a_bad_rate_table_is_refused_naming_the_field(client, actors, over, field):
    year = next(_years)
    before = await RateTable.count()
    body = {**RATES, "valid_from": f"{year}-01-01", **over}
    r = await client.post("/api/v1/rates", json=body, headers=actors["finance"].headers)
    assert r.status_code in (400, 422), r.text
    assert_problem(r, r.status_code, field)
    assert await RateTable.count() == before


async def test_a_second_table_for_the_same_day_is_a_conflict(client, actors):
    year = next(_years)
    await publish_rates(client, actors["finance"], year)
    r = await client.post(
        "/api/v1/rates",
        json={**RATES, "valid_from": f"{year}-01-01", "km": "9.99"},
        headers=actors["finance"].headers,
    )
    assert_problem(r, 409)
    row = await RateTable.select(RateTable.km).where(RateTable.valid_from == date(year, 1, 1))
    assert row == [{"km": 500}]


# --- preview ---------------------------------------------------------------------------


async def test_preview_prices_every_kind_of_line_and_stores_nothing(client, actors):
    year = next(_years)
    await publish_rates(client, actors["finance"], year)
    gid = await gathering(client, actors["coordinator"], year)
    before = (await RateTable.count(), await AuditEvent.count())
    r = await preview(
        client,
        actors["participant"],
        gid,
        {
            "kind": "mileage",
            "date": f"{year}-03-11",
            "km": 212,
            "passengers": 1,
            "route": "Arendal – Kristiansand t/r",
        },
        {"kind": "ticket", "date": f"{year}-03-11", "description": "Buss", "amount": "89.50"},
        {"kind": "accommodation", "nights": 1, "amount": "1495.00", "hotel": "Scandic"},
        {"kind": "night_allowance", "nights": 1},
        {
            "kind": "per_diem",
            "departure": f"{year}-03-11T07:30",
            "return": f"{year}-03-12T17:00",
            "distance_km": 106,
        },
        {"kind": "other", "date": f"{year}-03-12", "description": "Parkering", "amount": "120"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    amounts = [line["amount"] for line in body["lines"]]
    # Per diem: 1 x 977 + 6-12 h beyond (9.5 h) 384, less lunch, dinner, breakfast and
    # lunch served: (30 + 50 + 20 + 30) % of 977 = 1270.10 -> 1361 - 1270.10 = 90.90.
    assert amounts == ["1272.00", "89.50", "1495.00", "452.00", "90.90", "120.00"]
    assert body["total"] == "3519.40"
    assert [line["kind"] for line in body["lines"]] == [
        "mileage",
        "ticket",
        "accommodation",
        "night_allowance",
        "per_diem",
        "other",
    ]
    assert body["lines"][4]["return"] == f"{year}-03-12T17:00"
    assert all(line["rule"] for line in body["lines"])
    assert "212 km × 5.00" in body["lines"][0]["rule"]
    assert (await RateTable.count(), await AuditEvent.count()) == before


async def test_the_table_in_force_on_the_trip_date_applies(client, actors):
    year = next(_years)
    await publish_rates(client, actors["finance"], year, km="4.00")
    r = await client.post(
        "/api/v1/rates",
        json={**RATES, "valid_from": f"{year}-03-12", "km": "6.00"},
        headers=actors["finance"].headers,
    )
    assert r.status_code == 201
    gid = await gathering(client, actors["coordinator"], year)
    r = await preview(
        client,
        actors["participant"],
        gid,
        {"kind": "mileage", "date": f"{year}-03-11", "km": 100, "route": "dit"},
        {"kind": "mileage", "date": f"{year}-03-12", "km": 100, "route": "hjem"},
    )
    assert r.status_code == 200, r.text
    assert [line["amount"] for line in r.json()["lines"]] == ["400.00", "600.00"]
    assert r.json()["total"] == "1000.00"


async def test_preview_speaks_the_callers_language(client, actors, app):
    from service.accounts import service as accounts

    year = next(_years)
    await publish_rates(client, actors["finance"], year)
    gid = await gathering(client, actors["coordinator"], year)
    user_id = await accounts.create_user(f"en.{year}@example.no", "Eng", "4204", [], "tests")
    from service.db.tables import User

    await User.update({User.language: "en"}).where(User.id == user_id)
    token = (await accounts.create_api_token(user_id, "t", "tests"))["token"]
    r = await client.post(
        "/api/v1/claims/preview",
        json={
            "gathering": gid,
            "lines": [
                {
                    "kind": "mileage",
                    "date": f"{year}-03-11",
                    "km": 10,
                    "passengers": 2,
                    "route": "x",
                }
            ],
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert "passengers" in r.json()["lines"][0]["rule"]

    # A nynorsk claimant reads the rule in nynorsk.
    await User.update({User.language: "nn"}).where(User.id == user_id)
    r = await client.post(
        "/api/v1/claims/preview",
        json={
            "gathering": gid,
            "lines": [
                {
                    "kind": "mileage",
                    "date": f"{year}-03-11",
                    "km": 10,
                    "passengers": 2,
                    "route": "x",
                }
            ],
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    rule = r.json()["lines"][0]["rule"]
    assert rule == f"10 km × 5.00 + 10 km × 2 passasjerar × 1.00 (satsar frå {year}-01-01)"


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"kind": "mileage", "date": "1990-01-01", "km": 10, "route": "x"}, "lines[0].date"),
        ({"kind": "mileage", "date": "2031-01-01", "km": 0, "route": "x"}, "km"),
        ({"kind": "mileage", "date": "2031-01-01", "km": 10}, "route"),
        ({"kind": "ticket", "date": "2031-01-01", "description": "x", "amount": "12,50"}, "amount"),
        ({"kind": "teleport", "date": "2031-01-01"}, "kind"),
        (
            {
                "kind": "per_diem",
                "departure": "2031-03-11T18:00",
                "return": "2031-03-11T08:00",
                "distance_km": 50,
            },
            "lines[0].return",
        ),
        (
            {
                "kind": "per_diem",
                "departure": "2031-03-30T02:30",
                "return": "2031-03-30T18:00",
                "distance_km": 50,
            },
            "lines[0].departure",
        ),
    ],
)
async def test_bad_lines_are_refused_naming_the_line(client, actors, line, field):
    gid = await gathering(client, actors["coordinator"], 2031)
    r = await preview(client, actors["participant"], gid, line)
    assert r.status_code in (400, 422), r.text
    assert_problem(r, r.status_code, field)


async def test_preview_needs_a_gathering_the_caller_can_see_that_reimburses(client, actors):
    r = await preview(
        client, actors["participant"], "999999", {"kind": "night_allowance", "nights": 1}
    )
    assert_problem(r, 404)
    body = {
        "network": "agder-rogaland",
        "title": "Utkast",
        "starts_at": "2031-05-05T10:00",
        "ends_at": "2031-05-05T15:00",
        "capacity": 5,
    }
    draft = (
        await client.post("/api/v1/gatherings", json=body, headers=actors["coordinator"].headers)
    ).json()
    line = {"kind": "night_allowance", "nights": 1}
    assert_problem(await preview(client, actors["participant"], draft["id"], line), 404)
    assert (await preview(client, actors["coordinator"], draft["id"], line)).status_code == 200
    free = await gathering(client, actors["coordinator"], 2031, reimbursable=False)
    assert_problem(await preview(client, actors["participant"], free, line), 409)
    r = await client.post("/api/v1/claims/preview", json={"gathering": free, "lines": [line]})
    assert_problem(r, 401)


def test_rates_stored_as_ore_come_back_exactly() -> None:
    from service.lib.money import from_ore, parse_money, to_ore

    for text in ("0.01", "3.50", "977.00", "1234567.89"):
        assert f"{from_ore(to_ore(parse_money(text, 'x'))):.2f}" == text
