"""The claim pages: a participant starts a claim from the form, sees every line priced
with its rule, attaches a receipt and submits; others cannot see it. Reviewers attest,
approve with cuts and return from the claim's page; finance pays out. The pages speak
bokmål, nynorsk and English, and carry no inline script."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

import httpx
from mail_fixtures import follow_link

from service.accounts import service as accounts
from service.db.tables import Claim
from service.gatherings import service as gatherings
from service.gatherings.schemas import GatheringIn, MealIn
from service.lib.clock import moved_to
from service.registrations import service as registrations
from service.registrations.schemas import RegistrationIn

AFTER = datetime(2031, 4, 4, 9, tzinfo=UTC)  # the day after the gathering of _registered


def _text(r: httpx.Response) -> str:
    """The page as a person reads it: no-break spaces (in "1 234,50 kr") as spaces."""
    return r.text.replace("\xa0", " ")


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


async def _attended(actors, reg: str) -> None:
    """The coordinator marks the place as attended, the day after."""
    coordinator = await accounts.load_user(actors["coordinator"].id)
    with moved_to(AFTER):
        await registrations.set_attendance(coordinator, reg, True)


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
    assert "140 km × 5.00" in page.text and "840,00 kr" in _text(page)  # 140 x 5 + 140 x 1
    assert "Utkast" in page.text
    assert "Reiseregningen er lagret som utkast" in page.text  # the outcome, once
    assert "Reiseregningen er lagret som utkast" not in (await b.get(r.headers["location"])).text
    claim_id = r.headers["location"].rsplit("/", 1)[1]

    pdf = {"file": ("hotell.pdf", b"%PDF-1.4 kvittering", "application/pdf")}
    up = await b.post(f"/claims/{claim_id}/receipt", files=pdf)
    assert up.status_code == 303
    assert "hotell.pdf" in (await b.get(up.headers["location"])).text
    # Before the gathering has ended the page says when it can be submitted, and the
    # service refuses it if tried all the same.
    waiting = await b.get(f"/claims/{claim_id}")
    assert "Send inn</button>" not in waiting.text
    assert "når samlingen er over (3. april 2031 kl. 15.00)" in waiting.text
    early = await b.post(f"/claims/{claim_id}/submit")
    assert early.status_code == 409
    assert "når samlingen er over (3. april 2031 kl. 15.00)" in early.text
    with moved_to(AFTER):
        assert "Send inn</button>" in (await b.get(f"/claims/{claim_id}")).text
        sent = await b.post(f"/claims/{claim_id}/submit")
    assert sent.status_code == 303
    after = await b.get(sent.headers["location"])
    assert "Sendt inn" in after.text and "Send inn</button>" not in after.text
    assert "Reiseregningen er sendt inn." in after.text
    assert "Reiseregningen er sendt inn." not in (await b.get(f"/claims/{claim_id}")).text
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
    # next to the field it names, with what was typed kept
    assert re.search(r'id="field-ticket\.amount"[^>]*aria-invalid="true"', r.text)
    assert 'id="error-ticket.amount"' in r.text and 'value="Buss"' in r.text
    r = await b.post(
        "/claims/new",
        data={"registration": reg, "other.description": "Parkering", "other.amount": "50"},
    )
    assert r.status_code == 422 and 'id="error-other.date"' in r.text  # a missing date
    assert await Claim.count() == before


async def test_claim_pages_need_a_signed_in_user(client):
    r = await client.get("/claims")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/claims"
    for path in ("/claims/new?registration=1", "/claims/1", "/review", "/payouts", "/payouts/1"):
        r = await client.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/login?next=" + quote(
            path, safe="/"
        )
    r = await client.post("/claims/1/submit")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


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
    await _attended(actors, reg)
    with moved_to(AFTER):
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
    assert "Ferge – 2. april 2031" in page.text  # what each line is for
    r = await finance.post(
        f"/claims/{claim_id}/decide",
        data={"action": "approve", f"amount.{mileage}": "1000", f"amount.{ferry}": "100"},
    )
    assert r.status_code == 422 and "Skriv hvorfor" in r.text
    assert f'id="error-reason.{ferry}"' in r.text and 'value="100"' in r.text
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
    assert r.status_code == 422 and 'id="error-reason"' in r.text  # next to the reason
    assert (await claims_json(claim_id, actors))["status"] == "submitted"
    r = await coordinator.post(
        f"/claims/{claim_id}/decide", data={"action": "return", "reason": "Legg ved billetten"}
    )
    assert (await claims_json(claim_id, actors))["status"] == "returned"
    assert "Legg ved billetten" in (await claimant.get(f"/claims/{claim_id}")).text
    assert (await claimant.get("/review")).status_code == 403
    other = await _browser(app, actors["other_coordinator"].email)
    r = await other.post(f"/claims/{claim_id}/decide", data={"action": "attest"})
    assert r.status_code == 404 and "Vårsamling" not in r.text  # not theirs to see
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
    assert f"/api/v1/payouts/{payout_id}/pain001.xml" in page.text
    assert "1 150,00 kr" in _text(page)
    paid = await finance.post(f"/payouts/{payout_id}/paid")
    assert "Betalt" in (await finance.get(paid.headers["location"])).text
    assert (await claims_json(claim_id, actors))["status"] == "paid"
    again = await finance.post("/payouts", data={"claim": [claim_id]})
    assert again.status_code == 409 and 'class="ds-alert" data-color="danger"' in again.text
    assert re.search(r"approved|godkjent", again.text)  # says why not

    assert (await claimant.get("/payouts")).status_code == 403
    assert (await coordinator.get(f"/payouts/{payout_id}")).status_code == 403


async def _in_language(b: httpx.AsyncClient, language: str) -> None:
    r = await b.post("/language", data={"language": language, "next": "/claims"})
    assert r.status_code == 303


async def test_the_claim_pages_speak_nynorsk_and_english(app, actors):
    email, reg, _ = await _registered(actors)
    b = await _browser(app, email)
    r = await b.post(
        "/claims/new",
        data={
            "registration": reg,
            "ticket.date": "2031-04-02",
            "ticket.description": "Fly",
            "ticket.amount": "1 234,50",
        },
    )
    assert r.status_code == 303
    claim_page = r.headers["location"]

    await _in_language(b, "nn")
    page = await b.get(claim_page)
    assert '<html lang="nn"' in page.text
    assert "Reiserekning: Vårsamling" in page.text and "Kvitteringar" in page.text
    assert "Utkast" in page.text and "Billett" in page.text
    assert "1 234,50 kr" in _text(page)
    form = await b.get("/claims")
    assert "Reiserekningane mine" in form.text
    new = await b.get(f"/claims/new?registration={reg}")
    assert "Kilometer i alt" in new.text and "Lagre utkast" in new.text

    await _in_language(b, "en")
    page = await b.get(claim_page)
    assert '<html lang="en"' in page.text
    assert "Travel claim: Vårsamling" in page.text and "Receipts" in page.text
    assert "Draft" in page.text and "Ticket" in page.text
    assert "NOK 1,234.50" in _text(page)
    assert "Kvittering" not in page.text
    new = await b.get(f"/claims/new?registration={reg}")
    assert "Kilometres in all" in new.text and "Save draft" in new.text
    assert 'data-text-sum="Sum"' in new.text and 'data-locale="en-GB"' in new.text
    bad = await b.post("/claims/new", data={"registration": reg})
    assert bad.status_code == 422 and "Fill in at least one line." in bad.text


async def test_the_claim_form_loads_its_script_from_a_file_and_sends_a_csp(app, actors):
    email, reg, gid = await _registered(actors)
    b = await _browser(app, email)
    form = await b.get(f"/claims/new?registration={reg}")
    assert form.status_code == 200
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", form.text, re.S)
    assert scripts and all(body.strip() == "" for body in scripts)  # no inline script
    assert '<script src="/static/claim-form.js" defer></script>' in form.text
    assert not re.search(r"\son[a-z]+=", form.text) and " style=" not in form.text
    assert 'aria-live="polite"' in form.text and 'id="preview"' in form.text
    # the script's words come from the page, in the page's language
    assert 'data-text-sum="Sum"' in form.text and 'data-locale="nb-NO"' in form.text
    assert "data-text-unavailable=" in form.text and 'data-money="{amount}' in form.text
    csp = form.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    for path in ("/claims", f"/claims/new?registration={reg}"):
        assert "script-src 'self'" in (await b.get(path)).headers["content-security-policy"]
    js = await b.get("/static/claim-form.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert 'data-preview-url="/api/v1/claims/preview"' in form.text
    # the preview the script calls answers for this form
    r = await b.post(
        "/api/v1/claims/preview",
        json={"gathering": gid, "lines": [{"kind": "night_allowance", "nights": 1}]},
    )
    assert r.status_code == 200 and r.json()["lines"][0]["amount"]


async def test_without_script_calculate_prices_the_form_and_stores_nothing(app, actors):
    email, reg, _ = await _registered(actors)
    b = await _browser(app, email)
    before = await Claim.count()
    r = await b.post(
        "/claims/new",
        data={
            "registration": reg,
            "mileage.date": "2031-04-02",
            "mileage.km": "140",
            "mileage.passengers": "1",
            "mileage.route": "Kristiansand – Arendal t/r",
            "action": "preview",
        },
    )
    assert r.status_code == 200
    assert "Kjøring: 840,00 kr" in _text(r) and "Sum: 840,00 kr" in _text(r)
    assert 'value="Kristiansand – Arendal t/r"' in r.text  # the form keeps what was typed
    assert await Claim.count() == before


async def test_status_texts_come_from_the_server_not_the_address(app, actors):
    email, reg, _ = await _registered(actors)
    b = await _browser(app, email)
    r = await b.post(
        "/claims/new",
        data={"registration": reg, "night_allowance.nights": "1"},
    )
    claim_id = r.headers["location"].rsplit("/", 1)[1]
    page = await b.get(f"/claims/{claim_id}?message=Kontoen+din+er+sperret")
    assert page.status_code == 200 and "Kontoen din er sperret" not in page.text
    bad = await b.post(
        f"/claims/{claim_id}/receipt", files={"file": ("x.txt", b"plain text", "text/plain")}
    )
    assert bad.status_code == 422 and 'id="error-file"' in bad.text
    assert (await b.get(f"/claims/{claim_id}")).text.count("x.txt") == 0


async def test_a_finance_officer_sees_only_their_own_claims_as_theirs(app, actors):
    """Finance may list every claim, but /claims and /me are the officer's own."""
    other_id, other = await _submitted_claim(app, actors)
    await other.aclose()
    email, reg, _ = await _registered(actors)
    user = await accounts.load_user((await accounts.user_id_by_email(email)) or 0)
    assert user is not None
    await accounts.grant_roles(user.id, ["finance"], "tests")
    b = await _browser(app, email)
    r = await b.post(
        "/claims/new",
        data={
            "registration": reg,
            "mileage.date": "2031-04-02",
            "mileage.km": "10",
            "mileage.route": "Hjem – Arendal",
        },
    )
    own_id = r.headers["location"].rsplit("/", 1)[1]
    for page in ("/claims", "/me"):
        html = (await b.get(page)).text
        assert f'href="/claims/{own_id}"' in html, page
        assert f'href="/claims/{other_id}"' not in html, page
    assert f'href="/claims/{other_id}"' in (await b.get("/review")).text  # the queue has it
    await b.aclose()
