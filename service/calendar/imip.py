"""Invitations by mail (iMIP, RFC 6047 / iTIP, RFC 5546).

A confirmation, promotion or change carries METHOD:REQUEST; a cancellation (by the
participant or the organiser) METHOD:CANCEL with STATUS:CANCELLED. The part goes next
to the text and HTML (as calendar clients expect) and again as invitation.ics. The UID
is the feeds' UID for the gathering (the contract); a CANCEL is mailed only to the
person it concerns, so nobody else's copy is touched. SEQUENCE is the gathering's,
plus two for each earlier registration of the same person that was cancelled, so an
invitation after a re-registration always outranks the CANCEL before it.
"""

from __future__ import annotations

from typing import Any

from icalendar import Calendar

from service.calendar import ics
from service.calendar.feeds import event_data, location, sequence_for, uid_for
from service.db.tables import ProgrammeItem, Registration, RoleGrant


async def personal_sequence(g: dict[str, Any], registration_id: int, cancelling: bool) -> int:
    row = (
        await Registration.select(Registration.user)
        .where(Registration.id == registration_id)
        .first()
    )
    assert row is not None
    earlier = await Registration.count().where(
        (Registration.gathering == g["id"])
        & (Registration.user == row["user"])
        & (Registration.status == "cancelled")
        & (Registration.id < registration_id)
    )
    return sequence_for(g, int(earlier), cancelling)


async def organizer_for(network_id: int, mail_from: str) -> tuple[str, str]:
    """(CN, mailto:) of someone who reads replies: the network's first coordinator,
    else the programme's sender address."""
    rows = await RoleGrant.raw(
        'SELECT u.name, u.email FROM role_grant r JOIN samling_user u ON u.id = r."user" '
        "WHERE r.network = {} AND r.role = 'coordinator' AND u.active = {} "
        "ORDER BY r.id LIMIT 1",
        network_id,
        True,
    )
    row = rows[0] if rows else None
    if row is not None:
        return row["name"], f"mailto:{row['email']}"
    from service.calendar.feeds import organizer_of

    return organizer_of(mail_from)


async def invitation_parts(
    g: dict[str, Any],
    registration_id: int,
    attendee_email: str,
    attendee_name: str,
    method: str,
    language: str,
    base_url: str,
    mail_from: str,
) -> list[dict[str, Any]]:
    """The `_parts` for an outbox row: text/calendar as alternative and attachment."""
    from emails.render import MimePart

    programme = (
        await ProgrammeItem.select()
        .where(ProgrammeItem.gathering == g["id"])
        .order_by(ProgrammeItem.starts_at)
    )
    cancelling = method == "CANCEL"
    status = "CANCELLED" if cancelling else "CONFIRMED"
    data = event_data(g, programme, base_url, language, status, mail_from)
    organizer_name, organizer = await organizer_for(g["network"], mail_from)
    sequence = await personal_sequence(g, registration_id, cancelling)
    data = ics.EventData(
        **{
            **data.__dict__,
            "uid": uid_for(g["id"], base_url),
            "sequence": sequence,
            "organizer": organizer,
            "organizer_name": organizer_name,
            "attendee": f"mailto:{attendee_email}",
            "attendee_name": attendee_name,
            "location": location(g),
        }
    )
    event = ics.event_component(data, language)
    cal = Calendar()
    cal.add("prodid", ics.PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    body = bytes(cal.to_ical())
    end = b"END:VCALENDAR\r\n"
    parts = [body[: -len(end)]]
    if b"TZID=" in (event_bytes := bytes(event.to_ical())):
        parts.append(ics.oslo_vtimezone())
    parts += [event_bytes, end]
    content = b"".join(parts)
    params = {"method": method, "charset": "utf-8"}
    return [
        MimePart(content, "text", "calendar", None, params, alternative=True).to_json(),
        MimePart(
            content, "text", "calendar", "invitation.ics", params, alternative=False
        ).to_json(),
    ]
