"""HTTP for rate tables and claim pricing."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import JSONBody

from service.accounts.controller import me_of
from service.accounts.guards import signed_in
from service.claims import rates, service
from service.claims.schemas import PreviewIn, PreviewOut, RateIn, RateOut


class RateController(Controller):
    path = "/api/v1/rates"
    tags = ["claims"]
    guards = [signed_in]

    @get("/", summary="Rate tables, newest first")
    async def list_rates(self) -> list[RateOut]:
        return await rates.list_rates()

    @post("/", summary="Publish a rate table (finance)")
    async def create(self, request: Request[Any, Any, Any], data: JSONBody[RateIn]) -> RateOut:
        return await rates.create(me_of(request), data)


class ClaimPreviewController(Controller):
    path = "/api/v1/claims/preview"
    tags = ["claims"]
    guards = [signed_in]

    @post("/", status_code=200, summary="Price claim lines without storing anything")
    async def preview(
        self, request: Request[Any, Any, Any], data: JSONBody[PreviewIn]
    ) -> PreviewOut:
        return await service.preview(me_of(request), data)
