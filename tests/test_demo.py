"""Demo data: real numbers, idempotent loading, and the living demo `samling demo` loads.

The whole demo (people, gatherings, claims) is loaded by the real command into a fresh
database of the engine under test (SAMLING_TEST_DB), never into the shared test
database, and read back with plain SQL."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import ENGINE, create_pg_database, drop_pg_database, pg_url
from stdnum.no import orgnr

from service.db.tables import Municipality, Network, NetworkMembership
from service.demo.accounts import demo_accounts
from service.networks.demo import demo_data, load_demo

NETWORKS = ["nord", "midt", "ost", "vest", "agder-rogaland", "telemark-vestfold-buskerud"]
CLAIM_STATES = {"draft", "submitted", "attested", "approved", "returned", "rejected", "paid"}
REAL_USER = "real.person@tromso.kommune.no"
REAL_ADMIN = "real.admin@kommune.no"


def test_demo_file_numbers_are_valid():
    data = demo_data()
    assert "register" in data["register_note"].lower() or "ssb" in data["register_note"].lower()
    numbers = [m["number"] for m in data["municipalities"]]
    assert len(numbers) == len(set(numbers))
    for m in data["municipalities"]:
        assert orgnr.is_valid(m["org_number"]), m
        assert len(m["number"]) in (4, 6) and m["number"].isdigit(), m
    assert {"4204", "030110", "030109", "4601"} <= set(numbers)


async def test_loading_the_networks_twice_changes_nothing(migrated):
    before = (
        await Network.count(),
        await Municipality.count(),
        await NetworkMembership.count(),
    )
    assert await load_demo() == {
        "networks": 0,
        "municipalities": 0,
        "memberships": 0,
        "rate tables": 0,
    }
    after = (
        await Network.count(),
        await Municipality.count(),
        await NetworkMembership.count(),
    )
    assert before == after
    assert before[0] == 6


# --- the living demo, in a database of its own ------------------------------------------


@dataclass
class Loaded:
    url: str
    env: dict[str, str]
    first: subprocess.CompletedProcess[str]
    second: subprocess.CompletedProcess[str]
    seconds: float
    counts_after_first: dict[str, int]
    counts_after_second: dict[str, int]


async def query(url: str, sql: str, *args: Any) -> list[dict[str, Any]]:
    """Plain SQL against the demo's database ('?' placeholders on both engines)."""
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute(sql, args)]
    import asyncpg

    first, *rest = sql.split("?")
    numbered = first + "".join(f"${i}{part}" for i, part in enumerate(rest, start=1))
    conn = await asyncpg.connect(url, timeout=10)
    try:
        return [dict(r) for r in await conn.fetch(numbered, *args)]
    finally:
        await conn.close()


def when(value: Any) -> datetime:
    """A stored timestamp (text on SQLite, datetime on PostgreSQL) as aware UTC."""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed.astimezone(UTC)


TABLES = [
    "samling_user",
    "role_grant",
    "gathering",
    "programme_item",
    "meal",
    "registration",
    "claim",
    "claim_line",
    "claim_event",
    "receipt",
    "payout",
    "outbox_message",
    "audit_event",
    "municipality",
    "network_membership",
    "rate_table",
]


async def counts(url: str) -> dict[str, int]:
    return {t: (await query(url, f"SELECT count(*) AS n FROM {t}"))[0]["n"] for t in TABLES}


def samling(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("samling")), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
async def loaded(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Loaded]:
    """A migrated empty database with a real admin in it; `samling demo`; a real
    coordinator added; `samling demo` again."""
    folder = tmp_path_factory.mktemp("demo")
    pg_name = None
    if ENGINE == "postgres":
        pg_name = await asyncio.to_thread(create_pg_database)
        url = pg_url(pg_name)
    else:
        url = f"sqlite:///{folder}/demo.db"
    env = {**os.environ, "SAMLING_DATABASE_URL": url, "SAMLING_VAR_DIR": str(folder / "var")}
    try:
        for args in (
            ("migrate",),
            ("user", "add", REAL_ADMIN, "--name", "Real Admin", "--role", "admin"),
        ):
            done = await asyncio.to_thread(samling, env, *args)
            assert done.returncode == 0, done.stderr
        before = time.monotonic()
        first = await asyncio.to_thread(samling, env, "demo")
        seconds = time.monotonic() - before
        assert first.returncode == 0, first.stderr
        real = ("--municipality", "5501", "--role", "coordinator:nord")
        done = await asyncio.to_thread(
            samling, env, "user", "add", REAL_USER, "--name", "Real Person", *real
        )
        assert done.returncode == 0, done.stderr
        after_first = await counts(url)
        second = await asyncio.to_thread(samling, env, "demo")
        assert second.returncode == 0, second.stderr
        yield Loaded(url, env, first, second, seconds, after_first, await counts(url))
    finally:
        if pg_name is not None:
            await asyncio.to_thread(drop_pg_database, pg_name)


def test_the_demo_loads_fast_and_says_what_it_made(loaded):
    out = loaded.first.stdout
    for part in ("6 new networks", "35 new users", "16 new gatherings", "1 new payouts"):
        assert part in out, out
    mails = loaded.counts_after_first["outbox_message"]
    assert 0 < mails < 150, f"{mails} mails"
    print(f"\ndemo load on {ENGINE}: {loaded.seconds:.1f} s, {mails} mails")
    # < 20 s on an idle machine; the limit leaves room for a loaded CI host.
    assert loaded.seconds < 120


async def test_every_network_has_a_coordinator_and_participants(loaded):
    rows = await query(
        loaded.url,
        'SELECT n.slug, u.email FROM role_grant r JOIN samling_user u ON u.id = r."user" '
        "JOIN network n ON n.id = r.network WHERE r.role = 'coordinator'",
    )
    demo = {a.email for a in demo_accounts()}
    coordinators = {r["slug"] for r in rows if r["email"] in demo}
    assert coordinators == set(NETWORKS)
    participants = await query(
        loaded.url,
        "SELECT n.slug, count(*) AS n FROM samling_user u "
        "JOIN network_membership nm ON nm.municipality = u.municipality "
        "JOIN network n ON n.id = nm.network "
        'WHERE u.active AND NOT EXISTS (SELECT 1 FROM role_grant r WHERE r."user" = u.id) '
        "AND u.email LIKE '%example.org' GROUP BY n.slug",
    )
    per_network = {r["slug"]: r["n"] for r in participants}
    assert all(3 <= per_network.get(slug, 0) <= 5 for slug in NETWORKS), per_network
    roles = {a.role for a in demo_accounts()}
    assert {"admin", "finance", "participant"} <= roles
    languages = {
        r["language"] for r in await query(loaded.url, "SELECT language FROM samling_user")
    }
    assert {"nb", "nn", "en"} <= languages
    staff = await query(
        loaded.url,
        'SELECT u.email, r.role FROM samling_user u JOIN role_grant r ON r."user" = u.id '
        "WHERE u.email IN ('finance@example.org', 'admin@example.org')",
    )
    assert {(r["email"], r["role"]) for r in staff} == {
        ("finance@example.org", "finance"),
        ("admin@example.org", "admin"),
    }


async def test_past_gatherings_have_attendance_marked(loaded):
    now = datetime.now(UTC)
    gatherings = await query(loaded.url, "SELECT id, title, status, ends_at FROM gathering")
    past = [g for g in gatherings if when(g["ends_at"]) < now]
    assert len(past) >= 8
    titles = " ".join(g["title"] for g in past)
    for city in (
        "Drammen",
        "Fredrikstad",
        "Tromsø",
        "Bergen",
        "Kongsberg",
        "Larvik",
        "Kristiansand",
    ):
        assert city in titles
    assert {g["status"] for g in past} == {"completed"}
    regs = await query(
        loaded.url, "SELECT gathering, status, attended, created_at FROM registration"
    )
    for g in past:
        mine = [r for r in regs if r["gathering"] == g["id"]]
        assert any(r["attended"] for r in mine), g["title"]
        # Registered before the gathering, as people do.
        assert all(when(r["created_at"]) < when(g["ends_at"]) for r in mine), g["title"]
    assert any(r["attended"] is not None and not r["attended"] for r in regs)  # a no-show


async def test_claims_in_every_state_and_a_paid_payout(loaded):
    claims = await query(loaded.url, "SELECT id, status, payout, total FROM claim")
    assert {c["status"] for c in claims} == CLAIM_STATES
    payouts = await query(loaded.url, "SELECT id, status, total FROM payout")
    # claims.py's batch, and history.py's for the year's statistics: both paid
    assert payouts and {p["status"] for p in payouts} == {"paid"}
    paid = [c for c in claims if c["status"] == "paid"]
    assert {c["payout"] for c in paid} == {p["id"] for p in payouts}
    events = await query(loaded.url, "SELECT claim, action, comment FROM claim_event")
    for action in ("return", "reject"):
        reasons = [e["comment"] for e in events if e["action"] == action]
        assert reasons and all(r.strip() for r in reasons)
    assert (await query(loaded.url, "SELECT count(*) AS n FROM receipt"))[0]["n"] > 0


async def test_upcoming_gatherings_one_full_with_a_waiting_list_one_draft(loaded):
    now = datetime.now(UTC)
    gatherings = await query(
        loaded.url,
        "SELECT id, status, starts_at, capacity, confirmed_count, waitlist_count, "
        "registration_opens_at, registration_closes_at FROM gathering",
    )
    ahead = [g for g in gatherings if when(g["starts_at"]) > now]
    published = [g for g in ahead if g["status"] == "published"]
    assert len(published) >= 4
    for g in published:
        assert when(g["registration_opens_at"]) <= now < when(g["registration_closes_at"])
    assert [g["status"] for g in ahead].count("draft") == 1
    full = [g for g in published if g["confirmed_count"] == g["capacity"] and g["waitlist_count"]]
    assert len(full) == 1
    g = full[0]
    regs = await query(
        loaded.url,
        "SELECT status, queue_number FROM registration WHERE gathering = ? ORDER BY queue_number",
        g["id"],
    )
    waiting = [r["queue_number"] for r in regs if r["status"] == "waitlisted"]
    assert len(waiting) == g["waitlist_count"] >= 2
    # Positions are the rank in the queue: 1..n with nobody skipped.
    assert sorted(waiting) == waiting
    assert [waiting.index(q) + 1 for q in waiting] == list(range(1, len(waiting) + 1))
    assert sum(r["status"] == "confirmed" for r in regs) == g["capacity"]
    # Upcoming gatherings lie in the weeks and months ahead.
    assert all((when(g["starts_at"]) - now).days < 180 for g in ahead)


def test_running_it_twice_changes_nothing(loaded):
    assert loaded.second.returncode == 0
    assert "0 new networks" in loaded.second.stdout
    numbers = [int(p.split()[0]) for p in loaded.second.stdout.split(":", 1)[1].split(",")]
    assert numbers and not any(numbers), loaded.second.stdout
    assert loaded.counts_after_second == loaded.counts_after_first


async def test_the_real_users_are_left_alone(loaded):
    rows = await query(
        loaded.url,
        'SELECT u.email, r.role FROM samling_user u LEFT JOIN role_grant r ON r."user" = u.id '
        "WHERE u.email IN (?, ?)",
        REAL_ADMIN,
        REAL_USER,
    )
    assert {(r["email"], r["role"]) for r in rows} == {
        (REAL_ADMIN, "admin"),
        (REAL_USER, "coordinator"),
    }


def test_demo_accounts_lists_every_role_once_per_person():
    accounts = demo_accounts()
    emails = [a.email for a in accounts]
    assert len(emails) == len(set(emails)) == 35
    assert accounts[0].role == "admin" and accounts[1].role == "finance"
    assert {a.role for a in accounts if a.role.startswith("coordinator:")} == {
        f"coordinator:{slug}" for slug in NETWORKS
    }
    assert all(a.email.endswith("example.org") for a in accounts)


async def test_loaded_demo_accounts_reads_what_the_demo_made(loaded):
    script = (
        "import asyncio\n"
        "from service.demo.accounts import loaded_demo_accounts\n"
        "for a in asyncio.run(loaded_demo_accounts()): print(a.email, a.role)\n"
    )
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", script],
        env=loaded.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = [line.split() for line in done.stdout.splitlines()]
    assert [e for e, _ in lines] == [a.email for a in demo_accounts()]
    assert (
        dict(lines)["kari.nordmann@drammen.example.org"] == "coordinator:telemark-vestfold-buskerud"
    )


async def test_loaded_demo_accounts_lists_only_the_demo_people_present(migrated):
    """On the shared test database other tests may have made some demo people (or none)."""
    from service.db.tables import User
    from service.demo.accounts import demo_accounts, loaded_demo_accounts

    emails = [a.email for a in demo_accounts()]
    rows = await User.select(User.email).where(User.email.is_in(emails) & (User.active == True))  # noqa: E712
    present = {r["email"] for r in rows}
    assert [a.email for a in await loaded_demo_accounts()] == [e for e in emails if e in present]
