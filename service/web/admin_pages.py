"""The admin's workspace: users and roles, networks, counties and municipalities, the
municipality importer, mail and the audit log (/admin/…).

This module has the overview (/admin) and gathers the routes of the workspace's other
modules: admin_user_pages (users), admin_place_pages (networks, counties,
municipalities), admin_ops_pages (import, mail, audit log). Only administrators open
them (403 for anyone else), except a municipality's page, where finance sees and
confirms bank accounts.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from service.accounts import admin
from service.networks import service as networks
from service.outbox import service as outbox
from service.web import admin_ops_pages, admin_place_pages, admin_user_pages, flash
from service.web.admin_common import require_admin, sections
from service.web.viewer import Viewer


@get("/admin")
async def overview(
    request: Request[Any, Any, Any], signed_in_viewer: NamedDependency[Viewer]
) -> Template:
    require_admin(signed_in_viewer)
    notice, cookies = flash.take(request)
    return Template(
        "admin/index.html",
        context={
            "viewer": signed_in_viewer,
            "sections": sections(signed_in_viewer),
            "notice": notice,
            "counts": await admin.counts(),
            "mail": await outbox.status_counts(),
            "networks": len(await networks.list_networks()),
            "municipalities": len(await networks.list_municipalities()),
        },
        cookies=cookies,
    )


PAGES: list[Any] = [
    overview,
    *admin_user_pages.PAGES,
    *admin_place_pages.PAGES,
    *admin_ops_pages.PAGES,
]
"""Every page route, in one list: app.py hands it to the web Router."""
