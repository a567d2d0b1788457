"""Invitation campaigns through the API: a municipality's official address and written
standard; writing, previewing, sending (once, in one transaction, each letter in the
municipality's language with a personal reply link stored only as SHA-256), closing;
replies through the link (no account: a second reply updates the first, a member is
never downgraded, unknown/expired/closed links refused and nothing changes); selecting
and declining; who may see and do what; and one campaign run end to end through the
SMTP sink: letters, a reply through the page form, the coordinators' mail, selection,
the contact's sign-up mail.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from html import unescape
from typing import Any

import httpx
import pytest
from conftest import new_browser

from service.db.tables import (
    AuditEvent,
    CampaignRecipient,
    County,
    Municipality,
    Network,
    NetworkCounty,
    NetworkMembership,
    OutboxMessage,
)
from service.lib.clock import moved_to, now

NETWORK = "agder-rogaland"  # the `coordinator` actor's network


@pytest.fixture
async def api(app: Any, held_dispatch: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client; committed mails stay queued (the tests read the letters' links there)."""
    async with new_browser(app) as b:
        yield b


@pytest.fixture(autouse=True)
async def regions_leave_the_network() -> AsyncIterator[None]:
    """The test counties (new_region) stop covering the network after each test, so other
    tests find the networks' counties as the demo has them."""
    yield
    ids = [r["id"] for r in await County.select(County.id).where(County.name.like("Fylke %"))]
    if ids:
        await NetworkCounty.delete().where(NetworkCounty.county.is_in(ids))


def tag() -> str:
    return uuid.uuid4().hex[:6]


async def new_region(
    n: int = 3, *, network: str | None = NETWORK, nynorsk: int = 1, without_address: int = 1
) -> dict[str, Any]:
    """A county of its own (covered by `network`), with `n` municipalities that have an
    official address (the first `nynorsk` of them write nynorsk) and `without_address`
    that have none. Returns its number and the municipalities' numbers and addresses."""
    t = tag()
    for _ in range(50):
        number = uuid.uuid4().hex[:2].upper()
        if not await County.exists().where(County.number == number):
            break
    rows = await County.insert(County(number=number, name=f"Fylke {t}"))
    county_id = rows[0]["id"]
    if network:
        net = await Network.select(Network.id).where(Network.slug == network).first()
        assert net is not None
        await NetworkCounty.insert(NetworkCounty(network=net["id"], county=county_id))
    munis = []
    for i in range(n + without_address):
        num = f"{uuid.uuid4().int % 1000000:06d}"
        email = f"postmottak.{t}{i}@k{t}{i}.kommune.no" if i < n else None
        await Municipality.insert(
            Municipality(
                number=num,
                name=f"Kommune {t} {i}",
                county=county_id,
                official_email=email,
                language="nn" if i < nynorsk else "nb",
            )
        )
        munis.append({"number": num, "name": f"Kommune {t} {i}", "email": email})
    return {"county": number, "municipalities": munis}


def body(region: dict[str, Any], **over: Any) -> dict[str, Any]:
    return {
        "title": f"Invitasjon {tag()}",
        "networks": [NETWORK],
        "counties": [region["county"]],
        "reply_by": (now().date() + timedelta(days=30)).isoformat(),
        "letters": [
            {
                "language": "nb",
                "subject": "Invitasjon til nettverk",
                "body": "Kommunen **inviteres** til å delta.\n\n- samlinger\n- veiledning",
            },
            {
                "language": "nn",
                "subject": "Invitasjon til nettverk (nynorsk)",
                "body": "Kommunen vert **invitert** til å vere med.",
            },
        ],
        **over,
    }


def assert_problem(r: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text[:400])
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    if field is not None:
        assert problem.get("field") == field, problem
    return problem


async def created(api: httpx.AsyncClient, actors: Any, region: dict[str, Any], **over: Any):
    r = await api.post(
        "/api/v1/campaigns", json=body(region, **over), headers=actors["admin"].headers
    )
    assert r.status_code == 201, r.text
    return r.json()


async def sent(api: httpx.AsyncClient, actors: Any, region: dict[str, Any], **over: Any):
    c = await created(api, actors, region, **over)
    r = await api.post(f"/api/v1/campaigns/{c['id']}/send", headers=actors["admin"].headers)
    assert r.status_code == 200, r.text
    return r.json()


async def letters_of(campaign_id: int) -> list[dict[str, Any]]:
    rows = await CampaignRecipient.select(CampaignRecipient.outbox_key).where(
        CampaignRecipient.campaign == campaign_id
    )
    return list(
        await OutboxMessage.select().where(
            OutboxMessage.idempotency_key.is_in([r["outbox_key"] for r in rows] or ["-"])
        )
    )


async def token_of(campaign_id: int, email: str) -> str:
    """The reply link's token, as the letter in the outbox carries it (before sending)."""
    for m in await letters_of(campaign_id):
        if m["recipient"] == email:
            ctx = m["context"]
            if isinstance(ctx, str):
                import json

                ctx = json.loads(ctx)
            return str(ctx["url"]).rsplit("/", 1)[1]
    raise AssertionError(f"no letter to {email}")


def yes(email: str = "", network: str = NETWORK, **over: Any) -> dict[str, Any]:
    return {
        "wants": True,
        "network": network,
        "contact_name": "Kari Kontakt",
        "contact_email": email or f"kari.{tag()}@example.no",
        "contact_role": "Leder, støttekontakttjenesten",
        "comment": "Vi gleder oss.",
        **over,
    }


async def membership_of(number: str, network: str = NETWORK) -> dict[str, Any] | None:
    return await (
        NetworkMembership.select()
        .where(
            (NetworkMembership.municipality.number == number)
            & (NetworkMembership.network.slug == network)
        )
        .first()
    )


async def actions(object_type: str, object_id: Any) -> list[str]:
    rows = await AuditEvent.select(AuditEvent.action).where(
        (AuditEvent.object_type == object_type) & (AuditEvent.object_id == str(object_id))
    )
    return [r["action"] for r in rows]


# --- the official address -----------------------------------------------------------------


async def test_an_admin_sets_the_official_address_and_written_standard(api, actors):
    region = await new_region(0, without_address=1)
    number = region["municipalities"][0]["number"]
    admin = actors["admin"].headers
    r = await api.patch(
        f"/api/v1/municipalities/{number}",
        json={"official_email": " Postmottak@Sunnfjord.Kommune.no ", "language": "nn"},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    assert r.json()["official_email"] == "postmottak@sunnfjord.kommune.no"
    assert r.json()["language"] == "nn"
    assert "municipality.update" in await actions("municipality", number)
    # finance sees it; the public and participants do not
    seen = await api.get(f"/api/v1/municipalities/{number}", headers=actors["finance"].headers)
    assert seen.json()["official_email"] == "postmottak@sunnfjord.kommune.no"
    hidden = await api.get(f"/api/v1/municipalities/{number}")
    assert hidden.json()["official_email"] is None
    # finance may not change it, a bad address or language is refused, nothing changes
    assert_problem(
        await api.patch(
            f"/api/v1/municipalities/{number}",
            json={"official_email": "x@y.no"},
            headers=actors["finance"].headers,
        ),
        403,
    )
    assert_problem(
        await api.patch(
            f"/api/v1/municipalities/{number}",
            json={"official_email": "ikke en adresse"},
            headers=admin,
        ),
        422,
        "official_email",
    )
    r = await api.patch(f"/api/v1/municipalities/{number}", json={"language": "se"}, headers=admin)
    assert r.status_code in (400, 422)
    row = await Municipality.select().where(Municipality.number == number).first()
    assert row["official_email"] == "postmottak@sunnfjord.kommune.no" and row["language"] == "nn"


# --- writing, previewing, sending ----------------------------------------------------------


async def test_a_draft_shows_who_gets_it_per_county_and_who_is_skipped(api, actors):
    region = await new_region(3, without_address=2)
    c = await created(api, actors, region)
    assert c["status"] == "draft"
    assert [f["county_number"] for f in c["figures"]] == [region["county"]]
    fig = c["figures"][0]
    assert (fig["recipients"], fig["skipped"]) == (3, 2)
    skipped = {s["number"] for s in c["skipped"]}
    assert skipped == {m["number"] for m in region["municipalities"][3:]}
    assert {lt["language"] for lt in c["letters"]} == {"nb", "nn"}
    # still a draft: it can be changed
    r = await api.patch(
        f"/api/v1/campaigns/{c['id']}", json={"title": "Ny tittel"}, headers=actors["admin"].headers
    )
    assert r.status_code == 200 and r.json()["title"] == "Ny tittel"
    assert "campaign.create" in await actions("campaign", c["id"])
    assert "campaign.update" in await actions("campaign", c["id"])


async def test_bad_campaigns_are_refused_with_their_field_and_nothing_is_stored(api, actors):
    region = await new_region(1)
    admin = actors["admin"].headers
    before = await api.get("/api/v1/campaigns", headers=admin)
    cases = [
        (body(region, title="  "), "title"),
        (body(region, networks=[]), "networks"),
        (body(region, networks=["no-such"]), "networks"),
        (body(region, counties=["ZZZ"[:2]]), "counties"),
        (body(region, reply_by="2001-01-01"), "reply_by"),
        (body(region, reply_by="neste uke"), "reply_by"),
        (body(region, letters=[{"language": "nn", "subject": "S", "body": "B"}]), "body_nb"),
        (body(region, letters=[{"language": "nb", "subject": "", "body": "B"}]), "subject_nb"),
    ]
    for data, field in cases:
        assert_problem(await api.post("/api/v1/campaigns", json=data, headers=admin), 422, field)
    r = await api.post("/api/v1/campaigns", json={**body(region), "extra": 1}, headers=admin)
    assert_problem(r, 400)
    after = await api.get("/api/v1/campaigns", headers=admin)
    assert len(after.json()) == len(before.json())


async def test_sending_mails_each_municipality_once_in_its_language_with_a_hashed_link(api, actors):
    region = await new_region(3, nynorsk=1, without_address=1)
    c = await sent(api, actors, region)
    assert c["status"] == "sent" and c["sent_at"]
    letters = await letters_of(c["id"])
    by_recipient = {m["recipient"]: m for m in letters}
    munis = region["municipalities"]
    assert set(by_recipient) == {m["email"] for m in munis[:3]}
    assert by_recipient[munis[0]["email"]]["language"] == "nn"
    assert by_recipient[munis[1]["email"]]["language"] == "nb"
    assert all(m["kind"] == "campaign_letter" for m in letters)
    # the token is stored only as its SHA-256; the key of the outbox row is kept
    rows = await CampaignRecipient.select().where(CampaignRecipient.campaign == c["id"])
    assert len(rows) == 3
    for row in rows:
        muni = await Municipality.select().where(Municipality.id == row["municipality"]).first()
        token = await token_of(c["id"], muni["official_email"])
        assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
        assert token not in str(row) and len(token) >= 40
        assert row["outbox_key"] == f"campaign_letter:{c['id']}:{muni['number']}"
    # sending twice does nothing twice; a sent campaign cannot be changed
    admin = actors["admin"].headers
    again = await api.post(f"/api/v1/campaigns/{c['id']}/send", headers=admin)
    assert again.status_code == 200
    assert len(await letters_of(c["id"])) == 3
    assert await CampaignRecipient.count().where(CampaignRecipient.campaign == c["id"]) == 3
    assert_problem(
        await api.patch(f"/api/v1/campaigns/{c['id']}", json={"title": "X"}, headers=admin), 409
    )
    assert (await actions("campaign", c["id"])).count("campaign.send") == 1


# --- replies --------------------------------------------------------------------------------


async def test_a_reply_records_interest_with_the_contact_and_a_second_one_updates_it(api, actors):
    region = await new_region(1, nynorsk=0, without_address=0)
    muni = region["municipalities"][0]
    c = await sent(api, actors, region)
    token = await token_of(c["id"], muni["email"])
    contact = f"kontakt.{tag()}@example.no"
    r = await api.post(f"/api/v1/replies/{token}", json=yes(contact))
    assert r.status_code == 200, r.text
    assert r.json()["municipality"] == muni["number"] and r.json()["status"] == "replied"
    m = await membership_of(muni["number"])
    assert m["status"] == "interested" and m["contact_email"] == contact
    assert m["contact_name"] == "Kari Kontakt"
    coordinator_mails = await OutboxMessage.count().where(
        (OutboxMessage.kind == "campaign_reply")
        & (OutboxMessage.recipient == actors["coordinator"].email)
    )
    assert coordinator_mails >= 1
    rid = (await CampaignRecipient.select().where(CampaignRecipient.campaign == c["id"]).first())[
        "id"
    ]
    assert "campaign.reply" in await actions("campaign_recipient", rid)

    # the same reply again changes nothing and mails nobody again
    await api.post(f"/api/v1/replies/{token}", json=yes(contact))
    assert (
        await OutboxMessage.count().where(
            (OutboxMessage.kind == "campaign_reply")
            & (OutboxMessage.recipient == actors["coordinator"].email)
        )
        == coordinator_mails
    )
    # a changed reply replaces the first: one recipient, the new contact, one more mail
    other = f"ny.{tag()}@example.no"
    r = await api.post(f"/api/v1/replies/{token}", json=yes(other, contact_name="Ola Ny"))
    assert r.status_code == 200
    rows = await CampaignRecipient.select().where(CampaignRecipient.campaign == c["id"])
    assert len(rows) == 1
    m = await membership_of(muni["number"])
    assert m["contact_email"] == other and m["contact_name"] == "Ola Ny"
    assert (
        await OutboxMessage.count().where(
            (OutboxMessage.kind == "campaign_reply")
            & (OutboxMessage.recipient == actors["coordinator"].email)
        )
        == coordinator_mails + 1
    )
    # changed to no: the interest is withdrawn
    r = await api.post(f"/api/v1/replies/{token}", json={"wants": False})
    assert r.status_code == 200
    assert (await membership_of(muni["number"]))["status"] == "withdrawn"


async def test_a_member_who_replies_stays_a_member(api, actors):
    region = await new_region(1, nynorsk=0, without_address=0)
    muni = region["municipalities"][0]
    r = await api.put(
        f"/api/v1/networks/{NETWORK}/members/{muni['number']}",
        json={"status": "member"},
        headers=actors["admin"].headers,
    )
    assert r.status_code == 200
    c = await sent(api, actors, region)
    token = await token_of(c["id"], muni["email"])
    contact = f"medlem.{tag()}@example.no"
    assert (await api.post(f"/api/v1/replies/{token}", json=yes(contact))).status_code == 200
    m = await membership_of(muni["number"])
    assert m["status"] == "member" and m["contact_email"] == contact
    assert (await api.post(f"/api/v1/replies/{token}", json={"wants": False})).status_code == 200
    assert (await membership_of(muni["number"]))["status"] == "member"
    # and declining it later does not downgrade it either
    await api.post(f"/api/v1/replies/{token}", json=yes(contact))
    rid = (await CampaignRecipient.select().where(CampaignRecipient.campaign == c["id"]).first())[
        "id"
    ]
    r = await api.post(
        f"/api/v1/campaigns/{c['id']}/recipients/{rid}/decline",
        json={"reason": "Fullt"},
        headers=actors["coordinator"].headers,
    )
    assert r.status_code == 200
    assert (await membership_of(muni["number"]))["status"] == "member"


async def test_bad_replies_name_every_field_and_change_nothing(api, actors):
    region = await new_region(1, nynorsk=0, without_address=0)
    muni = region["municipalities"][0]
    c = await sent(api, actors, region)
    token = await token_of(c["id"], muni["email"])
    r = await api.post(
        f"/api/v1/replies/{token}",
        json={"wants": True, "network": "nord", "contact_email": "nei"},
    )
    problem = assert_problem(r, 422)
    assert set(problem["errors"]) == {"network", "contact_name", "contact_role", "contact_email"}
    assert_problem(await api.post(f"/api/v1/replies/{token}", json={"wants": "kanskje"}), 400)
    assert await membership_of(muni["number"]) is None
    row = await CampaignRecipient.select().where(CampaignRecipient.campaign == c["id"]).first()
    assert row["status"] == "sent" and row["reply"] is None


async def test_unknown_closed_and_expired_links_are_refused_and_change_nothing(api, actors):
    assert_problem(await api.post("/api/v1/replies/nonsense", json=yes()), 404)
    region = await new_region(2, nynorsk=0, without_address=0)
    first, second = region["municipalities"][:2]
    c = await sent(api, actors, region)
    t1, t2 = await token_of(c["id"], first["email"]), await token_of(c["id"], second["email"])
    # past the reply-by date (the link works through that day)
    reply_by = now() + timedelta(days=31)
    with moved_to(reply_by):
        assert_problem(await api.post(f"/api/v1/replies/{t1}", json=yes()), 410)
    assert await membership_of(first["number"]) is None
    # closed: every link expires
    admin = actors["admin"].headers
    r = await api.post(f"/api/v1/campaigns/{c['id']}/close", headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert_problem(await api.post(f"/api/v1/replies/{t2}", json=yes()), 410)
    assert await membership_of(second["number"]) is None
    assert (await api.post(f"/api/v1/campaigns/{c['id']}/close", headers=admin)).status_code == 200
    assert_problem(await api.post(f"/api/v1/campaigns/{c['id']}/send", headers=admin), 409)
    assert (await actions("campaign", c["id"])).count("campaign.close") == 1


# --- selecting and declining ----------------------------------------------------------------


async def test_the_coordinator_selects_and_declines_and_the_contacts_are_told(api, actors):
    region = await new_region(3, nynorsk=1, without_address=0)
    a, b, quiet = region["municipalities"]
    c = await sent(api, actors, region)
    ca, cb = f"a.{tag()}@example.no", f"b.{tag()}@example.no"
    await api.post(f"/api/v1/replies/{await token_of(c['id'], a['email'])}", json=yes(ca))
    await api.post(f"/api/v1/replies/{await token_of(c['id'], b['email'])}", json=yes(cb))
    coord = actors["coordinator"].headers
    rows = (await api.get(f"/api/v1/campaigns/{c['id']}/recipients", headers=coord)).json()
    by = {r["municipality"]: r for r in rows}
    assert set(by) == {a["number"], b["number"], quiet["number"]}
    assert by[a["number"]]["reply"]["contact_email"] == ca
    assert by[quiet["number"]]["status"] == "sent" and by[quiet["number"]]["reply"] is None

    # someone else's network: not their campaign; a participant: refused
    other = actors["other_coordinator"].headers
    assert_problem(await api.get(f"/api/v1/campaigns/{c['id']}/recipients", headers=other), 404)
    sel = f"/api/v1/campaigns/{c['id']}/recipients/{by[a['number']]['id']}/select"
    assert_problem(await api.post(sel, json={}, headers=other), 404)
    assert_problem(await api.post(sel, json={}, headers=actors["participant"].headers), 403)
    assert await OutboxMessage.count().where(OutboxMessage.recipient == ca) == 0

    r = await api.post(sel, json={}, headers=coord)
    assert r.status_code == 200 and r.json()["status"] == "selected"
    assert (await membership_of(a["number"]))["status"] == "member"
    mail = await OutboxMessage.select().where(OutboxMessage.recipient == ca).first()
    assert mail["kind"] == "campaign_selected" and mail["language"] == "nn"
    ctx = (
        mail["context"]
        if isinstance(mail["context"], dict)
        else __import__("json").loads(mail["context"])
    )
    assert f"municipality={a['number']}" in ctx["url"] and "/signup?" in ctx["url"]
    assert (await api.post(sel, json={}, headers=coord)).status_code == 200  # once only
    assert await OutboxMessage.count().where(OutboxMessage.recipient == ca) == 1

    dec = f"/api/v1/campaigns/{c['id']}/recipients/{by[b['number']]['id']}/decline"
    r = await api.post(dec, json={"reason": "Nettverket er fullt i år."}, headers=coord)
    assert r.status_code == 200 and r.json()["status"] == "declined"
    assert (await membership_of(b["number"]))["status"] == "withdrawn"
    mail = await OutboxMessage.select().where(OutboxMessage.recipient == cb).first()
    assert mail["kind"] == "campaign_declined"
    # a decided reply is not changed through the link; nobody unanswered can be selected
    assert_problem(
        await api.post(f"/api/v1/replies/{await token_of(c['id'], b['email'])}", json=yes(cb)), 409
    )
    quiet_sel = f"/api/v1/campaigns/{c['id']}/recipients/{by[quiet['number']]['id']}/select"
    assert_problem(await api.post(quiet_sel, json={}, headers=coord), 409)
    assert_problem(await api.post(sel.replace("/select", "/decline"), json={}, headers=coord), 409)

    figures = (await api.get(f"/api/v1/campaigns/{c['id']}", headers=coord)).json()["figures"]
    assert [(f["sent"], f["replied"], f["selected"], f["declined"]) for f in figures] == [
        (3, 2, 1, 1)
    ]


# --- end to end through the SMTP sink -----------------------------------------------------


def _text(msg: Any) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def _html(msg: Any) -> str:
    return msg.get_body(preferencelist=("html",)).get_content()


async def test_a_campaign_end_to_end_letters_reply_page_coordinators_selection_signup(
    app, actors, smtp_sink, mail_settings, fast_policy
):
    from test_web_pages import signed_in

    from tasks.queue import queue_lifespan

    region = await new_region(2, nynorsk=1, without_address=1)
    nn_muni, nb_muni, _skipped = region["municipalities"]
    admin_id = actors["admin"].id
    async with queue_lifespan(mail_settings(smtp_url=smtp_sink.url), policy=fast_policy):
        async with signed_in(app, admin_id) as admin:
            form = {
                "title": f"Invitasjon {tag()}",
                "networks": [NETWORK],
                "counties": [region["county"]],
                "reply_by": (now().date() + timedelta(days=20)).isoformat(),
                "subject_nb": "Invitasjon til fagnettverk",
                "body_nb": "Vi **inviterer** kommunen.\n\n<script>alert(1)</script>",
                "subject_nn": "Invitasjon til fagnettverk",
                "body_nn": "Vi **inviterer** kommunen til å vere med.",
                "subject_en": "",
                "body_en": "",
            }
            r = await admin.post(
                "/admin/campaigns", data=form, headers={"Origin": "http://testserver"}
            )
            assert r.status_code == 303, r.text[:500]
            page = await admin.get(r.headers["location"])
            assert page.status_code == 200
            assert _skipped["name"] in page.text  # listed as skipped: no official address
            cid = int(r.headers["location"].rsplit("/", 1)[1])
            r = await admin.post(
                f"/admin/campaigns/{cid}/send", headers={"Origin": "http://testserver"}
            )
            assert r.status_code == 303

        await smtp_sink.wait_for(
            lambda s: bool(s.to(nn_muni["email"])) and bool(s.to(nb_muni["email"]))
        )
        nn_letter = smtp_sink.to(nn_muni["email"])[0].message
        nb_letter = smtp_sink.to(nb_muni["email"])[0].message
        assert "vere med" in _text(nn_letter) and "<strong>inviterer</strong>" in _html(nn_letter)
        assert "<script>" not in _html(nb_letter) and "&lt;script&gt;" in _html(nb_letter)
        assert "Svar innan" in _text(nn_letter) or "innan" in _text(nn_letter)
        assert nb_letter["Subject"] == "Invitasjon til fagnettverk"
        link = re.search(r"https?://\S+/reply/\S+", _text(nb_letter))
        assert link, _text(nb_letter)
        path = "/reply/" + link.group(0).rsplit("/reply/", 1)[1]
        # the outbox no longer holds the link once it is delivered
        rows = await letters_of(cid)
        await _wait_all_sent(rows)

        # the municipality opens its link (no account) and answers through the page
        contact = f"kontakt.{tag()}@example.no"
        async with new_browser(app) as visitor:
            page = await visitor.get(path)
            assert page.status_code == 200
            assert nb_muni["name"] in page.text and nn_muni["name"] not in page.text
            assert f'value="{NETWORK}" checked' in page.text  # the region's network preselected
            r = await visitor.post(
                path,
                data={
                    "wants": "yes",
                    "network": NETWORK,
                    "contact_name": "Kari Kontakt",
                    "contact_email": contact,
                    "contact_role": "Leder",
                    "comment": "",
                },
                headers={"Origin": "http://testserver"},
            )
            assert r.status_code == 200, r.text[:400]
            assert "Svaret er registrert" in unescape(r.text)
        coordinator_email = actors["coordinator"].email

        def about(sink: Any) -> list[Any]:
            return [m for m in sink.to(coordinator_email) if contact in _text(m.message)]

        await smtp_sink.wait_for(lambda s: bool(about(s)))
        note = about(smtp_sink)[0].message
        assert nb_muni["name"] in _text(note) and contact in _text(note)
        assert f"/coordinator/campaigns/{cid}" in _text(note)

        # the coordinator selects from the page; the contact gets the sign-up link
        async with signed_in(app, actors["coordinator"].id) as coordinator:
            page = await coordinator.get(f"/coordinator/campaigns/{cid}")
            assert page.status_code == 200 and contact in page.text
            rid = re.search(rf"/coordinator/campaigns/{cid}/recipients/(\d+)/select", page.text)
            assert rid
            r = await coordinator.post(
                f"/coordinator/campaigns/{cid}/recipients/{rid.group(1)}/select",
                data={"network": NETWORK},
                headers={"Origin": "http://testserver"},
            )
            assert r.status_code == 303
        await smtp_sink.wait_for(lambda s: bool(s.to(contact)))
        selected = smtp_sink.to(contact)[0].message
        signup = re.search(r"https?://\S+/signup\?\S+", _text(selected))
        assert signup, _text(selected)
        async with new_browser(app) as visitor:
            from urllib.parse import urlsplit

            parts = urlsplit(signup.group(0))
            page = await visitor.get(f"{parts.path}?{parts.query}")
            assert page.status_code == 200
            assert f'value="{contact}"' in page.text
            assert f'value="{nb_muni["number"]}" selected' in page.text
            # The selected contact signs up (an address outside the municipality's
            # domains) and is active at once: the network's selection approved them.
            form = {"name": "Kari Kontakt", "email": contact, "municipality": nb_muni["number"]}
            r = await visitor.post("/signup", data=form, headers={"Origin": "http://testserver"})
            assert r.status_code == 200, r.text[:400]

            def confirm(sink: Any) -> list[Any]:
                return [m for m in sink.to(contact) if "/auth/login?token=" in _text(m.message)]

            await smtp_sink.wait_for(lambda s: bool(confirm(s)))
            link = re.search(
                r"https?://\S+/auth/login\?token=\S+", _text(confirm(smtp_sink)[0].message)
            )
            assert link
            from mail_fixtures import follow_link

            r = await follow_link(visitor, link.group(0))
            assert r.status_code == 303, r.text[:400]
            me = (await visitor.get("/api/v1/me")).json()
            assert me["email"] == contact and me["municipality"] == nb_muni["number"]
    assert (await membership_of(nb_muni["number"]))["status"] == "member"


async def _wait_all_sent(rows: list[dict[str, Any]]) -> None:
    from mail_fixtures import wait_status

    for row in rows:
        done = await wait_status(row["id"], "sent")
        assert "/reply/" not in str(done["context"])
