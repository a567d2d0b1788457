"""What the coordinator's pages share: who may use them, the networks a viewer works
for (coordinators their own, admins every one), and the list of municipalities."""

from __future__ import annotations

from typing import Any

from litestar import Response
from litestar.exceptions import PermissionDeniedException
from litestar.response import Redirect

from service.accounts.identity import CurrentUser
from service.db.tables import Municipality
from service.networks import service as networks
from service.networks.schemas import NetworkDetail, NetworkOut
from service.settings import Settings
from service.web import flash
from service.web.viewer import Viewer


def coordinator(viewer: Viewer) -> CurrentUser:
    """The signed-in coordinator or admin; anyone else is refused (403)."""
    if viewer.user is None or not viewer.is_coordinator:
        raise PermissionDeniedException()
    return viewer.user


async def my_networks(user: CurrentUser) -> list[NetworkOut]:
    """The networks the user works for: all for an admin, else those they coordinate."""
    return [n for n in await networks.list_networks() if user.is_admin or user.coordinates(n.slug)]


async def my_network(user: CurrentUser, slug: str) -> NetworkDetail:
    """One network the user works for (404 if there is none by that name, else 403)."""
    network = await networks.get_network(slug)
    if not (user.is_admin or user.coordinates(slug)):
        raise PermissionDeniedException()
    return network


async def municipality_options() -> list[tuple[str, str]]:
    """(number, 'Name (number)') of every municipality and city district, by name."""
    rows = await Municipality.select(Municipality.number, Municipality.name).order_by(
        Municipality.name
    )
    return [(r["number"], f"{r['name']} ({r['number']})") for r in rows]


def back_to(path: str, code: str, settings: Settings) -> Response[Any]:
    """A 303 to `path` that shows the message `code` once (service.web.flash)."""
    return flash.flash(Redirect(path, status_code=303), code, secure=settings.production)
