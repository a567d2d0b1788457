"""The campaign pages, as a browser without script uses them: the municipality's official
address on the admin page (errors next to the field, nothing changed), the admin writing
a campaign (every error next to its field, nothing stored), the preview per county with
the skipped municipalities, send and close; the reply page (only its own municipality,
the region's network preselected, errors next to their fields, a second reply shown as
such, unknown 404 and expired/closed 410 pages with nothing changed, a cross-site post
refused); the coordinator's view of their networks' part with select and decline.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any

from conftest import new_browser
from test_campaigns import (  # noqa: F401 (an autouse fixture)
    NETWORK,
    membership_of,
    new_region,
    regions_leave_the_network,
    tag,
    token_of,
)
from test_web_pages import assert_page, signed_in, text

from service.db.tables import Campaign, CampaignRecipient, Municipality
from service.lib.clock import moved_to, now

ORIGIN = {"Origin": "http://testserver"}


def campaign_form(region: dict[str, Any], **over: Any) -> dict[str, Any]:
    return {
        "title": f"Invitasjon {tag()}",
        "networks": [NETWORK],
        "counties": [region["county"]],
        "reply_by": (now().date() + timedelta(days=14)).isoformat(),
        "subject_nb": "Invitasjon til fagnettverk",
        "body_nb": "Kommunen **inviteres**.\n\n- samlinger\n- veiledning",
        "subject_nn": "",
        "body_nn": "",
        "subject_en": "",
        "body_en": "",
        **over,
    }


async def send_from_pages(app: Any, actors: Any, region: dict[str, Any]) -> int:
    async with signed_in(app, actors["admin"].id) as b:
        r = await b.post("/admin/campaigns", data=campaign_form(region), headers=ORIGIN)
        assert r.status_code == 303, r.text[:300]
        cid = int(r.headers["location"].rsplit("/", 1)[1])
        r = await b.post(f"/admin/campaigns/{cid}/send", headers=ORIGIN)
        assert r.status_code == 303
    return cid


async def test_the_official_address_is_set_on_the_municipality_page(app, actors):
    region = await new_region(0, nynorsk=0, without_address=1)
    number = region["municipalities"][0]["number"]
    async with signed_in(app, actors["admin"].id) as b:
        page = await b.get(f"/admin/municipalities/{number}")
        assert_page(page)
        assert 'name="official_email"' in page.text and 'name="language"' in page.text
        bad = await b.post(
            f"/admin/municipalities/{number}",
            data={"action": "official", "official_email": "ikke-en-adresse", "language": "nn"},
            headers=ORIGIN,
        )
        assert_page(bad, 422)
        assert 'id="error-official_email"' in bad.text
        assert 'value="ikke-en-adresse"' in bad.text  # what was typed stays
        row = await Municipality.select().where(Municipality.number == number).first()
        assert row["official_email"] is None and row["language"] == "nb"
        r = await b.post(
            f"/admin/municipalities/{number}",
            data={
                "action": "official",
                "official_email": "postmottak@ny.kommune.no",
                "language": "nn",
            },
            headers=ORIGIN,
        )
        assert r.status_code == 303
        page = await b.get(f"/admin/municipalities/{number}")
        assert "postmottak@ny.kommune.no" in page.text
        assert '<option value="nn" selected>' in page.text
    # finance sees the page, but may not change the address
    async with signed_in(app, actors["finance"].id) as b:
        r = await b.post(
            f"/admin/municipalities/{number}",
            data={"action": "official", "official_email": "x@y.no", "language": "nb"},
            headers=ORIGIN,
        )
        assert r.status_code == 403


async def test_the_admin_writes_previews_sends_and_closes_a_campaign(app, actors):
    region = await new_region(2, without_address=1)
    skipped = region["municipalities"][2]
    async with signed_in(app, actors["admin"].id) as b:
        assert 'href="/admin/campaigns"' in (await b.get("/admin")).text
        new = await b.get("/admin/campaigns/new")
        assert_page(new)
        count = await Campaign.count()
        for over, field in (
            ({"title": ""}, "title"),
            ({"networks": []}, "networks"),
            ({"body_nb": ""}, "body_nb"),
            ({"reply_by": "2001-01-01"}, "reply_by"),
            ({"subject_nn": "Emne utan brev"}, "body_nn"),
        ):
            bad = await b.post(
                "/admin/campaigns", data=campaign_form(region, **over), headers=ORIGIN
            )
            assert_page(bad, 422)
            assert f'id="error-{field}"' in bad.text, field
            assert 'href="#field-' in bad.text  # the error summary links to the field
        assert await Campaign.count() == count

        r = await b.post("/admin/campaigns", data=campaign_form(region), headers=ORIGIN)
        assert r.status_code == 303
        location = r.headers["location"]
        page = await b.get(location)
        assert_page(page)
        shown = text(page)
        assert "Kampanjen er lagret som utkast" in shown
        assert skipped["name"] in shown and "Hoppes over: ingen offisiell adresse" in shown
        assert "<strong>inviteres</strong>" in page.text  # the letter's preview, rendered
        cid = int(location.rsplit("/", 1)[1])
        # the draft is changed from its page
        r = await b.post(
            location, data=campaign_form(region, title="Endret tittel"), headers=ORIGIN
        )
        assert r.status_code == 303
        assert "Endret tittel" in (await b.get(location)).text

        r = await b.post(f"{location}/send", headers=ORIGIN)
        assert r.status_code == 303
        page = await b.get(location)
        assert "Kampanjen er sendt" in text(page)
        assert await CampaignRecipient.count().where(CampaignRecipient.campaign == cid) == 2
        # sent: no form to change it, and a post to change it is refused
        assert 'name="body_nb"' not in page.text
        refused = await b.post(location, data=campaign_form(region), headers=ORIGIN)
        assert_page(refused, 409)
        r = await b.post(f"{location}/close", headers=ORIGIN)
        assert r.status_code == 303
        assert "Svarlenkene virker ikke lenger" in text(await b.get(location))
        listing = await b.get("/admin/campaigns")
        assert_page(listing)
        assert f'href="/admin/campaigns/{cid}"' in listing.text


async def test_the_reply_page_shows_only_its_municipality_and_takes_the_reply(
    app, actors, held_dispatch
):
    region = await new_region(2, nynorsk=0, without_address=0)
    mine, other = region["municipalities"]
    cid = await send_from_pages(app, actors, region)
    token = await token_of(cid, mine["email"])
    async with new_browser(app) as visitor:
        page = await visitor.get(f"/reply/{token}")
        assert_page(page)
        assert mine["name"] in page.text and other["name"] not in page.text
        assert other["email"] not in page.text
        assert f'id="network-{NETWORK}" name="network" value="{NETWORK}" checked' in page.text
        # a cross-site post is refused; nothing changes
        r = await visitor.post(
            f"/reply/{token}", data={"wants": "yes"}, headers={"Origin": "https://evil.example"}
        )
        assert r.status_code == 403
        # no answer, and a yes without contact: errors next to their fields
        r = await visitor.post(f"/reply/{token}", data={}, headers=ORIGIN)
        assert_page(r, 422)
        assert 'id="error-wants"' in r.text
        r = await visitor.post(
            f"/reply/{token}",
            data={"wants": "yes", "network": NETWORK, "contact_email": "nei"},
            headers=ORIGIN,
        )
        assert_page(r, 422)
        for field in ("contact_name", "contact_email", "contact_role"):
            assert f'id="error-{field}"' in r.text, field
        assert await membership_of(mine["number"]) is None
        contact = f"svar.{tag()}@example.no"
        data = {
            "wants": "yes",
            "network": NETWORK,
            "contact_name": "Siv Svar",
            "contact_email": contact,
            "contact_role": "Leder",
            "comment": "Gleder oss",
        }
        r = await visitor.post(f"/reply/{token}", data=data, headers=ORIGIN)
        assert_page(r)
        assert "Svaret er registrert" in text(r)
        again = await visitor.get(f"/reply/{token}")
        assert "Dere har svart før" in text(again) and f'value="{contact}"' in again.text
    assert (await membership_of(mine["number"]))["status"] == "interested"


async def test_unknown_expired_and_closed_reply_links_show_a_clear_page(app, actors, held_dispatch):
    async with new_browser(app) as visitor:
        r = await visitor.get("/reply/ukjent")
        assert_page(r, 404)
        assert "Vi kjenner ikke igjen denne svarlenken" in text(r)
    region = await new_region(1, nynorsk=0, without_address=0)
    muni = region["municipalities"][0]
    cid = await send_from_pages(app, actors, region)
    token = await token_of(cid, muni["email"])
    async with new_browser(app) as visitor:
        with moved_to(now() + timedelta(days=15)):
            r = await visitor.get(f"/reply/{token}")
            assert_page(r, 410)
            assert "Svarfristen" in text(r)
            r = await visitor.post(
                f"/reply/{token}",
                data={
                    "wants": "yes",
                    "network": NETWORK,
                    "contact_name": "A",
                    "contact_email": "a@example.no",
                    "contact_role": "B",
                },
                headers=ORIGIN,
            )
            assert_page(r, 410)
    assert await membership_of(muni["number"]) is None
    async with signed_in(app, actors["admin"].id) as b:
        await b.post(f"/admin/campaigns/{cid}/close", headers=ORIGIN)
    async with new_browser(app) as visitor:
        r = await visitor.get(f"/reply/{token}")
        assert_page(r, 410)
        assert "Kampanjen er avsluttet" in text(r)


async def test_the_coordinator_selects_and_declines_from_their_page(app, actors, held_dispatch):
    region = await new_region(2, nynorsk=0, without_address=0)
    a, b_ = region["municipalities"]
    cid = await send_from_pages(app, actors, region)
    async with new_browser(app) as visitor:
        for m in (a, b_):
            token = await token_of(cid, m["email"])
            await visitor.post(
                f"/reply/{token}",
                data={
                    "wants": "yes",
                    "network": NETWORK,
                    "contact_name": f"Kontakt {m['name']}",
                    "contact_email": f"k.{tag()}@example.no",
                    "contact_role": "Leder",
                },
                headers=ORIGIN,
            )
    async with signed_in(app, actors["coordinator"].id) as b:
        assert 'href="/coordinator/campaigns"' in (await b.get("/coordinator")).text
        listing = await b.get("/coordinator/campaigns")
        assert_page(listing)
        assert f'href="/coordinator/campaigns/{cid}"' in listing.text
        page = await b.get(f"/coordinator/campaigns/{cid}")
        assert_page(page)
        assert f"Kontakt {a['name']}" in unescape(page.text)
        ids = re.findall(rf"/coordinator/campaigns/{cid}/recipients/(\d+)/select", page.text)
        assert len(ids) == 2
        rows = {
            r["municipality"]: r["id"]
            for r in await CampaignRecipient.select(
                CampaignRecipient.id, CampaignRecipient.municipality.number.as_alias("municipality")
            ).where(CampaignRecipient.campaign == cid)
        }
        r = await b.post(
            f"/coordinator/campaigns/{cid}/recipients/{rows[a['number']]}/select",
            data={"network": NETWORK},
            headers=ORIGIN,
        )
        assert r.status_code == 303
        r = await b.post(
            f"/coordinator/campaigns/{cid}/recipients/{rows[b_['number']]}/decline",
            data={"reason": "Fullt i år"},
            headers=ORIGIN,
        )
        assert r.status_code == 303
        page = await b.get(f"/coordinator/campaigns/{cid}")
        shown = text(page)
        assert "Valgt ut" in shown and "Avslått" in shown
        assert "/select" not in page.text  # nobody left to decide on
    assert (await membership_of(a["number"]))["status"] == "member"
    assert (await membership_of(b_["number"]))["status"] == "withdrawn"
    # another network's coordinator does not see it; a participant may not
    async with signed_in(app, actors["other_coordinator"].id) as b:
        assert_page(await b.get(f"/coordinator/campaigns/{cid}"), 404)
        r = await b.post(
            f"/coordinator/campaigns/{cid}/recipients/{rows[a['number']]}/decline",
            data={},
            headers=ORIGIN,
        )
        assert_page(r, 404)
    async with signed_in(app, actors["participant"].id) as b:
        assert_page(await b.get(f"/coordinator/campaigns/{cid}"), 403)
