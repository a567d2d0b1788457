"""The claim history keeps what the claim looked like at submit and return
(claim_event.detail), and receipts are found by their SHA-256 (duplicate flags)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder

ID = "2026-12-02T07:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Claim history snapshots; receipts by SHA-256"


async def indexes():
    await engine_finder().run_ddl("CREATE INDEX receipt_sha256 ON receipt (sha256)")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="samling", description=DESCRIPTION)

    manager.add_column(
        table_class_name="ClaimEvent",
        tablename="claim_event",
        column_name="detail",
        db_column_name="detail",
        column_class_name="JSON",
        column_class=JSON,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    manager.add_raw(indexes)
    return manager
