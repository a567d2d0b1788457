"""HTTP for networks and municipalities."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import FromPath, Parameter

from service.networks import service
from service.networks.schemas import MunicipalityOut, NetworkDetail, NetworkOut


class NetworkController(Controller):
    path = "/api/v1/networks"
    tags = ["networks"]

    @get("/", summary="All regional networks")
    async def list_networks(self) -> list[NetworkOut]:
        return await service.list_networks()

    @get("/{slug:str}", summary="One network with its member municipalities")
    async def get_network(self, slug: FromPath[str]) -> NetworkDetail:
        return await service.get_network(slug)


class MunicipalityController(Controller):
    path = "/api/v1/municipalities"
    tags = ["municipalities"]

    @get("/", summary="Municipalities and city districts, optionally by county")
    async def list_municipalities(
        self,
        county: str | None = Parameter(
            default=None, max_length=100, description="County number or name"
        ),
    ) -> list[MunicipalityOut]:
        return await service.list_municipalities(county)
