"""Composite unique indexes and the append-only guard on audit_event."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

RAW_SQL_BOTH = [
    "CREATE UNIQUE INDEX network_membership_pair ON network_membership (network, municipality)",
    "CREATE UNIQUE INDEX network_county_pair ON network_county (network, county)",
    "CREATE INDEX audit_event_object ON audit_event (object_type, object_id)",
]
RAW_SQL_POSTGRES = [
    """CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
]
RAW_SQL_SQLITE = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
]


async def constraints_and_triggers():
    engine = engine_finder()
    extra = RAW_SQL_POSTGRES if engine.engine_type == "postgres" else RAW_SQL_SQLITE
    for sql in RAW_SQL_BOTH + extra:
        await engine.run_ddl(sql)



ID = "2026-11-24T02:12:50:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique pairs and append-only audit log"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="samling", description=DESCRIPTION)
    manager.add_raw(constraints_and_triggers)
    return manager
