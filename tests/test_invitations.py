"""Invitations by mail (iMIP, RFC 6047 / iTIP, RFC 5546), end to end.

Gatherings are made, published, edited and cancelled through the API; registrations
are made, cancelled and promoted through the API. The outbox rows that result are
rendered with `emails.render.render` exactly as the sender does and parsed back with
Python's email package. A confirmation or promotion carries METHOD:REQUEST (in the
multipart/alternative and again as invitation.ics), a change REQUEST with the same
UID and a higher SEQUENCE, a cancellation METHOD:CANCEL; the UID is the feeds' UID for
the gathering (the contract's rule), a cancellation goes only to the person it concerns,
never PUBLISH by mail, and every calendar passes libical's iTIP restriction check.
"""

from __future__ import annotations

import email
import email.policy
import json
import subprocess
import uuid
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from icalendar import Calendar

from emails.render import render
from service.calendar.feeds import uid_for
from service.db.tables import Network, OutboxMessage, RoleGrant, User
from service.lib.clock import OSLO

NETWORK = "agder-rogaland"
MAIL_FROM = "Samling <noreply@samling.example>"
BASE_URL = "http://127.0.0.1:8000"
SYSTEM_PYTHON = "/usr/bin/python3"
INVITING = ("registration_confirmed", "registration_promoted")


class Person:
    """A signed-in user made for one test (same shape as conftest's actors)."""

    def __init__(self, email_: str, user_id: int, token: str) -> None:
        self.email, self.id = email_, user_id
        self.headers = {"Authorization": f"Bearer {token}"}


async def person(label: str) -> Person:
    from service.accounts import service

    address = f"{label}.{uuid.uuid4().hex[:6]}@example.no"
    user_id = await service.create_user(address, label.title(), "4204", [], "tests")
    token = await service.create_api_token(user_id, "tests", "tests")
    return Person(address, user_id, token["token"])


# --- the API ------------------------------------------------------------------------------


async def gathering(
    client: httpx.AsyncClient, coordinator: Any, capacity: int, day: int
) -> dict[str, Any]:
    body = {
        "network": NETWORK,
        "title": f"Invitasjonssamling {uuid.uuid4().hex[:4]}",
        "starts_at": f"2031-10-{day:02d}T09:00",
        "ends_at": f"2031-10-{day:02d}T15:30",
        "capacity": capacity,
        "venue": "Kilden",
        "address": "Sjølystveien 2",
        "city": "Kristiansand",
        "audience": "open",
    }
    r = await client.post("/api/v1/gatherings", json=body, headers=coordinator.headers)
    assert r.status_code == 201, r.text
    gid = r.json()["id"]
    r = await client.post(f"/api/v1/gatherings/{gid}/publish", headers=coordinator.headers)
    assert r.status_code == 200, r.text
    return r.json()


async def register(client: httpx.AsyncClient, who: Any, gid: str, status: str) -> str:
    r = await client.post(f"/api/v1/gatherings/{gid}/registrations", headers=who.headers)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == status, r.text
    return str(r.json()["id"])


async def cancel_registration(client: httpx.AsyncClient, who: Any, reg_id: str) -> None:
    r = await client.post(f"/api/v1/registrations/{reg_id}/cancel", headers=who.headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"


# --- the outbox, rendered -----------------------------------------------------------------


async def rows_for(gid: str, recipient: str | None = None) -> list[dict[str, Any]]:
    """Outbox rows about gathering `gid`, oldest first (optionally to one recipient)."""
    query = OutboxMessage.select()
    if recipient is not None:
        query = query.where(OutboxMessage.recipient == recipient.lower())
    rows = await query.order_by(OutboxMessage.id).output(load_json=True)
    return [r for r in rows if str(r["context"].get("gathering_id")) == str(gid)]


async def only(gid: str, recipient: str, kind: str) -> EmailMessage:
    rows = [r for r in await rows_for(gid, recipient) if r["kind"] == kind]
    assert len(rows) == 1, f"{kind} to {recipient}: {len(rows)} rows"
    return rendered(rows[0])


def rendered(row: dict[str, Any]) -> EmailMessage:
    """The row as the sender would put it on the wire, parsed back."""
    msg = render(
        row["kind"],
        row["language"],
        row["context"],
        recipient=row["recipient"],
        message_id=row["message_id"],
        mail_from=MAIL_FROM,
        base_url=BASE_URL,
    )
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def calendar_parts(msg: EmailMessage) -> list[EmailMessage]:
    return [
        p
        for p in msg.walk()
        if not p.is_multipart()
        and (p.get_content_type() in ("text/calendar", "application/ics") or is_ics(p))
    ]


def is_ics(part: EmailMessage) -> bool:
    return (part.get_filename() or "").lower().endswith(".ics")


def payload(part: EmailMessage) -> bytes:
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    return data


def invitation(msg: EmailMessage, method: str) -> bytes:
    """Check the iMIP shape and return the calendar: multipart/mixed of a
    multipart/alternative (text/plain, text/html, text/calendar; method=…, base64)
    and an invitation.ics attachment with the same bytes."""
    assert msg.get_content_type() == "multipart/mixed", msg.get_content_type()
    top = list(msg.iter_parts())
    alternative = [p for p in top if p.get_content_type() == "multipart/alternative"]
    assert len(alternative) == 1, [p.get_content_type() for p in top]
    inner = list(alternative[0].iter_parts())
    assert [p.get_content_type() for p in inner] == ["text/plain", "text/html", "text/calendar"]
    cal_part = inner[2]
    assert cal_part.get_param("method") == method, cal_part["Content-Type"]
    assert str(cal_part.get_param("charset")).lower() == "utf-8", cal_part["Content-Type"]
    assert cal_part["Content-Transfer-Encoding"].strip().lower() == "base64"
    assert cal_part.get_content_disposition() in (None, "inline")
    body = payload(cal_part)

    attached = [p for p in top if p is not alternative[0]]
    assert len(attached) == 1, [p.get_content_type() for p in top]
    ics = attached[0]
    assert ics.get_content_disposition() == "attachment"
    assert ics.get_filename() == "invitation.ics"
    assert ics.get_content_type() in ("text/calendar", "application/ics"), ics["Content-Type"]
    assert payload(ics) == body, "invitation.ics differs from the text/calendar part"

    cal = Calendar.from_ical(body)
    assert str(cal["method"]) == method
    assert len(cal.walk("VEVENT")) == 1
    return body


def vevent(body: bytes) -> Any:
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    return event


def uid(body: bytes) -> str:
    return str(vevent(body)["uid"])


def sequence(body: bytes) -> int:
    return int(vevent(body)["sequence"])


def mailto(value: Any) -> str:
    text = str(value)
    assert text.lower().startswith("mailto:"), text
    return text[len("mailto:") :].lower()


async def coordinators_of(slug: str) -> set[str]:
    network = await Network.select(Network.id).where(Network.slug == slug).first()
    assert network is not None
    grants = await RoleGrant.select(RoleGrant.user).where(
        (RoleGrant.network == network["id"]) & (RoleGrant.role == "coordinator")
    )
    users = await User.select(User.email).where(
        User.id.is_in([g["user"] for g in grants] or [-1]) & (User.active == True)  # noqa: E712
    )
    return {u["email"].lower() for u in users}


async def assert_request_for(body: bytes, attendee: Any, g: dict[str, Any]) -> None:
    """A REQUEST to `attendee`: organised by a coordinator of the network (an address
    that is read, not the no-reply sender), the attendee accepted, no RSVP asked."""
    ev = vevent(body)
    organizer = ev["organizer"]
    assert mailto(organizer) in await coordinators_of(NETWORK), organizer
    assert mailto(organizer) != "noreply@samling.example"
    att = ev["attendee"]
    assert not isinstance(att, list), "one ATTENDEE: the participant"
    assert mailto(att) == attendee.email.lower()
    assert att.params["PARTSTAT"] == "ACCEPTED"
    assert att.params["RSVP"] == "FALSE"
    assert str(ev["status"]) == "CONFIRMED"
    assert uid(body) == uid_for(int(g["id"]), BASE_URL), "the same UID as the feeds"
    starts = datetime.fromisoformat(g["starts_at"])
    if starts.tzinfo is None:
        starts = starts.replace(tzinfo=OSLO)
    assert ev.decoded("dtstart") == starts


def assert_cancel(body: bytes, request: bytes, attendee: Any) -> None:
    ev = vevent(body)
    assert str(ev["status"]) == "CANCELLED"
    assert uid(body) == uid(request)
    assert sequence(body) >= sequence(request)
    assert mailto(ev["organizer"]) == mailto(vevent(request)["organizer"])
    assert mailto(ev["attendee"]) == attendee.email.lower()


# --- libical ------------------------------------------------------------------------------


LIBICAL = r"""
import json, sys
import gi
gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib

out = []
for text in json.load(sys.stdin):
    root = ICalGLib.Component.new_from_string(text)
    if root is None:
        out.append({"parsed": False})
        continue
    before = root.count_errors()
    valid = root.check_restrictions()
    errors = []
    def collect(comp):
        prop = comp.get_first_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
        while prop is not None:
            errors.append(
                ICalGLib.Component.kind_to_string(comp.isa()) + ": " + prop.get_xlicerror()
            )
            prop = comp.get_next_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
        child = comp.get_first_component(ICalGLib.ComponentKind.ANY_COMPONENT)
        while child is not None:
            collect(child)
            child = comp.get_next_component(ICalGLib.ComponentKind.ANY_COMPONENT)
    collect(root)
    out.append({
        "parsed": True,
        "parse_errors": before,
        "restrictions_ok": bool(valid),
        "errors": errors,
        "method": ICalGLib.Property.method_to_string(root.get_method()),
        "events": root.count_components(ICalGLib.ComponentKind.VEVENT_COMPONENT),
    })
print(json.dumps(out))
"""


def libical(bodies: list[bytes]) -> list[dict[str, Any]]:
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", 'import gi; gi.require_version("ICalGLib", "3.0")'],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        pytest.fail(
            "libical's GObject bindings are missing: "
            "apt-get install -y gir1.2-ical-3.0 python3-gi\n" + probe.stderr
        )
    done = subprocess.run(
        [SYSTEM_PYTHON, "-c", LIBICAL],
        input=json.dumps([b.decode("utf-8") for b in bodies]).encode(),
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    reports = json.loads(done.stdout)
    assert len(reports) == len(bodies)
    return reports


async def audit_all_mail(gid: str) -> int:
    """Every mail about the gathering: no PUBLISH anywhere, and each calendar in it
    passes libical's iTIP restrictions for its METHOD. Returns how many were checked."""
    bodies: list[tuple[str, bytes]] = []
    for row in await rows_for(gid):
        msg = rendered(row)
        for part in calendar_parts(msg):
            body = payload(part)
            where = f"{row['kind']} to {row['recipient']}"
            lines = body.replace(b"\r\n ", b"").upper().split(b"\r\n")
            assert b"METHOD:PUBLISH" not in lines, f"{where}: PUBLISH by mail"
            assert str(part.get_param("method") or "").upper() != "PUBLISH", where
            method = str(Calendar.from_ical(body).get("method", ""))
            assert method in ("REQUEST", "CANCEL"), f"{where}: METHOD {method!r}"
            if part.get_content_type() == "text/calendar":
                assert str(part.get_param("method")) == method, where
            bodies.append((where, body))
    problems = []
    for (where, body), report in zip(bodies, libical([b for _, b in bodies]), strict=True):
        assert report["parsed"], where
        assert report["events"] == 1, where
        assert report["method"] == str(Calendar.from_ical(body)["method"]), where
        if report["parse_errors"] or not report["restrictions_ok"] or report["errors"]:
            problems.append(f"{where}: ok={report['restrictions_ok']} {report['errors']}")
    assert not problems, "\n".join(problems)
    return len(bodies)


# --- tests --------------------------------------------------------------------------------


async def test_confirmation_carries_a_request_with_one_uid_per_registration(client, actors):
    participant, coordinator = actors["participant"], actors["coordinator"]
    other = await person("kollega")
    g = await gathering(client, coordinator, capacity=5, day=6)
    gid = g["id"]
    await register(client, participant, gid, "confirmed")
    await register(client, other, gid, "confirmed")

    mine = invitation(await only(gid, participant.email, "registration_confirmed"), "REQUEST")
    theirs = invitation(await only(gid, other.email, "registration_confirmed"), "REQUEST")
    await assert_request_for(mine, participant, g)
    await assert_request_for(theirs, other, g)
    assert sequence(mine) == sequence(theirs) == g["sequence"]
    assert uid(mine) == uid(theirs) == uid_for(int(gid), BASE_URL)
    assert vevent(mine)["organizer"] == vevent(theirs)["organizer"]
    assert await audit_all_mail(gid) == 4  # two mails, each with part and attachment


async def test_waitlisted_mail_has_no_request_and_promotion_has_one(client, actors):
    participant, coordinator = actors["participant"], actors["coordinator"]
    first, later = await person("forst"), await person("senere")
    g = await gathering(client, coordinator, capacity=1, day=7)
    gid = g["id"]
    first_reg = await register(client, first, gid, "confirmed")
    await register(client, participant, gid, "waitlisted")
    later_reg = await register(client, later, gid, "waitlisted")

    waitlisted = await only(gid, participant.email, "registration_waitlisted")
    assert calendar_parts(waitlisted) == [], "a waiting-list place is no invitation"
    assert "text/calendar" not in waitlisted.as_string()
    # leaving the waiting list withdraws nothing: there was no invitation
    await cancel_registration(client, later, later_reg)
    assert calendar_parts(await only(gid, later.email, "registration_cancelled")) == []

    await cancel_registration(client, first, first_reg)  # frees the seat
    promoted = invitation(await only(gid, participant.email, "registration_promoted"), "REQUEST")
    await assert_request_for(promoted, participant, g)

    first_request = invitation(await only(gid, first.email, "registration_confirmed"), "REQUEST")
    first_cancel = invitation(await only(gid, first.email, "registration_cancelled"), "CANCEL")
    assert_cancel(first_cancel, first_request, first)
    assert uid(promoted) == uid(first_request), "one gathering, one UID"
    # the cancellation of the first withdrew nothing of the participant's
    kinds = [r["kind"] for r in await rows_for(gid, participant.email)]
    assert kinds == ["registration_waitlisted", "registration_promoted"]
    await audit_all_mail(gid)


async def test_change_resends_the_request_and_cancel_withdraws_only_that_one(client, actors):
    participant, coordinator = actors["participant"], actors["coordinator"]
    other, waiting = await person("annen"), await person("venter")
    g = await gathering(client, coordinator, capacity=2, day=8)
    gid = g["id"]
    reg = await register(client, participant, gid, "confirmed")
    await register(client, other, gid, "confirmed")
    await register(client, waiting, gid, "waitlisted")
    confirmed = invitation(await only(gid, participant.email, "registration_confirmed"), "REQUEST")
    other_confirmed = invitation(await only(gid, other.email, "registration_confirmed"), "REQUEST")

    r = await client.patch(
        f"/api/v1/gatherings/{gid}",
        json={
            "starts_at": "2031-10-08T10:00",
            "ends_at": "2031-10-08T16:00",
            "venue": "Kristiansand rådhus",
        },
        headers=coordinator.headers,
    )
    assert r.status_code == 200, r.text
    changed_g = r.json()
    assert changed_g["sequence"] > g["sequence"]

    changed = invitation(await only(gid, participant.email, "gathering_changed"), "REQUEST")
    await assert_request_for(changed, participant, changed_g)
    assert uid(changed) == uid(confirmed), "an update keeps the UID"
    assert sequence(changed) > sequence(confirmed), "an update raises SEQUENCE"
    assert "Kristiansand rådhus" in str(vevent(changed)["location"])
    other_changed = invitation(await only(gid, other.email, "gathering_changed"), "REQUEST")
    assert uid(other_changed) == uid(other_confirmed) == uid(changed)
    # a waiting-list place was never an invitation, so a change sends none
    assert calendar_parts(await only(gid, waiting.email, "gathering_changed")) == []

    await cancel_registration(client, participant, reg)
    withdrawn = invitation(await only(gid, participant.email, "registration_cancelled"), "CANCEL")
    assert_cancel(withdrawn, changed, participant)
    assert str(Calendar.from_ical(withdrawn)["method"]) == "CANCEL"

    # nobody else's invitation was withdrawn: no CANCEL to anyone but the participant
    for row in await rows_for(gid):
        if row["recipient"] == participant.email.lower():
            continue
        for part in calendar_parts(rendered(row)):
            assert str(Calendar.from_ical(payload(part))["method"]) == "REQUEST", row["kind"]
    # the seat went to the waiting person, with an invitation of their own
    promoted = invitation(await only(gid, waiting.email, "registration_promoted"), "REQUEST")
    await assert_request_for(promoted, waiting, changed_g)
    assert uid(promoted) == uid(changed)
    await audit_all_mail(gid)


async def test_organizer_cancelling_the_gathering_sends_cancel_to_the_confirmed(client, actors):
    participant, coordinator = actors["participant"], actors["coordinator"]
    other, waiting = await person("deltaker"), await person("ventende")
    g = await gathering(client, coordinator, capacity=2, day=9)
    gid = g["id"]
    await register(client, participant, gid, "confirmed")
    await register(client, other, gid, "confirmed")
    await register(client, waiting, gid, "waitlisted")
    requests = {
        who.email: invitation(await only(gid, who.email, "registration_confirmed"), "REQUEST")
        for who in (participant, other)
    }

    r = await client.post(
        f"/api/v1/gatherings/{gid}/cancel",
        json={"reason": "For få påmeldte"},
        headers=coordinator.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"

    for who in (participant, other):
        body = invitation(await only(gid, who.email, "gathering_cancelled"), "CANCEL")
        assert_cancel(body, requests[who.email], who)
        assert sequence(body) > sequence(requests[who.email])
    # the waiting person had no invitation to withdraw
    assert calendar_parts(await only(gid, waiting.email, "gathering_cancelled")) == []
    await audit_all_mail(gid)


async def test_a_new_registration_after_a_cancel_outranks_the_cancel(client, actors):
    g = await gathering(client, actors["coordinator"], capacity=5, day=21)
    gid = g["id"]
    participant = await person("returning")
    first = await register(client, participant, gid, "confirmed")
    await cancel_registration(client, participant, first)
    await register(client, participant, gid, "confirmed")
    rows = await rows_for(gid, participant.email)
    assert [r["kind"] for r in rows] == [
        "registration_confirmed",
        "registration_cancelled",
        "registration_confirmed",
    ]
    request, cancel, again = (
        invitation(rendered(rows[0]), "REQUEST"),
        invitation(rendered(rows[1]), "CANCEL"),
        invitation(rendered(rows[2]), "REQUEST"),
    )
    assert uid(request) == uid(cancel) == uid(again) == uid_for(int(gid), BASE_URL)
    assert sequence(request) < sequence(cancel) < sequence(again)
    # the personal feed shows the same event at the same SEQUENCE as the last mail
    url = (await client.get("/api/v1/me/calendar", headers=participant.headers)).json()["url"]
    feed = (await client.get("/calendar/feed/" + url.rsplit("/", 1)[1])).content
    event = next(e for e in Calendar.from_ical(feed).walk("VEVENT") if str(e["uid"]) == uid(again))
    assert int(event["sequence"]) == sequence(again)
