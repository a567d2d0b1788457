"""`samling serve` as a real process: /health, and /ready when a part is down."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(
    samling_bin: Path, port: int | None = None, ready_within: float = 30, **env: str
) -> Iterator[str]:
    port = port or free_port()
    # The server's output goes to a file: a pipe nobody reads fills up after some
    # hundred requests' access log, and the server then hangs on its next write.
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [str(samling_bin), "serve", "--port", str(port)],
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_within
        while True:
            if proc.poll() is not None:
                log.seek(0)
                out = log.read().decode(errors="replace")
                raise AssertionError(f"samling serve exited with {proc.returncode}: {out}")
            try:
                httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()


# Tests that start a process on the shared test database run it from a thread, so this
# process's event loop goes on and never sits on a write lock the child waits for.


async def test_serve_answers_health_and_the_api(migrated, samling_bin):
    def check() -> None:
        with serving(samling_bin) as base:
            assert httpx.get(f"{base}/health").json() == {"status": "ok"}
            assert httpx.get(f"{base}/ready").status_code == 200
            assert len(httpx.get(f"{base}/api/v1/networks").json()) == 6

    await asyncio.to_thread(check)


def test_ready_is_503_naming_the_database_when_it_is_unreachable(samling_bin):
    closed = f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere"
    with serving(samling_bin, SAMLING_DATABASE_URL=closed) as base:
        assert httpx.get(f"{base}/health").status_code == 200
        r = httpx.get(f"{base}/ready", timeout=15)
        assert r.status_code == 503
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "database" in r.json()["detail"]
        assert r.json()["checks"]["database"].startswith("failing")


async def test_ready_is_503_naming_redis_when_it_is_unreachable(migrated, samling_bin):
    closed = f"redis://127.0.0.1:{free_port()}/0"

    def check() -> None:
        with serving(samling_bin, SAMLING_REDIS_URL=closed) as base:
            r = httpx.get(f"{base}/ready", timeout=15)
            assert r.status_code == 503
            assert "redis" in r.json()["detail"]
            assert r.json()["checks"]["database"] == "ok"

    await asyncio.to_thread(check)


def test_bad_setting_stops_serve_with_one_line(samling_bin):
    r = subprocess.run(
        [str(samling_bin), "serve", "--port", str(free_port())],
        env={**os.environ, "SAMLING_BASE_URL": "not a url"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert r.returncode != 0
    assert r.stderr.strip().count("\n") == 0
    assert "SAMLING_BASE_URL" in r.stderr
