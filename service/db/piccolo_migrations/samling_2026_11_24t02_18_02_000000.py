"""Indexes for the outbox sweep and per-user lookups."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

RAW_SQL = [
    "CREATE INDEX outbox_message_due ON outbox_message (status, next_attempt_at)",
    "CREATE INDEX role_grant_user ON role_grant (user)",
    "CREATE INDEX login_token_user ON login_token (user)",
    "CREATE INDEX api_token_user ON api_token (user)",
]


async def indexes():
    engine = engine_finder()
    for sql in RAW_SQL:
        if engine.engine_type == "postgres":
            sql = sql.replace("(user)", '("user")')
        await engine.run_ddl(sql)



ID = "2026-11-24T02:18:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "Outbox and per-user indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="samling", description=DESCRIPTION)
    manager.add_raw(indexes)
    return manager
