"""HTTP for networks and municipalities."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, patch, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from service.accounts.controller import me_of
from service.accounts.guards import admin_only, current_user, finance_or_admin, signed_in
from service.db.tx import atomic
from service.lib.errors import Forbidden
from service.networks import admin, membership, service
from service.networks.schemas import (
    ConfirmAccountIn,
    MemberOut,
    MembershipIn,
    MunicipalityDetail,
    MunicipalityOut,
    MunicipalityPatch,
    NetworkDetail,
    NetworkOut,
    NetworkPatch,
)


class NetworkController(Controller):
    path = "/api/v1/networks"
    tags = ["networks"]

    @get("/", summary="All regional networks")
    async def list_networks(self) -> list[NetworkOut]:
        return await service.list_networks()

    @get("/{slug:str}", summary="One network with its member municipalities")
    async def get_network(self, slug: FromPath[str]) -> NetworkDetail:
        return await service.get_network(slug)

    @patch("/{slug:str}", guards=[admin_only], summary="Rename a network or change its description")
    async def update_network(
        self, request: Request[Any, Any, Any], slug: FromPath[str], data: JSONBody[NetworkPatch]
    ) -> NetworkDetail:
        await admin.update_network(
            me_of(request), slug, name=data.name, description=data.description
        )
        return await service.get_network(slug)

    @post("/{slug:str}/interest", guards=[signed_in], summary="My municipality asks to join")
    async def interest(
        self, request: Request[Any, Any, Any], slug: FromPath[str]
    ) -> Response[MemberOut]:
        member, created = await membership.express_interest(me_of(request), slug)
        return Response(member, status_code=201 if created else 200)

    @put(
        "/{slug:str}/members/{municipality:str}",
        guards=[signed_in],
        summary="Set a municipality's membership (coordinator of the network, admin)",
    )
    async def set_member(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        municipality: FromPath[str],
        data: JSONBody[MembershipIn],
    ) -> MemberOut:
        return await membership.set_membership(me_of(request), slug, municipality, data.status)


class MunicipalityController(Controller):
    path = "/api/v1/municipalities"
    tags = ["municipalities"]

    @get("/", summary="Municipalities and city districts, optionally by county")
    async def list_municipalities(
        self,
        county: Annotated[
            str | None, QueryParameter(max_length=100, description="County number or name")
        ] = None,
    ) -> list[MunicipalityOut]:
        return await service.list_municipalities(county)

    @get("/{number:str}", summary="One municipality (bank account and domains included)")
    async def get_municipality(
        self, request: Request[Any, Any, Any], number: FromPath[str]
    ) -> MunicipalityDetail:
        detail = await membership.municipality_detail(number)
        user = current_user(request)
        if user is None or not (user.is_admin or user.is_finance):
            detail.bank_account = None  # payment details are for finance and admins
            detail.pending_bank_account = None
            detail.bank_account_changed_at = None
            detail.official_email = None  # letters' address: admin and finance
        return detail

    @patch(
        "/{number:str}",
        guards=[finance_or_admin],
        summary="Set bank account, e-mail domains or (admin) the name",
    )
    async def update_municipality(
        self,
        request: Request[Any, Any, Any],
        number: FromPath[str],
        data: JSONBody[MunicipalityPatch],
    ) -> MunicipalityDetail:
        user = me_of(request)
        if data.name is not None and not user.is_admin:
            raise Forbidden("Only administrators may rename a municipality", field="name")
        if (data.official_email is not None or data.language is not None) and not user.is_admin:
            raise Forbidden("Only administrators may do this", field="official_email")
        if data.official_email:
            membership.official_email(data.official_email)  # refused before anything changes
        async with atomic():  # the name and the rest: one change
            if data.name is not None:
                await admin.rename_municipality(user, number, data.name)
            if data.official_email is not None or data.language is not None:
                await membership.set_official_address(
                    user, number, data.official_email, data.language
                )
            if data.bank_account is None and data.email_domains is None:
                return await service.municipality_detail(number)
            return await membership.update_municipality(
                user,
                number,
                msgspec.structs.replace(data, name=None, official_email=None, language=None),
            )

    @post(
        "/{number:str}/bank-account/confirm",
        guards=[finance_or_admin],
        status_code=200,
        summary="Confirm the pending bank account (a finance officer or admin other than "
        "the one who entered it)",
    )
    async def confirm_bank_account(
        self,
        request: Request[Any, Any, Any],
        number: FromPath[str],
        data: JSONBody[ConfirmAccountIn | None] = None,
    ) -> MunicipalityDetail:
        expected = data.account if data is not None else None
        return await service.confirm_bank_account(me_of(request), number, expected)

    @post(
        "/{number:str}/bank-account/discard",
        guards=[finance_or_admin],
        status_code=200,
        summary="Discard the pending bank account; the confirmed one stays",
    )
    async def discard_bank_account(
        self, request: Request[Any, Any, Any], number: FromPath[str]
    ) -> MunicipalityDetail:
        return await service.discard_bank_account(me_of(request), number)
