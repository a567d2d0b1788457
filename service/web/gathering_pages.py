"""Pages for gatherings: the full list (upcoming and past), one gathering with its
programme, meals, venue and map link, and registering from it.

Mails and calendar events link to /gatherings/{id}. Registering is an ordinary form POST
with the session cookie (the CSRF origin check in the auth middleware covers it); after
it the browser is sent back to the gathering, whose page shows the person's status as
the database has it. Cancelling lives in `me_pages` (it has a confirmation step).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from service.accounts.identity import CurrentUser
from service.gatherings import service as gatherings
from service.gatherings.schemas import GatheringOut, ProgrammeOut
from service.lib import i18n, labels
from service.lib.clock import now, parse_when
from service.lib.errors import DomainError
from service.networks import membership
from service.registrations import service as registrations
from service.registrations.schemas import RegistrationIn, RegistrationOut
from service.settings import Settings
from service.web import flash, news_pages
from service.web.viewer import Viewer

LIVE = ("confirmed", "waitlisted")


def has_ended(g: GatheringOut, at: datetime | None = None) -> bool:
    return parse_when(g.ends_at, "ends_at") <= (at or now())


async def upcoming_and_past(
    user: CurrentUser | None, base_url: str, network: str | None = None, drafts: bool = True
) -> tuple[list[GatheringOut], list[GatheringOut]]:
    """The gatherings the viewer may see: upcoming ones soonest first, past ones latest first."""
    at = now()
    items = await gatherings.list_visible(user, base_url, network=network)
    if not drafts:
        items = [g for g in items if g.status != "draft"]
    upcoming = [g for g in items if not has_ended(g, at)]
    past = [g for g in items if has_ended(g, at)]
    return upcoming, past[::-1]


@get("/gatherings")
async def gathering_list(
    viewer: NamedDependency[Viewer], settings: NamedDependency[Settings]
) -> Template:
    upcoming, past = await upcoming_and_past(viewer.user, settings.base_url)
    return Template(
        "gatherings/list.html",
        context={"viewer": viewer, "notice": "", "upcoming": upcoming, "past": past},
    )


# --- one gathering ------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeDay:
    day: str  # ISO date
    items: list[ProgrammeOut]


@dataclass(frozen=True)
class MealDay:
    day: str  # ISO date
    meals: list[str]  # translated names


@dataclass
class RegisterForm:
    dietary: str = ""
    accessibility: str = ""
    accommodation: bool = False
    errors: dict[str, str] = field(default_factory=dict)


def map_url(g: GatheringOut) -> str:
    """OpenStreetMap at the coordinates, or a search for the address when there are none."""
    if g.latitude is not None and g.longitude is not None:
        lat, lon = f"{g.latitude:.5f}", f"{g.longitude:.5f}"
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=16/{lat}/{lon}"
    query = ", ".join(p for p in (g.address or g.venue, g.city) if p)
    return "https://www.openstreetmap.org/search?query=" + quote(query, safe="")


def programme_days(g: GatheringOut) -> list[ProgrammeDay]:
    days: dict[str, list[ProgrammeOut]] = {}
    for p in g.programme:
        days.setdefault(p.starts_at[:10], []).append(p)
    return [ProgrammeDay(day, items) for day, items in days.items()]


def meal_days(g: GatheringOut) -> list[MealDay]:
    order = list(labels.MEAL)
    days: dict[str, list[str]] = {}
    for m in sorted(g.meals, key=lambda m: (m.date, order.index(m.meal) if m.meal in order else 9)):
        days.setdefault(m.date, []).append(labels.label(labels.MEAL, m.meal))
    return [MealDay(day, meals) for day, meals in days.items()]


def registration_window(g: GatheringOut) -> str:
    """'open', 'not-yet', 'closed' or 'none' (not published, or over)."""
    at = now()
    if g.status != "published" or has_ended(g, at):
        return "none"
    if g.registration_opens_at and parse_when(g.registration_opens_at, "opens") > at:
        return "not-yet"
    if parse_when(g.registration_closes_at, "closes") <= at:
        return "closed"
    return "open"


async def my_registration(user: CurrentUser | None, gathering_id: str) -> RegistrationOut | None:
    """The viewer's registration for the gathering: the live one, else the latest."""
    if user is None:
        return None
    mine = [r for r in await registrations.mine(user) if r.gathering == gathering_id]
    live = [r for r in mine if r.status in LIVE]
    if live:
        return live[0]
    return max(mine, key=lambda r: (r.registered_at, int(r.id)), default=None)


async def _host_name(number: str | None) -> str | None:
    if not number:
        return None
    try:
        return (await membership.municipality_detail(number)).name
    except DomainError:
        return number


async def gathering_context(
    viewer: Viewer,
    gathering_id: str,
    base_url: str,
    form: RegisterForm | None = None,
    error: str = "",
    notice: str = "",
) -> dict[str, Any]:
    g = await gatherings.detail(viewer.user, gathering_id, base_url)
    mine = await my_registration(viewer.user, g.id)
    window = registration_window(g)
    started = parse_when(g.starts_at, "starts_at") <= now()
    return {
        **await news_pages.gathering_section(viewer, g),
        "viewer": viewer,
        "notice": notice,
        "error": error,
        "g": g,
        "past": has_ended(g),
        "status_text": labels.label(labels.GATHERING_STATUS, g.status),
        "audience": labels.label(labels.AUDIENCE, g.audience),
        "host_name": await _host_name(g.host_municipality),
        "map_url": map_url(g),
        "programme_days": programme_days(g),
        "meal_days": meal_days(g),
        "window": window,
        "mine": mine,
        "may_register": viewer.signed_in
        and window == "open"
        and (mine is None or mine.status not in LIVE),
        "may_cancel": mine is not None
        and mine.status in LIVE
        and g.status == "published"
        and not started,
        "claim_href": (
            f"/claims/new?registration={mine.id}"
            if mine is not None and mine.status == "confirmed" and g.reimbursable
            else ""
        ),
        "form": form or RegisterForm(),
        "may_edit": gatherings.may_edit(viewer.user, g.network),  # coordinator/admin links
    }


@get("/gatherings/{gathering_id:str}")
async def gathering_page(
    request: Request[Any, Any, Any],
    gathering_id: FromPath[str],
    viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Template:
    notice, cookies = flash.take(request)
    context = await gathering_context(viewer, gathering_id, settings.base_url, notice=notice)
    return Template("gatherings/detail.html", context=context, cookies=cookies)


@post("/gatherings/{gathering_id:str}/register", status_code=303)
async def register_from_page(
    request: Request[Any, Any, Any],
    gathering_id: FromPath[str],
    viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    if viewer.user is None:
        return Redirect("/login?next=" + quote(f"/gatherings/{gathering_id}"), status_code=303)
    data = await request.form()
    form = RegisterForm(
        dietary=str(data.get("dietary", "")).strip(),
        accessibility=str(data.get("accessibility", "")).strip(),
        accommodation=data.get("accommodation") == "1",
    )
    for name in ("dietary", "accessibility"):
        if len(getattr(form, name)) > 2000:
            form.errors[name] = i18n.gettext("Please keep this under 2000 characters.")
    if form.errors:
        context = await gathering_context(viewer, gathering_id, settings.base_url, form=form)
        return Template("gatherings/detail.html", context=context, status_code=400)
    try:
        reg, _ = await registrations.register(
            viewer.user,
            gathering_id,
            RegistrationIn(
                dietary=form.dietary,
                accessibility=form.accessibility,
                accommodation=form.accommodation,
            ),
            settings.base_url,
        )
    except DomainError as exc:
        if exc.field in ("dietary", "accessibility"):
            form.errors[exc.field] = exc.message()
        context = await gathering_context(
            viewer, gathering_id, settings.base_url, form=form, error=exc.message()
        )
        return Template("gatherings/detail.html", context=context, status_code=exc.status_code)
    response = Redirect(f"/gatherings/{reg.gathering}", status_code=303)
    code = "registered" if reg.status == "confirmed" else "waitlisted"
    return flash.flash(response, code, secure=settings.production)
