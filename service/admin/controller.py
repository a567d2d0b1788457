"""HTTP for the audit log: `GET /api/v1/admin/audit`, filtered, a page at a time.

Newest first, at most `limit` events; when there are more, a `Link: <…>; rel="next"`
header names the next (older) page, as every list in the API does.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, Request, Response, get
from litestar.params import QueryParameter

from service.accounts.guards import admin_only
from service.lib import audit
from service.lib.errors import BadInput

OSLO = ZoneInfo("Europe/Oslo")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class AuditOut(msgspec.Struct):
    id: str
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    before: Any
    after: Any
    request_id: str | None

    @classmethod
    def of(cls, row: audit.AuditRow) -> AuditOut:
        return cls(
            id=str(row.id),
            at=row.at.astimezone(OSLO),
            actor=row.actor,
            action=row.action,
            object_type=row.object_type,
            object_id=row.object_id,
            before=row.before,
            after=row.after,
            request_id=row.request_id,
        )


Text = Annotated[str, QueryParameter(max_length=254)]


class AuditController(Controller):
    path = "/api/v1/admin/audit"
    tags = ["admin"]
    guards = [admin_only]

    @get("/", summary="The audit log, newest first (admin)")
    async def list_events(
        self,
        request: Request[Any, Any, Any],
        object_type: Text = "",
        object_id: Text = "",
        actor: Annotated[
            str, QueryParameter(max_length=254, description="all or part of the actor")
        ] = "",
        action: Text = "",
        date_from: Annotated[
            date | None, QueryParameter(name="from", description="first day (Oslo)")
        ] = None,
        date_to: Annotated[
            date | None, QueryParameter(name="to", description="last day (Oslo)")
        ] = None,
        before: Annotated[
            int | None, QueryParameter(ge=1, description="only events older than this id")
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    ) -> Response[list[AuditOut]]:
        if date_from and date_to and date_to < date_from:
            raise BadInput("The last day comes before the first day", field="to")
        found = await audit.search(
            audit.AuditFilter(
                object_type=object_type.strip(),
                object_id=object_id.strip(),
                actor=actor.strip(),
                action=action.strip(),
                date_from=date_from,
                date_to=date_to,
            ),
            before=before,
            limit=limit,
        )
        headers = {}
        if found.older is not None:
            query = {k: v for k, v in request.query_params.items() if k != "before"}
            query["before"] = str(found.older)
            headers["Link"] = f'<{request.url.path}?{urlencode(query)}>; rel="next"'
        return Response([AuditOut.of(r) for r in found.events], headers=headers)
