"""A gathering's waiting-list peak starts as its waiting list today (the history before
it was kept is not known)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T14:02:43:000000"
VERSION = "1.38.0"
DESCRIPTION = "Backfill gathering.waitlist_peak"


async def backfill() -> None:
    await engine_finder().run_ddl("UPDATE gathering SET waitlist_peak = waitlist_count")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="samling", description=DESCRIPTION)
    manager.add_raw(backfill)
    return manager
