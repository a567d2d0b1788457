"""HTML for finance's payouts: approved claims to batch, a batch's bank files, and
marking it paid."""

from __future__ import annotations

from html import escape
from typing import Annotated, Any

from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect

from service.accounts.guards import current_user
from service.claims import claims, payouts
from service.lib.errors import DomainError
from service.settings import Settings
from service.web import pages


def _finance_only(request: Request[Any, Any, Any]) -> Any:
    user = current_user(request)
    if user is None:
        return Redirect("/login", status_code=303)
    if not user.is_finance:
        return pages.layout("Ikke tilgang", "<h1>Bare for økonomi</h1>", 403)
    return user


@get("/payouts", media_type=MediaType.HTML, include_in_schema=False)
async def payout_list(
    request: Request[Any, Any, Any],
    message: Annotated[str, QueryParameter(max_length=300)] = "",
) -> Response[Any]:
    user = _finance_only(request)
    if isinstance(user, Response):
        return user
    ready = [c for c in await claims.list_claims(user, "approved", None) if c.payout is None]
    boxes = "".join(
        f'<li><label><input type="checkbox" name="claim" value="{c.id}" checked> '
        f"{escape(c.municipality_name)} – {escape(c.claimant_name)}, "
        f'<a href="/claims/{c.id}">{escape(c.gathering_title)}</a>: {pages.kr(c.approved_total)}'
        "</label></li>"
        for c in ready
    )
    made = "".join(
        f'<li><a href="/payouts/{p.id}">Utbetaling {p.id}</a> – {pages.kr(p.total)}, '
        f"{'betalt' if p.status == 'paid' else 'ikke betalt'}</li>"
        for p in await payouts.list_payouts(user)
    )
    note = f'<p role="alert">{escape(message)}</p>' if message else ""
    form = (
        f'<form method="post" action="/payouts"><ul>{boxes}</ul>'
        "<button>Lag utbetaling</button></form>"
        if boxes
        else "<p>Ingen godkjente reiseregninger venter.</p>"
    )
    return pages.layout(
        "Utbetalinger",
        f"<h1>Utbetalinger</h1>{note}<h2>Klare til utbetaling</h2>{form}"
        f"<h2>Tidligere</h2><ul>{made or '<li>Ingen ennå.</li>'}</ul>",
    )


@post("/payouts", media_type=MediaType.HTML, include_in_schema=False, status_code=303)
async def payout_from_page(request: Request[Any, Any, Any]) -> Response[Any]:
    user = _finance_only(request)
    if isinstance(user, Response):
        return user
    form = await request.form()
    chosen = [str(v) for v in form.getall("claim")] if hasattr(form, "getall") else []
    try:
        made = await payouts.create(user, payouts.PayoutIn(claims=chosen))
    except DomainError as exc:
        from urllib.parse import quote

        return Redirect(f"/payouts?message={quote(exc.detail)}", status_code=303)
    return Redirect(f"/payouts/{made.id}", status_code=303)


@get("/payouts/{payout_id:str}", media_type=MediaType.HTML, include_in_schema=False)
async def payout_page(request: Request[Any, Any, Any], payout_id: FromPath[str]) -> Response[Any]:
    user = _finance_only(request)
    if isinstance(user, Response):
        return user
    try:
        p = await payouts.detail(user, payout_id)
    except DomainError:
        return pages.layout("Ikke funnet", "<h1>Fant ikke utbetalingen</h1>", status=404)
    rows = "".join(
        f"<tr><td>{escape(x.municipality_name)}</td><td>{escape(x.account)}</td>"
        f"<td>{pages.kr(x.amount)}</td><td>{len(x.claims)}</td></tr>"
        for x in p.payments
    )
    paid = (
        f"<p>Betalt {escape((p.paid_at or '')[:16].replace('T', ' '))} "
        f"av {escape(p.paid_by or '')}.</p>"
        if p.status == "paid"
        else f'<form method="post" action="/payouts/{p.id}/paid"><button>Marker som betalt'
        "</button></form>"
    )
    return pages.layout(
        f"Utbetaling {p.id}",
        f"<h1>Utbetaling {p.id}</h1><table><tr><th>Kommune</th><th>Konto</th><th>Beløp</th>"
        f"<th>Reiseregninger</th></tr>{rows}<tr><th colspan=2>Sum</th><th>{pages.kr(p.total)}</th>"
        f'</tr></table><p><a href="/api/v1/payouts/{p.id}.csv">Last ned CSV</a> · '
        f'<a href="/api/v1/payouts/{p.id}/pain001.xml">Last ned betalingsfil (pain.001)</a></p>'
        f"{paid}",
    )


@post(
    "/payouts/{payout_id:str}/paid",
    media_type=MediaType.HTML,
    include_in_schema=False,
    status_code=303,
)
async def paid_from_page(
    request: Request[Any, Any, Any], payout_id: FromPath[str], settings: NamedDependency[Settings]
) -> Response[Any]:
    user = _finance_only(request)
    if isinstance(user, Response):
        return user
    try:
        await payouts.mark_paid(user, payout_id, settings.base_url)
    except DomainError:
        pass  # paid already: the page says so
    return Redirect(f"/payouts/{payout_id}", status_code=303)
