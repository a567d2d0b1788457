"""Test set-up: one database per run (SQLite file or a fresh PostgreSQL database).

SAMLING_TEST_DB=sqlite|postgres picks the engine. A requested engine that cannot be
reached fails the run at once; it is never skipped.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["mail_fixtures"]  # SMTP sink, Redis and mail settings (tests/mail_fixtures.py)

ENGINE = os.environ.get("SAMLING_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get(
    "SAMLING_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
_state: dict[str, str] = {}


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def pg_url(dbname: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{dbname}"


def create_pg_database() -> str:
    name = f"samling_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    return name


def drop_pg_database(name: str) -> None:
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def pytest_configure(config: pytest.Config) -> None:
    tmp = tempfile.mkdtemp(prefix="samling-test-")
    _state["tmp"] = tmp
    os.environ["SAMLING_VAR_DIR"] = f"{tmp}/var"
    for var in ("SAMLING_REDIS_URL", "SAMLING_SMTP_URL", "SAMLING_ENV", "SAMLING_SECRET_KEY"):
        os.environ.pop(var, None)
    if ENGINE == "sqlite":
        os.environ["SAMLING_DATABASE_URL"] = f"sqlite:///{tmp}/samling.db"
    elif ENGINE == "postgres":
        try:
            name = create_pg_database()
        except Exception as exc:
            pytest.exit(
                f"PostgreSQL is required for SAMLING_TEST_DB=postgres and is not reachable at "
                f"{PG_ADMIN_URL}: {exc}",
                returncode=3,
            )
        _state["pg_db"] = name
        os.environ["SAMLING_DATABASE_URL"] = pg_url(name)
    else:
        pytest.exit(f"SAMLING_TEST_DB must be sqlite or postgres, got {ENGINE!r}", returncode=4)
    print(f"\nsamling tests on {ENGINE}: {os.environ['SAMLING_DATABASE_URL']}", file=sys.stderr)


def pytest_unconfigure(config: pytest.Config) -> None:
    if "pg_db" in _state:
        drop_pg_database(_state["pg_db"])
    if "tmp" in _state:
        shutil.rmtree(_state["tmp"], ignore_errors=True)


@pytest.fixture(scope="session")
async def migrated() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from service.networks.demo import load_demo

    result = await run_forwards(app_name="all")
    assert result.success, result.message
    await load_demo()


@pytest.fixture(scope="session")
async def app(migrated: None) -> AsyncIterator[object]:
    from service.app import create_app

    application = create_app()
    # The lifespan runs in a task of its own: pytest-asyncio may set up and tear down
    # a fixture in different tasks, and the lifespan's cancel scope forbids that.
    started, stop = asyncio.Event(), asyncio.Event()

    async def run() -> None:
        async with application.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(run())
    await asyncio.wait_for(started.wait(), 30)
    yield application
    stop.set()
    await task


@pytest.fixture
async def client(app: object) -> AsyncIterator[object]:
    import httpx

    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def samling_bin() -> Path:
    return Path(sys.executable).with_name("samling")


class Actor:
    """A signed-in test user: `headers` carry its API token."""

    def __init__(self, role: str, email: str, user_id: int, token: str) -> None:
        self.role, self.email, self.id, self.token = role, email, user_id, token
        self.headers = {"Authorization": f"Bearer {token}"}


ACTOR_SPECS = {
    # role name -> (municipality, roles)
    "participant": ("4204", []),
    "coordinator": ("1103", ["coordinator:agder-rogaland"]),
    "other_coordinator": ("5501", ["coordinator:nord"]),
    "finance": ("4601", ["finance"]),
    "admin": (None, ["admin"]),
}


@pytest.fixture(scope="session")
async def actors(migrated: None) -> dict[str, Actor]:
    """One user per role, made once per run. 'coordinator' coordinates agder-rogaland."""
    from service.accounts import service

    out = {}
    for role, (municipality, roles) in ACTOR_SPECS.items():
        email = f"{role}.{uuid.uuid4().hex[:6]}@example.no"
        user_id = await service.create_user(email, role.title(), municipality, roles, "tests")
        token = await service.create_api_token(user_id, "tests", "tests")
        out[role] = Actor(role, email, user_id, token["token"])
    return out


_client_addresses = itertools.count(1)


@asynccontextmanager
async def new_browser(app: Any) -> AsyncIterator[Any]:
    """A browser of its own: a cookie jar and a client address no other test uses
    (rate limits count per address)."""
    import httpx

    n = next(_client_addresses)
    address = (f"10.{os.getpid() % 250}.{n // 250}.{n % 250 + 1}", 40000)
    transport = httpx.ASGITransport(app=app, client=address)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c
