"""Calendar feed speed: Samling's network feed with 1,000 gatherings, in one run.

    .venv/bin/python bench/feeds.py [--gatherings 1000] [--requests 2000]

On a scratch SQLite database it measures and prints, with ratios:
- render in a fresh process (nothing in memory; the VEVENTs stored when they were
  first rendered), render after an invalidation (one gathering changed), and the very
  first render (nothing stored), each next to a plain icalendar build + to_ical of the
  same events;
- warm (cached) request rate and 304 rate over HTTP (httpx ASGITransport), next to a
  Litestar endpoint returning static bytes of the same size, and a hello-world.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
TMP = tempfile.mkdtemp(prefix="samling-bench-")
os.environ["SAMLING_VAR_DIR"] = TMP
os.environ["SAMLING_DATABASE_URL"] = f"sqlite:///{TMP}/bench.db"
for var in ("SAMLING_REDIS_URL", "SAMLING_SMTP_URL"):
    os.environ.pop(var, None)

logging.getLogger("httpx").setLevel(logging.WARNING)
MAIL_FROM = "Samling <noreply@localhost>"


async def rate(client, path: str, n: int, concurrency: int, headers=None) -> float:
    per = n // concurrency

    async def worker() -> None:
        for _ in range(per):
            r = await client.get(path, headers=headers)
            assert r.status_code in (200, 304), r.status_code

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return per * concurrency / (time.perf_counter() - started)


def plain_icalendar(rows, programmes) -> bytes:
    from icalendar import Calendar, Event

    from service.calendar.feeds import location
    from service.calendar.ics import describe
    from service.lib.clock import OSLO

    cal = Calendar()
    cal.add("prodid", "-//bench//")
    cal.add("version", "2.0")
    for g in rows:
        ev = Event()
        url = f"http://bench/gatherings/{g['id']}"
        ev.add("uid", f"gathering-{g['id']}@bench")
        ev.add("dtstamp", g["updated_at"])
        ev.add("created", g["created_at"])
        ev.add("last-modified", g["updated_at"])
        ev.add("sequence", g["sequence"])
        ev.add("summary", g["title"])
        ev.add("dtstart", g["starts_at"].astimezone(OSLO))
        ev.add("dtend", g["ends_at"].astimezone(OSLO))
        ev.add("location", location(g))
        ev.add("url", url)
        ev.add("description", describe(g["description"], programmes.get(g["id"], []), url, "nb"))
        ev.add("status", "CONFIRMED")
        cal.add_component(ev)
    return bytes(cal.to_ical())


async def main(count: int, requests: int, concurrency: int) -> None:
    import httpx
    from litestar import Litestar, MediaType, get
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from service.accounts import service as accounts
    from service.app import create_app
    from service.calendar import feeds
    from service.db.tables import Gathering
    from service.gatherings import service as gatherings
    from service.gatherings.schemas import GatheringIn, GatheringPatch, ProgrammeIn
    from service.networks.demo import load_demo

    await run_forwards("all")
    await load_demo()
    admin = await accounts.load_user(
        await accounts.create_user("bench@example.no", "Bench", None, ["admin"], "bench")
    )
    for i in range(count):
        day = f"2031-{1 + i % 12:02d}-{1 + i % 27:02d}"
        g = await gatherings.create(
            admin,
            GatheringIn(
                network="vest",
                title=f"Nettverkssamling {i} – Bergen og Sunnfjord",
                description="Erfaringsdeling, fagpåfyll og nettverksbygging.\nVelkommen!",
                starts_at=f"{day}T10:00",
                ends_at=f"{day}T16:00",
                capacity=40,
                venue="Scandic Ørnen",
                address="Lars Hilles gate 18",
                city="Bergen",
                programme=[
                    ProgrammeIn(
                        starts_at=f"{day}T10:00", ends_at=f"{day}T11:00", title="Velkommen"
                    ),
                    ProgrammeIn(starts_at=f"{day}T11:00", ends_at=f"{day}T12:00", title="Fag"),
                ],
            ),
            "http://bench",
        )
        await gatherings.publish(admin, g.id, "http://bench")

    rows = await Gathering.select(*feeds._columns()).where(Gathering.network.slug == "vest")
    programmes = await feeds._programmes([r["id"] for r in rows])

    started = time.perf_counter()
    plain = plain_icalendar(rows, programmes)
    plain_s = time.perf_counter() - started

    feeds.clear_caches()
    started = time.perf_counter()
    first = await feeds.public_feed(
        "vest", "Nettverk Vest", "http://bench", "nb", "Samling <noreply@localhost>"
    )
    first_s = time.perf_counter() - started

    feeds.clear_caches()  # a fresh process: nothing in memory, the pieces are stored
    started = time.perf_counter()
    cold = await feeds.public_feed("vest", "Nettverk Vest", "http://bench", "nb", MAIL_FROM)
    cold_s = time.perf_counter() - started
    assert cold is not None and first is not None and cold.body == first.body

    await gatherings.update(admin, str(rows[0]["id"]), GatheringPatch(venue="Grand"), "http://b")
    started = time.perf_counter()
    after = await feeds.public_feed(
        "vest", "Nettverk Vest", "http://bench", "nb", "Samling <noreply@localhost>"
    )
    after_s = time.perf_counter() - started
    assert after.etag != first.etag and after.body.count(b"BEGIN:VEVENT") == count

    app = create_app()
    size = len(after.body)
    static_body = b"x" * size

    @get("/static", media_type="text/calendar")
    async def static() -> bytes:
        return static_body

    @get("/hello", media_type=MediaType.TEXT)
    async def hello() -> str:
        return "hello"

    baseline = Litestar([static, hello])
    app.register(static)  # the same endpoints inside Samling's own stack (middleware, logs)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=transport, base_url="http://t") as c,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=baseline), base_url="http://t") as b,
    ):
        path = "/calendar/networks/vest.ics"
        etag = (await c.get(path)).headers["etag"]
        await rate(c, "/health", requests // 4, concurrency)  # warm-up
        best: dict[str, float] = {}
        # The 304 case and its baselines send the same If-None-Match header, so the
        # client does the same work for each (httpx's header handling is not free).
        conditional = {"If-None-Match": etag}
        cases = {
            "warm": (c, path, None),
            "static": (b, "/static", None),
            "static_own": (c, "/static", None),
            "not_modified": (c, path, conditional),
            "hello": (b, "/hello", conditional),
            "health_own": (c, "/health", conditional),
        }
        for _ in range(3):  # interleaved rounds, best of each: less noise from the machine
            for name, (who, where, headers) in cases.items():
                got = await rate(who, where, requests, concurrency, headers)
                best[name] = max(best.get(name, 0.0), got)
        warm, static_rate, static_own = best["warm"], best["static"], best["static_own"]
        not_modified, hello_rate, health_own = (
            best["not_modified"],
            best["hello"],
            best["health_own"],
        )

    print(f"calendar feed: {count} gatherings, {size} bytes; {requests} requests, c={concurrency}")
    print(
        f"  render after one change  {after_s * 1000:8.1f} ms   plain icalendar "
        f"{plain_s * 1000:8.1f} ms   {plain_s / after_s:6.1f}x faster"
    )
    print(
        f"  cold process (stored)    {cold_s * 1000:8.1f} ms   plain icalendar "
        f"{plain_s * 1000:8.1f} ms   {plain_s / cold_s:6.1f}x faster"
    )
    print(
        f"  first render ever        {first_s * 1000:8.1f} ms   plain icalendar "
        f"{plain_s * 1000:8.1f} ms   {plain_s / first_s:6.2f}x"
    )
    print("  against endpoints in Samling's own stack (same middleware and access log):")
    print(
        f"  warm 200                 {warm:8.0f}/s    static bytes    {static_own:8.0f}/s   "
        f"{warm / static_own:6.2f}x"
    )
    print(
        f"  304                      {not_modified:8.0f}/s    /health         "
        f"{health_own:8.0f}/s   {not_modified / health_own:6.2f}x"
    )
    print("  against a bare Litestar app (no middleware, no logging):")
    print(
        f"  warm 200                 {warm:8.0f}/s    static bytes    {static_rate:8.0f}/s   "
        f"{warm / static_rate:6.2f}x"
    )
    print(
        f"  304                      {not_modified:8.0f}/s    hello-world     "
        f"{hello_rate:8.0f}/s   {not_modified / hello_rate:6.2f}x"
    )
    assert len(plain) > 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gatherings", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(main(args.gatherings, args.requests, args.concurrency))
