"""Abuse a user or an attacker could try, and what stops it."""

from __future__ import annotations

import asyncio
import email as email_lib
import email.policy
import re
import uuid

from mail_fixtures import follow_link

from service.accounts import service as accounts
from service.db.tables import OutboxMessage, User
from service.outbox import service as outbox


def email(tag: str, domain: str = "example.no") -> str:
    return f"{tag}.{uuid.uuid4().hex[:8]}@{domain}"


async def _gathering(client, actors, **extra) -> dict:
    body = {
        "network": "agder-rogaland",
        "title": "Herding",
        "starts_at": "2031-11-05T10:00",
        "ends_at": "2031-11-05T15:00",
        "capacity": 10,
        **extra,
    }
    r = await client.post("/api/v1/gatherings", json=body, headers=actors["coordinator"].headers)
    assert r.status_code == 201, r.text
    return r.json()


async def test_a_csv_cell_never_starts_a_formula(client, actors):
    g = await _gathering(client, actors)
    await client.post(
        f"/api/v1/gatherings/{g['id']}/publish", headers=actors["coordinator"].headers
    )
    r = await client.post(
        f"/api/v1/gatherings/{g['id']}/registrations",
        json={"dietary": '=HYPERLINK("http://evil.example","x")', "accessibility": "+1 rullestol"},
        headers=actors["participant"].headers,
    )
    assert r.status_code == 201
    csv = await client.get(
        f"/api/v1/gatherings/{g['id']}/registrations",
        headers={**actors["coordinator"].headers, "Accept": "text/csv"},
    )
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    text = csv.content.decode("utf-8-sig")
    assert "'=HYPERLINK(" in text and ";'+1 rullestol" in text
    cells = [cell.strip('"') for line in text.splitlines() for cell in line.split(";")]
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)


async def test_titles_and_places_are_one_line(client, actors):
    for field, value in (("title", "To\nlinjer"), ("venue", "Sted\r\nX"), ("city", "By\x07")):
        body = {
            "network": "agder-rogaland",
            "title": "Gyldig",
            "starts_at": "2031-11-05T10:00",
            "ends_at": "2031-11-05T15:00",
            "capacity": 1,
            field: value,
        }
        r = await client.post("/api/v1/gatherings", json=body, headers=actors["admin"].headers)
        assert r.status_code == 400 and field in r.json()["detail"], r.text


async def test_new_times_must_still_hold_the_programme(client, actors):
    g = await _gathering(
        client,
        actors,
        programme=[
            {"starts_at": "2031-11-05T10:00", "ends_at": "2031-11-05T11:00", "title": "Åpning"}
        ],
        meals=[{"date": "2031-11-05", "meal": "lunch"}],
    )
    moved = {"starts_at": "2031-12-05T10:00", "ends_at": "2031-12-05T15:00"}
    r = await client.patch(
        f"/api/v1/gatherings/{g['id']}", json=moved, headers=actors["coordinator"].headers
    )
    assert r.status_code == 422 and r.json()["field"] == "programme"
    unchanged = await client.get(f"/api/v1/gatherings/{g['id']}", headers=actors["admin"].headers)
    assert unchanged.json()["starts_at"].startswith("2031-11-05")
    r = await client.patch(
        f"/api/v1/gatherings/{g['id']}",
        json={
            **moved,
            "programme": [
                {"starts_at": "2031-12-05T10:00", "ends_at": "2031-12-05T11:00", "title": "Åpning"}
            ],
            "meals": [{"date": "2031-12-05", "meal": "lunch"}],
        },
        headers=actors["coordinator"].headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["meals"] == [{"date": "2031-12-05", "meal": "lunch"}]


async def test_the_newest_signup_request_wins_before_confirmation(client):
    address = email("late", "alta.kommune.no")
    first = {"email": address, "name": "Someone Else", "municipality": "5501"}
    second = {"email": address, "name": "Real Person", "municipality": "5601"}
    assert (await client.post("/api/v1/auth/signup", json=first)).status_code == 202
    assert (await client.post("/api/v1/auth/signup", json=second)).status_code == 202
    row = await User.select(User.name, User.municipality.number).where(User.email == address)
    assert row == [{"name": "Real Person", "municipality.number": "5601"}]
    old, new = await links_mailed_to(address, 2)
    assert (await client.get(old)).status_code == 400  # the first link died
    assert (await follow_link(client, new)).status_code == 303


async def test_a_personal_feed_secret_never_reaches_the_log(client, actors, monkeypatch):
    from service.lib import logs

    url = (await client.get("/api/v1/me/calendar", headers=actors["participant"].headers)).json()
    path = "/calendar/feed/" + url["url"].rsplit("/", 1)[1]
    secret = path.rsplit("/", 1)[1].removesuffix(".ics")
    marker = uuid.uuid4().hex
    lines: list[bytes] = []
    writer = logs.writer()
    real_put = writer.put

    def keep(line: bytes) -> None:  # see each finished log line on its way out
        lines.append(line)
        real_put(line)

    monkeypatch.setattr(writer, "put", keep)
    assert (await client.get(path, headers={"X-Request-ID": marker})).status_code == 200
    line = next(x.decode() for x in lines if marker.encode() in x)
    assert "/calendar/feed/" in line and secret not in line


async def links_mailed_to(address: str, count: int) -> list[str]:
    """Paths of the links in the mails the in-process runner wrote for `address`."""
    from service.settings import load_settings

    mail_dir = load_settings().mail_dir
    found: list[str] = []
    # The app's runner sends in order; on a loaded machine earlier tests' mail may be ahead.
    for _ in range(1200):
        found = []
        # named <time>-<outbox id>.eml: the outbox id gives the order they were made in
        for path in sorted(mail_dir.glob("[0-9]*.eml"), key=lambda p: p.stem.rsplit("-", 1)[1]):
            msg = email_lib.message_from_bytes(path.read_bytes(), policy=email_lib.policy.default)
            if address in str(msg["To"]):
                text = msg.get_body(("plain",)).get_content()
                found += re.findall(r"http://127\.0\.0\.1:8000(/auth/login\?token=\S+)", text)
        if len(found) >= count:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} links for {address}, found {found}")


async def _login_row(address: str) -> dict:
    row = (
        await OutboxMessage.select(OutboxMessage.status, OutboxMessage.context)
        .where((OutboxMessage.recipient == address) & (OutboxMessage.kind == "login_link"))
        .first()
    )
    assert row is not None
    return row


async def test_a_delivered_login_link_is_not_kept_readable(client):
    address = email("kept")
    await accounts.create_user(address, "Kept", "4204", [], "tests")
    assert (
        await client.post("/api/v1/auth/login-link", json={"email": address})
    ).status_code == 202
    (link,) = await links_mailed_to(address, 1)  # delivered, with the link in it
    row = await _login_row(address)
    for _ in range(100):  # the runner marks the row sent right after writing the file
        if row["status"] == "sent":
            break
        await asyncio.sleep(0.05)
        row = await _login_row(address)
    assert row["status"] == "sent"
    assert "token=" not in str(outbox._context(row["context"]))
    assert (await follow_link(client, link)).status_code == 303  # and the link still works
