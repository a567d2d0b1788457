"""Indexes for claims; one live claim per registration."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

RAW_SQL = [
    "CREATE UNIQUE INDEX claim_live ON claim (registration) WHERE status <> 'rejected'",
    "CREATE INDEX claim_claimant ON claim (claimant)",
    "CREATE INDEX claim_status ON claim (status)",
    "CREATE INDEX claim_gathering ON claim (gathering)",
    "CREATE INDEX claim_line_claim ON claim_line (claim, position)",
    "CREATE INDEX claim_event_claim ON claim_event (claim)",
    "CREATE INDEX receipt_claim ON receipt (claim)",
    "CREATE UNIQUE INDEX budget_network_year ON budget (network, year)",
]


async def indexes():
    engine = engine_finder()
    for sql in RAW_SQL:
        await engine.run_ddl(sql)


ID = "2026-11-24T05:10:45:000000"
VERSION = "1.38.0"
DESCRIPTION = "Claim indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="samling", description=DESCRIPTION)
    manager.add_raw(indexes)
    return manager
