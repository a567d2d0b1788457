"""RFC 5545 conformance of the calendar feeds, one test per rule.

Every rule is checked on real feeds fetched over HTTP (all.ics in both languages, a
network feed, one-gathering feeds, and two personal feeds) built from gatherings made
here: Norwegian letters, text that needs escaping, a description long enough to fold
at multi-byte characters, a multi-day gathering with a programme, a cancelled one, a
draft, and gatherings at the 2027 daylight-saving switches. Independent parsers read
them: icalendar, vobject, Home Assistant's `ical`, Mozilla's ical.js (node, tests/js)
and libical (GObject introspection under the system python3).
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from icalendar import Calendar

from service.lib.clock import OSLO

JS_DIR = Path(__file__).parent / "js"
NETWORK = "agder-rogaland"
SYSTEM_PYTHON = "/usr/bin/python3"

TRICKY = "Møte, plan; a\\b"
TRICKY_DESCRIPTION = (
    "Første linje: Møte, plan; a\\b\n"
    "Andre linje med æøå ÆØÅ, «sitat» og semikolon; komma, kolon: slutt\n"
    "\n"
    "Fjerde linje etter en tom linje"
)
# Characters of 2, 3 and 4 octets in a rhythm that never lines up with 75-octet lines,
# so a fold that counted characters or cut at a fixed octet would split one of them.
LONG_DESCRIPTION = "".join(f"ø{i}€ Blåbær 😀 Ærøy – " for i in range(60))

# The 2027 switches in Europe/Oslo: 28 March 02:00 → 03:00, 31 October 03:00 → 02:00.
DST_CASES = {
    "spring-before": ("2027-03-28T01:30", "2027-03-28T03:30"),
    "spring-after": ("2027-03-28T03:30", "2027-03-28T05:00"),
    "autumn-first-0230": ("2027-10-31T02:30+02:00", "2027-10-31T03:30"),
    "autumn-second-0230": ("2027-10-31T02:30+01:00", "2027-10-31T04:00"),
    "autumn-after": ("2027-10-31T03:30", "2027-10-31T05:00"),
}


# --- helpers ------------------------------------------------------------------------------


def zoneinfo_utc(text: str) -> datetime:
    """What Python's zoneinfo makes of an API time (naive means Europe/Oslo)."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=OSLO)
    return value.astimezone(UTC)


def iso_z(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def physical_lines(body: bytes) -> list[bytes]:
    assert body.endswith(b"\r\n")
    return body[:-2].split(b"\r\n")


def unfolded(body: bytes) -> list[str]:
    """Content lines after unfolding (RFC 5545 3.1), decoded as UTF-8."""
    return body.replace(b"\r\n ", b"").replace(b"\r\n\t", b"").decode("utf-8").split("\r\n")[:-1]


def events(body: bytes) -> list[Any]:
    return Calendar.from_ical(body).walk("VEVENT")


def event_for(body: bytes, gathering_id: str) -> Any:
    """The gathering's own VEVENT (not the all-day deadline beside it in a personal feed)."""
    found = [
        e
        for e in events(body)
        if str(e.get("url", "")).endswith(f"/gatherings/{gathering_id}")
        and isinstance(e.decoded("dtstart"), datetime)
    ]
    assert len(found) == 1, f"gathering {gathering_id}: {len(found)} VEVENTs"
    return found[0]


async def create(
    http: httpx.AsyncClient, actor: Any, title: str, starts_at: str, ends_at: str, **extra: Any
) -> dict[str, Any]:
    body = {
        "network": NETWORK,
        "title": title,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "capacity": 40,
        "venue": "Kilden teater- og konserthus",
        "address": "Sjølystveien 2",
        "city": "Kristiansand",
        "audience": "open",
        **extra,
    }
    r = await http.post("/api/v1/gatherings", json=body, headers=actor.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def publish(http: httpx.AsyncClient, actor: Any, gid: str) -> None:
    r = await http.post(f"/api/v1/gatherings/{gid}/publish", headers=actor.headers)
    assert r.status_code == 200, r.text


async def fetch(http: httpx.AsyncClient, path: str, headers: dict[str, str] | None = None) -> bytes:
    r = await http.get(path, headers=headers or {})
    assert r.status_code == 200, f"{path}: {r.status_code} {r.text[:300]}"
    assert r.headers["content-type"].startswith("text/calendar")
    return r.content


async def personal_path(http: httpx.AsyncClient, actor: Any) -> str:
    r = await http.get("/api/v1/me/calendar", headers=actor.headers)
    assert r.status_code == 200, r.text
    return httpx.URL(r.json()["url"]).path


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def http(app: object) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture(scope="module")
async def corpus(http: httpx.AsyncClient, actors: dict[str, Any]) -> dict[str, Any]:
    """The gatherings every rule is checked on; ids by name, plus the DST ones."""
    coord, participant = actors["coordinator"], actors["participant"]
    made: dict[str, Any] = {}

    tricky = await create(
        http,
        coord,
        TRICKY,
        "2031-09-10T09:00",
        "2031-09-11T15:30",
        description=TRICKY_DESCRIPTION,
        venue="Bråtebakken kurssenter; sal «Ærfugl»",
        address="Øvre Strandgate 7, 2. etasje",
        city="Tromsø",
        latitude=58.1467,
        longitude=7.9956,
        programme=[
            {
                "starts_at": "2031-09-10T09:00",
                "ends_at": "2031-09-10T10:15",
                "title": "Åpning; velkommen, alle",
                "speaker": "Åse Ødegård",
            },
            {
                "starts_at": "2031-09-11T13:00",
                "ends_at": "2031-09-11T15:30",
                "title": "Erfaringsdeling\\oppsummering",
            },
        ],
    )
    await publish(http, coord, tricky["id"])
    made["tricky"] = tricky["id"]

    long = await create(
        http,
        coord,
        "Lang beskrivelse — æøå",
        "2031-10-02T10:00",
        "2031-10-02T16:00",
        description=LONG_DESCRIPTION,
    )
    await publish(http, coord, long["id"])
    made["long"] = long["id"]

    cancelled = await create(
        http, coord, "Avlyses: Håndverk", "2031-11-05T10:00", "2031-11-05T14:00"
    )
    await publish(http, coord, cancelled["id"])
    r = await http.post(
        f"/api/v1/gatherings/{cancelled['id']}/cancel",
        json={"reason": "For få påmeldte; beklager"},
        headers=coord.headers,
    )
    assert r.status_code == 200, r.text
    made["cancelled"] = cancelled["id"]

    draft = await create(
        http, coord, "Utkast for koordinator", "2031-12-01T10:00", "2031-12-01T12:00"
    )
    made["draft"] = draft["id"]

    dst: dict[str, str] = {}
    for name, (start, end) in DST_CASES.items():
        g = await create(http, coord, f"Sommertid {name}", start, end)
        await publish(http, coord, g["id"])
        dst[name] = g["id"]
    made["dst"] = dst

    r = await http.post(
        f"/api/v1/gatherings/{tricky['id']}/registrations", headers=participant.headers
    )
    assert r.status_code in (200, 201), r.text
    assert r.json()["status"] == "confirmed"
    return made


@pytest.fixture(scope="module")
async def feeds(
    http: httpx.AsyncClient, actors: dict[str, Any], corpus: dict[str, Any]
) -> dict[str, bytes]:
    coord = actors["coordinator"]
    out = {
        "all": await fetch(http, "/calendar/all.ics"),
        "all-en": await fetch(http, "/calendar/all.ics?lang=en"),
        "network": await fetch(http, f"/calendar/networks/{NETWORK}.ics"),
        "personal-participant": await fetch(http, await personal_path(http, actors["participant"])),
        "personal-coordinator": await fetch(http, await personal_path(http, coord)),
        "draft": await fetch(http, f"/calendar/gatherings/{corpus['draft']}.ics", coord.headers),
    }
    for name in ("tricky", "long", "cancelled"):
        out[name] = await fetch(http, f"/calendar/gatherings/{corpus[name]}.ics")
    for name, gid in corpus["dst"].items():
        out[f"dst-{name}"] = await fetch(http, f"/calendar/gatherings/{gid}.ics")
    return out


@pytest.fixture(scope="session")
def icaljs() -> Callable[[bytes], dict[str, Any]]:
    """Runs tests/js/instants.mjs (Mozilla ical.js); installs it with `npm ci` if needed."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("node and npm are required for the ical.js checks (install Node.js/npm)")
    if not (JS_DIR / "node_modules" / "ical.js" / "package.json").exists():
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=JS_DIR,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            pytest.fail(f"npm ci in {JS_DIR} failed:\n{done.stdout}\n{done.stderr}")

    def run(body: bytes) -> dict[str, Any]:
        done = subprocess.run(
            [node, str(JS_DIR / "instants.mjs")],
            input=body,
            capture_output=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr.decode()
        return json.loads(done.stdout)

    return run


# --- lines, folding, escaping -------------------------------------------------------------


def test_every_line_ends_with_crlf(feeds: dict[str, bytes]) -> None:
    for name, body in feeds.items():
        assert body.endswith(b"\r\n"), name
        for line in physical_lines(body):
            assert b"\n" not in line and b"\r" not in line, f"{name}: bare line end in {line!r}"


def test_no_line_longer_than_75_octets(feeds: dict[str, bytes]) -> None:
    for name, body in feeds.items():
        long_lines = [line for line in physical_lines(body) if len(line) > 75]
        assert not long_lines, f"{name}: {long_lines[:3]}"


def test_folds_never_split_a_utf8_character(feeds: dict[str, bytes]) -> None:
    folds_at_multibyte = 0
    for name, body in feeds.items():
        lines = physical_lines(body)
        for before, line in itertools.pairwise(lines):
            line.decode("utf-8")  # raises on a split character
            if line.startswith((b" ", b"\t")) and (before[-1] >= 0x80 or line[1] >= 0x80):
                folds_at_multibyte += 1
        lines[0].decode("utf-8")
    # the long description must really have been folded next to multi-byte characters
    assert folds_at_multibyte >= 3
    assert sum(line.startswith(b" ") for line in physical_lines(feeds["long"])) >= 10


def test_escaping_round_trips_through_icalendar(
    feeds: dict[str, bytes], corpus: dict[str, Any]
) -> None:
    for name in ("all", "network", "tricky", "personal-participant", "personal-coordinator"):
        ev = event_for(feeds[name], corpus["tricky"])
        assert str(ev["summary"]) == TRICKY, name
        description = str(ev["description"])
        assert description.startswith(TRICKY_DESCRIPTION), name
        assert "Åpning; velkommen, alle (Åse Ødegård)" in description
        assert "Erfaringsdeling\\oppsummering" in description
        assert str(ev["location"]) == (
            "Bråtebakken kurssenter; sal «Ærfugl», Øvre Strandgate 7, 2. etasje, Tromsø"
        )
    text = "\r\n".join(unfolded(feeds["tricky"]))
    assert "SUMMARY:Møte\\, plan\\; a\\\\b\r\n" in text
    assert "Første linje: Møte\\, plan\\; a\\\\b\\nAndre linje" in text
    assert "\\n\\nFjerde linje" in text
    long_ev = event_for(feeds["long"], corpus["long"])
    assert str(long_ev["description"]).startswith(LONG_DESCRIPTION.strip())


def test_exactly_one_prodid_and_version(feeds: dict[str, bytes]) -> None:
    for name, body in feeds.items():
        lines = unfolded(body)
        assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR", name
        assert lines.count("BEGIN:VCALENDAR") == 1, name
        assert sum(line.startswith("PRODID:") for line in lines) == 1, name
        assert sum(line.startswith("VERSION:") for line in lines) == 1, name
        assert "VERSION:2.0" in lines, name
        cal = Calendar.from_ical(body)
        assert str(cal["version"]) == "2.0"
        assert str(cal["prodid"]).startswith("-//")


# --- identity -----------------------------------------------------------------------------


def test_uids_are_unique_within_a_feed(feeds: dict[str, bytes]) -> None:
    for name, body in feeds.items():
        uids = [str(e["uid"]) for e in events(body)]
        assert uids, name
        assert len(uids) == len(set(uids)), f"{name}: duplicate UIDs"
        assert all(u.strip() == u and u for u in uids)


def test_a_gathering_has_the_same_uid_in_every_feed(
    feeds: dict[str, bytes], corpus: dict[str, Any]
) -> None:
    own = str(event_for(feeds["tricky"], corpus["tricky"])["uid"])
    for name in ("all", "all-en", "network", "personal-participant", "personal-coordinator"):
        assert str(event_for(feeds[name], corpus["tricky"])["uid"]) == own, name
    cancelled = str(event_for(feeds["cancelled"], corpus["cancelled"])["uid"])
    for name in ("all", "network", "personal-coordinator"):
        assert str(event_for(feeds[name], corpus["cancelled"])["uid"]) == cancelled, name
    draft = str(event_for(feeds["draft"], corpus["draft"])["uid"])
    assert str(event_for(feeds["personal-coordinator"], corpus["draft"])["uid"]) == draft
    # one gathering, one UID: different gatherings never share one
    assert len({own, cancelled, draft}) == 3


async def test_rendering_is_deterministic(
    http: httpx.AsyncClient, actors: dict[str, Any], corpus: dict[str, Any], feeds: dict[str, bytes]
) -> None:
    from service.calendar.feeds import clear_caches

    paths = [
        ("/calendar/all.ics", None),
        ("/calendar/all.ics?lang=en", None),
        (f"/calendar/networks/{NETWORK}.ics", None),
        (f"/calendar/gatherings/{corpus['tricky']}.ics", None),
        (f"/calendar/gatherings/{corpus['draft']}.ics", actors["coordinator"].headers),
        (await personal_path(http, actors["participant"]), None),
        (await personal_path(http, actors["coordinator"]), None),
    ]
    first = [await fetch(http, p, h) for p, h in paths]
    second = [await fetch(http, p, h) for p, h in paths]
    assert first == second
    clear_caches()
    third = [await fetch(http, p, h) for p, h in paths]
    assert first == third
    clear_caches()
    r1 = await http.get(paths[0][0])
    clear_caches()
    r2 = await http.get(paths[0][0])
    assert r1.headers["etag"] == r2.headers["etag"]
    assert r1.headers["last-modified"] == r2.headers["last-modified"]


async def test_sequence_never_decreases_and_rises_on_time_and_place_changes(
    http: httpx.AsyncClient, actors: dict[str, Any]
) -> None:
    coord = actors["coordinator"]
    g = await create(http, coord, "Sekvens", "2032-02-10T10:00", "2032-02-10T15:00")
    gid = g["id"]

    async def sequence() -> int:
        body = await fetch(http, f"/calendar/gatherings/{gid}.ics", coord.headers)
        return int(event_for(body, gid)["sequence"])

    async def patch(**change: Any) -> None:
        r = await http.patch(f"/api/v1/gatherings/{gid}", json=change, headers=coord.headers)
        assert r.status_code == 200, r.text

    seen = [await sequence()]

    async def cancel() -> None:
        r = await http.post(
            f"/api/v1/gatherings/{gid}/cancel", json={"reason": "Avlyst"}, headers=coord.headers
        )
        assert r.status_code == 200, r.text

    steps: list[tuple[str, Callable[[], Awaitable[None]], bool]] = [
        # (what, action, must the SEQUENCE rise?)
        ("title", lambda: patch(title="Sekvens – nytt navn"), False),
        ("capacity", lambda: patch(capacity=55), False),
        ("publish", lambda: publish(http, coord, gid), False),
        ("starts_at", lambda: patch(starts_at="2032-02-10T09:00"), True),
        ("ends_at", lambda: patch(ends_at="2032-02-10T16:00"), True),
        (
            "both times",
            lambda: patch(starts_at="2032-02-11T09:00", ends_at="2032-02-11T16:00"),
            True,
        ),
        ("venue", lambda: patch(venue="Ny sal"), True),
        ("address", lambda: patch(address="Ny gate 1"), True),
        ("city", lambda: patch(city="Arendal"), True),
        ("description", lambda: patch(description="Ny beskrivelse"), False),
        ("cancel", cancel, True),
    ]
    for what, action, rises in steps:
        await action()
        current = await sequence()
        assert current >= seen[-1], f"SEQUENCE fell after {what}: {seen[-1]} → {current}"
        if rises:
            assert current > seen[-1], f"SEQUENCE did not rise after {what}"
        seen.append(current)
    public = await fetch(http, "/calendar/all.ics")
    assert int(event_for(public, gid)["sequence"]) == seen[-1]


def test_a_vtimezone_for_every_tzid_used(feeds: dict[str, bytes]) -> None:
    any_used: set[str] = set()
    for name, body in feeds.items():
        text = "\r\n".join(unfolded(body))
        used = set(re.findall(r";TZID=([^;:]+)[;:]", text))
        cal = Calendar.from_ical(body)
        defined = [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")]
        assert len(defined) == len(set(defined)), f"{name}: a VTIMEZONE twice"
        assert used <= set(defined), f"{name}: TZIDs {used - set(defined)} have no VTIMEZONE"
        any_used |= used
        for tz in cal.walk("VTIMEZONE"):
            kinds = {c.name for c in tz.subcomponents}
            assert kinds == {"STANDARD", "DAYLIGHT"}, name
    assert any_used == {"Europe/Oslo"}


# --- independent parsers ------------------------------------------------------------------


def test_icalendar_parses_without_errors(feeds: dict[str, bytes]) -> None:
    for name, body in feeds.items():
        cal = Calendar.from_ical(body)
        walked = list(cal.walk())
        assert walked[0].name == "VCALENDAR"
        for component in walked:
            assert not component.errors, f"{name}: {component.name}: {component.errors}"
        for ev in cal.walk("VEVENT"):
            for prop in ("uid", "dtstamp", "dtstart", "summary", "sequence", "status"):
                assert prop in ev, f"{name}: VEVENT without {prop}"
            # every value decodes to its proper type
            ev.decoded("dtstart")
            ev.decoded("dtend")
            ev.decoded("dtstamp")
        again = Calendar.from_ical(cal.to_ical())
        assert [str(e["uid"]) for e in again.walk("VEVENT")] == [
            str(e["uid"]) for e in cal.walk("VEVENT")
        ], name


def test_vobject_parses_and_validates(feeds: dict[str, bytes]) -> None:
    import vobject

    for name, body in feeds.items():
        cal = vobject.readOne(body.decode("utf-8"), validate=True)
        assert cal.validate(raiseException=True), name
        vevents = list(cal.vevent_list)
        assert len(vevents) == len(events(body)), name
        for ev in vevents:
            assert ev.validate(raiseException=True)
            assert ev.uid.value


def test_home_assistant_ical_parses_strictly(feeds: dict[str, bytes]) -> None:
    from ical.calendar_stream import IcsCalendarStream

    for name, body in feeds.items():
        cal = IcsCalendarStream.calendar_from_ics(body.decode("utf-8"))
        assert cal.prodid.startswith("-//"), name
        assert {e.uid for e in cal.events} == {str(e["uid"]) for e in events(body)}, name
        for ev in cal.events:
            assert ev.dtstart is not None and ev.end is not None
            assert ev.summary


LIBICAL = r"""
import json, sys
import gi
gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib

text = sys.stdin.buffer.read().decode("utf-8")
root = ICalGLib.Component.new_from_string(text)
if root is None:
    print(json.dumps({"parsed": False}))
    sys.exit(0)
before = root.count_errors()
valid = root.check_restrictions()
errors = []
def collect(comp):
    prop = comp.get_first_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    while prop is not None:
        errors.append(ICalGLib.Component.kind_to_string(comp.isa()) + ": " + prop.get_xlicerror())
        prop = comp.get_next_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    child = comp.get_first_component(ICalGLib.ComponentKind.ANY_COMPONENT)
    while child is not None:
        collect(child)
        child = comp.get_next_component(ICalGLib.ComponentKind.ANY_COMPONENT)
collect(root)
has_method = root.get_first_property(ICalGLib.PropertyKind.METHOD_PROPERTY) is not None
print(json.dumps({
    "parsed": True,
    "parse_errors": before,
    "restrictions_ok": bool(valid),
    "errors": errors,
    "method": ICalGLib.Property.method_to_string(root.get_method()) if has_method else None,
    "events": root.count_components(ICalGLib.ComponentKind.VEVENT_COMPONENT),
}))
"""


def test_libical_parses_and_accepts_the_itip_publish_restrictions(
    feeds: dict[str, bytes],
) -> None:
    """libical (Evolution, GNOME) reads each feed and checks its restrictions:
    RFC 5546's for METHOD:PUBLISH (an ORGANIZER in every VEVENT, among others),
    RFC 5545's otherwise. Needs Debian's gir1.2-ical-3.0 and python3-gi, which the
    Makefile installs."""
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
    problems = []
    for name, body in feeds.items():
        done = subprocess.run(
            [SYSTEM_PYTHON, "-c", LIBICAL], input=body, capture_output=True, timeout=60
        )
        assert done.returncode == 0, done.stderr.decode()
        report = json.loads(done.stdout)
        assert report["parsed"], name
        # a feed need not be an iTIP message; when it says it is one, it is a PUBLISH
        assert report["method"] in ("PUBLISH", None), name
        assert report["events"] == len(events(body)), name
        if report["parse_errors"] or not report["restrictions_ok"] or report["errors"]:
            problems.append(f"{name}: {sorted(set(report['errors']))}")
    assert not problems, "\n".join(problems)


# --- instants at the daylight-saving switches ---------------------------------------------


def expected_instants(corpus: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {
        corpus["dst"][name]: (iso_z(zoneinfo_utc(start)), iso_z(zoneinfo_utc(end)))
        for name, (start, end) in DST_CASES.items()
    }


def test_the_cases_are_the_switches(corpus: dict[str, Any]) -> None:
    """Guards the test data: zoneinfo's view of the chosen 2027 times."""
    assert iso_z(zoneinfo_utc("2027-03-28T01:30")) == "2027-03-28T00:30:00Z"
    assert iso_z(zoneinfo_utc("2027-03-28T03:30")) == "2027-03-28T01:30:00Z"
    assert iso_z(zoneinfo_utc("2027-10-31T02:30+02:00")) == "2027-10-31T00:30:00Z"
    assert iso_z(zoneinfo_utc("2027-10-31T02:30+01:00")) == "2027-10-31T01:30:00Z"
    assert iso_z(zoneinfo_utc("2027-10-31T03:30")) == "2027-10-31T02:30:00Z"
    assert datetime(2027, 3, 28, 1, 30, tzinfo=OSLO).utcoffset().total_seconds() == 3600
    assert datetime(2027, 3, 28, 3, 30, tzinfo=OSLO).utcoffset().total_seconds() == 7200


async def test_naive_time_in_the_spring_gap_is_refused(
    http: httpx.AsyncClient, actors: dict[str, Any]
) -> None:
    r = await http.post(
        "/api/v1/gatherings",
        json={
            "network": NETWORK,
            "title": "Finnes ikke",
            "starts_at": "2027-03-28T02:30",
            "ends_at": "2027-03-28T04:00",
            "capacity": 10,
        },
        headers=actors["coordinator"].headers,
    )
    assert r.status_code in (400, 422), r.text


def zoneinfo_instants(body: bytes) -> dict[str, tuple[str, str]]:
    """UID → (start, end) in UTC for every timed VEVENT, as icalendar and zoneinfo read it."""
    out = {}
    for ev in events(body):
        start, end = ev.decoded("dtstart"), ev.decoded("dtend")
        if isinstance(start, datetime):
            assert start.tzinfo is not None, f"{ev['uid']}: floating time"
            out[str(ev["uid"])] = (iso_z(start), iso_z(end))
    return out


def dst_uids(feeds: dict[str, bytes], corpus: dict[str, Any]) -> dict[str, str]:
    """UID → the instants zoneinfo gives the times the coordinator typed in."""
    expected = expected_instants(corpus)
    return {
        str(event_for(feeds[f"dst-{name}"], gid)["uid"]): expected[gid]
        for name, gid in corpus["dst"].items()
    }


def disagreements(
    parser: str, feeds: dict[str, bytes], corpus: dict[str, Any], read: Callable[[bytes], Any]
) -> list[str]:
    """Where a parser that reads the embedded VTIMEZONE differs from zoneinfo: at the
    switches against the times as entered, elsewhere against icalendar's reading."""
    typed = dst_uids(feeds, corpus)
    wrong = []
    for name, body in feeds.items():
        got = read(body)
        python = zoneinfo_instants(body)
        assert set(got) == set(python), f"{parser} sees other events in {name}"
        for uid, instants in python.items():
            want = typed.get(uid, instants)
            if got[uid] != want:
                wrong.append(f"{name} {uid}: {parser} {got[uid]} ≠ zoneinfo {want}")
    return wrong


def test_icaljs_computes_the_zoneinfo_instants_at_the_switches(
    feeds: dict[str, bytes],
    corpus: dict[str, Any],
    icaljs: Callable[[bytes], dict[str, Any]],
) -> None:
    def read(body: bytes) -> dict[str, tuple[str, str]]:
        report = icaljs(body)
        assert report["timezones"] == ["Europe/Oslo"]
        assert len(report["events"]) == len(events(body))
        return {
            e["uid"]: (e["dtstart"]["utc"], e["dtend"]["utc"])
            for e in report["events"]
            if "utc" in e["dtstart"]
        }

    wrong = disagreements("ical.js", feeds, corpus, read)
    assert not wrong, "\n".join(wrong)


def test_vobject_computes_the_zoneinfo_instants_at_the_switches(
    feeds: dict[str, bytes], corpus: dict[str, Any]
) -> None:
    import vobject

    def read(body: bytes) -> dict[str, tuple[str, str]]:
        cal = vobject.readOne(body.decode("utf-8"))
        return {
            ev.uid.value: (iso_z(ev.dtstart.value), iso_z(ev.dtend.value))
            for ev in cal.vevent_list
            if isinstance(ev.dtstart.value, datetime)
        }

    wrong = disagreements("vobject", feeds, corpus, read)
    assert not wrong, "\n".join(wrong)
