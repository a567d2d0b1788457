"""HTTP for the outbox: administrators list mails and send failed ones again."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, Parameter
from litestar.status_codes import HTTP_202_ACCEPTED

from service.accounts.guards import admin_only, current_user
from service.outbox import service
from service.outbox.schemas import OutboxItemOut


class OutboxAdminController(Controller):
    path = "/api/v1/admin/outbox"
    tags = ["admin"]
    guards = [admin_only]

    @get("/", summary="Outgoing mail, newest first (admin)")
    async def list_outbox(
        self,
        status: str | None = Parameter(
            default=None, description="queued | sending | sent | retrying | failed"
        ),
        limit: int = Parameter(default=100, ge=1, le=500),
    ) -> list[OutboxItemOut]:
        rows = await service.list_messages(status, limit)
        return [OutboxItemOut.of(r) for r in rows]

    @post(
        "/{outbox_id:int}/retry",
        status_code=HTTP_202_ACCEPTED,
        summary="Send a failed mail again (admin); 409 unless it has failed",
    )
    async def retry(
        self, request: Request[Any, Any, Any], outbox_id: FromPath[int]
    ) -> OutboxItemOut:
        user = current_user(request)
        actor = user.email if user is not None else "unknown"
        rid = request.scope.get("state", {}).get("request_id")
        return OutboxItemOut.of(await service.retry_failed(outbox_id, actor, rid))
