"""The admin's pages for networks, counties and municipalities: names and descriptions
(/admin/networks), municipalities by county (/admin/municipalities) and one
municipality's page (/admin/municipalities/{number}): its name and e-mail domains
(administrators) and its bank account (finance and administrators).

A bank account is a decision of two: one finance officer or administrator enters it, it
waits as pending (claims keep paying to the confirmed account), and a different one
confirms or discards it (service.networks.service.propose/confirm/discard_bank_account).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from service.lib.errors import DomainError
from service.lib.i18n import gettext
from service.networks import admin, membership
from service.networks import service as networks
from service.networks.schemas import MunicipalityPatch
from service.settings import Settings
from service.web import flash
from service.web.admin_common import query_text, require_admin, require_admin_or_finance, sections
from service.web.viewer import Viewer


def account_text(value: str | None) -> str:
    """A Norwegian account number as people write it: 1234.56.78903."""
    if not value:
        return ""
    digits = "".join(c for c in value if c.isdigit())
    return f"{digits[:4]}.{digits[4:6]}.{digits[6:]}" if len(digits) == 11 else value


# --- networks and counties ------------------------------------------------------------


async def _networks_template(
    viewer: Viewer,
    *,
    values: dict[str, dict[str, str]] | None = None,
    errors: dict[str, dict[str, str]] | None = None,
    county_errors: dict[str, str] | None = None,
    status_code: int = 200,
    cookies: Sequence[Cookie] = (),
    notice: str = "",
) -> Template:
    require_admin(viewer)
    return Template(
        "admin/networks.html",
        context={
            "viewer": viewer,
            "sections": sections(viewer),
            "notice": notice,
            "networks": await networks.list_networks(),
            "counties": await admin.list_counties(),
            "values": values or {},
            "errors": errors or {},  # network slug -> field -> message
            "county_errors": county_errors or {},  # county number -> message
        },
        status_code=status_code,
        cookies=list(cookies),
    )


@get("/admin/networks")
async def network_list(
    request: Request[Any, Any, Any], signed_in_viewer: NamedDependency[Viewer]
) -> Template:
    notice, cookies = flash.take(request)
    return await _networks_template(signed_in_viewer, notice=notice, cookies=cookies)


@post("/admin/networks/{slug:str}", status_code=303)
async def save_network(
    request: Request[Any, Any, Any],
    slug: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    actor = require_admin(signed_in_viewer)
    form = await request.form()
    name = str(form.get("name", ""))[:300]
    description = str(form.get("description", ""))[:10000]
    try:
        await admin.update_network(actor, slug, name=name, description=description)
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        field = "description" if exc.field == "description" else "name"
        return await _networks_template(
            signed_in_viewer,
            values={slug: {"name": name, "description": description}},
            errors={slug: {field: exc.message()}},
            status_code=exc.status_code,
        )
    response = Redirect(f"/admin/networks#network-{slug}", status_code=303)
    return flash.flash(response, "saved", secure=settings.production)


@post("/admin/counties", status_code=303)
async def save_counties(
    request: Request[Any, Any, Any],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    actor = require_admin(signed_in_viewer)
    form = await request.form()
    names = {
        key.removeprefix("county.")[:2]: str(value)[:300]
        for key, value in form.items()
        if key.startswith("county.") and isinstance(value, str)
    }
    try:
        await admin.rename_counties(actor, names)
    except DomainError as exc:
        return await _networks_template(
            signed_in_viewer,
            values={"counties": names},
            county_errors={(exc.field or "").removeprefix("county."): exc.message()},
            status_code=exc.status_code,
        )
    response = Redirect("/admin/networks#counties-heading", status_code=303)
    return flash.flash(response, "saved", secure=settings.production)


# --- municipalities ---------------------------------------------------------------------


@get("/admin/municipalities")
async def municipality_list(
    request: Request[Any, Any, Any], signed_in_viewer: NamedDependency[Viewer]
) -> Template:
    require_admin_or_finance(signed_in_viewer)
    county = query_text(request, "county", 100)
    counties = await admin.list_counties()
    if county and county not in {c.number for c in counties}:
        county = ""
    notice, cookies = flash.take(request)
    return Template(
        "admin/municipalities.html",
        context={
            "viewer": signed_in_viewer,
            "sections": sections(signed_in_viewer),
            "notice": notice,
            "county": county,
            "counties": counties,
            "municipalities": await networks.list_municipalities(county or None),
        },
        cookies=cookies,
    )


async def _municipality_template(
    viewer: Viewer,
    number: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    cookies: Sequence[Cookie] = (),
    notice: str = "",
) -> Template:
    user = require_admin_or_finance(viewer)
    m = await networks.municipality_detail(number)
    pending = m.pending_bank_account
    return Template(
        "admin/municipality.html",
        context={
            "viewer": viewer,
            "sections": sections(viewer),
            "notice": notice,
            "m": m,
            "is_admin": user.is_admin,
            "pending": pending,
            "may_confirm": pending is not None and pending.proposed_by != user.email,
            "account_text": account_text,
            "values": {
                "name": m.name,
                "email_domains": "\n".join(m.email_domains),
                "bank_account": "",
                "official_email": m.official_email or "",
                "language": m.language,
                **(values or {}),
            },
            "errors": errors or {},
        },
        status_code=status_code,
        cookies=list(cookies),
    )


@get("/admin/municipalities/{number:str}")
async def municipality_page(
    request: Request[Any, Any, Any],
    number: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
) -> Template:
    notice, cookies = flash.take(request)
    return await _municipality_template(signed_in_viewer, number, notice=notice, cookies=cookies)


DONE = {
    "name": "saved",
    "domains": "saved",
    "propose": "account-proposed",
    "confirm": "account-confirmed",
    "discard": "account-discarded",
    "official": "saved",
}
FIELD = {
    "name": "name",
    "domains": "email_domains",
    "propose": "bank_account",
    "official": "official_email",
}


@post("/admin/municipalities/{number:str}", status_code=303)
async def change_municipality(
    request: Request[Any, Any, Any],
    number: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    user = require_admin_or_finance(signed_in_viewer)
    await networks.municipality_detail(number)  # 404 for an unknown number
    form = await request.form()
    action = str(form.get("action", ""))
    if action in ("name", "domains", "official") and not user.is_admin:
        raise PermissionDeniedException()
    values = {
        "name": str(form.get("name", ""))[:300],
        "email_domains": str(form.get("email_domains", ""))[:5000],
        "bank_account": str(form.get("bank_account", ""))[:40],
        "official_email": str(form.get("official_email", ""))[:300],
        "language": str(form.get("language", ""))[:5],
    }
    try:
        if action == "name":
            await admin.rename_municipality(user, number, values["name"])
        elif action == "domains":
            domains = [d for d in values["email_domains"].replace(",", " ").split() if d]
            await membership.update_municipality(
                user, number, MunicipalityPatch(email_domains=domains[:50])
            )
        elif action == "official":
            await membership.set_official_address(
                user, number, values["official_email"], values["language"] or None
            )
        elif action == "propose":
            await networks.propose_bank_account(user, number, values["bank_account"])
        elif action == "confirm":
            await networks.confirm_bank_account(
                user, number, str(form.get("account", "")).strip()[:40] or None
            )
        elif action == "discard":
            await networks.discard_bank_account(user, number)
        else:
            return await _municipality_template(
                signed_in_viewer,
                number,
                errors={"action": gettext("Choose what to change.")},
                status_code=400,
            )
    except DomainError as exc:
        field = FIELD.get(action, "account")
        return await _municipality_template(
            signed_in_viewer,
            number,
            values={k: v for k, v in values.items() if k == field or action == "official"},
            errors={exc.field if action == "official" and exc.field else field: exc.message()},
            status_code=exc.status_code,
        )
    anchor = "#account-heading" if action in ("propose", "confirm", "discard") else ""
    response = Redirect(f"/admin/municipalities/{number}{anchor}", status_code=303)
    return flash.flash(response, DONE[action], secure=settings.production)


PAGES: list[Any] = [
    network_list,
    save_network,
    save_counties,
    municipality_list,
    municipality_page,
    change_municipality,
]
