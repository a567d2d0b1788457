"""What the admin pages share: who may open them, the workspace's own menu, and reading
a page number or a text from the query string without ever failing on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.exceptions import PermissionDeniedException

from service.accounts.identity import CurrentUser
from service.lib.i18n import N_, gettext
from service.web.viewer import Viewer


def require_admin(viewer: Viewer) -> CurrentUser:
    """The signed-in administrator; anyone else gets the 403 page."""
    if viewer.user is None or not viewer.user.is_admin:
        raise PermissionDeniedException()
    return viewer.user


def require_admin_or_finance(viewer: Viewer) -> CurrentUser:
    if viewer.user is None or not (viewer.user.is_admin or viewer.user.is_finance):
        raise PermissionDeniedException()
    return viewer.user


@dataclass(frozen=True)
class Section:
    href: str
    label: str


SECTIONS = (
    ("/admin", N_("Overview")),
    ("/admin/users", N_("Users")),
    ("/admin/networks", N_("Networks and counties")),
    ("/admin/municipalities", N_("Municipalities")),
    ("/admin/import", N_("Import municipalities")),
    ("/admin/campaigns", N_("Invitation campaigns")),
    ("/admin/mail", N_("Mail")),
    ("/admin/audit", N_("Audit log")),
)


def sections(viewer: Viewer) -> list[Section]:
    """The admin workspace's menu (finance sees only the municipalities)."""
    if viewer.user is None or not viewer.user.is_admin:
        return []
    return [Section(href, gettext(label)) for href, label in SECTIONS]


def query_text(request: Request[Any, Any, Any], name: str, limit: int = 200) -> str:
    return str(request.query_params.get(name) or "").strip()[:limit]


def query_int(request: Request[Any, Any, Any], name: str) -> int | None:
    value = query_text(request, name, 18)
    return int(value) if value.isdigit() and int(value) > 0 else None
