"""Who is looking at a page, in which language, and what the navigation offers them.

`language_middleware` sets the language of every page request: the signed-in user's
choice, else the `samling_lang` cookie, else `Accept-Language`, else bokmål. The
`viewer` dependency hands a page its `Viewer`; `signed_in_viewer` sends anonymous
visitors to the sign-in page and back to where they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from litestar import Request
from litestar.types import ASGIApp, Receive, Scope, Send

from service.accounts.guards import current_user
from service.accounts.identity import CurrentUser
from service.lib import i18n

LANG_COOKIE = "samling_lang"


class SignInRequired(Exception):
    """A page needs a signed-in user; the web router answers with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name and v:
                    return v
    return None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def request_language(scope: Scope) -> i18n.Language:
    user = scope.get("user")
    if isinstance(user, CurrentUser) and i18n.normalize(user.language):
        return i18n.normalize(user.language) or i18n.DEFAULT
    return (
        i18n.normalize(_cookie(scope, LANG_COOKIE))
        or i18n.negotiate(_header(scope, b"accept-language"))
        or i18n.DEFAULT
    )


def language_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        with i18n.use(request_language(scope)):
            await app(scope, receive, send)

    return middleware


def local_path(value: str | None, default: str = "/") -> str:
    """A `next` target: only a path on this site ('/x?y'), never '//host' or 'https://…'."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str


@dataclass(frozen=True)
class Viewer:
    """The signed-in user (or None), the language and the page's own path."""

    user: CurrentUser | None
    language: str
    path: str

    @property
    def signed_in(self) -> bool:
        return self.user is not None

    @property
    def is_coordinator(self) -> bool:
        return bool(self.user and (self.user.coordinated_networks or self.user.is_admin))

    @property
    def is_finance(self) -> bool:
        return bool(self.user and self.user.is_finance)

    @property
    def is_admin(self) -> bool:
        return bool(self.user and self.user.is_admin)

    def nav(self) -> list[NavItem]:
        _ = i18n.gettext
        items = [NavItem("/", _("Gatherings")), NavItem("/news", _("News"))]
        if self.user is None:
            return items
        items += [
            NavItem("/me", _("My page")),
            NavItem("/claims", _("Travel claims")),
            NavItem("/me/calendar", _("My calendar")),
        ]
        if self.is_coordinator:  # coordinators for their networks, admins for all
            items.append(NavItem("/coordinator", _("My networks")))
        if self.user.coordinated_networks or self.is_finance:  # who attests or approves
            items.append(NavItem("/review", _("Review claims")))
        if self.is_finance:
            items.append(NavItem("/payouts", _("Payouts")))
            items.append(NavItem("/finance", _("Budgets and rates")))
        if self.is_coordinator or self.is_finance:  # coordinators see their networks'
            items.append(NavItem("/statistics", _("Statistics")))
        if self.is_admin:
            items.append(NavItem("/admin", _("Administration")))
        return items

    def current(self, item: NavItem) -> bool:
        """The item this page belongs under: the longest href that is the path or its prefix."""
        path = self.path.split("?")[0]

        def matches(href: str) -> bool:
            return path == href or (href != "/" and path.startswith(href + "/"))

        best = max((i.href for i in self.nav() if matches(i.href)), key=len, default=None)
        return best == item.href

    @property
    def login_href(self) -> str:
        return "/login?next=" + quote(self.path, safe="/")


def _path(request: Request[Any, Any, Any]) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


async def provide_viewer(request: Request[Any, Any, Any]) -> Viewer:
    return Viewer(current_user(request), i18n.current(), _path(request))


async def provide_signed_in_viewer(request: Request[Any, Any, Any]) -> Viewer:
    viewer = await provide_viewer(request)
    if viewer.user is None:
        raise SignInRequired(viewer.path if request.method == "GET" else "/")
    return viewer
