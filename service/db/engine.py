"""Database engine from SAMLING_DATABASE_URL: SQLite (WAL, busy timeout) or PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from service.settings import _check_database_url, sqlite_path

BUSY_TIMEOUT_S = 30.0


def database_url() -> str:
    var_dir = os.environ.get("SAMLING_VAR_DIR", "var")
    return _check_database_url(
        os.environ.get("SAMLING_DATABASE_URL") or f"sqlite:///{var_dir}/samling.db"
    )


def make_engine(url: str) -> SQLiteEngine | PostgresEngine:
    if url.startswith("sqlite:"):
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        # WAL is a property of the file: set once, it holds for every later connection.
        with sqlite3.connect(path, timeout=BUSY_TIMEOUT_S) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
        return SQLiteEngine(path=str(Path(path)), timeout=BUSY_TIMEOUT_S)
    dsn = url.replace("postgres://", "postgresql://", 1)
    return PostgresEngine(config={"dsn": dsn}, extensions=())
