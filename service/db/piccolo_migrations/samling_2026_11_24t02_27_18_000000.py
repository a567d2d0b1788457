"""Indexes for gatherings and registrations; one live registration per person."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

RAW_SQL = [
    "CREATE UNIQUE INDEX gathering_network_number ON gathering (network, number)",
    "CREATE INDEX gathering_starts ON gathering (starts_at)",
    "CREATE INDEX programme_item_gathering ON programme_item (gathering)",
    "CREATE INDEX meal_gathering ON meal (gathering)",
    "CREATE UNIQUE INDEX registration_live ON registration (gathering, {user})"
    " WHERE status <> 'cancelled'",
    "CREATE INDEX registration_queue ON registration (gathering, status, queue_number)",
    "CREATE INDEX registration_user ON registration ({user})",
]


async def indexes():
    engine = engine_finder()
    user = '"user"' if engine.engine_type == "postgres" else "user"
    for sql in RAW_SQL:
        await engine.run_ddl(sql.format(user=user))


ID = "2026-11-24T02:27:18:000000"
VERSION = "1.38.0"
DESCRIPTION = "Gathering and registration indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="samling", description=DESCRIPTION)
    manager.add_raw(indexes)
    return manager
