"""The HTML pages mails and calendars link to: a gathering, and registering from it."""

from __future__ import annotations

import httpx

from service.accounts import service as accounts
from service.gatherings import service as gatherings
from service.gatherings.schemas import GatheringIn, ProgrammeIn


async def _published(actors, capacity: int = 1) -> str:
    coordinator = await accounts.load_user(actors["coordinator"].id)
    g = await gatherings.create(
        coordinator,
        GatheringIn(
            network="agder-rogaland",
            title="Høstsamling <i>på</i> Sørlandet",
            starts_at="2031-10-01T10:00",
            ends_at="2031-10-01T15:00",
            capacity=capacity,
            venue="Bystranda",
            programme=[
                ProgrammeIn(
                    starts_at="2031-10-01T10:00", ends_at="2031-10-01T11:00", title="Åpning"
                )
            ],
        ),
        "http://t",
    )
    await gatherings.publish(coordinator, g.id, "http://t")
    return g.id


async def _browser(app, actor) -> httpx.AsyncClient:
    from service.accounts.service import create_login_link

    c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    link = await create_login_link(actor.email, "http://testserver")
    r = await c.get(link.removeprefix("http://testserver"))
    assert r.status_code == 303
    return c


async def test_a_gathering_page_shows_the_details_escaped(client, actors):
    gid = await _published(actors)
    r = await client.get(f"/gatherings/{gid}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "Høstsamling &lt;i&gt;på&lt;/i&gt; Sørlandet" in r.text
    assert "<i>på</i>" not in r.text
    assert "Åpning" in r.text and "Logg inn" in r.text
    assert (await client.get("/gatherings/999999")).status_code == 404
    listing = await client.get("/gatherings")
    assert f'/gatherings/{gid}"' in listing.text


async def test_registering_from_the_page_confirms_then_waitlists(app, actors):
    gid = await _published(actors, capacity=1)
    first = await _browser(app, actors["participant"])
    second = await _browser(app, actors["coordinator"])
    try:
        r = await first.post(
            f"/gatherings/{gid}/register", data={"dietary": "Nøtter", "accommodation": "1"}
        )
        assert r.status_code == 303
        page = await first.get(r.headers["location"])
        assert "Du har plass." in page.text
        r = await second.post(f"/gatherings/{gid}/register", data={})
        page = await second.get(r.headers["location"])
        assert "venteliste som nummer 1" in page.text
        # a form post from another site is refused and registers nobody
        third = await _browser(app, actors["finance"])
        r = await third.post(
            f"/gatherings/{gid}/register", data={}, headers={"Origin": "https://evil.example"}
        )
        assert r.status_code == 403
        await third.aclose()
    finally:
        await first.aclose()
        await second.aclose()
    regs = await (await _browser(app, actors["admin"])).get(
        f"/api/v1/gatherings/{gid}/registrations"
    )
    rows = regs.json()
    assert [(x["email"], x["status"]) for x in rows] == [
        (actors["participant"].email, "confirmed"),
        (actors["coordinator"].email, "waitlisted"),
    ]
    assert rows[0]["dietary"] == "Nøtter" and rows[0]["accommodation"] is True
