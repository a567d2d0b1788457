"""iCalendar building blocks (icalendar does all escaping and folding).

Europe/Oslo's VTIMEZONE is written out with the EU rules (last Sunday of March at
01:00 UTC, last Sunday of October at 01:00 UTC) as RRULEs: generated zones have
been seen wrong around the switches, and every client reads these rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from babel.dates import format_date
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vRecur

from service.lib import i18n
from service.lib.clock import OSLO

PRODID = "-//Samling//Nettverkssamlinger//NB"
TZID = "Europe/Oslo"


@dataclass(frozen=True)
class Texts:
    """The words a feed adds around a gathering's own text, in one language (from the
    catalogs). Part of a rendered VEVENT's cache key, so a new translation shows."""

    locale: str
    cancelled: str  # "Cancelled: {title}"
    deadline: str  # "Registration deadline: {title}"
    programme: str
    more: str  # "More information and registration: {url}"
    day: str  # a Babel date pattern for a programme item's day


@cache
def texts(language: str) -> Texts:
    with i18n.use(language) as lang:
        return Texts(
            locale=i18n.BABEL_LOCALES[lang],
            cancelled=i18n.gettext("Cancelled: {title}"),
            deadline=i18n.gettext("Registration deadline: {title}"),
            programme=i18n.gettext("Programme:"),
            more=i18n.gettext("More information and registration: {url}"),
            day=i18n.pgettext("day of a programme item in a calendar", "dd MMM"),
        )


@cache
def oslo_vtimezone() -> bytes:
    tz = Timezone()
    tz.add("tzid", TZID)
    tz.add("x-lic-location", TZID)
    daylight = TimezoneDaylight()
    daylight.add("tzname", "CEST")
    daylight.add("tzoffsetfrom", timedelta(hours=1))
    daylight.add("tzoffsetto", timedelta(hours=2))
    daylight.add("dtstart", datetime(1981, 3, 29, 2, 0, 0))
    daylight.add("rrule", vRecur({"freq": "yearly", "bymonth": 3, "byday": "-1su"}))
    standard = TimezoneStandard()
    standard.add("tzname", "CET")
    standard.add("tzoffsetfrom", timedelta(hours=2))
    standard.add("tzoffsetto", timedelta(hours=1))
    standard.add("dtstart", datetime(1996, 10, 27, 3, 0, 0))
    standard.add("rrule", vRecur({"freq": "yearly", "bymonth": 10, "byday": "-1su"}))
    tz.add_component(daylight)
    tz.add_component(standard)
    return bytes(tz.to_ical())


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _local(value: datetime) -> datetime:
    """Oslo wall time with TZID — except in the hour that repeats in October, where a
    TZID time is ambiguous (clients disagree on which one is meant): there, UTC."""
    local = value.astimezone(OSLO)
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        return value.astimezone(UTC)
    return local


@dataclass(frozen=True)
class EventData:
    """What one VEVENT shows; built from a gathering row and its programme."""

    uid: str
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    created_at: datetime
    updated_at: datetime
    sequence: int
    status: str  # CONFIRMED | TENTATIVE | CANCELLED
    location: str
    url: str
    latitude: float | None = None
    longitude: float | None = None
    categories: str = ""
    organizer: str | None = None  # mailto:…
    organizer_name: str = ""
    attendee: str | None = None  # mailto:…
    attendee_name: str = ""


def event_component(e: EventData, language: str) -> Event:
    ev = Event()
    ev.add("uid", e.uid)
    ev.add("dtstamp", _utc(e.updated_at))
    ev.add("created", _utc(e.created_at))
    ev.add("last-modified", _utc(e.updated_at))
    ev.add("sequence", e.sequence)
    summary = e.title
    if e.status == "CANCELLED":
        summary = texts(language).cancelled.format(title=summary)
    ev.add("summary", summary)
    ev.add("dtstart", _local(e.starts_at))
    ev.add("dtend", _local(e.ends_at))
    if e.location:
        ev.add("location", e.location)
    if e.latitude is not None and e.longitude is not None:
        ev.add("geo", (e.latitude, e.longitude))
    ev.add("url", e.url)
    ev.add("description", e.description)
    ev.add("status", e.status)
    ev.add("transp", "OPAQUE")
    if e.categories:
        ev.add("categories", [e.categories])
    if e.organizer:
        ev.add(
            "organizer",
            e.organizer,
            parameters={"CN": e.organizer_name or "Samling"},
        )
    if e.attendee:
        ev.add(
            "attendee",
            e.attendee,
            parameters={
                "CN": e.attendee_name,
                "ROLE": "REQ-PARTICIPANT",
                "PARTSTAT": "ACCEPTED" if e.status != "CANCELLED" else "DECLINED",
                "RSVP": "FALSE",
            },
        )
    return ev


def event_bytes(e: EventData, language: str) -> bytes:
    return bytes(event_component(e, language).to_ical())


def deadline_bytes(
    organizer: tuple[str, str],
    uid: str,
    title: str,
    day: date,
    updated_at: datetime,
    created_at: datetime,
    sequence: int,
    url: str,
    language: str,
    cancelled: bool = False,
) -> bytes:
    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", _utc(updated_at))
    ev.add("created", _utc(created_at))
    ev.add("last-modified", _utc(updated_at))
    ev.add("sequence", sequence)
    words = texts(language)
    summary = words.deadline.format(title=title)
    if cancelled:
        summary = words.cancelled.format(title=summary)
    ev.add("summary", summary)
    ev.add("dtstart", day)
    ev.add("dtend", day + timedelta(days=1))
    ev.add("transp", "TRANSPARENT")
    ev.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    ev.add("url", url)
    ev.add("organizer", organizer[1], parameters={"CN": organizer[0]})
    return bytes(ev.to_ical())


def _header(name: str, method: str | None) -> bytes:
    name = " ".join(name.split())
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", TZID)
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    raw = bytes(cal.to_ical())
    end = b"END:VCALENDAR\r\n"
    assert raw.endswith(end)
    return raw[: -len(end)]


def assemble(name: str, events: list[bytes], method: str | None = "PUBLISH") -> bytes:
    """A whole VCALENDAR from pre-rendered VEVENTs (each rendered by icalendar)."""
    needs_tz = any(b"TZID=" in e for e in events)
    parts = [_header(name, method)]
    if needs_tz:
        parts.append(oslo_vtimezone())
    parts.extend(events)
    parts.append(b"END:VCALENDAR\r\n")
    return b"".join(parts)


def describe(description: str, programme: list[dict[str, Any]], url: str, language: str) -> str:
    words = texts(language)
    lines = [description.strip()] if description.strip() else []
    if programme:
        lines.append("")
        lines.append(words.programme)
        for p in programme:
            start, end = _local(p["starts_at"]), _local(p["ends_at"])
            day = format_date(start.astimezone(OSLO).date(), words.day, locale=words.locale)
            who = f" ({p['speaker']})" if p.get("speaker") else ""
            lines.append(f"{day} {start:%H:%M}–{end:%H:%M} {p['title']}{who}")
    lines.append("")
    lines.append(words.more.format(url=url))
    return "\n".join(lines).strip()
