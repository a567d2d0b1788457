"""HTTP for gatherings, their registrations and attendance."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from service.accounts.controller import me_of
from service.accounts.guards import current_user, signed_in
from service.gatherings import service
from service.gatherings.schemas import CancelIn, GatheringIn, GatheringOut, GatheringPatch
from service.registrations import service as registrations
from service.registrations.schemas import (
    AttendanceIn,
    MunicipalityCount,
    RegistrationIn,
    RegistrationOut,
)
from service.settings import Settings


class GatheringController(Controller):
    path = "/api/v1/gatherings"
    tags = ["gatherings"]

    @get("/", summary="Published gatherings (plus drafts the caller may edit)")
    async def list_gatherings(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        network: Annotated[str | None, QueryParameter(max_length=60)] = None,
        start: Annotated[str | None, QueryParameter(name="from", max_length=40)] = None,
        end: Annotated[str | None, QueryParameter(name="to", max_length=40)] = None,
    ) -> list[GatheringOut]:
        return await service.list_visible(
            current_user(request), settings.base_url, network, start, end
        )

    @post("/", guards=[signed_in], summary="Create a draft gathering")
    async def create(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[GatheringIn],
        settings: NamedDependency[Settings],
    ) -> GatheringOut:
        return await service.create(me_of(request), data, settings.base_url)

    @get("/{gathering_id:str}", summary="One gathering")
    async def detail(
        self,
        request: Request[Any, Any, Any],
        gathering_id: FromPath[str],
        settings: NamedDependency[Settings],
    ) -> GatheringOut:
        return await service.detail(current_user(request), gathering_id, settings.base_url)

    @patch("/{gathering_id:str}", guards=[signed_in], summary="Change a gathering")
    async def update(
        self,
        request: Request[Any, Any, Any],
        gathering_id: FromPath[str],
        data: JSONBody[GatheringPatch],
        settings: NamedDependency[Settings],
    ) -> GatheringOut:
        return await service.update(me_of(request), gathering_id, data, settings.base_url)

    @post("/{gathering_id:str}/publish", guards=[signed_in], status_code=200, summary="Publish")
    async def publish(
        self,
        request: Request[Any, Any, Any],
        gathering_id: FromPath[str],
        settings: NamedDependency[Settings],
    ) -> GatheringOut:
        return await service.publish(me_of(request), gathering_id, settings.base_url)

    @post("/{gathering_id:str}/cancel", guards=[signed_in], status_code=200, summary="Cancel")
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        gathering_id: FromPath[str],
        data: JSONBody[CancelIn],
        settings: NamedDependency[Settings],
    ) -> GatheringOut:
        return await service.cancel(me_of(request), gathering_id, data.reason, settings.base_url)

    @post(
        "/{gathering_id:str}/registrations",
        guards=[signed_in],
        summary="Register (confirmed, or on the waiting list when full)",
    )
    async def register(
        self,
        request: Request[Any, Any, Any],
        gathering_id: FromPath[str],
        settings: NamedDependency[Settings],
        data: JSONBody[RegistrationIn | None] = None,
    ) -> Response[RegistrationOut]:
        reg, created = await registrations.register(
            me_of(request), gathering_id, data or RegistrationIn(), settings.base_url
        )
        return Response(reg, status_code=201 if created else 200)

    @get(
        "/{gathering_id:str}/registrations",
        guards=[signed_in],
        summary="Registrations (JSON, or CSV with Accept: text/csv)",
    )
    async def list_registrations(
        self, request: Request[Any, Any, Any], gathering_id: FromPath[str]
    ) -> Response[Any]:
        rows = await registrations.for_gathering(me_of(request), gathering_id)
        if "text/csv" in request.headers.get("accept", ""):
            return Response(
                registrations.as_csv(rows),
                media_type="text/csv",
                headers={
                    "Content-Disposition": f'attachment; filename="pamelding-{gathering_id}.csv"'
                },
            )
        return Response(rows)

    @get(
        "/{gathering_id:str}/municipalities",
        guards=[signed_in],
        summary="Registrations counted per municipality",
    )
    async def per_municipality(
        self, request: Request[Any, Any, Any], gathering_id: FromPath[str]
    ) -> list[MunicipalityCount]:
        return await registrations.municipality_counts(me_of(request), gathering_id)


class RegistrationController(Controller):
    path = "/api/v1"
    tags = ["registrations"]
    guards = [signed_in]

    @get("/me/registrations", summary="My registrations with waiting-list positions")
    async def mine(self, request: Request[Any, Any, Any]) -> list[RegistrationOut]:
        return await registrations.mine(me_of(request))

    @post("/registrations/{registration_id:str}/cancel", status_code=200, summary="Cancel")
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        registration_id: FromPath[str],
        settings: NamedDependency[Settings],
    ) -> RegistrationOut:
        return await registrations.cancel(me_of(request), registration_id, settings.base_url)

    @post(
        "/registrations/{registration_id:str}/attendance",
        status_code=200,
        summary="Mark attendance (coordinator, admin)",
    )
    async def attendance(
        self,
        request: Request[Any, Any, Any],
        registration_id: FromPath[str],
        data: JSONBody[AttendanceIn],
    ) -> RegistrationOut:
        return await registrations.set_attendance(me_of(request), registration_id, data.attended)
