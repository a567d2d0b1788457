"""A gathering's registrations for its coordinators and admins: who has a place, the
waiting list in its order, the cancelled; needs (dietary, accessibility, a room);
counts per municipality and per meal served; the CSV; and the attendance list, saved in
one go ("mark all confirmed as present" included) once the gathering has started.

Nobody is moved between confirmed and the waiting list by hand: the rules that exist do
it (a cancellation or more seats in the editor promotes the first in the queue).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from service.gatherings import service as gatherings
from service.gatherings.schemas import GatheringOut
from service.lib import labels
from service.lib.clock import now, parse_when
from service.lib.errors import DomainError
from service.registrations import service as registrations
from service.registrations.schemas import RegistrationOut
from service.settings import Settings
from service.web import flash
from service.web.coordinator_view import back_to, coordinator
from service.web.viewer import Viewer


@dataclass(frozen=True)
class MunicipalityLine:
    name: str
    confirmed: int
    waitlisted: int
    attended: int


@dataclass(frozen=True)
class MealLine:
    day: str
    meal: str
    people: int
    dietary: int


def per_municipality(rows: list[RegistrationOut]) -> list[MunicipalityLine]:
    counts: dict[str, list[int]] = {}
    for r in rows:
        if r.status not in ("confirmed", "waitlisted"):
            continue
        c = counts.setdefault(r.municipality_name or "–", [0, 0, 0])
        c[0] += r.status == "confirmed"
        c[1] += r.status == "waitlisted"
        c[2] += r.status == "confirmed" and r.attended is True
    return [MunicipalityLine(name, *c) for name, c in sorted(counts.items())]


def per_meal(g: GatheringOut, rows: list[RegistrationOut]) -> list[MealLine]:
    """Every meal served, with the people who have a place (each is counted for every
    meal) and how many of them have dietary needs."""
    confirmed = [r for r in rows if r.status == "confirmed"]
    dietary = sum(bool(r.dietary.strip()) for r in confirmed)
    order = list(labels.MEAL)
    meals = sorted(g.meals, key=lambda m: (m.date, order.index(m.meal) if m.meal in order else 9))
    return [
        MealLine(m.date, labels.label(labels.MEAL, m.meal), len(confirmed), dietary) for m in meals
    ]


async def _page(
    viewer: Viewer,
    gathering_id: str,
    base_url: str,
    *,
    notice: str = "",
    problem: str = "",
    status_code: int = 200,
    cookies: list[Cookie] | None = None,
) -> Template:
    user = coordinator(viewer)
    rows = await registrations.for_gathering(user, gathering_id)  # 403/404 for others
    g = await gatherings.detail(user, gathering_id, base_url)
    started = parse_when(g.starts_at, "starts_at") <= now()
    return Template(
        "coordinator/registrations.html",
        context={
            "viewer": viewer,
            "notice": notice,
            "problem": problem,
            "g": g,
            "confirmed": [r for r in rows if r.status == "confirmed"],
            "waitlisted": [r for r in rows if r.status == "waitlisted"],
            "cancelled": [r for r in rows if r.status == "cancelled"],
            "municipalities": per_municipality(rows),
            "meals": per_meal(g, rows),
            "attendance_open": started and g.status in ("published", "completed"),
            "status_text": labels.label(labels.GATHERING_STATUS, g.status),
        },
        status_code=status_code,
        cookies=cookies or [],
    )


@get("/gatherings/{gathering_id:str}/registrations")
async def registrations_page(
    request: Request[Any, Any, Any],
    gathering_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Template:
    notice, cookies = flash.take(request)
    return await _page(
        signed_in_viewer, gathering_id, settings.base_url, notice=notice, cookies=cookies
    )


@get("/gatherings/{gathering_id:str}/registrations.csv")
async def registrations_csv(
    gathering_id: FromPath[str], signed_in_viewer: NamedDependency[Viewer]
) -> Response[bytes]:
    """The same CSV as the API's (Accept: text/csv), with the headings in the page's language."""
    user = coordinator(signed_in_viewer)
    rows = await registrations.for_gathering(user, gathering_id)  # 403/404 for others
    g = await gatherings.editable_row(user, gathering_id)
    return Response(
        registrations.as_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="pamelding-{g["id"]}.csv"'},
    )


@post("/gatherings/{gathering_id:str}/attendance", status_code=303)
async def save_attendance(
    request: Request[Any, Any, Any],
    gathering_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    user = coordinator(signed_in_viewer)
    form = await request.form()
    listed = [str(v) for v in form.getall("listed", []) if isinstance(v, str)]
    present = {str(v) for v in form.getall("present", []) if isinstance(v, str)}
    try:
        if form.get("action") == "all":
            rows = await registrations.for_gathering(user, gathering_id)
            marks = {r.id: True for r in rows if r.status == "confirmed"}
        else:
            await gatherings.editable_row(user, gathering_id)  # 403/404 before anything
            marks = {reg_id: reg_id in present for reg_id in listed}
        await registrations.set_attendance_many(user, gathering_id, marks)
    except DomainError as exc:
        if exc.status_code in (403, 404):  # not theirs: the error page
            raise
        return await _page(
            signed_in_viewer,
            gathering_id,
            settings.base_url,
            problem=exc.message(),
            status_code=exc.status_code,
        )
    return back_to(f"/gatherings/{gathering_id}/registrations", "attendance-saved", settings)


PAGES: list[Any] = [registrations_page, registrations_csv, save_attendance]
