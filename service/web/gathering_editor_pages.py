"""The gathering editor: a new gathering in one of my networks, editing one (every field
of the API, the programme rows and the meal grid), publishing, and cancelling with a
reason behind a confirmation.

A change to a published gathering that participants would be told of goes through a
preview first: the old → new lines of the change mail and how many get it, from
`gatherings.preview_update` (the same checks as saving, nothing saved); "Save and
notify" then saves it. Without script everything is a form post: the programme's
"Add a row", "Move up/down", "Remove" and the meal grid's "Show the days" post the form
back and get it again, with what was typed kept.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from service.gatherings import service as gatherings
from service.gatherings.schemas import GatheringIn, GatheringOut, GatheringPatch
from service.lib import labels
from service.lib.errors import DomainError
from service.lib.i18n import gettext
from service.settings import Settings
from service.web import flash, gathering_form
from service.web.coordinator_view import back_to, coordinator, my_networks
from service.web.coordinator_view import municipality_options as hosts
from service.web.gathering_form import GatheringForm
from service.web.viewer import Viewer

AUDIENCES = tuple(labels.AUDIENCE)


async def _editor(
    viewer: Viewer,
    state: GatheringForm,
    g: GatheringOut | None = None,
    status_code: int = 200,
    notice: str = "",
    cookies: list[Cookie] | None = None,
) -> Template:
    user = coordinator(viewer)
    networks = [(n.slug, n.name) for n in await my_networks(user)]
    if len(networks) > 1:
        networks.insert(0, ("", gettext("Choose the network")))
    return Template(
        "coordinator/gathering_form.html",
        context={
            "viewer": viewer,
            "notice": notice,
            "g": g,
            "form": state,
            "errors": state.errors,
            "networks": networks,
            "municipalities": [("", gettext("No host municipality")), *await hosts()],
            "audiences": [(a, labels.label(labels.AUDIENCE, a)) for a in AUDIENCES],
            "meal_days": state.meal_days(),
            "meal_names": [labels.label(labels.MEAL, m) for m in gathering_form.MEALS],
            "editable": g is None or g.status in gatherings.EDITABLE_STATES,
            "status_text": labels.label(labels.GATHERING_STATUS, g.status) if g else "",
        },
        status_code=status_code,
        cookies=cookies or [],
    )


# --- a new gathering --------------------------------------------------------------------


@get("/coordinator/gatherings/new")
async def new_gathering(
    signed_in_viewer: NamedDependency[Viewer],
    network: Annotated[str, QueryParameter(max_length=60)] = "",
) -> Template:
    user = coordinator(signed_in_viewer)
    mine = [n.slug for n in await my_networks(user)]
    chosen = network if network in mine else (mine[0] if len(mine) == 1 else "")
    return await _editor(signed_in_viewer, gathering_form.blank(chosen))


@post("/coordinator/gatherings/new", status_code=303)
async def create_gathering(
    request: Request[Any, Any, Any],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    user = coordinator(signed_in_viewer)
    state, action = gathering_form.from_post(await request.form())
    if action:  # a row moved, a row added, the meal days asked for: the form again
        return await _editor(signed_in_viewer, state)
    raw, origin = gathering_form.body(state, new=True)
    if not state.value("network"):
        state.errors["network"] = gettext("Choose the network.")
    if state.errors:
        return await _editor(signed_in_viewer, state, status_code=422)
    try:
        g = await gatherings.create(user, msgspec.convert(raw, GatheringIn), settings.base_url)
    except (DomainError, msgspec.ValidationError) as exc:
        gathering_form.explain(exc, state, origin)
        code = exc.status_code if isinstance(exc, DomainError) else 422
        return await _editor(signed_in_viewer, state, status_code=code)
    return back_to(f"/gatherings/{g.id}/edit", "gathering-created", settings)


# --- editing ----------------------------------------------------------------------------


async def _editable(viewer: Viewer, gathering_id: str, base_url: str) -> GatheringOut:
    """The gathering if the viewer may edit it (a draft is 404 to others, else 403)."""
    user = coordinator(viewer)
    await gatherings.editable_row(user, gathering_id)
    return await gatherings.detail(user, gathering_id, base_url)


@get("/gatherings/{gathering_id:str}/edit")
async def edit_gathering(
    request: Request[Any, Any, Any],
    gathering_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Template:
    g = await _editable(signed_in_viewer, gathering_id, settings.base_url)
    notice, cookies = flash.take(request)
    state = gathering_form.from_gathering(g)
    return await _editor(signed_in_viewer, state, g, notice=notice, cookies=cookies)


def _patch(raw: dict[str, Any], g: GatheringOut) -> GatheringPatch:
    """Every field as the form has it; the programme and the meals only when they change
    (sending them again would count as a change to the calendar)."""
    if gathering_form.same_programme(raw["programme"], g):
        raw = {k: v for k, v in raw.items() if k != "programme"}
    if gathering_form.same_meals(raw["meals"], g):
        raw = {k: v for k, v in raw.items() if k != "meals"}
    return msgspec.convert(raw, GatheringPatch)


def _carried(form: Any) -> list[tuple[str, str]]:
    """What the preview page posts again: the form as it was, less the buttons."""
    return [
        (k, v)
        for k, v in form.multi_items()
        if isinstance(v, str) and k not in ("action", "confirm")
    ]


@post("/gatherings/{gathering_id:str}/edit", status_code=303)
async def save_gathering(
    request: Request[Any, Any, Any],
    gathering_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    viewer = signed_in_viewer
    user = coordinator(viewer)
    g = await _editable(viewer, gathering_id, settings.base_url)
    form = await request.form()
    state, action = gathering_form.from_post(form)
    if action:
        return await _editor(viewer, state, g)
    raw, origin = gathering_form.body(state, new=False)
    if state.errors:
        return await _editor(viewer, state, g, status_code=422)
    try:
        patch = _patch(raw, g)
        if form.get("confirm") != "yes" and g.status == "published":
            preview = await gatherings.preview_update(user, g.id, patch)
            if preview.recipients:
                return Template(
                    "coordinator/gathering_preview.html",
                    context={
                        "viewer": viewer,
                        "notice": "",
                        "g": g,
                        "preview": preview,
                        "carried": _carried(form),
                    },
                )
        await gatherings.update(user, g.id, patch, settings.base_url)
    except (DomainError, msgspec.ValidationError) as exc:
        gathering_form.explain(exc, state, origin)
        status = exc.status_code if isinstance(exc, DomainError) else 422
        return await _editor(viewer, state, g, status_code=status)
    done = "gathering-notified" if form.get("confirm") == "yes" else "gathering-saved"
    return back_to(f"/gatherings/{g.id}/edit", done, settings)


# --- publish, cancel ---------------------------------------------------------------------


@post("/gatherings/{gathering_id:str}/publish", status_code=303)
async def publish_gathering(
    gathering_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    user = coordinator(signed_in_viewer)
    g = await _editable(signed_in_viewer, gathering_id, settings.base_url)
    try:
        await gatherings.publish(user, g.id, settings.base_url)
    except DomainError as exc:
        state = gathering_form.from_gathering(g)
        state.problem = exc.message()
        return await _editor(signed_in_viewer, state, g, status_code=exc.status_code)
    return back_to(f"/gatherings/{g.id}", "gathering-published", settings)


def _cancel_page(
    viewer: Viewer, g: GatheringOut, reason: str = "", error: str = "", status_code: int = 200
) -> Template:
    return Template(
        "coordinator/gathering_cancel.html",
        context={
            "viewer": viewer,
            "notice": "",
            "g": g,
            "reason": reason,
            "errors": {"reason": error} if error else {},
            "told": g.confirmed_count + g.waitlist_count,
            "editable": g.status in gatherings.EDITABLE_STATES,
            "status_text": labels.label(labels.GATHERING_STATUS, g.status),
        },
        status_code=status_code,
    )


@get("/gatherings/{gathering_id:str}/cancel")
async def cancel_gathering_page(
    gathering_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Template:
    g = await _editable(signed_in_viewer, gathering_id, settings.base_url)
    return _cancel_page(signed_in_viewer, g)


@post("/gatherings/{gathering_id:str}/cancel", status_code=303)
async def cancel_gathering(
    request: Request[Any, Any, Any],
    gathering_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    user = coordinator(signed_in_viewer)
    g = await _editable(signed_in_viewer, gathering_id, settings.base_url)
    reason = str((await request.form()).get("reason", "")).strip()
    if not reason:
        error = gettext("Write why the gathering is cancelled; the participants are told.")
        return _cancel_page(signed_in_viewer, g, reason, error, 422)
    if len(reason) > 2000:
        error = gettext("Please keep this under 2000 characters.")
        return _cancel_page(signed_in_viewer, g, reason, error, 422)
    try:
        await gatherings.cancel(user, g.id, reason, settings.base_url)
    except DomainError as exc:
        return _cancel_page(signed_in_viewer, g, reason, exc.message(), exc.status_code)
    return back_to(f"/gatherings/{g.id}", "gathering-cancelled", settings)


PAGES: list[Any] = [
    new_gathering,
    create_gathering,
    edit_gathering,
    save_gathering,
    publish_gathering,
    cancel_gathering_page,
    cancel_gathering,
]
