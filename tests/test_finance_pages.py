"""Finance's pages: the review queue's filters and totals, receipts shown inline only to
those who may see the claim, the flags an approver sees (the same line kind twice, the
same receipt file twice, an account not on file), what changed when a returned claim
came back, budgets, rate tables and exports.

The claims are for gatherings that have ended, with attendance marked, as the rules
for submitting and attesting ask; the world is made once for the module."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import msgspec
import pytest

from service.accounts import service as accounts
from service.claims import claims, payouts
from service.claims import receipts as receipt_service
from service.claims.schemas import ApproveIn, ClaimIn, ClaimPatch
from service.db.tables import Gathering, Municipality
from service.demo.gatherings import move_into_past
from service.gatherings import service as gatherings
from service.gatherings.schemas import GatheringIn
from service.lib.clock import OSLO, now
from service.registrations import service as registrations
from service.registrations.schemas import RegistrationIn

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
    b"\x9a\xa0\xa0\x00\x00\x00\x00IEND\xaeB`\x82"
)
BODO_ACCOUNT = "86011117947"  # put on file for Bodø by this module (and taken away after)
OTHER_ACCOUNT = "15030000002"  # not Bodø's


def _text(r: httpx.Response) -> str:
    return r.text.replace("\xa0", " ")


@dataclass
class Person:
    email: str
    id: int
    headers: dict[str, str]

    async def user(self) -> Any:
        return await accounts.load_user(self.id)


@dataclass
class World:
    g1: str = ""  # agder-rogaland, ended
    g2: str = ""  # nord, ended
    day: str = ""  # the day both gatherings were held
    year: int = 0
    people: dict[str, Person] = field(default_factory=dict)
    claims: dict[str, str] = field(default_factory=dict)


async def _person(name: str, municipality: str) -> Person:
    email = f"fin.{name.lower()}.{uuid.uuid4().hex[:6]}@example.no"
    uid = await accounts.create_user(email, name, municipality, [], "tests")
    token = await accounts.create_api_token(uid, "tests", "tests")
    return Person(email, uid, {"Authorization": f"Bearer {token['token']}"})


async def _gathering(coordinator_id: int, network: str, title: str) -> str:
    coordinator = await accounts.load_user(coordinator_id)
    start = (now().astimezone(OSLO) + timedelta(days=2)).replace(
        hour=10, minute=0, second=0, microsecond=0, tzinfo=None
    )
    g = await gatherings.create(
        coordinator,
        GatheringIn(
            network=network,
            title=title,
            starts_at=start.isoformat(),
            ends_at=(start + timedelta(hours=6)).isoformat(),
            capacity=20,
            audience="open",
        ),
        "http://t",
    )
    await gatherings.publish(coordinator, g.id, "http://t")
    return g.id


async def _register(p: Person, gid: str) -> str:
    reg, _ = await registrations.register(await p.user(), gid, RegistrationIn(), "")
    return reg.id


def _ticket(day: str, what: str, amount: str) -> dict[str, Any]:
    return {"kind": "ticket", "date": day, "description": what, "amount": amount}


def _mileage(day: str, km: int, route: str) -> dict[str, Any]:
    return {"kind": "mileage", "date": day, "km": km, "route": route}


async def _claim(p: Person, reg: str, lines: list[dict[str, Any]], account: str) -> str:
    body = {"registration": reg, "lines": lines, "payee_account": account}
    c = await claims.create(await p.user(), msgspec.convert(body, ClaimIn))
    return c.id


@pytest.fixture(scope="module")
async def world(actors) -> World:
    w = World()
    coordinator, nord = actors["coordinator"].id, actors["other_coordinator"].id
    w.g1 = await _gathering(coordinator, "agder-rogaland", "Økonomisamling sør")
    w.g2 = await _gathering(nord, "nord", "Økonomisamling nord")
    for name, municipality in (("Per", "4204"), ("Kari", "1103"), ("Rune", "4204")):
        w.people[name] = await _person(name, municipality)
    w.people["Siv"] = await _person("Siv", "1804")  # Bodø, in nord
    w.people["Tor"] = await _person("Tor", "1804")
    per, kari, rune, siv = (w.people[n] for n in ("Per", "Kari", "Rune", "Siv"))

    # Per's first place, a draft claim, then a cancelled place and a new one: two claims
    # of one person for one gathering, both with a ticket.
    first = await _register(per, w.g1)
    day0 = (now().astimezone(OSLO) + timedelta(days=2)).date().isoformat()
    w.claims["per_first"] = await _claim(
        per, first, [_ticket(day0, "Buss", "90.00")], "86011117947"
    )
    await registrations.cancel(await per.user(), first, "")
    regs = {"Per": await _register(per, w.g1)}
    regs["Kari"] = await _register(kari, w.g1)
    regs["Rune"] = await _register(rune, w.g1)
    regs["Siv"] = await _register(siv, w.g2)
    regs["Tor"] = await _register(w.people["Tor"], w.g2)

    for gid in (w.g1, w.g2):
        await move_into_past(int(gid), 12)
    starts = await Gathering.select(Gathering.starts_at).where(Gathering.id == int(w.g1)).first()
    assert starts is not None
    w.day = starts["starts_at"].astimezone(OSLO).date().isoformat()
    w.year = starts["starts_at"].astimezone(OSLO).year
    for name in ("Per", "Kari", "Rune"):
        await registrations.set_attendance(await accounts.load_user(coordinator), regs[name], True)
    for name in ("Siv", "Tor"):
        await registrations.set_attendance(await accounts.load_user(nord), regs[name], True)

    await Municipality.update({Municipality.bank_account: BODO_ACCOUNT}).where(
        Municipality.number == "1804"
    )
    w.claims["per"] = await _claim(
        per,
        regs["Per"],
        [_ticket(w.day, "Fly", "1200.00"), _mileage(w.day, 40, "Hjem – flyplass")],
        "86011117947",
    )
    w.claims["kari"] = await _claim(
        kari, regs["Kari"], [_ticket(w.day, "Tog", "450.00")], "86011117947"
    )
    w.claims["rune"] = await _claim(
        rune,
        regs["Rune"],
        [_ticket(w.day, "Ferge", "150.00"), _mileage(w.day, 100, "Kristiansand – Arendal")],
        "86011117947",
    )
    w.claims["siv"] = await _claim(
        siv, regs["Siv"], [_ticket(w.day, "Fly", "2000.00")], OTHER_ACCOUNT
    )
    w.claims["tor"] = await _claim(
        w.people["Tor"], regs["Tor"], [_ticket(w.day, "Tog", "800.00")], BODO_ACCOUNT
    )
    # The same receipt file on Per's and Kari's claims; a picture on Per's.
    for name, body, filename in (
        ("per", PDF, "fly.pdf"),
        ("kari", PDF, "tog.pdf"),
        ("per", PNG, "parkering.png"),
    ):
        person = per if name == "per" else kari
        await receipt_service.add(await person.user(), w.claims[name], filename, body)
    for name in ("per", "kari", "rune", "siv", "tor"):
        person = w.people[name.title()]
        await claims.submit(await person.user(), w.claims[name], "http://t")
    yield w
    await Municipality.update({Municipality.bank_account: None}).where(
        Municipality.number == "1804"
    )


def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def _get(app, path: str, headers: dict[str, str]) -> httpx.Response:
    async with _client(app) as c:
        return await c.get(path, headers=headers)


async def _post(app, path: str, headers: dict[str, str], data: dict[str, Any]) -> httpx.Response:
    async with _client(app) as c:
        return await c.post(path, headers=headers, data=data)


def _listed(html: str) -> set[str]:
    return set(re.findall(r'<td><a class="ds-link" href="/claims/(\d+)"', html))


def _totals(html: str) -> list[str]:
    found = re.search(r'<dl class="facts totals".*?</dl>', html, re.S)
    assert found, "no totals"
    return [re.sub(r"\s+", " ", v).strip() for v in re.findall(r"<dd>(.*?)</dd>", found.group(0))]


async def test_the_queue_filters_and_adds_up_what_it_shows(app, actors, world: World):
    finance = actors["finance"].headers
    r = await _get(app, f"/review?status=all&gathering={world.g1}", finance)
    assert r.status_code == 200
    mine = {world.claims[n] for n in ("per", "kari", "rune")}
    assert _listed(r.text) == mine  # not Per's draft, not the nord claim
    # 1200 + 40 km × 5 = 1400; 450; 150 + 100 km × 5 = 650
    assert _totals(r.text.replace("\xa0", " ")) == ["3", "2 500,00 kr", "0,00 kr"]
    assert f'<option value="{world.g1}" selected>' in r.text  # the form keeps the filter

    r = await _get(app, f"/review?status=all&gathering={world.g1}&municipality=1103", finance)
    assert _listed(r.text) == {world.claims["kari"]}
    assert _totals(_text(r)) == ["1", "450,00 kr", "0,00 kr"]
    r = await _get(app, f"/review?status=all&network=nord&year={world.year}", finance)
    assert world.claims["siv"] in _listed(r.text) and not mine & _listed(r.text)
    r = await _get(app, f"/review?status=paid&gathering={world.g1}", finance)
    assert _listed(r.text) == set() and "Ingen reiseregninger passer til filtrene" in r.text
    r = await _get(app, f"/review?status=all&gathering={world.g1}&year={world.year + 1}", finance)
    assert _listed(r.text) == set()
    r = await _get(app, "/review?year=tjue", finance)
    assert r.status_code == 400 and "text/html" in r.headers["content-type"]

    # Waiting for finance: submitted claims (to attest), by default.
    r = await _get(app, "/review", finance)
    assert mine | {world.claims["siv"]} <= _listed(r.text)

    # A coordinator sees their own networks' claims, not the others'.
    coordinator = actors["coordinator"].headers
    r = await _get(app, f"/review?status=all&year={world.year}", coordinator)
    assert mine <= _listed(r.text) and world.claims["siv"] not in _listed(r.text)
    r = await _get(app, "/review?network=nord&status=all", coordinator)
    assert _listed(r.text) == set()
    r = await _get(
        app, f"/review?status=all&gathering={world.g2}", actors["other_coordinator"].headers
    )
    assert _listed(r.text) == {world.claims["siv"], world.claims["tor"]}
    assert (await _get(app, "/review", actors["participant"].headers)).status_code == 403
    assert (await _get(app, "/review", actors["admin"].headers)).status_code == 403


async def test_receipts_are_shown_inline_to_those_who_may_see_the_claim(app, actors, world: World):
    claim_id = world.claims["per"]
    finance = actors["finance"].headers
    c = await claims.detail(await accounts.load_user(actors["finance"].id), claim_id)
    pdf = next(r["id"] for r in c.receipts if r["filename"] == "fly.pdf")
    png = next(r["id"] for r in c.receipts if r["filename"] == "parkering.png")
    page = await _get(app, f"/claims/{claim_id}", finance)
    assert page.status_code == 200
    assert re.search(
        rf'<iframe class="receipt__pdf" src="/claims/{claim_id}/receipts/{pdf}"', page.text
    )
    assert re.search(
        rf'<img class="receipt__image" src="/claims/{claim_id}/receipts/{png}"', page.text
    )
    assert (
        'title="Kvittering fly.pdf"' in page.text and 'alt="Kvittering parkering.png"' in page.text
    )
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-src" not in csp  # frames from our own site
    assert "script-src 'self'" in csp

    r = await _get(app, f"/claims/{claim_id}/receipts/{pdf}", finance)
    assert r.status_code == 200 and r.content == PDF
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith('inline; filename="fly.pdf"')
    assert r.headers["x-content-type-options"] == "nosniff"
    receipt_csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in receipt_csp and "sandbox" in receipt_csp
    assert "frame-ancestors 'self'" in receipt_csp and "script-src" not in receipt_csp
    assert r.headers["x-frame-options"] == "SAMEORIGIN"
    r = await _get(app, f"/claims/{claim_id}/receipts/{png}", finance)
    assert r.headers["content-type"] == "image/png" and r.content == PNG

    per = world.people["Per"].headers
    assert (await _get(app, f"/claims/{claim_id}/receipts/{pdf}", per)).status_code == 200
    coordinator = actors["coordinator"].headers
    assert (await _get(app, f"/claims/{claim_id}/receipts/{pdf}", coordinator)).status_code == 200
    for who in (actors["participant"].headers, actors["other_coordinator"].headers):
        r = await _get(app, f"/claims/{claim_id}/receipts/{pdf}", who)
        assert r.status_code == 404 and "text/html" in r.headers["content-type"]
        assert r.content != PDF
    # A receipt asked for under another claim's id is not found either.
    r = await _get(app, f"/claims/{world.claims['kari']}/receipts/{pdf}", finance)
    assert r.status_code == 404
    async with _client(app) as anonymous:
        r = await anonymous.get(f"/claims/{claim_id}/receipts/{pdf}")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


async def test_the_approver_sees_possible_duplicates_and_accounts_not_on_file(
    app, actors, world: World
):
    finance = actors["finance"].headers
    per, kari = world.claims["per"], world.claims["kari"]
    page = await _get(app, f"/claims/{per}", finance)
    flags = dict(re.findall(r'<li data-flag="(\w+)">(.*?)</li>', page.text, re.S))
    assert set(flags) == {"no_account_on_file", "duplicate_line", "duplicate_receipt"}
    assert "Kommunen har ingen registrert konto" in flags["no_account_on_file"]  # Kristiansand
    assert "Per har et annet krav for denne samlingen med billett" in flags["duplicate_line"]
    assert f'href="/claims/{world.claims["per_first"]}"' in flags["duplicate_line"]
    assert f'href="/claims/{kari}"' in flags["duplicate_receipt"]

    r = await _get(app, f"/api/v1/claims/{per}", finance)
    got = {f["code"]: f for f in r.json()["flags"]}
    assert got["duplicate_line"] == {
        "code": "duplicate_line",
        "claims": [world.claims["per_first"]],
        "kinds": ["ticket"],
    }
    assert got["duplicate_receipt"]["claims"] == [kari]
    # Kari's claim: the same receipt file; Tor's pays to Bodø's account: nothing to see.
    r = await _get(app, f"/api/v1/claims/{kari}", finance)
    assert [f["code"] for f in r.json()["flags"]] == ["no_account_on_file", "duplicate_receipt"]
    tor = await _get(app, f"/claims/{world.claims['tor']}", finance)
    assert "data-flag=" not in tor.text and "Sjekk før du avgjør" not in tor.text
    assert (await _get(app, f"/api/v1/claims/{world.claims['tor']}", finance)).json()["flags"] == []

    # Siv's claim pays to another account than Bodø's on file.
    siv = await _get(app, f"/claims/{world.claims['siv']}", actors["other_coordinator"].headers)
    assert 'data-flag="account_not_on_file"' in siv.text
    assert f"Kontoen det skal betales til, {OTHER_ACCOUNT}, er ikke kommunens konto" in siv.text
    queue = await _get(app, f"/review?status=all&gathering={world.g2}", finance)
    assert "Ikke kommunens registrerte konto" in queue.text
    queue = await _get(app, f"/review?status=all&gathering={world.g1}", finance)
    row = re.search(rf'href="/claims/{per}".*?</tr>', queue.text, re.S)
    assert row and "Mulig dobbeltkrav" in row.group(0) and "Samme kvittering" in row.group(0)
    assert "Ingen registrert konto" in row.group(0)

    # The claimant's own view carries no flags.
    mine = await _get(app, f"/api/v1/claims/{per}", world.people["Per"].headers)
    assert mine.json()["flags"] == []
    assert "data-flag=" not in (await _get(app, f"/claims/{per}", world.people["Per"].headers)).text


async def test_a_returned_claim_shows_what_changed_when_it_comes_back(app, actors, world: World):
    claim_id = world.claims["rune"]
    coordinator = actors["coordinator"].headers
    r = await _post(
        app, f"/claims/{claim_id}/decide", coordinator, {"action": "return", "reason": "Ruten?"}
    )
    assert r.status_code == 303
    rune = await world.people["Rune"].user()
    lines = [
        _ticket(world.day, "Ferge", "200.00"),  # the amount changed
        {"kind": "other", "date": world.day, "description": "Parkering", "amount": "60.00"},
    ]  # the mileage line is gone, parking is new
    await claims.update(
        rune,
        claim_id,
        msgspec.convert({"lines": lines, "payee_account": "15030000002"}, ClaimPatch),
    )
    await claims.submit(rune, claim_id, "http://t")

    page = await _get(app, f"/claims/{claim_id}", actors["finance"].headers)
    history = re.search(r'id="history-heading".*?</section>', page.text, re.S)
    assert history
    text = re.sub(r"\s+", " ", history.group(0).replace("\xa0", " "))
    assert "Endret siden den ble returnert:" in text
    assert "Fjernet: Kjøring – Kristiansand – Arendal" in text and "500,00 kr" in text
    assert "Endret: Billett – Ferge" in text and "150,00 kr → 200,00 kr" in text
    assert "Lagt til: Annet – Parkering" in text and "60,00 kr" in text
    assert "Konto for utbetaling: 86011117947 → 15030000002" in text
    # Returned and sent in again as it was: the history says so.
    await _post(app, f"/claims/{claim_id}/decide", coordinator, {"action": "return", "reason": "?"})
    await claims.submit(rune, claim_id, "http://t")
    page = await _get(app, f"/claims/{claim_id}", actors["finance"].headers)
    assert "Sendt inn på nytt uten endringer siden den ble returnert." in page.text


async def test_finance_sees_and_sets_budgets(app, actors, world: World):
    finance = actors["finance"].headers
    r = await _get(app, f"/finance/budgets?year={world.year}", finance)
    assert r.status_code == 200
    row = re.search(r'<tr data-network="agder-rogaland">.*?</tr>', r.text, re.S)
    assert row  # every network has a row, with what its claims commit
    r = await _post(
        app,
        "/finance/budgets",
        finance,
        {"network": "nord", "budget_year": "2097", "amount": "mange penger"},
    )
    assert r.status_code == 400 and 'id="error-amount"' in r.text
    assert re.search(r'id="field-amount"[^>]*aria-invalid="true"', r.text)
    assert 'value="mange penger"' in r.text
    r = await _post(
        app, "/finance/budgets", finance, {"network": "nord", "budget_year": "1999", "amount": "1"}
    )
    assert r.status_code == 400 and 'id="error-budget_year"' in r.text
    r = await _post(
        app,
        "/finance/budgets",
        finance,
        {"network": "nord", "budget_year": "2097", "amount": "150 000,50"},
    )
    assert r.status_code == 303 and r.headers["location"] == "/finance/budgets?year=2097"
    async with _client(app) as c:
        r = await c.get("/finance/budgets?year=2097", headers=finance)
    row = re.search(r'<tr data-network="nord">.*?</tr>', _text(r), re.S)
    assert row and "150 000,50 kr" in row.group(0)
    r = await _get(app, "/api/v1/budgets?year=2097", finance)
    assert {"network": "nord", "budget": "150000.50"}.items() <= next(
        b for b in r.json() if b["network"] == "nord"
    ).items()
    for who in ("coordinator", "participant", "admin"):
        assert (await _get(app, "/finance/budgets", actors[who].headers)).status_code == 403
        r = await _post(
            app,
            "/finance/budgets",
            actors[who].headers,
            {"network": "nord", "budget_year": "2097", "amount": "1"},
        )
        assert r.status_code == 403


async def test_finance_adds_a_rate_table_and_is_told_what_is_wrong(app, actors):
    finance = actors["finance"].headers
    r = await _get(app, "/finance/rates", finance)
    assert r.status_code == 200 and "DFØ" in r.text
    good = {
        "valid_from": "2091-01-01",
        "km": "5,30",
        "passenger_km": "1",
        "day_6_12h": "400",
        "day_over_12h": "750,50",
        "overnight": "1 000",
        "night_allowance": "470",
        "source": "Særavtalen for reiser innenlands 2091",
    }
    r = await _post(app, "/finance/rates", finance, {**good, "km": "fem"})
    assert r.status_code == 422 and 'id="error-km"' in r.text
    assert re.search(r'id="field-km"[^>]*aria-invalid="true"', r.text)
    assert 'value="fem"' in r.text and 'value="750,50"' in r.text  # what was typed is kept
    r = await _post(app, "/finance/rates", finance, {})
    assert r.status_code == 422  # every field is named at once, next to itself
    for name in ("valid_from", "km", "passenger_km", "overnight", "night_allowance", "source"):
        assert f'id="error-{name}"' in r.text, name
    r = await _post(app, "/finance/rates", finance, {**good, "source": ""})
    assert r.status_code == 422 and 'id="error-source"' in r.text
    r = await _post(app, "/finance/rates", finance, {**good, "km": "0"})
    assert r.status_code == 422 and 'id="error-km"' in r.text
    r = await _post(app, "/finance/rates", finance, good)
    assert r.status_code == 303 and r.headers["location"] == "/finance/rates"
    page = await _get(app, "/finance/rates", finance)
    assert "Særavtalen for reiser innenlands 2091" in page.text and "5,30 kr" in _text(page)
    assert "1. januar 2091" in page.text
    r = await _post(app, "/finance/rates", finance, good)
    assert r.status_code == 409 and 'id="error-valid_from"' in r.text
    tables = (await _get(app, "/api/v1/rates", finance)).json()
    assert next(t for t in tables if t["valid_from"] == "2091-01-01")["overnight"] == "1000.00"
    assert (await _get(app, "/finance/rates", actors["coordinator"].headers)).status_code == 403


async def test_exports_give_the_claims_csv_and_the_payout_files(app, actors, world: World):
    finance = actors["finance"].headers
    money = await accounts.load_user(actors["finance"].id)
    tor = world.claims["tor"]
    await claims.attest(await accounts.load_user(actors["other_coordinator"].id), tor, "")
    await claims.approve(money, tor, ApproveIn(), "http://t")
    batch = await payouts.create(money, payouts.PayoutIn(claims=[tor]))
    page = await _get(app, "/finance", finance)
    assert page.status_code == 200
    for href in ("/finance/budgets", "/finance/rates", "/finance/exports", "/payouts", "/review"):
        assert f'href="{href}' in page.text
    r = await _get(app, "/finance/exports", finance)
    assert r.status_code == 200 and 'action="/finance/exports/claims.csv"' in r.text
    assert f'href="/payouts/{batch.id}"' in r.text
    assert f'href="/api/v1/payouts/{batch.id}.csv"' in r.text
    assert f'href="/api/v1/payouts/{batch.id}/pain001.xml"' in r.text
    r = await _get(app, f"/api/v1/payouts/{batch.id}/pain001.xml", finance)
    assert r.status_code == 200 and BODO_ACCOUNT in r.text
    r = await _get(
        app, f"/finance/exports/claims.csv?status=submitted&network=nord&year={world.year}", finance
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith("attachment;")
    rows = r.text.splitlines()
    assert rows[0].startswith("\ufeffid;status;samling;")  # a BOM, for Excel
    ids = {line.split(";")[0] for line in rows[1:]}
    assert world.claims["siv"] in ids and world.claims["per"] not in ids
    assert "2000,00" in r.text  # Norwegian decimals
    r = await _get(app, f"/finance/exports/claims.csv?year={world.year + 40}", finance)
    assert r.text.splitlines()[1:] == []
    r = await _get(app, "/finance/exports/claims.csv?status=nonsense", finance)
    assert r.status_code == 422 and "text/html" in r.headers["content-type"]
    for who in ("coordinator", "participant", "admin"):
        assert (
            await _get(app, "/finance/exports/claims.csv", actors[who].headers)
        ).status_code == 403
        assert (await _get(app, "/finance", actors[who].headers)).status_code == 403
