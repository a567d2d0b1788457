"""Payouts, the claims export and budgets: what finance does once claims are approved.

Claims are driven to their state through the service layer (as in the access matrix);
payouts, exports and budgets are then used over HTTP as finance would. The database
is shared by the whole run, so every test makes its own people, gatherings and
accounts, and each test uses a year of its own (2080 and later; the pricing tests
take 2090 on) so that budget figures see only its claims.
"""

from __future__ import annotations

import csv
import io
import itertools
import random
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from stdnum import iban
from stdnum.no import kontonr

from service.claims.export import header as export_header
from service.claims.payouts import csv_header
from service.db.tables import Claim, ClaimEvent, Gathering, Municipality, OutboxMessage, Payout
from service.lib.clock import moved_to
from service.settings import load_settings

PROBLEM = "application/problem+json"
NS = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
P = {"p": NS}
_years = itertools.count(2080)


def assert_problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM), r.headers["content-type"]
    body = r.json()
    assert body["status"] == status and body.get("detail"), body
    return body


def new_account() -> str:
    """A fresh, valid Norwegian account number (11 digits, mod-11 check digit)."""
    while True:
        base = f"{random.randint(1000, 9999)}{random.randint(0, 999999):06d}"
        for digit in "0123456789":
            if kontonr.is_valid(base + digit):
                return base + digit


def kr(value: str) -> Decimal:
    return Decimal(value)


def read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), body[:10]
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


# --- set-up through the service layer --------------------------------------------------


async def load(user_id: int) -> Any:
    from service.accounts import service

    user = await service.load_user(user_id)
    assert user is not None
    return user


async def person(municipality: str, name: str = "Reisende Testesen") -> Any:
    from service.accounts import service

    email = f"payout.{uuid.uuid4().hex[:10]}@example.no"
    return await load(await service.create_user(email, name, municipality, [], "tests"))


async def gathering(client: httpx.AsyncClient, actors: Any, year: int, **over: Any) -> str:
    """A published gathering of agder-rogaland, made over HTTP by its coordinator."""
    body = {
        "network": "agder-rogaland",
        "title": "Utbetalingssamling",
        "starts_at": f"{year}-06-10T10:00",
        "ends_at": f"{year}-06-10T16:00",
        "capacity": 50,
        "city": "Kristiansand",
        **over,
    }
    headers = actors["coordinator"].headers
    r = await client.post("/api/v1/gatherings", json=body, headers=headers)
    assert r.status_code == 201, r.text
    gid = str(r.json()["id"])
    r = await client.post(f"/api/v1/gatherings/{gid}/publish", headers=headers)
    assert r.status_code == 200, r.text
    return gid


@dataclass
class Made:
    id: str
    claimant: Any
    total: str
    approved_total: str | None


async def claim(
    actors: Any,
    gid: str,
    who: Any,
    amounts: list[str],
    account: str,
    state: str = "approved",
    cut: tuple[int, str] | None = None,
) -> Made:
    """A claim of `who` with one ticket line per amount, brought to `state`
    (draft, submitted, attested, approved or rejected); `cut` = (line index, amount).
    It is drafted now; the rest happens the day after the gathering, when the
    coordinator has marked `who` as attended."""
    from service.claims import claims
    from service.claims.schemas import ApproveIn, ClaimIn, Cut, Ticket
    from service.registrations import service as registrations
    from service.registrations.schemas import RegistrationIn

    reg, _ = await registrations.register(who, gid, RegistrationIn(), "http://t")
    lines = [
        Ticket(date=date(2080, 6, 10), description=f"Tog {i}", amount=a)
        for i, a in enumerate(amounts)
    ]
    c = await claims.create(who, ClaimIn(registration=reg.id, payee_account=account, lines=lines))
    if state == "draft":
        return Made(c.id, who, c.total, None)
    coordinator = await load(actors["coordinator"].id)
    finance = await load(actors["finance"].id)
    with moved_to(await day_after(gid)):
        await registrations.set_attendance(coordinator, reg.id, True)
        await claims.submit(who, c.id, "http://t")
        if state == "rejected":
            await claims.send_back(finance, c.id, "Ikke refusjonsberettiget", "reject", "http://t")
        if state in ("attested", "approved"):
            await claims.attest(coordinator, c.id, "")
        if state == "approved":
            cuts = []
            if cut is not None:
                index, amount = cut
                cuts.append(
                    Cut(line=c.lines[index]["id"], approved_amount=amount, reason="For dyrt")
                )
            c = await claims.approve(finance, c.id, ApproveIn(lines=cuts), "http://t")
    c = await claims.detail(finance, c.id)
    assert c.status == state, c.status
    return Made(c.id, who, c.total, c.approved_total)


async def day_after(gid: str) -> datetime:
    """The day after the gathering ends: claims are acted on then."""
    row = await Gathering.select(Gathering.ends_at).where(Gathering.id == int(gid)).first()
    assert row is not None
    return row["ends_at"] + timedelta(days=1)


async def claim_of(client: httpx.AsyncClient, actors: Any, claim_id: str) -> dict[str, Any]:
    r = await client.get(f"/api/v1/claims/{claim_id}", headers=actors["finance"].headers)
    assert r.status_code == 200, r.text
    return r.json()


async def pay_out(client: httpx.AsyncClient, actors: Any, *ids: str) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/payouts", json={"claims": list(ids)}, headers=actors["finance"].headers
    )
    assert r.status_code == 201, r.text
    return r.json()


async def municipality(number: str) -> dict[str, Any]:
    row = await Municipality.select().where(Municipality.number == number).first()
    assert row is not None
    return row


@dataclass
class Batch:
    payout: dict[str, Any]
    kr1: Made
    kr2: Made
    stv: Made
    kr_account: str
    stv_account: str


async def two_municipalities(client: httpx.AsyncClient, actors: Any) -> Batch:
    """Three approved claims (two from Kristiansand, one cut; one from Stavanger),
    batched by finance over HTTP."""
    gid = await gathering(client, actors, next(_years))
    kr_account, stv_account = new_account(), new_account()
    kr1 = await claim(
        actors, gid, await person("4204"), ["1200.50", "300.00"], kr_account, cut=(1, "100.00")
    )
    kr2 = await claim(actors, gid, await person("4204"), ["250.25"], kr_account)
    stv = await claim(actors, gid, await person("1103"), ["999.99"], stv_account)
    assert (kr1.total, kr1.approved_total) == ("1500.50", "1300.50")
    payout = await pay_out(client, actors, stv.id, kr1.id, kr2.id)
    return Batch(payout, kr1, kr2, stv, kr_account, stv_account)


# --- creating a payout -----------------------------------------------------------------


async def test_a_payout_has_one_payment_per_municipality_and_account(client, actors):
    b = await two_municipalities(client, actors)
    out = b.payout
    assert out["status"] == "created"
    assert out["created_by"] == actors["finance"].email
    assert out["paid_at"] is None and out["paid_by"] is None
    kristiansand, stavanger = await municipality("4204"), await municipality("1103")
    assert out["payments"] == [
        {
            "municipality": "1103",
            "municipality_name": stavanger["name"],
            "org_number": stavanger["org_number"],
            "account": b.stv_account,
            "amount": "999.99",
            "claims": [b.stv.id],
        },
        {
            "municipality": "4204",
            "municipality_name": kristiansand["name"],
            "org_number": kristiansand["org_number"],
            "account": b.kr_account,
            "amount": "1550.75",  # 1300.50 approved (cut from 1500.50) + 250.25
            "claims": sorted([b.kr1.id, b.kr2.id], key=int),
        },
    ]
    assert out["total"] == "2550.74"
    assert sum(kr(p["amount"]) for p in out["payments"]) == kr(out["total"])
    for made in (b.kr1, b.kr2, b.stv):
        c = await claim_of(client, actors, made.id)
        assert (c["status"], c["payout"]) == ("approved", out["id"])
        history = await client.get(
            f"/api/v1/claims/{made.id}/history", headers=actors["finance"].headers
        )
        assert history.json()[-1]["action"] == "payout"
    r = await client.get(f"/api/v1/payouts/{out['id']}", headers=actors["finance"].headers)
    assert r.status_code == 200 and r.json() == out
    r = await client.get("/api/v1/payouts", headers=actors["finance"].headers)
    assert r.status_code == 200
    assert out["id"] in [p["id"] for p in r.json()]


async def test_a_municipality_paying_to_two_accounts_gets_two_payments(client, actors):
    gid = await gathering(client, actors, next(_years))
    first, second = sorted([new_account(), new_account()])
    a = await claim(actors, gid, await person("4204"), ["100.00"], first)
    b = await claim(actors, gid, await person("4204"), ["200.00"], second)
    out = await pay_out(client, actors, a.id, b.id)
    assert [(p["municipality"], p["account"], p["amount"]) for p in out["payments"]] == [
        ("4204", first, "100.00"),
        ("4204", second, "200.00"),
    ]
    assert out["total"] == "300.00"


async def _state(ids: list[str]) -> tuple[int, list[Any]]:
    newest = await Payout.select(Payout.id).order_by(Payout.id, ascending=False).first()
    rows = await Claim.select(Claim.id, Claim.status, Claim.payout).where(
        Claim.id.is_in([int(i) for i in ids])
    )
    return (newest["id"] if newest else 0), sorted(
        (r["id"], r["status"], r["payout"]) for r in rows
    )


async def test_refused_payouts_change_nothing(client, actors):
    gid = await gathering(client, actors, next(_years))
    account = new_account()
    approved = await claim(actors, gid, await person("4204"), ["410.00"], account)
    submitted = await claim(actors, gid, await person("4204"), ["20.00"], account, "submitted")
    attested = await claim(actors, gid, await person("4204"), ["30.00"], account, "attested")
    draft = await claim(actors, gid, await person("4204"), ["40.00"], account, "draft")
    taken = await claim(actors, gid, await person("1103"), ["50.00"], account)
    earlier = await pay_out(client, actors, taken.id)
    watched = [approved.id, submitted.id, attested.id, draft.id, taken.id]
    before = await _state(watched)
    fin = actors["finance"].headers

    async def refused(body: Any, status: int, headers: dict[str, str] = fin) -> dict[str, Any]:
        r = await client.post("/api/v1/payouts", json=body, headers=headers)
        problem = assert_problem(r, status)
        assert await _state(watched) == before, body
        return problem

    for other in (submitted, attested, draft):
        await refused({"claims": [approved.id, other.id]}, 409)
    detail = (await refused({"claims": [approved.id, taken.id]}, 409))["detail"]
    assert "payout" in detail
    await refused({"claims": [approved.id, approved.id]}, 422)
    await refused({"claims": [approved.id, "0" + approved.id]}, 422)  # the same claim
    await refused({"claims": [approved.id, "999999999"]}, 422)
    await refused({"claims": [approved.id, "999999999999"]}, 422)  # beyond integer
    await refused({"claims": [approved.id, "abc"]}, 422)
    await refused({"claims": [approved.id, "²"]}, 422)  # a digit, but not a number
    await refused({"claims": []}, 422)
    await refused({}, 400)
    await refused({"claims": [approved.id], "extra": 1}, 400)
    for role in ("participant", "coordinator", "other_coordinator", "admin"):
        await refused({"claims": [approved.id]}, 403, actors[role].headers)
    await refused({"claims": [approved.id]}, 401, {})

    # The refusals left the approved claim free: it is paid out now.
    later = await pay_out(client, actors, approved.id)
    assert later["total"] == "410.00" and int(later["id"]) > int(earlier["id"])
    assert (await claim_of(client, actors, approved.id))["payout"] == later["id"]


# --- reading a payout ------------------------------------------------------------------


async def test_the_payout_csv_is_one_semicolon_row_per_payment(client, actors):
    b = await two_municipalities(client, actors)
    pid = b.payout["id"]
    r = await client.get(f"/api/v1/payouts/{pid}.csv", headers=actors["finance"].headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert f'filename="utbetaling-{pid}.csv"' in r.headers["content-disposition"]
    rows = read_csv(r.content)
    assert rows[0] == csv_header()
    kristiansand, stavanger = await municipality("4204"), await municipality("1103")
    kr_ids = sorted([b.kr1.id, b.kr2.id], key=int)
    assert [row[:7] for row in rows[1:]] == [
        [
            "1103",
            stavanger["name"],
            stavanger["org_number"],
            b.stv_account,
            "999,99",
            "1",
            b.stv.id,
        ],
        [
            "4204",
            kristiansand["name"],
            kristiansand["org_number"],
            b.kr_account,
            "1550,75",
            "2",
            " ".join(kr_ids),
        ],
    ]
    for row, ids in zip(rows[1:], ([b.stv.id], kr_ids), strict=True):
        assert pid in row[7] and all(i in row[7] for i in ids), row[7]
        assert len(row[7]) <= 140


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/payouts/999999999",
        "/api/v1/payouts/999999999999",  # beyond PostgreSQL's integer
        "/api/v1/payouts/2147483648/pain001.xml",
        "/api/v1/payouts/999999999.csv",
        "/api/v1/payouts/999999999/pain001.xml",
        "/api/v1/payouts/nope",
        "/api/v1/payouts/%C2%B2",  # "²": a digit to str.isdigit, not a number
        "/api/v1/payouts/%C2%B2.csv",
        "/api/v1/payouts/%C2%B2/pain001.xml",
    ],
)
async def test_an_unknown_payout_is_404(client, actors, path):
    assert_problem(await client.get(path, headers=actors["finance"].headers), 404)


async def test_an_unknown_payout_cannot_be_marked_paid(client, actors):
    for pid in ("999999999", "999999999999", "nope", "%C2%B2"):
        r = await client.post(f"/api/v1/payouts/{pid}/paid", headers=actors["finance"].headers)
        assert_problem(r, 404)


async def test_only_finance_reads_payouts(client, actors):
    b = await two_municipalities(client, actors)
    pid = b.payout["id"]
    for path in (
        f"/api/v1/payouts/{pid}",
        f"/api/v1/payouts/{pid}.csv",
        f"/api/v1/payouts/{pid}/pain001.xml",
        "/api/v1/payouts",
    ):
        for role in ("participant", "coordinator", "admin"):
            assert_problem(await client.get(path, headers=actors[role].headers), 403)
        assert_problem(await client.get(path), 401)


def _text(el: ET.Element, path: str) -> str:
    found = el.find(path, P)
    assert found is not None and found.text is not None, path
    return found.text


async def pain001(client: httpx.AsyncClient, actors: Any, pid: str) -> ET.Element:
    r = await client.get(f"/api/v1/payouts/{pid}/pain001.xml", headers=actors["finance"].headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/xml")
    assert r.content.startswith(b"<?xml")
    return ET.fromstring(r.content)


async def test_the_pain001_file_is_a_credit_transfer_per_payment(client, actors):
    b = await two_municipalities(client, actors)
    out = b.payout
    doc = await pain001(client, actors, out["id"])
    assert doc.tag == f"{{{NS}}}Document"
    root = doc.find("p:CstmrCdtTrfInitn", P)
    assert root is not None
    assert _text(root, "p:GrpHdr/p:NbOfTxs") == str(len(out["payments"])) == "2"
    assert _text(root, "p:GrpHdr/p:CtrlSum") == out["total"] == "2550.74"
    assert len(_text(root, "p:GrpHdr/p:MsgId")) <= 35
    infos = root.findall("p:PmtInf", P)
    assert len(infos) == 1
    info = infos[0]
    assert _text(info, "p:PmtMtd") == "TRF"
    assert _text(info, "p:NbOfTxs") == "2" and _text(info, "p:CtrlSum") == "2550.74"
    settings = load_settings()
    assert settings.payer_account
    payer_iban = _text(info, "p:DbtrAcct/p:Id/p:IBAN")
    assert payer_iban == str(kontonr.to_iban(settings.payer_account)).replace(" ", "")
    assert iban.is_valid(payer_iban)
    assert _text(info, "p:Dbtr/p:Nm") == settings.payer_name

    txs = info.findall("p:CdtTrfTxInf", P)
    assert len(txs) == len(out["payments"])
    total = Decimal(0)
    for tx, payment in zip(txs, out["payments"], strict=True):
        amount = tx.find("p:Amt/p:InstdAmt", P)
        assert amount is not None and amount.get("Ccy") == "NOK"
        assert amount.text == payment["amount"]
        total += Decimal(amount.text)
        creditor = _text(tx, "p:CdtrAcct/p:Id/p:IBAN")
        assert creditor == str(kontonr.to_iban(payment["account"])).replace(" ", "")
        assert " " not in creditor and iban.is_valid(creditor)
        assert _text(tx, "p:Cdtr/p:Nm") == payment["municipality_name"]
        assert all(i in _text(tx, "p:RmtInf/p:Ustrd") for i in payment["claims"])
        assert len(_text(tx, "p:PmtId/p:EndToEndId")) <= 35
    assert total == Decimal(out["total"])


async def test_pain001_escapes_names_and_keeps_transaction_ids_unique(client, actors):
    number = f"99{random.randint(0, 9999):04d}"
    name = f"Øy & <Holm> «{number}»"
    await Municipality.insert(Municipality(number=number, name=name, org_number="999999999"))
    r = await client.put(  # the network's coordinator attests claims of its members only
        f"/api/v1/networks/agder-rogaland/members/{number}",
        json={"status": "member"},
        headers=actors["coordinator"].headers,
    )
    assert r.status_code == 200, r.text
    gid = await gathering(client, actors, next(_years), audience="open")
    first, second = sorted([new_account(), new_account()])
    a = await claim(actors, gid, await person(number), ["123.45"], first)
    b = await claim(actors, gid, await person(number), ["54.32"], second)
    out = await pay_out(client, actors, a.id, b.id)
    assert [p["account"] for p in out["payments"]] == [first, second]
    r = await client.get(
        f"/api/v1/payouts/{out['id']}/pain001.xml", headers=actors["finance"].headers
    )
    assert b"&amp; &lt;Holm&gt;" in r.content
    doc = ET.fromstring(r.content)
    txs = doc.findall("p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf", P)
    assert [_text(tx, "p:Cdtr/p:Nm") for tx in txs] == [name, name]
    assert [_text(tx, "p:Amt/p:InstdAmt") for tx in txs] == ["123.45", "54.32"]
    # Two payments to one municipality: the bank needs tells them apart by their ids.
    for tag in ("InstrId", "EndToEndId"):
        ids = [_text(tx, f"p:PmtId/p:{tag}") for tx in txs]
        assert len(set(ids)) == 2, ids
    r = await client.get(f"/api/v1/payouts/{out['id']}.csv", headers=actors["finance"].headers)
    assert [row[1] for row in read_csv(r.content)[1:]] == [name, name]


# --- paying ----------------------------------------------------------------------------


async def test_marking_a_payout_paid_pays_its_claims_and_tells_each_claimant(client, actors):
    b = await two_municipalities(client, actors)
    pid = b.payout["id"]
    fin = actors["finance"].headers
    r = await client.post(f"/api/v1/payouts/{pid}/paid", headers=fin)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "paid" and out["paid_by"] == actors["finance"].email
    assert out["paid_at"] and out["payments"] == b.payout["payments"]
    expected = {b.kr1.id: "1\xa0300,50\xa0kr", b.kr2.id: "250,25\xa0kr", b.stv.id: "999,99\xa0kr"}
    for made in (b.kr1, b.kr2, b.stv):
        c = await claim_of(client, actors, made.id)
        assert c["status"] == "paid" and c["paid_at"] == out["paid_at"]
        assert c["payout"] == pid
        events = (
            await ClaimEvent.select()
            .where(ClaimEvent.claim == int(made.id))
            .order_by(ClaimEvent.id)
        )
        assert events[-1]["action"] == "pay" and events[-1]["to_status"] == "paid"
        mails = (
            await OutboxMessage.select()
            .where(
                (OutboxMessage.recipient == made.claimant.email.lower())
                & (OutboxMessage.kind == "claim_paid")
            )
            .output(load_json=True)
        )
        assert len(mails) == 1, mails
        assert mails[0]["context"]["amount"] == expected[made.id]
        assert mails[0]["context"]["url"].endswith(f"/api/v1/claims/{made.id}")
        assert mails[0]["context"]["account"] == kontonr.format(made_account(b, made))

    again = await client.post(f"/api/v1/payouts/{pid}/paid", headers=fin)
    assert_problem(again, 409)
    r = await client.get(f"/api/v1/payouts/{pid}", headers=fin)
    assert r.json()["paid_at"] == out["paid_at"]
    # A paid claim is never batched again.
    r = await client.post("/api/v1/payouts", json={"claims": [b.kr2.id]}, headers=fin)
    assert_problem(r, 409)
    for role in ("participant", "coordinator", "admin"):
        r = await client.post(f"/api/v1/payouts/{pid}/paid", headers=actors[role].headers)
        assert_problem(r, 403)


def made_account(b: Batch, made: Made) -> str:
    return b.stv_account if made is b.stv else b.kr_account


# --- the claims export -----------------------------------------------------------------


async def test_the_export_lists_approved_claims_with_decimal_commas(client, actors):
    gid = await gathering(client, actors, next(_years))
    account = new_account()
    sneaky = await person("4204", name='=HYPERLINK("http://evil.example","klikk")')
    approved = await claim(actors, gid, sneaky, ["1500.50", "99.90"], account, cut=(0, "1400.25"))
    plain = await claim(actors, gid, await person("1103"), ["10.00"], account)
    submitted = await claim(actors, gid, await person("4204"), ["20.00"], account, "submitted")

    r = await client.get(
        "/api/v1/claims/export.csv?status=approved", headers=actors["finance"].headers
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert 'filename="reiseregninger-approved.csv"' in r.headers["content-disposition"]
    rows = read_csv(r.content)
    assert rows[0] == export_header()
    col = {name: i for i, name in enumerate(export_header())}
    assert rows[1:] and all(row[col["status"]] == "approved" for row in rows[1:])
    by_id = {row[col["id"]]: row for row in rows[1:]}
    assert submitted.id not in by_id
    row = by_id[approved.id]
    assert row[col["navn"]] == "'" + sneaky.name  # neutralised: no formula
    assert row[col["e-post"]] == sneaky.email
    assert (row[col["krevd"]], row[col["godkjent"]]) == ("1600,40", "1500,15")
    assert (row[col["kommunenummer"]], row[col["kontonummer"]]) == ("4204", account)
    assert row[col["nettverk"]] == "agder-rogaland"
    assert row[col["sendt inn"]] and row[col["avgjort"]] and row[col["utbetalt"]] == ""
    assert (by_id[plain.id][col["krevd"]], by_id[plain.id][col["godkjent"]]) == ("10,00", "10,00")

    r = await client.get("/api/v1/claims/export.csv", headers=actors["finance"].headers)
    everything = {row[0] for row in read_csv(r.content)[1:]}
    assert {approved.id, plain.id, submitted.id} <= everything


async def test_only_finance_exports_claims(client, actors):
    path = "/api/v1/claims/export.csv?status=approved"
    for role in ("participant", "coordinator", "other_coordinator", "admin"):
        assert_problem(await client.get(path, headers=actors[role].headers), 403)
    assert_problem(await client.get(path), 401)
    bad = "/api/v1/claims/export.csv?status=nonsense"
    assert_problem(await client.get(bad, headers=actors["finance"].headers), 422)


# --- budgets ---------------------------------------------------------------------------


async def test_budgets_show_what_claims_have_used(client, actors):
    year = next(_years)
    fin = actors["finance"].headers
    r = await client.put(
        f"/api/v1/budgets/agder-rogaland/{year}", json={"amount": "50000.00"}, headers=fin
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "network": "agder-rogaland",
        "network_name": r.json()["network_name"],
        "year": year,
        "budget": "50000.00",
        "pending": "0.00",
        "approved": "0.00",
        "paid": "0.00",
        "remaining": "50000.00",
    }
    r = await client.put(f"/api/v1/budgets/nord/{year}", json={"amount": "1000"}, headers=fin)
    assert r.status_code == 200 and r.json()["budget"] == "1000.00", r.text

    # Just after midnight on New Year's Day in Oslo: still this year (UTC says last year).
    new_year = await gathering(
        client, actors, year, starts_at=f"{year}-01-01T00:30", ends_at=f"{year}-01-01T12:00"
    )
    gid = await gathering(client, actors, year)
    account = new_account()
    for state, amounts in (("draft", ["7000.00"]), ("rejected", ["8000.00"])):
        await claim(actors, gid, await person("4204"), amounts, account, state)
    await claim(actors, new_year, await person("4204"), ["100.00"], account, "submitted")
    await claim(actors, gid, await person("1103"), ["150.00", "50.00"], account, "attested")
    await claim(actors, gid, await person("4204"), ["500.00"], account, cut=(0, "400.00"))
    paid = await claim(actors, gid, await person("1103"), ["300.00"], account)
    payout = await pay_out(client, actors, paid.id)
    r = await client.post(f"/api/v1/payouts/{payout['id']}/paid", headers=fin)
    assert r.status_code == 200, r.text
    # A claim of the following year counts there, not here.
    later = await gathering(client, actors, year + 1, starts_at=f"{year + 1}-01-01T00:00")
    await claim(actors, later, await person("4204"), ["900.00"], account, "submitted")

    agder = {
        "network": "agder-rogaland",
        "year": year,
        "budget": "50000.00",
        "pending": "300.00",  # 100 submitted + 200 attested, as claimed
        "approved": "400.00",  # as approved, after the cut
        "paid": "300.00",
        "remaining": "49000.00",
    }
    nord = {
        "network": "nord",
        "year": year,
        "budget": "1000.00",
        "pending": "0.00",
        "approved": "0.00",
        "paid": "0.00",
        "remaining": "1000.00",
    }

    async def seen(role: str) -> list[dict[str, Any]]:
        r = await client.get(f"/api/v1/budgets?year={year}", headers=actors[role].headers)
        assert r.status_code == 200, r.text
        rows = r.json()
        assert all(row["year"] == year for row in rows)
        return [{k: v for k, v in row.items() if k != "network_name"} for row in rows]

    assert await seen("finance") == [agder, nord]
    assert await seen("admin") == [agder, nord]
    assert await seen("coordinator") == [agder]
    assert await seen("other_coordinator") == [nord]
    assert_problem(await client.get("/api/v1/budgets", headers=actors["participant"].headers), 403)
    assert_problem(await client.get("/api/v1/budgets"), 401)

    # No budget set for the following year: the use shows, the budget does not.
    r = await client.get(f"/api/v1/budgets?year={year + 1}", headers=fin)
    row = next(x for x in r.json() if x["network"] == "agder-rogaland")
    assert (row["budget"], row["pending"], row["remaining"]) == (None, "900.00", None)

    # Setting it again replaces the amount.
    r = await client.put(
        f"/api/v1/budgets/agder-rogaland/{year}", json={"amount": "800.50"}, headers=fin
    )
    assert r.status_code == 200, r.text
    assert (r.json()["budget"], r.json()["remaining"]) == ("800.50", "-199.50")
    r = await client.get("/api/v1/budgets", headers=fin)
    mine = [x for x in r.json() if x["year"] == year and x["network"] == "agder-rogaland"]
    assert [x["remaining"] for x in mine] == ["-199.50"]


async def test_only_finance_sets_budgets_and_bad_ones_are_refused(client, actors):
    year = next(_years)
    fin = actors["finance"].headers
    path = f"/api/v1/budgets/vest/{year}"
    body = {"amount": "1000.00"}
    for role in ("participant", "coordinator", "other_coordinator", "admin"):
        assert_problem(await client.put(path, json=body, headers=actors[role].headers), 403)
    assert_problem(await client.put(path, json=body), 401)
    assert_problem(
        await client.put(f"/api/v1/budgets/no-such-net/{year}", json=body, headers=fin), 404
    )
    for amount in ("-5.00", "12.345", "abc", "", "1e5", 1000):
        assert_problem(await client.put(path, json={"amount": amount}, headers=fin), 400)
    assert_problem(await client.put(path, json={}, headers=fin), 400)
    assert_problem(await client.put("/api/v1/budgets/vest/1999", json=body, headers=fin), 400)
    r = await client.get(f"/api/v1/budgets?year={year}", headers=fin)
    assert [x for x in r.json() if x["network"] == "vest"] == []  # nothing was stored
