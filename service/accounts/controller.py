"""HTTP for sign-in, sign-up, the caller's own account, API tokens and user admin."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from service.accounts import admin, service
from service.accounts.guards import admin_only, admin_or_coordinator, signed_in
from service.accounts.identity import CurrentUser
from service.accounts.kv import RateLimiter, SessionStore
from service.accounts.middleware import SESSION_COOKIE
from service.accounts.schemas import (
    Accepted,
    LoginLinkIn,
    MeOut,
    MePatch,
    PendingOut,
    SignupIn,
    TokenCreated,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
    UserPatch,
)
from service.lib.errors import DomainError, NotFound
from service.settings import Settings

ACCEPTED = "If the address can be used, a mail with a link is on its way."
LIMITS = {
    "address_from_ip": (5, timedelta(minutes=15)),  # one client asking for one address
    "ip": (100, timedelta(minutes=15)),  # offices share an IP: generous
    "address": (10, timedelta(minutes=15)),  # from anywhere: further mail is dropped quietly
}


class TooManyRequests(DomainError):
    status_code = 429


def me_of(request: Request[Any, Any, Any]) -> CurrentUser:
    user = request.scope.get("user")
    assert isinstance(user, CurrentUser)
    return user


async def limit(limiter: RateLimiter, request: Request[Any, Any, Any], email: str) -> bool:
    """Raise 429 for a client asking too often; return False (send nothing, still 202)
    when an address is asked for too often from everywhere, so that nobody can lock
    someone else out of signing in."""
    ip = request.client.host if request.client else "unknown"
    address = email.strip().lower()
    for key, (count, window) in (
        (f"address-ip:{address}:{ip}", LIMITS["address_from_ip"]),
        (f"ip:{ip}", LIMITS["ip"]),
    ):
        wait = await limiter.hit(key, count, window)
        if wait:
            raise TooManyRequests(
                "Too many requests; try again in {wait} seconds",
                params={"wait": wait},
                retry_after=wait,
            )
    count, window = LIMITS["address"]
    return not await limiter.hit(f"address:{address}", count, window)


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/login-link", status_code=HTTP_202_ACCEPTED, summary="Mail a one-time login link")
    async def login_link(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[LoginLinkIn],
        settings: NamedDependency[Settings],
        limiter: NamedDependency[RateLimiter],
    ) -> Response[Accepted]:
        if await limit(limiter, request, data.email):
            await service.send_login_link(data.email, settings.base_url)
        return Response(Accepted(ACCEPTED), status_code=HTTP_202_ACCEPTED)

    @post("/signup", status_code=HTTP_202_ACCEPTED, summary="Self sign-up; mails a confirmation")
    async def signup(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[SignupIn],
        settings: NamedDependency[Settings],
        limiter: NamedDependency[RateLimiter],
    ) -> Response[Accepted]:
        if await limit(limiter, request, data.email):
            await service.signup(data.email, data.name, data.municipality, settings.base_url)
        return Response(Accepted(ACCEPTED), status_code=HTTP_202_ACCEPTED)

    @post("/logout", status_code=HTTP_204_NO_CONTENT, summary="End the session")
    async def logout(
        self, request: Request[Any, Any, Any], sessions: NamedDependency[SessionStore]
    ) -> Response[None]:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            await sessions.delete(cookie)
        response: Response[None] = Response(None, status_code=HTTP_204_NO_CONTENT)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["me"]
    guards = [signed_in]

    @get("/", summary="Who am I")
    async def me(self, request: Request[Any, Any, Any]) -> MeOut:
        user = me_of(request)
        return MeOut(**service.user_json(user), **await service.contact_of(user.id))

    @patch("/", summary="Change my name, language, phone or directory listing")
    async def update_me(self, request: Request[Any, Any, Any], data: JSONBody[MePatch]) -> MeOut:
        user = me_of(request)
        fresh = await service.update_profile(
            user, name=data.name, language=data.language, phone=data.phone, listed=data.listed
        )
        return MeOut(**service.user_json(fresh), **await service.contact_of(fresh.id))

    @post("/tokens", summary="Create an API token (shown once)")
    async def create_token(
        self, request: Request[Any, Any, Any], data: JSONBody[TokenIn]
    ) -> TokenCreated:
        user = me_of(request)
        return TokenCreated(**await service.create_api_token(user.id, data.label, user.email))

    @get("/tokens", summary="My API tokens (never the secret)")
    async def list_tokens(self, request: Request[Any, Any, Any]) -> list[TokenOut]:
        return [TokenOut(**t) for t in await service.list_api_tokens(me_of(request).id)]

    @delete("/tokens/{token_id:str}", summary="Revoke an API token")
    async def revoke_token(self, request: Request[Any, Any, Any], token_id: FromPath[str]) -> None:
        user = me_of(request)
        await service.revoke_api_token(user.id, token_id, user.email)


class AdminUserController(Controller):
    path = "/api/v1/admin/users"
    tags = ["admin"]
    guards = [admin_only]

    @post("/", summary="Create a user with roles")
    async def create(self, request: Request[Any, Any, Any], data: JSONBody[UserIn]) -> UserOut:
        user_id = await service.create_user(
            data.email,
            data.name,
            data.municipality,
            data.roles,
            me_of(request).email,
            data.language,
        )
        created = await service.load_user(user_id)
        assert created is not None
        return UserOut(**service.user_json(created), active=True, status="active")

    @get("/", summary="All users")
    async def list_users(self) -> list[UserOut]:
        return [UserOut(**u) for u in await service.list_users()]

    @patch("/{user_id:str}", summary="Change a user's roles or deactivate/reactivate them")
    async def update(
        self,
        request: Request[Any, Any, Any],
        user_id: FromPath[str],
        data: JSONBody[UserPatch],
        settings: NamedDependency[Settings],
    ) -> UserOut:
        if not user_id.isdigit():
            raise NotFound("No user with id {id}", params={"id": user_id})
        row = await admin.update_user(
            me_of(request),
            int(user_id),
            roles=data.roles,
            active=data.active,
            base_url=settings.base_url,
        )
        return UserOut(
            id=str(row.id),
            email=row.email,
            name=row.name,
            municipality=row.municipality,
            language=row.language,
            active=row.active,
            status=row.status,
            roles=row.roles,
        )


class ApprovalController(Controller):
    path = "/api/v1/approvals"
    tags = ["admin"]
    guards = [admin_or_coordinator]

    @get("/", summary="Sign-ups waiting for my approval")
    async def pending(self, request: Request[Any, Any, Any]) -> list[PendingOut]:
        return [PendingOut(**p) for p in await service.pending_for(me_of(request))]

    @post("/{user_id:str}/approve", status_code=HTTP_204_NO_CONTENT, summary="Approve a sign-up")
    async def approve(
        self,
        request: Request[Any, Any, Any],
        user_id: FromPath[str],
        settings: NamedDependency[Settings],
    ) -> None:
        if not user_id.isdigit():
            raise NotFound("No pending account with that id that you may approve")
        await service.approve(me_of(request), int(user_id), settings.base_url)
