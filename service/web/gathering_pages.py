"""HTML pages for gatherings: the list, one gathering, and registering from the page.

Mails and calendar events link here. Registering is an ordinary form POST with the
session cookie; the CSRF origin check in the auth middleware covers it.
"""

from __future__ import annotations

from html import escape
from typing import Annotated, Any
from urllib.parse import quote

from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect

from service.accounts.guards import current_user
from service.gatherings import service as gatherings
from service.gatherings.schemas import GatheringOut
from service.lib.clock import oslo_text, parse_when
from service.lib.errors import DomainError
from service.registrations import service as registrations
from service.registrations.schemas import RegistrationIn
from service.settings import Settings
from service.web import pages

STATUS_NB = {
    "confirmed": "Du har plass.",
    "waitlisted": "Du står på venteliste som nummer {position}.",
}


def _when(g: GatheringOut) -> str:
    start, end = parse_when(g.starts_at, "starts_at"), parse_when(g.ends_at, "ends_at")
    return f"{oslo_text(start)} – {oslo_text(end)}"


@get("/gatherings", media_type=MediaType.HTML, include_in_schema=False)
async def gathering_list(
    request: Request[Any, Any, Any], settings: NamedDependency[Settings]
) -> Response[str]:
    items = "".join(
        f'<li><a href="/gatherings/{g.id}">{escape(g.title)}</a> – {escape(g.network_name)}, '
        f"{escape(_when(g))}{' (avlyst)' if g.status == 'cancelled' else ''}</li>"
        for g in await gatherings.list_visible(current_user(request), settings.base_url)
    )
    return pages.layout(
        "Samlinger", f"<h1>Samlinger</h1><ul>{items or '<li>Ingen ennå.</li>'}</ul>"
    )


@get("/gatherings/{gathering_id:str}", media_type=MediaType.HTML, include_in_schema=False)
async def gathering_page(
    request: Request[Any, Any, Any],
    gathering_id: FromPath[str],
    settings: NamedDependency[Settings],
    message: Annotated[str, QueryParameter(max_length=200)] = "",
) -> Response[str]:
    user = current_user(request)
    try:
        g = await gatherings.detail(user, gathering_id, settings.base_url)
    except DomainError:
        return pages.layout("Ikke funnet", "<h1>Fant ikke samlingen</h1>", status=404)
    place = ", ".join(escape(p) for p in (g.venue, g.address, g.city) if p)
    programme = "".join(
        f"<li>{escape(oslo_text(parse_when(p.starts_at, 'p'))[-5:])}–"
        f"{escape(oslo_text(parse_when(p.ends_at, 'p'))[-5:])} {escape(p.title)}"
        f"{' (' + escape(p.speaker) + ')' if p.speaker else ''}</li>"
        for p in g.programme
    )
    body = [
        f"<h1>{escape(g.title)}</h1>",
        f'<p role="status">{escape(message)}</p>' if message else "",
        "<p><strong>Avlyst.</strong> " + escape(g.cancel_reason or "") + "</p>"
        if g.status == "cancelled"
        else "",
        f"<p>{escape(g.network_name)}<br>{escape(_when(g))}<br>{place}</p>",
        f"<p>{escape(g.description)}</p>" if g.description else "",
        f"<h2>Program</h2><ul>{programme}</ul>" if programme else "",
        f"<p>{g.seats_left} av {g.capacity} plasser ledige"
        f"{f', {g.waitlist_count} på venteliste' if g.waitlist_count else ''}.</p>",
        f'<p><a href="/calendar/gatherings/{g.id}.ics">Legg i kalenderen</a></p>',
    ]
    if user is None:
        body.append('<p><a href="/login">Logg inn</a> for å melde deg på.</p>')
    elif g.status == "published":
        mine = [
            r
            for r in await registrations.mine(user)
            if r.gathering == g.id and r.status in ("confirmed", "waitlisted")
        ]
        if mine:
            body.append(
                "<p>"
                + escape(STATUS_NB[mine[0].status].format(position=mine[0].waitlist_position))
                + "</p>"
            )
            if mine[0].status == "confirmed" and g.reimbursable:
                body.append(
                    "<p>Reiseutgiftene dekkes: "
                    f'<a href="/claims/new?registration={mine[0].id}">lag reiseregning</a>.</p>'
                )
        else:
            body.append(
                f'<form method="post" action="/gatherings/{g.id}/register">'
                '<p><label>Kosthold/allergier <input name="dietary" maxlength="2000"></label></p>'
                "<p><label>Tilrettelegging "
                '<input name="accessibility" maxlength="2000"></label></p>'
                '<p><label><input type="checkbox" name="accommodation" value="1"> '
                "Trenger overnatting</label></p><button>Meld meg på</button></form>"
            )
    return pages.layout(g.title, "".join(body))


@post(
    "/gatherings/{gathering_id:str}/register",
    media_type=MediaType.HTML,
    include_in_schema=False,
    status_code=303,
)
async def register_from_page(
    request: Request[Any, Any, Any],
    gathering_id: FromPath[str],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    user = current_user(request)
    if user is None:
        return Redirect("/login", status_code=303)
    form = await request.form()
    data = RegistrationIn(
        dietary=str(form.get("dietary", ""))[:2000],
        accessibility=str(form.get("accessibility", ""))[:2000],
        accommodation=form.get("accommodation") == "1",
    )
    try:
        reg, _ = await registrations.register(user, gathering_id, data, settings.base_url)
    except DomainError as exc:
        return pages.layout(
            "Påmelding",
            f"<h1>Påmeldingen gikk ikke</h1><p>{escape(exc.detail)}</p>"
            f'<p><a href="/gatherings/{escape(gathering_id)}">Tilbake</a></p>',
            status=exc.status_code,
        )
    text = STATUS_NB[reg.status].format(position=reg.waitlist_position)
    return Redirect(f"/gatherings/{reg.gathering}?message={quote(text)}", status_code=303)
