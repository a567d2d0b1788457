"""The outbox admin API: failed mail is visible with its reason and can be sent again."""

from __future__ import annotations

import uuid

from mail_fixtures import enqueue_committed, wait_status

from service.accounts.service import create_api_token
from service.db.tables import RoleGrant, User
from service.db.tx import atomic
from tasks.queue import queue_lifespan


async def user_with_token(role: str | None) -> dict[str, str]:
    email = f"{role or 'plain'}-{uuid.uuid4().hex[:8]}@example.no"
    async with atomic():
        rows = await User.insert(User(email=email, name="Test Person", active=True))
        user_id = int(rows[0]["id"])
        if role:
            await RoleGrant.insert(RoleGrant(user=user_id, role=role, granted_by="test"))
    token = await create_api_token(user_id, "outbox test", "test")
    return {"Authorization": f"Bearer {token['token']}"}


async def test_failed_mail_is_listed_with_its_reason_and_can_be_retried(
    client, smtp_sink, mail_settings, fast_policy
):
    admin = await user_with_token("admin")
    to = f"rejected-{uuid.uuid4().hex[:8]}@example.no"
    smtp_sink.answer(to, "550 5.1.1 <rejected>: Recipient address rejected", times=1)
    async with queue_lifespan(mail_settings(smtp_url=smtp_sink.url), policy=fast_policy):
        row_id = await enqueue_committed(to)
        await wait_status(row_id, "failed")

    r = await client.get("/api/v1/admin/outbox", params={"status": "failed"}, headers=admin)
    assert r.status_code == 200, r.text
    items = {item["id"]: item for item in r.json()}
    item = items[str(row_id)]
    assert item["status"] == "failed" and item["recipient"] == to
    assert item["kind"] == "login_link" and item["attempts"] == 1
    assert "550 5.1.1" in item["last_error"] and "Recipient address rejected" in item["last_error"]
    assert {"created_at", "updated_at"} <= set(item)
    assert all(i["status"] == "failed" for i in r.json())

    # Retried: queued at once, then sent by the app's own runner.
    r = await client.post(f"/api/v1/admin/outbox/{row_id}/retry", headers=admin)
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "queued" and r.json()["attempts"] == 0
    # The app's runner sends in order; on a loaded machine earlier tests' mail may be ahead.
    await wait_status(row_id, "sent", within=120)
    r = await client.post(f"/api/v1/admin/outbox/{row_id}/retry", headers=admin)
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "only failed" in r.json()["detail"]


async def test_unknown_id_bad_status_and_who_may_look(client):
    admin = await user_with_token("admin")
    r = await client.post("/api/v1/admin/outbox/999999999/retry", headers=admin)
    assert r.status_code == 404
    r = await client.get("/api/v1/admin/outbox", params={"status": "lost"}, headers=admin)
    assert r.status_code == 400 and "status" in r.json()["detail"]
    r = await client.get("/api/v1/admin/outbox", headers=admin)
    assert r.status_code == 200 and isinstance(r.json(), list)

    assert (await client.get("/api/v1/admin/outbox")).status_code == 401
    assert (await client.post("/api/v1/admin/outbox/1/retry")).status_code == 401
    for role in (None, "finance"):
        other = await user_with_token(role)
        assert (await client.get("/api/v1/admin/outbox", headers=other)).status_code == 403
        r = await client.post("/api/v1/admin/outbox/1/retry", headers=other)
        assert r.status_code == 403
