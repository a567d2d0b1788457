"""Authentication (Bearer token or session cookie) and the CSRF origin check.

Sets scope["user"] to a CurrentUser or None and scope["auth"] to "token", "session"
or None. Routes decide with guards what anonymous callers may do.

CSRF: session cookies are SameSite=Lax, and an unsafe request authenticated by the
cookie must not come from another site: a `Sec-Fetch-Site: cross-site` header or an
`Origin` other than our own is refused with 403. Bearer requests are exempt (a
browser never adds that header on its own).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar.datastructures import Cookie
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.types import ASGIApp, Receive, Scope, Send

from service.accounts import service
from service.accounts.kv import SessionStore
from service.settings import Settings

SESSION_COOKIE = "samling_session"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def session_cookie(value: str, settings: Settings, max_age: int) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=settings.production,
        path="/",
    )


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _cookie(headers: dict[str, str], name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


def check_origin(scope: Scope, headers: dict[str, str], settings: Settings) -> None:
    if scope.get("method", "GET") in SAFE_METHODS:
        return
    if headers.get("sec-fetch-site") == "cross-site":
        raise PermissionDeniedException("Cross-site request refused (CSRF protection)")
    origin = headers.get("origin")
    if origin is None or origin == "null":
        if origin == "null":
            raise PermissionDeniedException("Cross-site request refused (CSRF protection)")
        return
    own = {_origin(settings.base_url)}
    host = headers.get("host")
    if host:
        own.add(f"{scope.get('scheme', 'http')}://{host}".lower())
    if origin.lower() not in own:
        raise PermissionDeniedException("Cross-site request refused (CSRF protection)")


def auth_middleware(app: ASGIApp, settings: Settings, sessions: SessionStore) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        headers = _headers(scope)
        user: Any = None
        kind: str | None = None
        authorization = headers.get("authorization", "")
        if authorization:
            scheme, _, secret = authorization.partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                raise NotAuthorizedException("Use `Authorization: Bearer <token>`")
            user = await service.user_by_api_token(secret.strip())
            if user is None:
                raise NotAuthorizedException("The API token is unknown or revoked")
            kind = "token"
        else:
            cookie = _cookie(headers, SESSION_COOKIE)
            if cookie:
                data = await sessions.get(cookie)
                if data is not None:
                    user = await service.load_user(int(data["uid"]))
                    kind = "session" if user is not None else None
            if kind == "session":
                check_origin(scope, headers, settings)
        scope["user"] = user
        scope["auth"] = kind
        await app(scope, receive, send)

    return middleware
