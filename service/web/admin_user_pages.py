"""The admin's user pages: search and add people (/admin/users), and one person's page
(/admin/users/{id}): their roles, and deactivating or reactivating the account.

Posts go to the same services as `POST /api/v1/admin/users` and
`PATCH /api/v1/admin/users/{id}`; a refused one answers with the error's status and the
page again, the message next to the field it names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from service.accounts import admin, service
from service.documents.directory import phone_text
from service.lib import labels
from service.lib.errors import DomainError, NotFound
from service.lib.i18n import N_, gettext
from service.networks import service as networks
from service.settings import Settings
from service.web import flash
from service.web.admin_common import query_int, query_text, require_admin, sections
from service.web.viewer import Viewer

STATUS = {
    "active": (N_("Active"), "success"),
    "pending_approval": (N_("Waiting for approval"), "warning"),
    "unconfirmed": (N_("Address not confirmed"), "neutral"),
    "disabled": (N_("Deactivated"), "danger"),
}
USER_FIELDS = ("email", "name", "municipality")


def status_tag(status: str) -> tuple[str, str]:
    text, color = STATUS.get(status, (status, "neutral"))
    return gettext(text), color


def role_text(role: str, network_names: dict[str, str]) -> str:
    kind, _, slug = role.partition(":")
    if kind == "coordinator" and slug:
        name = network_names.get(slug, slug)
        return gettext("Coordinator, {network}").format(network=name)
    return labels.label(labels.ROLE, role)


@dataclass(frozen=True)
class RoleChoice:
    value: str
    label: str


async def role_choices() -> tuple[list[RoleChoice], dict[str, str]]:
    nets = await networks.list_networks()
    names = {n.slug: n.name for n in nets}
    choices = [
        RoleChoice("admin", labels.label(labels.ROLE, "admin")),
        RoleChoice("finance", labels.label(labels.ROLE, "finance")),
    ]
    for n in nets:
        role = f"coordinator:{n.slug}"
        choices.append(RoleChoice(role, role_text(role, names)))
    return choices, names


def _pager_href(q: str, status: str, page: int) -> str:
    query = {k: v for k, v in (("q", q), ("status", status)) if v}
    if page > 1:
        query["page"] = str(page)
    return "/admin/users" + (f"?{urlencode(query)}" if query else "")


async def _users_template(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    problem: str = "",
    status_code: int = 200,
    cookies: Sequence[Cookie] = (),
    notice: str = "",
) -> Template:
    require_admin(viewer)
    q = query_text(request, "q", 100)
    status = query_text(request, "status", 20)
    status = status if status in admin.STATUSES else ""
    found = await admin.search_users(q, query_int(request, "page") or 1, status=status)
    choices, names = await role_choices()
    return Template(
        "admin/users.html",
        context={
            "viewer": viewer,
            "sections": sections(viewer),
            "notice": notice,
            "problem": problem,
            "q": q,
            "status": status,
            "statuses": [(s, status_tag(s)[0]) for s in admin.STATUSES],
            "found": found,
            "status_tag": status_tag,
            "role_text": lambda r: role_text(r, names),
            "previous_href": _pager_href(q, status, found.page - 1) if found.page > 1 else "",
            "next_href": _pager_href(q, status, found.page + 1) if found.page < found.pages else "",
            "choices": choices,
            "municipalities": await admin.municipality_choices(),
            "values": {"email": "", "name": "", "municipality": "", "roles": [], **(values or {})},
            "errors": errors or {},
        },
        status_code=status_code,
        cookies=list(cookies),
    )


@get("/admin/users")
async def user_list(
    request: Request[Any, Any, Any], signed_in_viewer: NamedDependency[Viewer]
) -> Template:
    notice, cookies = flash.take(request)
    return await _users_template(request, signed_in_viewer, notice=notice, cookies=cookies)


def _field_of(exc: DomainError, fields: Sequence[str]) -> str | None:
    return exc.field if exc.field in fields else None


@post("/admin/users", status_code=303)
async def add_user(
    request: Request[Any, Any, Any],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    actor = require_admin(signed_in_viewer)
    form = await request.form()
    values: dict[str, Any] = {k: str(form.get(k, "")).strip()[:254] for k in USER_FIELDS}
    values["roles"] = [str(r)[:80] for r in form.getall("role", [])][:50]
    errors: dict[str, str] = {}
    if not values["email"]:
        errors["email"] = gettext("Enter the e-mail address.")
    else:
        try:
            service.normalize_email(values["email"])
        except DomainError as exc:
            errors["email"] = exc.message()
    if not values["name"]:
        errors["name"] = gettext("Enter the name.")
    if not errors:
        try:
            user_id = await service.create_user(
                values["email"],
                values["name"][:200],
                values["municipality"] or None,
                values["roles"],
                actor.email,
            )
        except DomainError as exc:
            name = _field_of(exc, (*USER_FIELDS, "roles"))
            if name is not None:
                errors[name] = exc.message()
            else:
                errors["email"] = exc.message()  # e.g. the address is taken
            return await _users_template(
                request,
                signed_in_viewer,
                values=values,
                errors=errors,
                status_code=exc.status_code,
            )
        response = Redirect(f"/admin/users/{user_id}", status_code=303)
        return flash.flash(response, "user-created", secure=settings.production)
    return await _users_template(
        request, signed_in_viewer, values=values, errors=errors, status_code=400
    )


def _user_id(value: str) -> int:
    if not value.isdigit() or len(value) > 18:
        raise NotFound("No user with id {id}", params={"id": value})
    return int(value)


async def _user_template(
    viewer: Viewer,
    user_id: str,
    *,
    chosen: list[str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    cookies: Sequence[Cookie] = (),
    notice: str = "",
) -> Template:
    require_admin(viewer)
    person = await admin.get_user(_user_id(user_id))
    choices, names = await role_choices()
    return Template(
        "admin/user.html",
        context={
            "viewer": viewer,
            "sections": sections(viewer),
            "notice": notice,
            "person": person,
            "is_self": viewer.user is not None and viewer.user.id == person.id,
            "status": status_tag(person.status),
            "role_text": lambda r: role_text(r, names),
            "choices": choices,
            "chosen": set(person.roles if chosen is None else chosen),
            "activity": await admin.activity(person.id),
            "contact": await service.contact_of(person.id),  # phone, directory consent
            "phone_text": phone_text,
            "errors": errors or {},
        },
        status_code=status_code,
        cookies=list(cookies),
    )


@get("/admin/users/{user_id:str}")
async def user_page(
    request: Request[Any, Any, Any],
    user_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
) -> Template:
    notice, cookies = flash.take(request)
    return await _user_template(signed_in_viewer, user_id, notice=notice, cookies=cookies)


DONE = {"roles": "roles-saved", "deactivate": "user-deactivated", "reactivate": "user-reactivated"}


@post("/admin/users/{user_id:str}", status_code=303)
async def change_user(
    request: Request[Any, Any, Any],
    user_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    actor = require_admin(signed_in_viewer)
    uid = _user_id(user_id)
    form = await request.form()
    action = str(form.get("action", ""))
    chosen = [str(r)[:80] for r in form.getall("role", [])][:50]
    try:
        if action == "roles":
            await admin.update_user(actor, uid, roles=chosen)
        elif action in ("deactivate", "reactivate"):
            await admin.update_user(
                actor, uid, active=action == "reactivate", base_url=settings.base_url
            )
        else:
            return await _user_template(
                signed_in_viewer,
                user_id,
                errors={"action": gettext("Choose what to change.")},
                status_code=400,
            )
    except DomainError as exc:
        where = "roles" if exc.field == "roles" else "active"
        return await _user_template(
            signed_in_viewer,
            user_id,
            chosen=chosen if action == "roles" else None,
            errors={where: exc.message()},
            status_code=exc.status_code,
        )
    response = Redirect(f"/admin/users/{uid}", status_code=303)
    return flash.flash(response, DONE[action], secure=settings.production)


PAGES: list[Any] = [user_list, add_user, user_page, change_user]
