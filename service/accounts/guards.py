"""Route guards: 401 for anonymous callers, 403 for a role the caller lacks."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from service.accounts.identity import CurrentUser


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser | None:
    user = connection.scope.get("user")
    return user if isinstance(user, CurrentUser) else None


def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if current_user(connection) is None:
        raise NotAuthorizedException("Sign in first: use a login link or an API token")


def admin_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    signed_in(connection, _)
    user = current_user(connection)
    if user is None or not user.is_admin:
        raise PermissionDeniedException("Only administrators may do this")


def finance_or_admin(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    signed_in(connection, _)
    user = current_user(connection)
    if user is None or not (user.is_admin or user.is_finance):
        raise PermissionDeniedException("Only finance staff and administrators may do this")


def admin_or_coordinator(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Any coordinator or admin; the service checks which network."""
    signed_in(connection, _)
    user = current_user(connection)
    if user is None or not (user.is_admin or user.coordinated_networks):
        raise PermissionDeniedException("Only coordinators and administrators may do this")
