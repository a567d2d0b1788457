"""Demo data: real numbers, idempotent loading."""

from __future__ import annotations

import asyncio
import os
import subprocess

from stdnum.no import orgnr

from service.db.tables import Municipality, Network, NetworkMembership
from service.networks.demo import demo_data, load_demo


def test_demo_file_numbers_are_valid():
    data = demo_data()
    assert "register" in data["register_note"].lower() or "ssb" in data["register_note"].lower()
    numbers = [m["number"] for m in data["municipalities"]]
    assert len(numbers) == len(set(numbers))
    for m in data["municipalities"]:
        assert orgnr.is_valid(m["org_number"]), m
        assert len(m["number"]) in (4, 6) and m["number"].isdigit(), m
    assert {"4204", "030110", "030109", "4601"} <= set(numbers)


async def test_loading_twice_changes_nothing(migrated):
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


async def test_demo_cli_is_idempotent(migrated, samling_bin):
    # From a thread, so this process's event loop never sits on a lock the child needs.
    r = await asyncio.to_thread(
        subprocess.run,
        [str(samling_bin), "demo"],
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert "0 new networks" in r.stdout
