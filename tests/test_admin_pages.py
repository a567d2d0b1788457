"""The admin's workspace on its pages: finding and adding people, roles (a new
coordinator is offered their dashboard), deactivating (no sign-in by any path, the data
stays) and reactivating, an admin who may not demote or deactivate themselves, names of
networks, counties and municipalities, bank accounts as a decision of two, the SSB import
(a bad file changes nothing and names its lines), mail to send again, and the audit log
with its filters and pages. Everything through forms, as a browser without script does.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import httpx
from conftest import new_browser
from mail_fixtures import enqueue_committed, wait_status
from test_web_pages import assert_page, new_person, published, signed_in, text

from service.accounts import service as accounts
from service.db.tables import AuditEvent, LoginToken, Municipality, OutboxMessage, Registration
from service.lib import audit
from service.lib.clock import now
from service.networks import service as networks
from service.registrations import service as registrations
from service.registrations.schemas import RegistrationIn
from tasks.jobs import MailPolicy
from tasks.queue import queue_lifespan

SSB_HEADER = "code;parentCode;level;name;shortName;presentationName;validFrom;validTo;notes"


def ssb_file(*rows: tuple[str, str]) -> bytes:
    lines = [SSB_HEADER] + [
        f'"{c}";"";"1";"{n}";"{n}";"{c} {n}";"2024-01-01";"";""' for c, n in rows
    ]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def nav_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="site-nav"[^>]*>(.*?)</nav>', html, re.S)
    assert nav is not None
    return re.findall(r'href="([^"]+)"', nav.group(1))


async def actions_on(object_type: str, object_id: str | int) -> list[str]:
    rows = await AuditEvent.select(AuditEvent.action).where(
        (AuditEvent.object_type == object_type) & (AuditEvent.object_id == str(object_id))
    )
    return [r["action"] for r in rows]


async def mails_to(address: str) -> int:
    return int(await OutboxMessage.count().where(OutboxMessage.recipient == address))


async def import_file(b: httpx.AsyncClient, content: bytes, name: str = "klass.csv"):
    return await b.post("/admin/import", files={"file": (name, content, "text/csv")})


# --- people ---------------------------------------------------------------------------


async def test_an_admin_finds_adds_and_makes_a_coordinator_who_then_sees_the_dashboard(app, actors):
    tag = uuid.uuid4().hex[:6]
    async with signed_in(app, actors["admin"].id) as b:
        overview = await b.get("/admin")
        assert_page(overview)
        for href in ("/admin/users", "/admin/mail", "/admin/audit", "/admin/import"):
            assert f'href="{href}"' in overview.text

        # Added with a municipality and no roles; the address is unique.
        address = f"Ny.Person.{tag}@Example.no"
        r = await b.post(
            "/admin/users",
            data={"email": address, "name": f"Ny Person {tag}", "municipality": "1103"},
        )
        assert r.status_code == 303, r.text[:300]
        page = await b.get(r.headers["location"])
        assert_page(page)
        assert "Brukeren er lagt til." in text(page) and address.lower() in page.text
        uid = int(r.headers["location"].rsplit("/", 1)[1])
        again = await b.post(
            "/admin/users", data={"email": address, "name": "Dobbel", "municipality": ""}
        )
        assert_page(again, 409)
        assert 'id="error-email"' in again.text and address.lower() in text(again)
        bad = await b.post(
            "/admin/users", data={"email": "ikke-en-adresse", "name": "", "role": "admin"}
        )
        assert_page(bad, 400)
        assert 'id="error-email"' in bad.text and 'id="error-name"' in bad.text
        assert 'value="admin" checked' in bad.text  # what was ticked stays ticked

        # Found by a part of the name, the address and the municipality's name.
        for q in (f"person {tag}", f"ny.person.{tag}", "Stavanger"):
            found = await b.get("/admin/users", params={"q": q})
            assert_page(found)
            if q != "Stavanger":
                assert f'href="/admin/users/{uid}"' in found.text, q
        assert "1 person funnet" in text(await b.get("/admin/users", params={"q": tag}))
        nobody = await b.get("/admin/users", params={"q": f"zz-{tag}-nobody"})
        assert "Ingen treff" in text(nobody)

        # The new person is a participant only: no dashboard link.
        async with signed_in(app, uid) as person:
            assert "/coordinator" not in nav_links((await person.get("/")).text)
            r = await b.post(
                f"/admin/users/{uid}", data={"action": "roles", "role": "coordinator:nord"}
            )
            assert r.status_code == 303
            shown = await b.get(f"/admin/users/{uid}")
            assert 'value="coordinator:nord" checked' in shown.text
            assert "Rollene er lagret." in text(shown)
            assert nav_links((await person.get("/")).text) == [
                "/",
                "/news",
                "/me",
                "/claims",
                "/me/calendar",
                "/coordinator",
                "/review",
                "/statistics",
            ]
            # An unknown role is refused next to the roles, and nothing changes.
            refused = await b.post(
                f"/admin/users/{uid}", data={"action": "roles", "role": "coordinator:nowhere"}
            )
            assert_page(refused, 422)
            assert 'id="error-roles"' in refused.text
            # Taking the role away again takes the link away.
            await b.post(f"/admin/users/{uid}", data={"action": "roles"})
            assert "/coordinator" not in nav_links((await person.get("/")).text)
    assert (await accounts.roles_of(uid)) == []
    assert {"user.create", "role.grant", "role.revoke"} <= set(await actions_on("user", uid))


async def test_a_deactivated_person_cannot_sign_in_by_any_path_and_their_data_stays(
    app, actors, client
):
    gid = await published(actors)
    email, uid = await new_person(name="Dea Aktiv")
    person = await accounts.load_user(uid)
    assert person is not None
    reg, _ = await registrations.register(person, gid, RegistrationIn(), "")
    token = (await accounts.create_api_token(uid, "script", "tests"))["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    link = await accounts.create_login_link(email, "http://testserver")
    assert (await client.get("/api/v1/me", headers=bearer)).status_code == 200

    async with signed_in(app, uid) as session, signed_in(app, actors["admin"].id) as b:
        assert (await session.get("/me")).status_code == 200
        r = await b.post(f"/admin/users/{uid}", data={"action": "deactivate"})
        assert r.status_code == 303
        page = await b.get(f"/admin/users/{uid}")
        assert "Kontoen er deaktivert." in text(page) and "Deaktivert" in text(page)
        assert re.search(r"Påmeldinger</dt><dd>1<", page.text), "the registration is kept"

        # The session and the API token are refused; so is the link mailed before.
        r = await session.get("/me")
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        assert (await client.get("/api/v1/me", headers=bearer)).status_code == 401
        token_in_link = link.split("token=")[1]
        async with new_browser(app) as fresh:
            r = await fresh.post("/auth/login", data={"token": token_in_link})
            assert_page(r, 400)
            # Asking for a link, signing up again: nothing is sent.
            before = await mails_to(email)
            r = await fresh.post("/api/v1/auth/login-link", json={"email": email})
            assert r.status_code == 202
            assert (await fresh.post("/login", data={"email": email})).status_code == 200
            r = await fresh.post(
                "/api/v1/auth/signup",
                json={"email": email, "name": "Igjen", "municipality": "4204"},
            )
            assert r.status_code == 202
            assert await mails_to(email) == before
        # Nobody approves a deactivated account back in.
        r = await client.post(f"/api/v1/approvals/{uid}/approve", headers=actors["admin"].headers)
        assert r.status_code == 404
        assert (
            await LoginToken.count().where((LoginToken.user == uid) & LoginToken.used_at.is_null())
            == 0
        )

        # The data stays as it was.
        kept = await Registration.select(Registration.status).where(Registration.id == int(reg.id))
        assert kept == [{"status": "confirmed"}]
        found = await b.get("/admin/users", params={"q": email, "status": "disabled"})
        assert f'href="/admin/users/{uid}"' in found.text

        # Reactivated: the same token and sign-in work again.
        r = await b.post(f"/admin/users/{uid}", data={"action": "reactivate"})
        assert r.status_code == 303
        assert "Kontoen er aktiv." in text(await b.get(f"/admin/users/{uid}"))
        assert (await client.get("/api/v1/me", headers=bearer)).status_code == 200
        assert (await session.get("/me")).status_code == 200
    assert ["user.deactivate", "user.reactivate"] == [
        a for a in await actions_on("user", uid) if a.startswith("user.")
    ][-2:]


async def test_an_admin_can_neither_demote_nor_deactivate_themselves(app, actors, client):
    me = actors["admin"]
    async with signed_in(app, me.id) as b:
        page = await b.get(f"/admin/users/{me.id}")
        assert "Du kan ikke deaktivere din egen konto." in text(page)
        assert 'value="deactivate"' not in page.text
        r = await b.post(f"/admin/users/{me.id}", data={"action": "roles", "role": "finance"})
        assert_page(r, 409)
        assert "Du kan ikke fjerne din egen administratorrolle" in text(r)
        assert 'id="error-roles"' in r.text and 'value="finance" checked' in r.text
        r = await b.post(f"/admin/users/{me.id}", data={"action": "deactivate"})
        assert_page(r, 409)
        assert "Du kan ikke deaktivere din egen konto" in text(r)
    r = await client.patch(f"/api/v1/admin/users/{me.id}", json={"roles": []}, headers=me.headers)
    assert r.status_code == 409 and "own administrator role" in r.json()["detail"]
    assert set(await accounts.roles_of(me.id)) == {"admin"}
    assert await accounts.load_user(me.id) is not None


# --- networks, counties, municipalities -------------------------------------------------


async def test_renaming_a_network_a_county_and_a_municipality(app, actors, client):
    network = await networks.get_network("nord")
    counties = {c.number: c.name for c in await networks_counties()}
    number = "9701"
    async with signed_in(app, actors["admin"].id) as b:
        assert (await import_file(b, ssb_file((number, "Gamlenavn")))).status_code == 200
        try:
            r = await b.post(
                "/admin/networks/nord", data={"name": "  Nord   nytt ", "description": "Ny tekst"}
            )
            assert r.status_code == 303
            assert (await networks.get_network("nord")).name == "Nord nytt"
            assert "Nord nytt" in text(await b.get("/networks/nord"))
            empty = await b.post("/admin/networks/nord", data={"name": " ", "description": ""})
            assert_page(empty, 422)
            assert 'id="error-nord-name"' in empty.text

            first = sorted(counties)[0]
            r = await b.post("/admin/counties", data={f"county.{first}": "Prøvefylke"})
            assert r.status_code == 303
            assert "Prøvefylke" in text(await b.get("/admin/networks"))
        finally:
            await b.post(
                "/admin/networks/nord",
                data={"name": network.name, "description": network.description},
            )
            await b.post("/admin/counties", data={f"county.{first}": counties[first]})
        assert (await networks.get_network("nord")).name == network.name

        r = await b.post(
            f"/admin/municipalities/{number}", data={"action": "name", "name": "Nynavn"}
        )
        assert r.status_code == 303
        assert "Nynavn" in text(await b.get(f"/admin/municipalities/{number}"))
    assert "network.update" in await actions_on("network", "nord")
    assert "municipality.rename" in await actions_on("municipality", number)

    # The API: admins rename; finance may not (but still sets what finance sets).
    r = await client.patch(
        f"/api/v1/municipalities/{number}",
        json={"name": "API-navn"},
        headers=actors["admin"].headers,
    )
    assert r.status_code == 200 and r.json()["name"] == "API-navn"
    r = await client.patch(
        f"/api/v1/municipalities/{number}", json={"name": "Nei"}, headers=actors["finance"].headers
    )
    assert r.status_code == 403
    r = await client.patch(
        "/api/v1/networks/nord", json={"description": "x"}, headers=actors["finance"].headers
    )
    assert r.status_code == 403
    r = await client.patch(
        "/api/v1/networks/nord",
        json={"description": network.description + " "},
        headers=actors["admin"].headers,
    )
    assert r.status_code == 200 and r.json()["name"] == network.name
    # Finance opens the municipality for its bank account, not for its name.
    async with signed_in(app, actors["finance"].id) as f:
        page = await f.get(f"/admin/municipalities/{number}")
        assert_page(page)
        assert 'value="propose"' in page.text and 'value="name"' not in page.text
        r = await f.post(f"/admin/municipalities/{number}", data={"action": "name", "name": "X"})
        assert_page(r, 403)


async def networks_counties():
    from service.networks import admin as network_admin

    return await network_admin.list_counties()


async def test_a_bank_account_is_entered_by_one_and_confirmed_by_another(app, actors):
    number = "9702"
    second = await accounts.create_user(
        f"finance.two.{uuid.uuid4().hex[:6]}@example.no", "Finans To", "4601", ["finance"], "t"
    )
    async with signed_in(app, actors["admin"].id) as admin_b:
        assert (await import_file(admin_b, ssb_file((number, "Kontokommune")))).status_code == 200
    async with signed_in(app, actors["finance"].id) as f1, signed_in(app, second) as f2:
        bad = await f1.post(
            f"/admin/municipalities/{number}", data={"action": "propose", "bank_account": "123"}
        )
        assert_page(bad, 422)
        assert 'id="error-bank_account"' in bad.text
        r = await f1.post(
            f"/admin/municipalities/{number}",
            data={"action": "propose", "bank_account": "8601.11.17947"},
        )
        assert r.status_code == 303
        mine = text(await f1.get(f"/admin/municipalities/{number}"))
        assert "8601.11.17947" in mine and actors["finance"].email in mine
        assert "Bekreft 8601.11.17947" not in mine  # not for the one who entered it
        refused = await f1.post(
            f"/admin/municipalities/{number}", data={"action": "confirm", "account": "86011117947"}
        )
        assert refused.status_code == 403
        assert (await networks.municipality_detail(number)).bank_account is None

        theirs = text(await f2.get(f"/admin/municipalities/{number}"))
        assert "Bekreft 8601.11.17947" in theirs
        r = await f2.post(
            f"/admin/municipalities/{number}", data={"action": "confirm", "account": "86011117947"}
        )
        assert r.status_code == 303
        done = text(await f2.get(f"/admin/municipalities/{number}"))
        assert "Bankkontoen er bekreftet." in done
        detail = await networks.municipality_detail(number)
        assert detail.bank_account == "86011117947" and detail.pending_bank_account is None

        # A second change waits again, and may be discarded by the other person.
        await f2.post(
            f"/admin/municipalities/{number}",
            data={"action": "propose", "bank_account": "12345678903"},
        )
        r = await f1.post(f"/admin/municipalities/{number}", data={"action": "discard"})
        assert r.status_code == 303
        detail = await networks.municipality_detail(number)
        assert detail.bank_account == "86011117947" and detail.pending_bank_account is None
    actions = await actions_on("municipality", number)
    assert any("confirm" in a for a in actions) and any("discard" in a for a in actions)


# --- import ---------------------------------------------------------------------------


async def test_a_malformed_ssb_file_names_its_lines_and_changes_nothing_a_good_one_imports(
    app, actors
):
    async with signed_in(app, actors["admin"].id) as b:
        assert_page(await b.get("/admin/import"))
        broken = ssb_file(("9711", "Godkjent"), ("97x2", "Bokstavvik"), ("9713", " "))
        r = await import_file(b, broken, "feil.csv")
        assert_page(r, 422)
        problems = re.search(r'id="error-file">(.*?)</div>', r.text, re.S)
        assert problems is not None
        shown = text(r)
        assert "linje 3" in problems.group(1) and "97x2" in problems.group(1)
        assert "linje 4" in problems.group(1) and "9713" in problems.group(1)
        assert "feil.csv ble ikke importert" in shown
        assert 'aria-describedby="hint-file error-file"' in r.text
        assert await Municipality.count().where(Municipality.number == "9711") == 0
        en = await b.post(
            "/admin/import",
            files={"file": ("feil.csv", broken, "text/csv")},
            headers={"Accept-Language": "en"},
        )
        assert "line 3" in en.text or "linje 3" in en.text  # the account's language wins

        none = await b.post("/admin/import", data={})
        assert_page(none, 400)

        good = await import_file(b, ssb_file(("9711", "Godkjent"), ("971101", "Godkjent bydel")))
        assert_page(good)
        assert "2 lagt til, 0 fått nytt navn, 0 uendret" in text(good)
        assert 'href="/admin/municipalities/971101"' in good.text
        renamed = await import_file(
            b, ssb_file(("9711", "Godkjent ny"), ("971101", "Godkjent bydel"))
        )
        assert "Godkjent → Godkjent ny" in text(renamed)
    assert await Municipality.count().where(Municipality.number.is_in(["9711", "971101"])) == 2
    assert "municipalities.import" in await actions_on("municipality", "*")


# --- mail -----------------------------------------------------------------------------


async def test_failed_and_retrying_mail_are_listed_and_a_failed_one_is_sent_again(
    app, actors, smtp_sink, mail_settings
):
    rejected = f"avvist-{uuid.uuid4().hex[:6]}@example.no"
    later = f"senere-{uuid.uuid4().hex[:6]}@example.no"
    smtp_sink.answer(rejected, "550 5.1.1 <avvist>: Recipient address rejected", times=1)
    smtp_sink.answer(later, "451 4.3.0 Try again later", times=1)
    slow = MailPolicy(
        max_attempts=5,
        backoff_base_s=3600,
        backoff_cap_s=3600,
        lease_s=300,
        grace_s=3600,
        sweep_every_s=3600,
    )
    async with queue_lifespan(mail_settings(smtp_url=smtp_sink.url), policy=slow):
        failed = await enqueue_committed(rejected)
        waiting = await enqueue_committed(later)
        await wait_status(failed, "failed")
        await wait_status(waiting, "retrying")

    async with signed_in(app, actors["admin"].id) as b:
        page = await b.get("/admin/mail")
        assert_page(page)
        shown = text(page).replace("<wbr>", "")  # an address may break before its @
        assert rejected in shown and "550 5.1.1" in shown
        assert later in shown and "451 4.3.0" in shown
        assert f'action="/admin/mail/{failed}/retry"' in page.text
        assert f'action="/admin/mail/{waiting}/retry"' in page.text
        assert 'href="/admin/mail"' in (await b.get("/admin")).text

        r = await b.post(f"/admin/mail/{failed}/retry")
        assert r.status_code == 303 and r.headers["location"] == "/admin/mail"
        assert "E-posten er på vei igjen." in text(await b.get("/admin/mail"))
        await wait_status(failed, "sent", within=120)
        again = await b.post(f"/admin/mail/{failed}/retry")
        assert_page(again, 409)
        assert "sendt" in text(again) or "sent" in text(again)
        # One waiting for its next attempt is sent now, with its attempts so far.
        r = await b.post(f"/admin/mail/{waiting}/retry")
        assert r.status_code == 303
        sent = await wait_status(waiting, "sent", within=120)
        assert sent["attempts"] == 2
    assert "outbox.retry" in await actions_on("outbox_message", failed)
    assert "outbox.send_now" in await actions_on("outbox_message", waiting)


# --- the audit log ----------------------------------------------------------------------


async def test_the_audit_log_filters_by_object_person_and_date_and_pages_through(
    app, actors, client
):
    thing = uuid.uuid4().hex[:10]
    actor = f"revisor.{thing}@example.no"
    for i in range(120):
        await audit.record(
            actor if i % 2 else "someone@example.no", "test.step", "widget", thing, after={"i": i}
        )
    async with signed_in(app, actors["admin"].id) as b:
        first = await b.get("/admin/audit", params={"object_type": "widget", "object_id": thing})
        assert_page(first)
        rows = re.findall(r"<tr>\s*<td", first.text)
        assert len(rows) == 50 and "&#34;i&#34;" not in first.text
        assert ">119<" in first.text or "119" in text(first)  # newest first
        older = re.search(r'href="([^"]+)" rel="next"', first.text)
        assert older and 'rel="prev"' not in first.text
        second = await b.get(older.group(1).replace("&amp;", "&"))
        third_link = re.search(r'href="([^"]+)" rel="next"', second.text)
        assert third_link and 'rel="prev"' in second.text
        third = await b.get(third_link.group(1).replace("&amp;", "&"))
        assert len(re.findall(r"<tr>\s*<td", third.text)) == 20 and 'rel="next"' not in third.text
        back = re.search(r'href="([^"]+)" rel="prev"', third.text)
        assert back
        again = await b.get(back.group(1).replace("&amp;", "&"))
        assert again.text.count("<tr>") == second.text.count("<tr>")

        by_person = await b.get(
            "/admin/audit", params={"object_id": thing, "actor": f"revisor.{thing}"}
        )
        assert len(re.findall(r"<tr>\s*<td", by_person.text)) == 50
        assert "someone@example.no" not in by_person.text
        today = now().date()
        yesterday = (today - timedelta(days=1)).isoformat()
        none = await b.get("/admin/audit", params={"object_id": thing, "to": yesterday})
        assert "Ingen hendelser passer" in text(none)
        some = await b.get("/admin/audit", params={"object_id": thing, "from": yesterday})
        assert len(re.findall(r"<tr>\s*<td", some.text)) == 50
        bad = await b.get("/admin/audit", params={"from": "11.03.2027"})
        assert_page(bad, 400)
        assert 'id="error-from"' in bad.text

    # The API: the same filters, `limit`, and a Link to the next page.
    admin = actors["admin"].headers
    seen: list[str] = []
    url = f"/api/v1/admin/audit?object_type=widget&object_id={thing}&limit=50"
    while url:
        r = await client.get(url, headers=admin)
        assert r.status_code == 200, r.text
        seen += [e["id"] for e in r.json()]
        link = r.headers.get("link")
        url = re.match(r'<([^>]+)>; rel="next"', link).group(1) if link else ""
    assert len(seen) == len(set(seen)) == 120
    assert [int(i) for i in seen] == sorted((int(i) for i in seen), reverse=True)
    r = await client.get(
        "/api/v1/admin/audit",
        params={"actor": f"revisor.{thing}", "from": today.isoformat(), "to": today.isoformat()},
        headers=admin,
    )
    assert len(r.json()) == 50 and all(e["actor"] == actor for e in r.json())
    assert r.json()[0]["after"] == {"i": 119} and r.json()[0]["object_type"] == "widget"
    r = await client.get("/api/v1/admin/audit?from=2027-03-11&to=2027-03-10", headers=admin)
    assert r.status_code == 400
    r = await client.get("/api/v1/admin/audit", headers=actors["finance"].headers)
    assert r.status_code == 403


async def test_the_user_api_sets_roles_and_active_and_every_change_is_audited(client, actors):
    admin = actors["admin"].headers
    email, uid = await new_person(name="Api Person")
    url = f"/api/v1/admin/users/{uid}"
    r = await client.patch(url, json={"roles": ["finance", "coordinator:vest"]}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["roles"] == ["coordinator:vest", "finance"] and r.json()["status"] == "active"
    r = await client.patch(url, json={"roles": ["participant"], "active": False}, headers=admin)
    assert r.status_code == 200
    assert r.json()["roles"] == [] and r.json()["active"] is False
    assert r.json()["status"] == "disabled"
    listed = {
        u["email"]: u for u in (await client.get("/api/v1/admin/users", headers=admin)).json()
    }
    assert listed[email]["status"] == "disabled"
    r = await client.patch(url, json={"roles": ["boss"]}, headers=admin)
    assert r.status_code == 422 and r.json()["detail"].startswith("unknown role")
    r = await client.patch(url, json={"active": True, "colour": "red"}, headers=admin)
    assert r.status_code == 400  # unknown fields are refused
    assert (await client.patch(url, json={"active": True}, headers=admin)).json()["active"]
    for role in ("finance", "coordinator", "participant"):
        r = await client.patch(url, json={"active": False}, headers=actors[role].headers)
        assert r.status_code == 403
    assert (await client.patch(url, json={}, headers={})).status_code == 401
    actions = await actions_on("user", uid)
    assert actions.count("role.grant") == 2 and actions.count("role.revoke") == 2
    assert actions[-2:] == ["user.deactivate", "user.reactivate"]
    assert (await accounts.load_user(uid)) is not None
