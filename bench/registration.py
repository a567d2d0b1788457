"""Registration throughput on PostgreSQL: Samling's service next to a bare asyncpg loop.

    .venv/bin/python bench/registration.py [--n 2000] [--concurrency 20]

Creates a scratch database (dropped at the end) on SAMLING_BENCH_POSTGRES_URL
(default postgresql://postgres@127.0.0.1:5432/test), then measures registrations per
second for (a) one hot gathering and (b) registrations spread over many gatherings:
once through `service.registrations.service.register` (rules, ORM, transaction,
outbox row) and once as a bare asyncpg loop running the same statements. Prints both
and the ratio, measured in one run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
ADMIN_URL = os.environ.get(
    "SAMLING_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
DB = f"samling_bench_{uuid.uuid4().hex[:8]}"
DB_URL = ADMIN_URL.rpartition("/")[0] + "/" + DB

BARE_SQL = {
    "lock": "SELECT id, capacity, confirmed_count, status FROM gathering WHERE id = $1 FOR UPDATE",
    "existing": (
        'SELECT id FROM registration WHERE gathering = $1 AND "user" = $2 '
        "AND status IN ('confirmed', 'waitlisted')"
    ),
    "member": (
        "SELECT 1 FROM network_membership WHERE network = $1 AND municipality = $2 "
        "AND status = 'member'"
    ),
    "seat": (
        "UPDATE gathering SET confirmed_count = confirmed_count + 1 "
        "WHERE id = $1 AND confirmed_count < capacity RETURNING id"
    ),
    "queue": (
        "UPDATE gathering SET queue_counter = queue_counter + 1, "
        "waitlist_count = waitlist_count + 1 WHERE id = $1 RETURNING queue_counter"
    ),
    "insert": (
        'INSERT INTO registration (gathering, "user", municipality, status, queue_number, '
        "dietary, accessibility, accommodation, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, '', '', false, now(), now()) RETURNING id"
    ),
    "outbox": (
        "INSERT INTO outbox_message (kind, recipient, language, context, idempotency_key, "
        "message_id, status, attempts, next_attempt_at, created_at, updated_at) "
        "VALUES ('registration_confirmed', $1, 'nb', '{}', $2, $3, 'queued', 0, now(), now(), "
        "now())"
    ),
}


async def bare_register(pool: asyncpg.Pool, gid: int, network: int, uid: int, muni: int) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.fetchrow(BARE_SQL["lock"], gid)
        if await conn.fetchrow(BARE_SQL["existing"], gid, uid):
            return
        await conn.fetchrow(BARE_SQL["member"], network, muni)
        seat = await conn.fetchrow(BARE_SQL["seat"], gid)
        queue = None if seat else (await conn.fetchrow(BARE_SQL["queue"], gid))["queue_counter"]
        status = "confirmed" if seat else "waitlisted"
        await conn.fetchrow(BARE_SQL["insert"], gid, uid, muni, status, queue)
        key = uuid.uuid4().hex
        await conn.execute(BARE_SQL["outbox"], f"u{uid}@example.no", key, f"<{key}@bench>")


async def run_pool(jobs: list, concurrency: int) -> float:
    queue: asyncio.Queue = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)

    async def worker() -> None:
        while not queue.empty():
            await queue.get_nowait()()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(jobs) / (time.perf_counter() - started)


async def main(n: int, concurrency: int, spread: int) -> None:
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{DB}"')
    await admin.close()
    os.environ["SAMLING_DATABASE_URL"] = DB_URL
    os.environ.setdefault("SAMLING_VAR_DIR", f"/tmp/{DB}")
    # Production shape: mail rows go to Redis for arq workers (none run here).
    os.environ.setdefault("SAMLING_REDIS_URL", "redis://127.0.0.1:6379/14")
    try:
        await bench(n, concurrency, spread)
    finally:
        from service.db.tx import engine

        await engine().close_connection_pool()
        admin = await asyncpg.connect(ADMIN_URL)
        await admin.execute(f'DROP DATABASE "{DB}" WITH (FORCE)')
        await admin.close()


async def bench(n: int, concurrency: int, spread: int) -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from service.accounts import service as accounts
    from service.db.tables import Gathering, Municipality, Network
    from service.db.tx import engine
    from service.gatherings import service as gatherings
    from service.gatherings.schemas import GatheringIn
    from service.networks.demo import load_demo
    from service.registrations import service as registrations
    from service.registrations.schemas import RegistrationIn
    from service.settings import load_settings
    from tasks.queue import queue_lifespan

    await run_forwards("all")
    await load_demo()
    await engine().start_connection_pool(max_size=concurrency)
    admin_id = await accounts.create_user("bench-admin@example.no", "Bench", None, ["admin"], "b")
    admin = await accounts.load_user(admin_id)
    muni = await Municipality.select(Municipality.id).where(Municipality.number == "4204").first()
    network = await Network.select(Network.id).where(Network.slug == "agder-rogaland").first()
    users = []
    for i in range(4 * n):
        uid = await accounts.create_user(f"b{i}@example.no", f"B {i}", "4204", [], "b")
        users.append(await accounts.load_user(uid))

    async def new_gatherings(count: int, capacity: int) -> list[str]:
        ids = []
        for _ in range(count):
            body = GatheringIn(
                network="agder-rogaland",
                title="Bench",
                starts_at="2031-06-01T10:00",
                ends_at="2031-06-01T16:00",
                capacity=capacity,
            )
            g = await gatherings.create(admin, body, "http://bench")
            await gatherings.publish(admin, g.id, "http://bench")
            ids.append(g.id)
        return ids

    pool = await asyncpg.create_pool(DB_URL, min_size=concurrency, max_size=concurrency)
    results = {}
    lifespan = queue_lifespan(load_settings())
    await lifespan.__aenter__()
    batches = iter([users[i * n : (i + 1) * n] for i in range(4)])
    for label, count in (("hot gathering", 1), (f"spread over {spread} gatherings", spread)):
        ids = await new_gatherings(count, n // 10)
        people = next(batches)
        app_jobs = [
            (
                lambda u=u, g=ids[i % count]: registrations.register(
                    u, g, RegistrationIn(), "http://b"
                )
            )
            for i, u in enumerate(people)
        ]
        app_rate = await run_pool(app_jobs, concurrency)
        ids = await new_gatherings(count, n // 10)
        people = next(batches)
        bare_jobs = [
            (
                lambda u=u, g=int(ids[i % count]): bare_register(
                    pool, g, network["id"], u.id, muni["id"]
                )
            )
            for i, u in enumerate(people)
        ]
        bare_rate = await run_pool(bare_jobs, concurrency)
        results[label] = (app_rate, bare_rate)
        confirmed = await Gathering.select(Gathering.confirmed_count).where(
            Gathering.id.is_in([int(i) for i in ids])
        )
        assert all(c["confirmed_count"] <= n // 10 for c in confirmed)
    await lifespan.__aexit__(None, None, None)
    await pool.close()
    print(f"registrations: n={n} per case, concurrency={concurrency}, PostgreSQL")
    for label, (app_rate, bare_rate) in results.items():
        print(
            f"  {label:28s} samling {app_rate:8.0f}/s   bare asyncpg {bare_rate:8.0f}/s   "
            f"ratio {app_rate / bare_rate:.2f}x"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--spread", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.n, args.concurrency, args.spread))
