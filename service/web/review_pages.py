"""Pages for reviewing claims: the coordinator's and finance's queue (/review, filtered
by status, network, gathering, municipality and year, with totals and each claim's
flags), the attest, approve (with cuts per line), return and reject forms, which sit on
the claim's page (templates/review/_decide.html) and post here, and the receipts that
page previews (GET /claims/{id}/receipts/{receipt_id}).

A decision is sent on (303) to the claim's page, which shows the new status, the
history and the outcome once; a refused one answers with the error's status and the
claim's page again, the error next to its field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from service.claims import claims, receipts, review
from service.claims.review import QueueFilter
from service.claims.schemas import ApproveIn, ClaimOut, Cut
from service.lib.errors import BadInput, DomainError, Invalid
from service.lib.i18n import N_, gettext
from service.lib.labels import CLAIM_STATUS, label
from service.lib.money import parse_money, text
from service.settings import Settings
from service.web import claim_flags, flash
from service.web.claim_view import claim_template
from service.web.claim_view import status as claim_status
from service.web.viewer import Viewer


@dataclass(frozen=True)
class QueueRow:
    id: str
    claimant_name: str
    municipality_name: str
    gathering_title: str
    starts_at: datetime
    total: str
    approved_total: str | None
    status: tuple[str, str]
    flags: list[str]


Query = Annotated[str, QueryParameter(max_length=60)]


def _filter(status: str, network: str, gathering: str, municipality: str, year: str) -> QueueFilter:
    year = year.strip()
    if year and not (year.isdigit() and 2000 <= int(year) <= 2100):
        raise BadInput("Not a year: {year}", field="year", params={"year": year})
    return QueueFilter(
        status=status.strip() or "waiting",
        network=network.strip(),
        gathering=gathering.strip(),
        municipality=municipality.strip(),
        year=int(year) if year else None,
    )


@get("/review")
async def review_queue(
    request: Request[Any, Any, Any],
    signed_in_viewer: NamedDependency[Viewer],
    status: Query = "",
    network: Query = "",
    gathering: Query = "",
    municipality: Query = "",
    year: Query = "",
) -> Template:
    user = signed_in_viewer.user
    assert user is not None
    if not review.may_review(user):
        raise PermissionDeniedException()
    chosen = _filter(status, network, gathering, municipality, year)
    found = await review.queue(user, chosen)
    options = await review.choices(user)
    rows = [
        QueueRow(
            c.id,
            c.claimant_name,
            c.municipality_name,
            c.gathering_title,
            c.starts_at,
            c.total,
            c.approved_total,
            claim_status(c.status),
            claim_flags.tags(c.flags),
        )
        for c in found.items
    ]
    statuses = [("waiting", gettext("Waiting for me")), ("all", gettext("All"))]
    statuses += [(s, label(CLAIM_STATUS, s)) for s in review.REVIEWED]
    everything = [("", gettext("All"))]
    notice, cookies = flash.take(request)
    return Template(
        "review/queue.html",
        context={
            "viewer": signed_in_viewer,
            "notice": notice,
            "claims": rows,
            "queue": found,
            "chosen": chosen,
            "filtered": chosen != QueueFilter(),
            "options": {
                "status": statuses,
                "network": everything + [(o.value, o.label) for o in options.networks],
                "gathering": everything + [(o.value, o.label) for o in options.gatherings],
                "municipality": everything
                + [(o.value, f"{o.label} ({o.value})") for o in options.municipalities],
                "year": everything + [(str(y), str(y)) for y in options.years],
            },
        },
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


# A receipt shown inside the claim's page (an <img> or an <iframe>): served inline, as
# the type its first bytes said at upload, in a sandbox that runs no script, framed only
# by our own pages. Whoever may not see the claim gets the 404 page.
RECEIPT_CSP = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'"
)


@get("/claims/{claim_id:str}/receipts/{receipt_id:str}")
async def receipt_inline(
    claim_id: FromPath[str], receipt_id: FromPath[str], signed_in_viewer: NamedDependency[Viewer]
) -> Response[bytes]:
    assert signed_in_viewer.user is not None
    row = await receipts.fetch(signed_in_viewer.user, claim_id, receipt_id)
    return Response(
        row["body"],
        media_type=row["content_type"],
        headers={
            "Content-Disposition": (
                f'inline; filename="{receipts.header_filename(row["filename"])}"; '
                f"filename*=UTF-8''{quote(row['filename'])}"
            ),
            "Content-Security-Policy": RECEIPT_CSP,
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "SAMEORIGIN",
            "Cache-Control": "private, no-store",
        },
    )
