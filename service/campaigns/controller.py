"""The /api/v1 routes of service.campaigns (HANDLERS is mounted by service.app)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from service.accounts.controller import TooManyRequests, me_of
from service.accounts.guards import signed_in
from service.accounts.kv import RateLimiter
from service.accounts.secrets import hash_secret
from service.campaigns import service
from service.campaigns.schemas import (
    CampaignIn,
    CampaignOut,
    CampaignPatch,
    DeclineIn,
    RecipientOut,
    ReplyIn,
    ReplyResult,
    SelectIn,
)
from service.settings import Settings

# Anonymous replies: per client address and per link (an office shares one address).
REPLY_LIMITS = {"ip": (60, timedelta(minutes=15)), "token": (20, timedelta(minutes=15))}


async def limit_reply(limiter: RateLimiter, request: Request[Any, Any, Any], token: str) -> None:
    """Raise 429 for a client or a link answering too often."""
    ip = request.client.host if request.client else "unknown"
    for key, (count, window) in (
        (f"reply-ip:{ip}", REPLY_LIMITS["ip"]),
        (f"reply-token:{hash_secret(token)[:24]}", REPLY_LIMITS["token"]),
    ):
        wait = await limiter.hit(key, count, window)
        if wait:
            raise TooManyRequests(
                "Too many requests; try again in {wait} seconds",
                params={"wait": wait},
                retry_after=wait,
            )


class CampaignController(Controller):
    path = "/api/v1/campaigns"
    tags = ["campaigns"]
    guards = [signed_in]

    @post("/", summary="Write a campaign (admin); it starts as a draft")
    async def create(
        self, request: Request[Any, Any, Any], data: JSONBody[CampaignIn]
    ) -> CampaignOut:
        return await service.create_campaign(me_of(request), data)

    @get("/", summary="Campaigns (admin: all; coordinator: those inviting to their networks)")
    async def list_campaigns(self, request: Request[Any, Any, Any]) -> list[CampaignOut]:
        return await service.list_campaigns(me_of(request))

    @get("/{campaign_id:str}", summary="One campaign with its figures per county")
    async def get_campaign(
        self, request: Request[Any, Any, Any], campaign_id: FromPath[str]
    ) -> CampaignOut:
        return await service.get_campaign(me_of(request), campaign_id)

    @patch("/{campaign_id:str}", summary="Change a draft campaign (admin)")
    async def update(
        self,
        request: Request[Any, Any, Any],
        campaign_id: FromPath[str],
        data: JSONBody[CampaignPatch],
    ) -> CampaignOut:
        return await service.update_campaign(me_of(request), campaign_id, data)

    @post("/{campaign_id:str}/send", status_code=200, summary="Send the letters (admin); once")
    async def send(
        self,
        request: Request[Any, Any, Any],
        campaign_id: FromPath[str],
        settings: NamedDependency[Settings],
    ) -> CampaignOut:
        return await service.send(me_of(request), campaign_id, settings.base_url)

    @post("/{campaign_id:str}/close", status_code=200, summary="Close it: reply links expire")
    async def close(
        self, request: Request[Any, Any, Any], campaign_id: FromPath[str]
    ) -> CampaignOut:
        return await service.close(me_of(request), campaign_id)

    @get("/{campaign_id:str}/recipients", summary="Recipients and their replies")
    async def recipients(
        self, request: Request[Any, Any, Any], campaign_id: FromPath[str]
    ) -> list[RecipientOut]:
        return await service.recipients(me_of(request), campaign_id)

    @post(
        "/{campaign_id:str}/recipients/{recipient_id:str}/select",
        status_code=200,
        summary="Select a municipality that replied (member; its contact gets a sign-up link)",
    )
    async def select(
        self,
        request: Request[Any, Any, Any],
        campaign_id: FromPath[str],
        recipient_id: FromPath[str],
        settings: NamedDependency[Settings],
        data: JSONBody[SelectIn | None] = None,
    ) -> RecipientOut:
        network = data.network if data is not None else None
        return await service.select(
            me_of(request), campaign_id, recipient_id, network, settings.base_url
        )

    @post(
        "/{campaign_id:str}/recipients/{recipient_id:str}/decline",
        status_code=200,
        summary="Decline a municipality that replied (a polite mail, optional reason)",
    )
    async def decline(
        self,
        request: Request[Any, Any, Any],
        campaign_id: FromPath[str],
        recipient_id: FromPath[str],
        data: JSONBody[DeclineIn | None] = None,
    ) -> RecipientOut:
        reason = data.reason if data is not None else None
        return await service.decline(me_of(request), campaign_id, recipient_id, reason)


class ReplyController(Controller):
    path = "/api/v1/replies"
    tags = ["campaigns"]

    @post(
        "/{token:str}",
        status_code=200,
        summary="A municipality's reply through its link (no account; 404 unknown, 410 expired)",
    )
    async def reply(
        self,
        request: Request[Any, Any, Any],
        token: FromPath[str],
        data: JSONBody[ReplyIn],
        settings: NamedDependency[Settings],
        limiter: NamedDependency[RateLimiter],
    ) -> ReplyResult:
        await limit_reply(limiter, request, token)
        view, _changed = await service.submit_reply(token, data, settings.base_url)
        assert view.reply is not None
        return ReplyResult(municipality=view.municipality, status=view.status, reply=view.reply)


HANDLERS: list[Any] = [CampaignController, ReplyController]
