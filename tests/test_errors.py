"""Unexpected errors: a problem with a request id, no traceback shown, one logged."""

from __future__ import annotations

import httpx
from litestar import get
from structlog.testing import capture_logs

from service.app import create_app


@get("/boom")
async def boom() -> None:
    raise RuntimeError("secret internals")


async def test_500_hides_the_traceback_and_logs_it(migrated):
    app = create_app()
    app.register(boom)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    with capture_logs() as logs:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            r = await c.get("/boom")
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert "secret internals" not in r.text
    assert "Traceback" not in r.text
    assert body["request_id"] in body["detail"]
    logged = [e for e in logs if e.get("request_id") == body["request_id"]]
    errors = [e for e in logged if e["log_level"] == "error"]
    assert errors and isinstance(errors[0]["exc_info"], RuntimeError)
