"""The claim pages: a participant starts a claim from the form, sees every line priced
with its rule, attaches a receipt and submits; others cannot see it."""

from __future__ import annotations

import uuid

import httpx
from mail_fixtures import follow_link

from service.accounts import service as accounts
from service.db.tables import Claim
from service.gatherings import service as gatherings
from service.gatherings.schemas import GatheringIn, MealIn
from service.registrations import service as registrations
from service.registrations.schemas import RegistrationIn


async def _browser(app, email: str) -> httpx.AsyncClient:
    c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    link = await accounts.create_login_link(email, "http://testserver")
    assert (await follow_link(c, link)).status_code == 303
    return c


async def _registered(actors) -> tuple[str, str, str]:
    """(email, registration id, gathering id) of a new participant with a place."""
    coordinator = await accounts.load_user(actors["coordinator"].id)
    g = await gatherings.create(
        coordinator,
        GatheringIn(
            network="agder-rogaland",
            title="Vårsamling <b>i</b> Arendal",
            starts_at="2031-04-02T10:00",
            ends_at="2031-04-03T15:00",
            capacity=5,
            meals=[MealIn(date=__import__("datetime").date(2031, 4, 2), meal="lunch")],
        ),
        "http://t",
    )
    await gatherings.publish(coordinator, g.id, "http://t")
    email = f"claimpage.{uuid.uuid4().hex[:8]}@example.no"
    uid = await accounts.create_user(email, "Siri Skjema", "4204", [], "tests")
    reg, _ = await registrations.register(await accounts.load_user(uid), g.id, RegistrationIn(), "")
    return email, reg.id, g.id


async def test_a_claim_from_the_form_to_submitted(app, actors):
    email, reg, gid = await _registered(actors)
    b = await _browser(app, email)
    listing = await b.get("/claims")
    assert listing.status_code == 200
    assert f"/claims/new?registration={reg}" in listing.text
    form = await b.get(f"/claims/new?registration={reg}")
    assert form.status_code == 200 and f'data-gathering="{gid}"' in form.text
    r = await b.post(
        "/claims/new",
        data={
            "registration": reg,
            "mileage.date": "2031-04-02",
            "mileage.km": "140",
            "mileage.passengers": "1",
            "mileage.route": "Kristiansand – Arendal t/r",
            "per_diem.departure": "2031-04-02T07:00",
            "per_diem.return": "2031-04-03T18:00",
            "per_diem.distance_km": "70",
            "payee_account": "8601 11 17947",
        },
    )
    assert r.status_code == 303, r.text
    page = await b.get(r.headers["location"])
    assert page.status_code == 200
    assert "Vårsamling &lt;b&gt;i&lt;/b&gt; Arendal" in page.text
    assert "140 km × 5.00" in page.text and "840,00 kr" in page.text  # 140 x 5 + 140 x 1
    assert "Utkast" in page.text
    claim_id = r.headers["location"].rsplit("/", 1)[1]

    pdf = {"file": ("hotell.pdf", b"%PDF-1.4 kvittering", "application/pdf")}
    up = await b.post(f"/claims/{claim_id}/receipt", files=pdf)
    assert up.status_code == 303
    assert "hotell.pdf" in (await b.get(up.headers["location"])).text
    sent = await b.post(f"/claims/{claim_id}/submit")
    assert sent.status_code == 303
    after = await b.get(sent.headers["location"])
    assert "Sendt inn" in after.text and "Send inn</button>" not in after.text
    row = await Claim.select(Claim.status).where(Claim.id == int(claim_id)).first()
    assert row == {"status": "submitted"}

    stranger = await _browser(app, actors["participant"].email)
    assert (await stranger.get(f"/claims/{claim_id}")).status_code == 404


async def test_a_bad_form_says_what_is_wrong_and_stores_nothing(app, actors):
    email, reg, _ = await _registered(actors)
    b = await _browser(app, email)
    before = await Claim.count()
    r = await b.post("/claims/new", data={"registration": reg})
    assert r.status_code == 422 and "minst én post" in r.text
    r = await b.post(
        "/claims/new",
        data={
            "registration": reg,
            "ticket.date": "2031-04-02",
            "ticket.description": "Buss",
            "ticket.amount": "tolv",
        },
    )
    assert r.status_code == 422 and "Sjekk billett, «Beløp (kr)»" in r.text
    assert await Claim.count() == before


async def test_claim_pages_need_a_signed_in_user(client):
    for path in ("/claims", "/claims/new?registration=1", "/claims/1"):
        r = await client.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/login"


async def _submitted_claim(app, actors) -> tuple[str, httpx.AsyncClient]:
    email, reg, _ = await _registered(actors)
    b = await _browser(app, email)
    r = await b.post(
        "/claims/new",
        data={
            "registration": reg,
            "mileage.date": "2031-04-02",
            "mileage.km": "200",
            "mileage.route": "Kristiansand – Arendal t/r",
            "ticket.date": "2031-04-02",
            "ticket.description": "Ferge",
            "ticket.amount": "150,00",
            "payee_account": "86011117947",
        },
    )
    claim_id = r.headers["location"].rsplit("/", 1)[1]
    assert (await b.post(f"/claims/{claim_id}/submit")).status_code == 303
    return claim_id, b


async def test_coordinator_attests_and_finance_approves_with_a_cut_from_the_pages(app, actors):
    claim_id, claimant = await _submitted_claim(app, actors)
    own = await claimant.get(f"/claims/{claim_id}")
    assert "Attester</button>" not in own.text and "Godkjenn</button>" not in own.text

    coordinator = await _browser(app, actors["coordinator"].email)
    queue = await coordinator.get("/review")
    assert queue.status_code == 200 and f'/claims/{claim_id}"' in queue.text
    page = await coordinator.get(f"/claims/{claim_id}")
    assert "Attester</button>" in page.text and "Godkjenn</button>" not in page.text
    assert "Avvis</button>" not in page.text  # rejecting is finance's
    r = await coordinator.post(
        f"/claims/{claim_id}/decide", data={"action": "attest", "comment": "Var der"}
    )
    assert (
        r.status_code == 303 and "Attestert" in (await coordinator.get(r.headers["location"])).text
    )

    finance = await _browser(app, actors["finance"].email)
    page = await finance.get(f"/claims/{claim_id}")
    assert "Godkjenn</button>" in page.text
    c = await claims_json(claim_id, actors)
    mileage, ferry = c["lines"][0]["id"], c["lines"][1]["id"]
    assert "Ferge – 2031-04-02" in page.text  # what each line is for
    r = await finance.post(
        f"/claims/{claim_id}/decide",
        data={"action": "approve", f"amount.{mileage}": "1000", f"amount.{ferry}": "100"},
    )
    assert "Skriv hvorfor" in (await finance.get(r.headers["location"])).text
    assert (await claims_json(claim_id, actors))["status"] == "attested"
    r = await finance.post(
        f"/claims/{claim_id}/decide",
        data={
            "action": "approve",
            f"amount.{mileage}": "1000,00",  # unchanged
            f"amount.{ferry}": "100,00",
            f"reason.{ferry}": "Billigste billett er 100 kr",
        },
    )
    assert r.status_code == 303
    c = await claims_json(claim_id, actors)
    assert c["status"] == "approved" and c["approved_total"] == "1100.00"
    assert c["lines"][1]["cut_reason"] == "Billigste billett er 100 kr"
    assert c["lines"][0]["cut_reason"] is None


async def test_returning_from_the_page_needs_a_reason_and_the_queue_is_for_reviewers(app, actors):
    claim_id, claimant = await _submitted_claim(app, actors)
    coordinator = await _browser(app, actors["coordinator"].email)
    r = await coordinator.post(
        f"/claims/{claim_id}/decide", data={"action": "return", "reason": " "}
    )
    shown = await coordinator.get(r.headers["location"])
    assert "reason" in shown.text.lower() or "begrunnelse" in shown.text.lower()
    assert (await claims_json(claim_id, actors))["status"] == "submitted"
    r = await coordinator.post(
        f"/claims/{claim_id}/decide", data={"action": "return", "reason": "Legg ved billetten"}
    )
    assert (await claims_json(claim_id, actors))["status"] == "returned"
    assert "Legg ved billetten" in (await claimant.get(f"/claims/{claim_id}")).text
    assert (await claimant.get("/review")).status_code == 403
    other = await _browser(app, actors["other_coordinator"].email)
    r = await other.post(f"/claims/{claim_id}/decide", data={"action": "attest"})
    assert (await other.get(r.headers["location"])).status_code == 404  # not theirs to see
    assert (await claims_json(claim_id, actors))["status"] == "returned"


async def claims_json(claim_id: str, actors) -> dict:
    from service.claims import claims as claim_service

    finance = await accounts.load_user(actors["finance"].id)
    import msgspec

    return msgspec.to_builtins(await claim_service.detail(finance, claim_id))


async def test_finance_pays_out_from_the_pages(app, actors):
    claim_id, claimant = await _submitted_claim(app, actors)
    coordinator = await _browser(app, actors["coordinator"].email)
    await coordinator.post(f"/claims/{claim_id}/decide", data={"action": "attest"})
    finance = await _browser(app, actors["finance"].email)
    await finance.post(f"/claims/{claim_id}/decide", data={"action": "approve"})
    assert (await claims_json(claim_id, actors))["status"] == "approved"

    listing = await finance.get("/payouts")
    assert f'name="claim" value="{claim_id}" checked' in listing.text
    r = await finance.post("/payouts", data={"claim": [claim_id]})
    assert r.status_code == 303 and r.headers["location"].startswith("/payouts/")
    page = await finance.get(r.headers["location"])
    payout_id = r.headers["location"].rsplit("/", 1)[1]
    assert f"/api/v1/payouts/{payout_id}/pain001.xml" in page.text and "1 150,00 kr" in page.text
    paid = await finance.post(f"/payouts/{payout_id}/paid")
    assert "Betalt" in (await finance.get(paid.headers["location"])).text
    assert (await claims_json(claim_id, actors))["status"] == "paid"
    again = await finance.post("/payouts", data={"claim": [claim_id]})
    assert "approved" in (await finance.get(again.headers["location"])).text  # says why not

    assert (await claimant.get("/payouts")).status_code == 403
    assert (await coordinator.get(f"/payouts/{payout_id}")).status_code == 403
