"""Browser tests: Debian's Chromium, driven by Playwright, against a real `samling serve`.

One server per test session on a database of its own (a SQLite file in a temporary folder,
or a fresh PostgreSQL database under SAMLING_TEST_DB=postgres, made and dropped with the
suite's own helpers in tests/conftest.py), migrated and loaded with `samling demo`, mailing
to an aiosmtpd sink (tests/mail_fixtures.py), started with the suite's `serving`
(tests/test_processes.py), which waits for /health and stops the server at the end.
Every test here is marked `browser`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from conftest import create_pg_database, drop_pg_database, pg_url
from mail_fixtures import Sink, free_port
from test_processes import serving

from .browser_support import CHROMIUM, LOCALES, Server

ENGINE = os.environ.get("SAMLING_TEST_DB", "sqlite")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="samling-browser-")))
        if ENGINE == "postgres":
            dbname = create_pg_database()
            stack.callback(drop_pg_database, dbname)
            database_url = pg_url(dbname)
        else:
            database_url = f"sqlite:///{tmp}/samling.db"
        sink = Sink(port=free_port())
        sink.start()
        stack.callback(sink.stop)
        port = free_port()
        env = {
            **os.environ,
            "SAMLING_DATABASE_URL": database_url,
            "SAMLING_VAR_DIR": str(tmp / "var"),
            "SAMLING_SMTP_URL": sink.url,
            "SAMLING_BASE_URL": f"http://127.0.0.1:{port}",
            "SAMLING_ENV": "development",
        }
        env.pop("SAMLING_REDIS_URL", None)
        srv = Server(base=env["SAMLING_BASE_URL"], env=env, sink=sink)
        srv.cli("migrate")
        srv.cli("demo")
        samling = Server.samling_bin()
        base = stack.enter_context(serving(samling, port=port, ready_within=120, **env))
        assert base == srv.base
        stack.callback(srv.close)
        yield srv


# -- the browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    """Chromium for one test module. Playwright's sync API keeps an event loop running
    on this thread while it is started, which would stop every asyncio.run() and async
    test after it; so it lives per module (and after the server, which uses asyncio.run
    to make a PostgreSQL database), never for the whole session."""
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium package "
            "(`make test` installs it; or: apt-get install chromium)"
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield b
        b.close()


@pytest.fixture
def new_page(browser: Any, server: Server) -> Iterator[Callable[..., Any]]:
    """new_page(lang="nb", width=1280, bypass_csp=False): a page in a fresh context
    (its own cookies), speaking `lang` through Accept-Language; closed after the test."""
    contexts: list[Any] = []

    def make(lang: str = "nb", width: int = 1280, bypass_csp: bool = False) -> Any:
        context = browser.new_context(
            base_url=server.base,
            locale=LOCALES[lang],
            viewport={"width": width, "height": 900},
            bypass_csp=bypass_csp,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
