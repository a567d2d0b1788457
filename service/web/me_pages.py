"""My page (/me): my registrations, my claims and my profile; cancelling a place behind a
confirmation; and my calendar (/me/calendar): the personal feed with subscribe links and
resetting its address behind a confirmation.

Every change is a form POST followed by a 303 to a page that reads the new state from
the database; a one-shot flash cookie (service.web.flash) carries the "done" message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from service.accounts import service as accounts
from service.calendar import personal
from service.claims import claims
from service.claims.schemas import ClaimOut
from service.documents.directory import phone_text
from service.lib import i18n, labels
from service.lib.clock import now, parse_when
from service.lib.errors import DomainError, NotFound
from service.registrations import service as registrations
from service.registrations.schemas import RegistrationOut
from service.settings import Settings
from service.web import flash
from service.web.subscribe import subscribe_links
from service.web.viewer import LANG_COOKIE, Viewer, local_path

YEAR = 365 * 24 * 3600


@dataclass(frozen=True)
class MyRegistration:
    r: RegistrationOut
    status_text: str
    may_cancel: bool


@dataclass(frozen=True)
class MyClaim:
    c: ClaimOut
    status_text: str


@dataclass
class ProfileForm:
    name: str
    language: str
    errors: dict[str, str] = field(default_factory=dict)
    phone: str = ""  # a coordinator's phone and directory consent (service.documents)
    listed: bool = False


def _past_text(r: RegistrationOut) -> str:
    _ = i18n.gettext
    if r.status == "waitlisted":
        return _("Did not get a place")
    if r.attended is True:
        return labels.label(labels.REGISTRATION_STATUS, "attended")
    if r.attended is False:
        return _("Did not attend")
    return _("Attendance not recorded")


async def _groups(viewer: Viewer) -> dict[str, list[MyRegistration]]:
    assert viewer.user is not None
    at = now()
    groups: dict[str, list[MyRegistration]] = {"upcoming": [], "past": [], "cancelled": []}
    for r in await registrations.mine(viewer.user):
        started = parse_when(r.starts_at, "starts_at") <= at
        if r.status == "cancelled":
            text = i18n.pgettext("registration", "Cancelled")
            groups["cancelled"].append(MyRegistration(r, text, False))
        elif started:
            groups["past"].append(MyRegistration(r, _past_text(r), False))
        else:
            text = labels.label(labels.REGISTRATION_STATUS, r.status)
            groups["upcoming"].append(MyRegistration(r, text, True))
    groups["past"].reverse()
    groups["cancelled"].reverse()
    return groups


async def _claims(viewer: Viewer) -> list[MyClaim]:
    assert viewer.user is not None
    own = await claims.list_claims(viewer.user, None, None, None, mine=True)
    return [MyClaim(c, labels.label(labels.CLAIM_STATUS, c.status)) for c in own]


async def _me_page(
    viewer: Viewer,
    form: ProfileForm | None = None,
    notice: str = "",
    status: int = 200,
    cookies: list[Cookie] | None = None,
) -> Template:
    assert viewer.user is not None
    return Template(
        "me/index.html",
        context={
            "viewer": viewer,
            "notice": notice,
            "groups": await _groups(viewer),
            "claims": await _claims(viewer),
            "form": form or await _profile_form(viewer),
            "contact_fields": bool(viewer.user.coordinated_networks),
            "languages_list": list(i18n.NAMES.items()),
        },
        status_code=status,
        cookies=cookies or [],
    )


async def _profile_form(viewer: Viewer) -> ProfileForm:
    assert viewer.user is not None
    contact = await accounts.contact_of(viewer.user.id)
    return ProfileForm(
        viewer.user.name,
        viewer.user.language or i18n.current(),
        phone=phone_text(contact.get("phone")),
        listed=bool(contact.get("listed")),
    )


@get("/me")
async def me_page(
    request: Request[Any, Any, Any], signed_in_viewer: NamedDependency[Viewer]
) -> Template:
    notice, cookies = flash.take(request)
    return await _me_page(signed_in_viewer, notice=notice, cookies=cookies)


@post("/me/profile", status_code=303)
async def save_profile(
    request: Request[Any, Any, Any],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    viewer = signed_in_viewer
    assert viewer.user is not None
    data = await request.form()
    form = ProfileForm(str(data.get("name", "")).strip(), str(data.get("language", "")))
    contact = data.get("contact") == "1"  # the phone and consent fields were on the form
    form.phone, form.listed = str(data.get("phone", "")).strip(), data.get("listed") == "1"
    if not form.name:
        form.errors["name"] = i18n.gettext("Please write your name.")
    elif len(form.name) > 200:
        form.errors["name"] = i18n.gettext("Please keep the name under 200 characters.")
    if form.language not in i18n.LANGUAGES:
        form.errors["language"] = i18n.gettext("Choose one of the languages.")
    if not form.errors:
        try:
            await accounts.update_profile(
                viewer.user,
                name=form.name,
                language=form.language,
                phone=form.phone if contact else None,
                listed=form.listed if contact else None,
            )
        except DomainError as exc:
            form.errors[exc.field or "name"] = exc.message()
    if form.errors:
        return await _me_page(viewer, form, status=400)
    response = Redirect("/me", status_code=303)
    response.set_cookie(
        LANG_COOKIE, form.language, max_age=YEAR, samesite="lax", secure=settings.production
    )
    return flash.flash(response, "saved", secure=settings.production)


async def _my_registration(viewer: Viewer, registration_id: str) -> RegistrationOut:
    assert viewer.user is not None
    for r in await registrations.mine(viewer.user):
        if r.id == registration_id:
            return r
    raise NotFound("No registration with that id")


@post("/me/registrations/{registration_id:str}/cancel", status_code=303)
async def cancel_registration(
    request: Request[Any, Any, Any],
    registration_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    """Without `confirm=yes`: the "are you sure?" page. With it: cancel, then back."""
    viewer = signed_in_viewer
    assert viewer.user is not None
    r = await _my_registration(viewer, registration_id)
    data = await request.form()
    back = local_path(str(data.get("next", "")) or None, default=f"/gatherings/{r.gathering}")
    context: dict[str, Any] = {"viewer": viewer, "notice": "", "r": r, "back": back, "error": ""}
    if data.get("confirm") != "yes":
        return Template("me/cancel_confirm.html", context=context, status_code=200)
    try:
        await registrations.cancel(viewer.user, r.id, settings.base_url)
    except DomainError as exc:
        context["error"] = exc.message()
        return Template("me/cancel_confirm.html", context=context, status_code=exc.status_code)
    return flash.flash(Redirect(back, status_code=303), "cancelled", secure=settings.production)


# --- my calendar ----------------------------------------------------------------------


@get("/me/calendar")
async def my_calendar(
    request: Request[Any, Any, Any],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Template:
    viewer = signed_in_viewer
    assert viewer.user is not None
    notice, cookies = flash.take(request)
    urls = await personal.my_feed(viewer.user, settings)
    name = i18n.gettext("My gatherings – Samling")
    return Template(
        "me/calendar.html",
        context={"viewer": viewer, "notice": notice, "links": subscribe_links(urls["url"], name)},
        cookies=cookies,
    )


@post("/me/calendar/reset", status_code=303)
async def reset_calendar(
    request: Request[Any, Any, Any],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    """Without `confirm=yes`: the page that says the old link stops working."""
    viewer = signed_in_viewer
    assert viewer.user is not None
    data = await request.form()
    if data.get("confirm") != "yes":
        return Template(
            "me/calendar_reset.html", context={"viewer": viewer, "notice": ""}, status_code=200
        )
    await personal.reset_feed(viewer.user, settings)
    response = Redirect("/me/calendar", status_code=303)
    return flash.flash(response, "calendar-reset", secure=settings.production)
