"""HTML for reviewing claims: the coordinator's and finance's queue, and the attest,
approve (with cuts), return and reject forms on a claim's page."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from service.accounts.guards import current_user
from service.accounts.identity import CurrentUser
from service.claims import claims
from service.claims.schemas import ApproveIn, ClaimOut, Cut
from service.lib.errors import DomainError, Invalid
from service.lib.money import parse_money, text
from service.settings import Settings
from service.web import pages

STATUS_NB = {"submitted": "til attestering", "attested": "til godkjenning", "approved": "godkjent"}


OTHER_ACCOUNT = " <strong>(annen konto enn kommunens)</strong>"


@get("/review", media_type=MediaType.HTML, include_in_schema=False)
async def review_queue(request: Request[Any, Any, Any]) -> Response[Any]:
    user = current_user(request)
    if user is None:
        return Redirect("/login", status_code=303)
    if not (user.is_finance or user.coordinated_networks):
        return pages.layout("Ikke tilgang", "<h1>Bare for koordinatorer og økonomi</h1>", 403)
    found: dict[str, ClaimOut] = {}
    if user.is_finance:
        for status in ("attested", "submitted", "approved"):
            for c in await claims.list_claims(user, status, None):
                found[c.id] = c
    for slug in sorted(user.coordinated_networks):
        for c in await claims.list_claims(user, "submitted", slug):
            found[c.id] = c
    rows = "".join(
        f'<li><a href="/claims/{c.id}">{escape(c.claimant_name)}, '
        f"{escape(c.municipality_name)}</a> – {escape(c.gathering_title)}: {pages.kr(c.total)}, "
        f"{STATUS_NB.get(c.status, c.status)}"
        f"{OTHER_ACCOUNT if c.payee_account_on_file is False else ''}"
        "</li>"
        for c in sorted(found.values(), key=lambda c: int(c.id))
        if c.claimant != user.email
    )
    return pages.layout(
        "Til behandling",
        f"<h1>Reiseregninger til behandling</h1><ul>{rows or '<li>Ingen.</li>'}</ul>",
    )


def review_forms(user: CurrentUser, c: ClaimOut) -> str:
    """The decisions this user may take on this claim now, as forms."""
    if c.claimant == user.email:
        return ""
    out = []
    reviewer = user.is_finance or user.coordinates(c.network)
    if c.status == "submitted" and reviewer:
        out.append(
            f'<form method="post" action="/claims/{c.id}/decide">'
            '<input type="hidden" name="action" value="attest">'
            '<label>Kommentar <input name="comment" maxlength="2000"></label> '
            "<button>Attester</button></form>"
        )
    if c.status == "attested" and user.is_finance and c.attested_by != user.email:
        cuts = "".join(
            f"<tr><td>{escape(pages.what(line))}<br><small>{escape(str(line['rule']))}</small></td>"
            f"<td>{pages.kr(str(line['amount']))}</td>"
            f'<td><input name="amount.{line["id"]}" value="{str(line["amount"]).replace(".", ",")}"'
            ' size="10" inputmode="decimal"></td>'
            f'<td><input name="reason.{line["id"]}" maxlength="2000"></td></tr>'
            for line in c.lines
        )
        out.append(
            f'<form method="post" action="/claims/{c.id}/decide">'
            '<input type="hidden" name="action" value="approve">'
            "<table><tr><th>Post</th><th>Krevd</th><th>Godkjent</th><th>Begrunnelse ved kutt</th>"
            f"</tr>{cuts}</table><button>Godkjenn</button></form>"
        )
    if c.status in ("submitted", "attested") and reviewer:
        out.append(
            f'<form method="post" action="/claims/{c.id}/decide">'
            '<label>Begrunnelse <input name="reason" required maxlength="2000"></label> '
            '<button name="action" value="return">Send i retur</button>'
            + (' <button name="action" value="reject">Avvis</button>' if user.is_finance else "")
            + "</form>"
        )
    return "<h2>Behandling</h2>" + "".join(out) if out else ""


def _approval(form: Any, c: ClaimOut) -> ApproveIn:
    """Cuts from the form: a line whose amount was changed, with its reason."""
    cuts = []
    for i, line in enumerate(c.lines):
        given = str(form.get(f"amount.{line['id']}", "")).strip().replace(" ", "")
        if not given:
            continue
        amount = parse_money(given.replace(",", "."), f"lines[{i}].approved_amount")
        if amount == parse_money(str(line["amount"]), "amount"):
            continue
        reason = str(form.get(f"reason.{line['id']}", "")).strip()
        if not reason:
            raise Invalid("Skriv hvorfor posten kuttes", field=f"lines[{i}].reason")
        cuts.append(Cut(line=str(line["id"]), approved_amount=text(amount), reason=reason))
    return ApproveIn(lines=cuts, comment="")


@post("/claims/{claim_id:str}/decide", media_type=MediaType.HTML, include_in_schema=False)
async def decide(
    request: Request[Any, Any, Any], claim_id: FromPath[str], settings: NamedDependency[Settings]
) -> Response[Any]:
    user = current_user(request)
    if user is None:
        return Redirect("/login", status_code=303)
    form = await request.form()
    action = str(form.get("action", ""))
    try:
        if action == "attest":
            await claims.attest(user, claim_id, str(form.get("comment", ""))[:2000])
            done = "Attestert."
        elif action == "approve":
            c = await claims.detail(user, claim_id)
            await claims.approve(user, claim_id, _approval(form, c), settings.base_url)
            done = "Godkjent."
        elif action in ("return", "reject"):
            reason = str(form.get("reason", ""))[:2000]
            await claims.send_back(user, claim_id, reason, action, settings.base_url)
            done = "Sendt i retur." if action == "return" else "Avvist."
        else:
            done = "Ukjent handling."
    except DomainError as exc:
        done = exc.detail
    return Redirect(f"/claims/{claim_id}?message={quote(done)}", status_code=303)
