"""A network's members for its coordinators and admins: the member municipalities,
the requests to join to accept, members to withdraw (behind a confirmation), others of
the network's counties to add, and the sign-ups from member municipalities waiting for
approval. Every change calls the same service as the API, which decides who may.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from service.accounts import service as accounts
from service.accounts.identity import CurrentUser
from service.lib.errors import DomainError, NotFound
from service.lib.i18n import gettext
from service.networks import membership
from service.networks import service as networks
from service.networks.schemas import MemberOut, NetworkDetail
from service.settings import Settings
from service.web import flash
from service.web.coordinator_view import back_to, coordinator, my_network
from service.web.viewer import Viewer

STATUSES = ("member", "withdrawn")


@dataclass(frozen=True)
class SignUp:
    id: str
    name: str
    email: str
    municipality: str  # its name


async def signups_for(user: CurrentUser, network: NetworkDetail) -> list[SignUp]:
    """Sign-ups the user may approve, from the network's member municipalities."""
    names = {m.municipality: m.name for m in network.members if m.status == "member"}
    return [
        SignUp(p["id"], p["name"], p["email"], names[p["municipality"]])
        for p in await accounts.pending_for(user)
        if p["municipality"] in names
    ]


async def _addable(network: NetworkDetail) -> list[tuple[str, str]]:
    """Municipalities of the network's counties that are not members now."""
    members = {m.municipality for m in network.members if m.status == "member"}
    out = []
    for county in network.county_numbers:
        for m in await networks.list_municipalities(county):
            if m.number not in members:
                out.append((m.number, m.name))
    return sorted(out, key=lambda m: m[1])


async def _page(
    viewer: Viewer,
    slug: str,
    *,
    notice: str = "",
    problem: str = "",
    status_code: int = 200,
    cookies: list[Cookie] | None = None,
) -> Template:
    user = coordinator(viewer)
    network = await my_network(user, slug)
    addable = await _addable(network)
    by_status: dict[str, list[MemberOut]] = {"member": [], "interested": [], "withdrawn": []}
    for m in network.members:
        by_status.setdefault(m.status, []).append(m)
    return Template(
        "coordinator/members.html",
        context={
            "viewer": viewer,
            "notice": notice,
            "problem": problem,
            "network": network,
            "members": by_status["member"],
            "requests": by_status["interested"],
            "withdrawn": by_status["withdrawn"],
            "addable": [("", gettext("Choose a municipality")), *addable] if addable else [],
            "signups": await signups_for(user, network),
        },
        status_code=status_code,
        cookies=cookies or [],
    )


@get("/coordinator/networks/{slug:str}/members")
async def members_page(
    request: Request[Any, Any, Any], slug: FromPath[str], signed_in_viewer: NamedDependency[Viewer]
) -> Template:
    notice, cookies = flash.take(request)
    return await _page(signed_in_viewer, slug, notice=notice, cookies=cookies)


@post("/coordinator/networks/{slug:str}/members", status_code=303)
async def set_member(
    request: Request[Any, Any, Any],
    slug: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    """`municipality`, `status` (member|withdrawn); a withdrawal asks first (`confirm=yes`)."""
    viewer = signed_in_viewer
    user = coordinator(viewer)
    network = await my_network(user, slug)
    form = await request.form()
    number, status = str(form.get("municipality", "")), str(form.get("status", ""))
    if status not in STATUSES or not number:
        text = gettext("Choose a municipality.") if not number else gettext("Choose what to do.")
        return await _page(viewer, slug, problem=text, status_code=400)
    current = next((m for m in network.members if m.municipality == number), None)
    if status == "withdrawn" and form.get("confirm") != "yes":
        if current is None:
            raise NotFound("No municipality with number {number!r}", params={"number": number})
        return Template(
            "coordinator/member_confirm.html",
            context={"viewer": viewer, "notice": "", "network": network, "m": current},
        )
    try:
        await membership.set_membership(user, slug, number, status)
    except DomainError as exc:
        return await _page(viewer, slug, problem=exc.message(), status_code=exc.status_code)
    code = "member-added" if status == "member" else "member-withdrawn"
    return back_to(f"/coordinator/networks/{slug}/members", code, settings)


@post("/coordinator/signups/{user_id:str}/approve", status_code=303)
async def approve_signup(
    request: Request[Any, Any, Any],
    user_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    """Approve a sign-up; back to the network's members page (`network`) or the dashboard."""
    user = coordinator(signed_in_viewer)
    slug = str((await request.form()).get("network", ""))
    back = f"/coordinator/networks/{slug}/members" if slug else "/coordinator"
    if slug:
        await my_network(user, slug)  # 404/403 for a network that is not theirs
    try:
        if not user_id.isdigit():
            raise NotFound("No pending account with that id that you may approve")
        await accounts.approve(user, int(user_id), settings.base_url)
    except DomainError as exc:
        if not slug:
            raise
        return await _page(
            signed_in_viewer, slug, problem=exc.message(), status_code=exc.status_code
        )
    return back_to(back + "#signups", "signup-approved", settings)


PAGES: list[Any] = [members_page, set_member, approve_signup]
