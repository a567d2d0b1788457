"""Periodic work: ended gatherings become completed, reminders go out once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from service.accounts import service as accounts
from service.db.tables import Gathering, OutboxMessage
from service.db.tx import atomic
from service.gatherings import service as gatherings
from service.gatherings.schemas import GatheringIn
from service.lib.clock import now
from service.registrations import service as registrations
from service.registrations.schemas import RegistrationIn
from tasks.periodic import run_once
from tasks.worker import WorkerSettings


async def _published(coordinator, title: str) -> str:
    g = await gatherings.create(
        coordinator,
        GatheringIn(
            network="agder-rogaland",
            title=title,
            starts_at="2031-02-03T10:00",
            ends_at="2031-02-03T15:00",
            capacity=5,
        ),
        "http://t",
    )
    await gatherings.publish(coordinator, g.id, "http://t")
    return g.id


async def test_the_web_process_completes_ended_gatherings_by_itself(actors):
    from service.settings import load_settings
    from tasks.periodic import periodic_lifespan

    coordinator = await accounts.load_user(actors["coordinator"].id)
    gid = await _published(coordinator, "Ferdig samling")
    async with atomic():
        await Gathering.update(
            {
                Gathering.starts_at: now() - timedelta(days=2),
                Gathering.ends_at: now() - timedelta(days=1),
            }
        ).where(Gathering.id == int(gid))
    # no Redis: the web app's lifespan runs the periodic loop in this process
    async with periodic_lifespan(load_settings())(None):
        for _ in range(100):
            row = await Gathering.select(Gathering.status).where(Gathering.id == int(gid)).first()
            if row and row["status"] == "completed":
                break
            await asyncio.sleep(0.05)
    assert row is not None and row["status"] == "completed"


async def test_reminders_go_once_to_the_confirmed(actors):
    coordinator = await accounts.load_user(actors["coordinator"].id)
    participant = await accounts.load_user(actors["participant"].id)
    gid = await _published(coordinator, "Snart samling")
    await registrations.register(participant, gid, RegistrationIn(), "http://t")
    async with atomic():
        await Gathering.update(
            {
                Gathering.starts_at: now() + timedelta(days=2),
                Gathering.ends_at: now() + timedelta(days=2, hours=5),
            }
        ).where(Gathering.id == int(gid))
    await run_once("http://t")
    await run_once("http://t")
    rows = await OutboxMessage.select(OutboxMessage.recipient).where(
        (OutboxMessage.kind == "gathering_reminder")
        & (OutboxMessage.idempotency_key.like(f"gathering_reminder:{gid}:%"))
    )
    assert [r["recipient"] for r in rows] == [participant.email]


def test_the_worker_runs_the_periodic_job_on_a_schedule():
    names = {job.name for job in WorkerSettings.cron_jobs}
    assert any("periodic" in name for name in names), names
