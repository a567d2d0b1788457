"""atomic() on SQLite when another process holds the write lock."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from service.db.tx import _SQLiteTransaction


def sqlite_threads() -> int:
    return sum("_connection_worker_thread" in t.name for t in threading.enumerate())


async def test_a_busy_timeout_leaves_no_connection_behind(tmp_path: Path):
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    engine = SQLiteEngine(path=str(path), timeout=0.2)
    before = sqlite_threads()
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            async with _SQLiteTransaction(
                engine=engine, transaction_type=TransactionType.immediate
            ):
                pass
        # A leaked aiosqlite connection keeps a non-daemon thread: the CLI never exited.
        # A closed one's thread ends a moment after the close (longer on a loaded machine).
        for _ in range(50):
            if sqlite_threads() == before:
                break
            await asyncio.sleep(0.1)
        assert sqlite_threads() == before
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    async with _SQLiteTransaction(engine=engine, transaction_type=TransactionType.immediate):
        await engine.run_ddl("INSERT INTO t VALUES (1)")
    assert await engine.run_ddl("SELECT count(*) AS n FROM t") == [{"n": 1}]
