"""Migrations: every one runs from an empty database on SQLite AND PostgreSQL.

Both engines are tested whatever SAMLING_TEST_DB says: the schema users run in
production must be the schema the tables describe. An unreachable PostgreSQL fails
the PostgreSQL cases; it never skips them.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from pathlib import Path
from typing import Any

import pytest
from conftest import PG_ADMIN_URL, create_pg_database, drop_pg_database, pg_url

from service.db.piccolo_app import APP_CONFIG

ENGINES = ["sqlite", "postgres"]
Schema = dict[str, dict[str, bool]]  # table -> column -> nullable


def expected_schema() -> Schema:
    tables = APP_CONFIG.table_classes
    assert tables, "service.db.tables defines no tables"
    return {
        table._meta.tablename: {
            column._meta.db_column_name: bool(column._meta.null) for column in table._meta.columns
        }
        for table in tables
    }


class SqliteDb:
    """A fresh SQLite file, read with the standard library."""

    errors: tuple[type[Exception], ...] = (sqlite3.DatabaseError,)

    def __init__(self, path: Path) -> None:
        self.path = path
        self.url = f"sqlite:///{path}"

    def _query(self, sql: str) -> list[tuple[Any, ...]]:
        assert self.path.exists(), f"migrate did not create {self.path}"
        with closing(sqlite3.connect(self.path)) as conn:
            rows = conn.execute(sql).fetchall()
            conn.commit()
            return rows

    async def schema(self) -> Schema:
        tables = self._query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        return {
            table: {
                # PRAGMA table_info rows: (cid, name, type, notnull, default, pk)
                row[1]: not row[3]
                for row in self._query(f'PRAGMA table_info("{table}")')
            }
            for (table,) in tables
        }

    async def indexes(self) -> set[str]:
        return {r[0] for r in self._query("SELECT name FROM sqlite_master WHERE type = 'index'")}

    async def execute(self, sql: str) -> None:
        self._query(sql)

    async def fetchval(self, sql: str) -> Any:
        return self._query(sql)[0][0]


class PostgresDb:
    """A fresh PostgreSQL database, read with asyncpg."""

    def __init__(self, name: str) -> None:
        import asyncpg

        self.url = pg_url(name)
        self.errors: tuple[type[Exception], ...] = (asyncpg.PostgresError,)

    async def _run(self, method: str, sql: str) -> Any:
        import asyncpg

        conn = await asyncpg.connect(self.url, timeout=10)
        try:
            return await getattr(conn, method)(sql)
        finally:
            await conn.close()

    async def schema(self) -> Schema:
        rows = await self._run(
            "fetch",
            "SELECT table_name, column_name, is_nullable FROM information_schema.columns "
            "WHERE table_schema = 'public'",
        )
        schema: Schema = {}
        for row in rows:
            schema.setdefault(row["table_name"], {})[row["column_name"]] = (
                row["is_nullable"] == "YES"
            )
        return schema

    async def indexes(self) -> set[str]:
        rows = await self._run(
            "fetch", "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
        )
        return {r["indexname"] for r in rows}

    async def execute(self, sql: str) -> None:
        await self._run("execute", sql)

    async def fetchval(self, sql: str) -> Any:
        return await self._run("fetchval", sql)


Db = SqliteDb | PostgresDb


@asynccontextmanager
async def empty_database(engine: str, tmp_path: Path) -> AsyncIterator[Db]:
    if engine == "sqlite":
        yield SqliteDb(tmp_path / "fresh.db")
        return
    try:
        name = await asyncio.to_thread(create_pg_database)
    except Exception as exc:
        problem = repr(exc)
    else:
        problem = ""
    if problem:
        pytest.fail(
            f"PostgreSQL is required for the migration tests and is not reachable at "
            f"{PG_ADMIN_URL} (set SAMLING_TEST_POSTGRES_URL): {problem}",
            pytrace=False,
        )
    try:
        yield PostgresDb(name)
    finally:
        await asyncio.to_thread(drop_pg_database, name)


async def migrate(samling_bin: Path, db: Db, tmp_path: Path) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        str(samling_bin),
        "migrate",
        env=dict(os.environ, SAMLING_DATABASE_URL=db.url, SAMLING_VAR_DIR=str(tmp_path / "var")),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@asynccontextmanager
async def migrated_database(engine: str, samling_bin: Path, tmp_path: Path) -> AsyncIterator[Db]:
    async with empty_database(engine, tmp_path) as db:
        code, out, err = await migrate(samling_bin, db, tmp_path)
        assert code == 0, f"samling migrate failed on {engine}: {err or out}"
        yield db


@pytest.mark.parametrize("engine", ENGINES)
async def test_migrations_build_exactly_the_tables_the_code_describes(
    engine: str, samling_bin: Path, tmp_path: Path
) -> None:
    expected = expected_schema()

    async with migrated_database(engine, samling_bin, tmp_path) as db:
        actual = await db.schema()

    for table, columns in expected.items():
        assert table in actual, f"{engine}: table {table} is missing after migrate"
        assert sorted(actual[table]) == sorted(columns), f"{engine}: columns of {table}"
        for column, nullable in columns.items():
            assert actual[table][column] == nullable, (
                f"{engine}: {table}.{column} should be {'NULL' if nullable else 'NOT NULL'}"
            )
    assert "migration" in actual, f"{engine}: Piccolo's migration log table is missing"


@pytest.mark.parametrize("engine", ENGINES)
async def test_running_migrate_again_changes_nothing(
    engine: str, samling_bin: Path, tmp_path: Path
) -> None:
    async with migrated_database(engine, samling_bin, tmp_path) as db:
        schema = await db.schema()
        indexes = await db.indexes()
        applied = await db.fetchval("SELECT count(*) FROM migration")
        assert applied > 0

        code, out, err = await migrate(samling_bin, db, tmp_path)

        assert code == 0, err
        assert err == ""
        assert "up to date" in out
        assert await db.fetchval("SELECT count(*) FROM migration") == applied
        assert await db.schema() == schema
        assert await db.indexes() == indexes


@pytest.mark.parametrize("engine", ENGINES)
async def test_the_audit_log_is_append_only(engine: str, samling_bin: Path, tmp_path: Path) -> None:
    async with migrated_database(engine, samling_bin, tmp_path) as db:
        await db.execute(
            "INSERT INTO audit_event (actor, action, object_type, object_id) "
            "VALUES ('admin@example.org', 'network.update', 'network', '1')"
        )
        assert await db.fetchval("SELECT count(*) FROM audit_event") == 1

        with pytest.raises(db.errors, match="append-only"):
            await db.execute("UPDATE audit_event SET actor = 'someone-else@example.org'")
        with pytest.raises(db.errors, match="append-only"):
            await db.execute("DELETE FROM audit_event")

        assert await db.fetchval("SELECT count(*) FROM audit_event") == 1
        assert await db.fetchval("SELECT actor FROM audit_event") == "admin@example.org"

        await db.execute(
            "INSERT INTO audit_event (actor, action, object_type, object_id) "
            "VALUES ('admin@example.org', 'network.update', 'network', '1')"
        )
        assert await db.fetchval("SELECT count(*) FROM audit_event") == 2


@pytest.mark.parametrize("engine", ENGINES)
async def test_a_municipality_is_in_a_network_at_most_once(
    engine: str, samling_bin: Path, tmp_path: Path
) -> None:
    async with migrated_database(engine, samling_bin, tmp_path) as db:
        assert "network_membership_pair" in await db.indexes()
        await db.execute(
            "INSERT INTO county (id, number, name) VALUES (1, '15', 'Møre og Romsdal')"
        )
        await db.execute("INSERT INTO network (id, slug, name) VALUES (1, 'midt', 'Midt')")
        await db.execute("INSERT INTO network (id, slug, name) VALUES (2, 'vest', 'Vest')")
        await db.execute(
            "INSERT INTO municipality (id, number, name, county) VALUES (1, '1520', 'Ørsta', 1)"
        )
        await db.execute(
            "INSERT INTO network_membership (network, municipality, status) "
            "VALUES (1, 1, 'interested')"
        )

        with pytest.raises(db.errors, match=r"(?i)unique"):
            await db.execute(
                "INSERT INTO network_membership (network, municipality, status) "
                "VALUES (1, 1, 'member')"
            )

        # The same municipality may join another network.
        await db.execute(
            "INSERT INTO network_membership (network, municipality, status) VALUES (2, 1, 'member')"
        )
        assert await db.fetchval("SELECT count(*) FROM network_membership") == 2


@pytest.mark.parametrize("engine", ENGINES)
async def test_a_network_covers_a_county_at_most_once(
    engine: str, samling_bin: Path, tmp_path: Path
) -> None:
    async with migrated_database(engine, samling_bin, tmp_path) as db:
        await db.execute(
            "INSERT INTO county (id, number, name) VALUES (1, '15', 'Møre og Romsdal')"
        )
        await db.execute("INSERT INTO network (id, slug, name) VALUES (1, 'midt', 'Midt')")
        await db.execute("INSERT INTO network_county (network, county) VALUES (1, 1)")

        with pytest.raises(db.errors, match=r"(?i)unique"):
            await db.execute("INSERT INTO network_county (network, county) VALUES (1, 1)")

        assert await db.fetchval("SELECT count(*) FROM network_county") == 1
