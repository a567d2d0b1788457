"""A year of activity for the statistics tests, written straight into the tables so that
every figure is known by hand (the waiting-list peak the services keep is tested on its
own in tests/test_statistics.py).

`build(year)` makes, once per run and year: two networks of their own (A, B), three new
municipalities — M1 and M2 in county 11 (Rogaland), M3 in county 10 (Vest-Agder) — and

  GA0  A  starts year-1-12-31 23:00 Oslo (the year before: not counted)
  GA1  A  year-03-10, completed, capacity 20, waiting-list peak 3,
          cancellation deadline year-03-01 00:00
  GA2  A  year-12-31 23:30 Oslo to year+1-01-01 (counts in `year`), published, capacity 10,
          no deadline, registration closed year-12-20 00:00
  GB1  B  year-01-01 00:30 Oslo (year-1-12-31 23:30 UTC: counts in `year`), published,
          capacity 15, peak 2, no deadline, registration closed year-1-12-30 12:00
  GB2  B  cancelled (not counted);  GB3  B  draft (not counted)

with the registrations and claims listed in REGS and CLAIMS. The expected figures are
worked out in tests/test_statistics.py.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from service.db.tables import (
    Claim,
    County,
    Gathering,
    Municipality,
    Network,
    Registration,
)
from service.lib.clock import OSLO


def oslo(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO).astimezone(UTC)


@dataclass
class Year:
    year: int
    a: str  # network slugs
    b: str
    a_name: str
    b_name: str
    m: dict[str, str] = field(default_factory=dict)  # M1.. -> municipality number
    m_names: dict[str, str] = field(default_factory=dict)
    gatherings: dict[str, int] = field(default_factory=dict)


_built: dict[int, Year] = {}

# (key, gathering, municipality, status, attended, cancelled_at as (month, day, year offset))
REGS: list[tuple[str, str, str, str, bool | None, tuple[int, int, int] | None]] = [
    ("r1", "GA1", "M1", "confirmed", True, None),
    ("r2", "GA1", "M1", "confirmed", True, None),
    ("r3", "GA1", "M2", "confirmed", False, None),  # no-show
    ("r4", "GA1", "M3", "confirmed", True, None),
    ("r5", "GA1", "M2", "cancelled", None, (3, 2, 0)),  # after the deadline: late
    ("r6", "GA1", "M3", "cancelled", None, (2, 20, 0)),  # before it: not late
    ("r7", "GA1", "M1", "waitlisted", None, None),
    ("r8", "GA1", "M3", "confirmed", None, None),  # not marked
    ("r9", "GA2", "M1", "confirmed", True, None),
    ("r10", "GA2", "M3", "cancelled", None, (12, 22, 0)),  # after registration closed: late
    ("r11", "GA2", "M2", "cancelled", None, (12, 10, 0)),  # before: not late
    ("r12", "GB1", "M2", "confirmed", True, None),
    ("r13", "GB1", "M3", "confirmed", False, None),  # no-show
    ("r14", "GB1", "M3", "cancelled", None, (12, 29, -1)),  # before registration closed
    ("r15", "GA0", "M1", "confirmed", True, None),  # the year before
    ("r16", "GB2", "M2", "cancelled", None, (5, 1, 0)),  # a cancelled gathering
]

# (registration, status, total øre, approved øre)
CLAIMS: list[tuple[str, str, int, int | None]] = [
    ("r1", "paid", 150000, 145050),  # cut by 49.50
    ("r2", "approved", 80025, 80025),
    ("r4", "rejected", 33333, None),
    ("r8", "submitted", 12345, None),
    ("r9", "draft", 9999, None),  # not submitted: not counted
    ("r12", "paid", 70001, 70001),
    ("r13", "attested", 20000, None),
    ("r3", "returned", 5000, None),  # sent back: not counted
    ("r15", "paid", 100000, 100000),  # the year before
]


async def build(year: int) -> Year:
    if year in _built:
        return _built[year]
    from service.accounts import service as accounts

    tag = uuid.uuid4().hex[:6]
    y = Year(
        year,
        f"stat{year}-a-{tag}",
        f"stat{year}-b-{tag}",
        f"Nettverk A {year}",
        f"Nettverk B {year}",
    )
    net_ids = {}
    for key, slug, name in (("A", y.a, y.a_name), ("B", y.b, y.b_name)):
        rows = await Network.insert(Network(slug=slug, name=name)).returning(Network.id)
        net_ids[key] = rows[0]["id"]
    counties = {
        r["number"]: r["id"]
        for r in await County.select(County.id, County.number).where(
            County.number.is_in(["11", "10"])
        )
    }
    mun_ids = {}
    for i, (key, county) in enumerate((("M1", "11"), ("M2", "11"), ("M3", "10")), start=1):
        number = f"9{year % 100:02d}{i:02d}{tag[:1]}"
        # six characters, unused by the real numbering (9xxxx…)
        name = f"Statistikk {key} {year} {tag}"
        rows = await Municipality.insert(
            Municipality(number=number, name=name, county=counties[county])
        ).returning(Municipality.id)
        y.m[key], y.m_names[key] = number, name
        mun_ids[key] = rows[0]["id"]

    def g(
        net: str,
        number: int,
        start: datetime,
        end: datetime,
        capacity: int,
        status: str,
        peak: int = 0,
        deadline: datetime | None = None,
        closes: datetime | None = None,
    ) -> Gathering:
        return Gathering(
            network=net_ids[net],
            number=number,
            title=f"Statistikksamling {number}",
            starts_at=start,
            ends_at=end,
            capacity=capacity,
            status=status,
            waitlist_peak=peak,
            cancellation_deadline=deadline,
            registration_closes_at=closes,
        )

    specs: dict[str, Gathering] = {
        "GA0": g("A", 1, oslo(year - 1, 12, 31, 23), oslo(year, 1, 1, 2), 50, "completed"),
        "GA1": g(
            "A",
            2,
            oslo(year, 3, 10, 9),
            oslo(year, 3, 11, 15),
            20,
            "completed",
            peak=3,
            deadline=oslo(year, 3, 1),
            closes=oslo(year, 3, 5),
        ),
        "GA2": g(
            "A",
            3,
            oslo(year, 12, 31, 23, 30),
            oslo(year + 1, 1, 1, 1),
            10,
            "published",
            closes=oslo(year, 12, 20),
        ),
        "GB1": g(
            "B",
            1,
            oslo(year, 1, 1, 0, 30),
            oslo(year, 1, 1, 3),
            15,
            "published",
            peak=2,
            closes=oslo(year - 1, 12, 30, 12),
        ),
        "GB2": g("B", 2, oslo(year, 6, 1, 9), oslo(year, 6, 1, 15), 30, "cancelled", peak=4),
        "GB3": g("B", 3, oslo(year, 5, 1, 9), oslo(year, 5, 1, 15), 12, "draft"),
    }
    for key, row in specs.items():
        rows = await Gathering.insert(row).returning(Gathering.id)
        y.gatherings[key] = rows[0]["id"]

    reg_ids: dict[str, int] = {}
    owner: dict[str, int] = {}
    for key, gk, mk, status, attended, cancelled in REGS:
        email = f"stat.{key}.{tag}.{year}@example.no"
        uid = await accounts.create_user(email, f"Deltaker {key}", y.m[mk], [], "tests")
        when = None
        if cancelled is not None:
            month, day, off = cancelled
            when = oslo(year + off, month, day, 12)
        rows = await Registration.insert(
            Registration(
                gathering=y.gatherings[gk],
                user=uid,
                municipality=mun_ids[mk],
                status=status,
                attended=attended,
                cancelled_at=when,
                queue_number=1 if status == "waitlisted" else None,
            )
        ).returning(Registration.id)
        reg_ids[key] = rows[0]["id"]
        owner[key] = uid
    reg_of = {r[0]: r for r in REGS}
    for rk, status, total, approved in CLAIMS:
        _, gk, mk, *_ = reg_of[rk]
        await Claim.insert(
            Claim(
                registration=reg_ids[rk],
                gathering=y.gatherings[gk],
                claimant=owner[rk],
                municipality=mun_ids[mk],
                status=status,
                total=total,
                approved_total=approved,
            )
        )
    _built[year] = y
    return y


async def person(
    roles: list[str], municipality: str | None = "4204", language: str = "nb"
) -> dict[str, Any]:
    """A signed-in test user with an API token: {"id", "email", "headers"}; pages speak
    the user's language."""
    from service.accounts import service as accounts
    from service.db.tables import User

    email = f"stat.{uuid.uuid4().hex[:10]}@example.no"
    uid = await accounts.create_user(email, "Statistikk Person", municipality, roles, "tests")
    await User.update({User.language: language}).where(User.id == uid)
    token = await accounts.create_api_token(uid, "tests", "tests")
    return {"id": uid, "email": email, "headers": {"Authorization": f"Bearer {token['token']}"}}
