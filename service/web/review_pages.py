"""Pages for reviewing claims: the coordinator's and finance's queue (/review), and the
attest, approve (with cuts per line), return and reject forms, which sit on the claim's
page (templates/review/_decide.html) and post here.

A decision is sent on (303) to the claim's page, which shows the new status, the
history and the outcome once; a refused one answers with the error's status and the
claim's page again, the error next to its field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from service.claims import claims
from service.claims.schemas import ApproveIn, ClaimOut, Cut
from service.lib.errors import DomainError, Invalid
from service.lib.i18n import N_, gettext
from service.lib.money import parse_money, text
from service.settings import Settings
from service.web import flash
from service.web.claim_view import claim_template, status
from service.web.viewer import Viewer


@dataclass(frozen=True)
class QueueRow:
    id: str
    claimant_name: str
    municipality_name: str
    gathering_title: str
    total: str
    status: tuple[str, str]
    other_account: bool


@get("/review")
async def review_queue(
    request: Request[Any, Any, Any], signed_in_viewer: NamedDependency[Viewer]
) -> Template:
    user = signed_in_viewer.user
    assert user is not None
    if not (user.is_finance or user.coordinated_networks):
        raise PermissionDeniedException()
    found: dict[str, ClaimOut] = {}
    if user.is_finance:
        for state in ("attested", "submitted", "approved"):
            for c in await claims.list_claims(user, state, None):
                found[c.id] = c
    for slug in sorted(user.coordinated_networks):
        for c in await claims.list_claims(user, "submitted", slug):
            found[c.id] = c
    rows = [
        QueueRow(
            c.id,
            c.claimant_name,
            c.municipality_name,
            c.gathering_title,
            c.total,
            status(c.status),
            c.payee_account_on_file is False,
        )
        for c in sorted(found.values(), key=lambda c: int(c.id))
        if c.claimant != user.email
    ]
    notice, cookies = flash.take(request)
    return Template(
        "review/queue.html",
        context={"viewer": signed_in_viewer, "notice": notice, "claims": rows},
        cookies=cookies,
    )


def _approval(form: Any, c: ClaimOut) -> ApproveIn:
    """Cuts from the form: a line whose amount was changed, with its reason."""
    cuts = []
    for i, line in enumerate(c.lines):
        given = str(form.get(f"amount.{line['id']}", "")).strip().replace(" ", "")
        given = given.replace("\xa0", "")
        if not given:
            continue
        amount = parse_money(given.replace(",", "."), f"lines[{i}].approved_amount")
        if amount == parse_money(str(line["amount"]), "amount"):
            continue
        reason = str(form.get(f"reason.{line['id']}", "")).strip()
        if not reason:
            raise Invalid(N_("Write why the line is cut"), field=f"lines[{i}].reason")
        cuts.append(Cut(line=str(line["id"]), approved_amount=text(amount), reason=reason))
    return ApproveIn(lines=cuts, comment="")


def _form_field(exc: DomainError, c: ClaimOut | None) -> str | None:
    """The decision form's field a DomainError names: reason, comment, or a line's cut."""
    if exc.field in ("reason", "comment"):
        return exc.field
    found = re.fullmatch(r"lines\[(\d+)\]\.(approved_amount|reason)", exc.field or "")
    if found and c is not None and int(found.group(1)) < len(c.lines):
        line_id = c.lines[int(found.group(1))]["id"]
        return f"{'amount' if found.group(2) == 'approved_amount' else 'reason'}.{line_id}"
    return None


@post("/claims/{claim_id:str}/decide", status_code=303)
async def decide(
    request: Request[Any, Any, Any],
    claim_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    user = signed_in_viewer.user
    assert user is not None
    form = await request.form()
    action = str(form.get("action", ""))
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    c: ClaimOut | None = None
    try:
        if action == "attest":
            await claims.attest(user, claim_id, str(form.get("comment", ""))[:2000])
        elif action == "approve":
            c = await claims.detail(user, claim_id)
            await claims.approve(user, claim_id, _approval(form, c), settings.base_url)
        elif action in ("return", "reject"):
            reason = str(form.get("reason", ""))[:2000]
            await claims.send_back(user, claim_id, reason, action, settings.base_url)
        else:
            return await claim_template(
                signed_in_viewer,
                claim_id,
                problem=gettext("Choose what to do with the claim."),
                values=values,
                status_code=400,
            )
    except DomainError as exc:
        name = _form_field(exc, c)
        return await claim_template(
            signed_in_viewer,
            claim_id,
            errors={name: exc.message()} if name else {},
            problem="" if name else exc.message(),
            values=values,
            status_code=exc.status_code,
        )
    done = {"attest": "attested", "approve": "approved", "return": "returned"}
    response = Redirect(f"/claims/{claim_id}", status_code=303)
    code = f"claim-{done.get(action, 'rejected')}"
    return flash.flash(response, code, secure=settings.production)
