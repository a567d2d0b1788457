"""One claim's page as its viewer sees it: the lines with their rules, receipts, history,
and the forms this viewer may use now (upload and submit for the claimant; attest,
approve with cuts, return and reject for reviewers).

Shared by the claim pages (showing it, submit and upload errors) and the review pages
(decision errors), so both render the same page with the error next to its field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from litestar.datastructures import Cookie
from litestar.response import Template

from service.accounts.identity import CurrentUser
from service.claims import claims, flags, snapshots
from service.claims.schemas import ClaimOut
from service.lib.clock import parse_when
from service.lib.i18n import date_text
from service.lib.labels import CLAIM_STATUS, LINE_KIND, label
from service.web import claim_flags, claim_history
from service.web.viewer import Viewer

# Designsystemet colours for a claim's status tag.
STATUS_COLOR = {
    "draft": "neutral",
    "submitted": "info",
    "attested": "info",
    "approved": "success",
    "paid": "success",
    "returned": "warning",
    "rejected": "danger",
}


def status(code: str) -> tuple[str, str]:
    """(text, colour) of a claim status, for the `status_tag` macro."""
    return label(CLAIM_STATUS, code), STATUS_COLOR.get(code, "neutral")


def what(line: Mapping[str, object]) -> str:
    """What a claim line is for, in the claimant's words, with its date."""
    words = [str(line[k]) for k in ("description", "route", "hotel") if line.get(k)]
    when: str = ""
    if line.get("date"):
        when = date_text(date.fromisoformat(str(line["date"])[:10]))
    elif line.get("departure"):
        departure = line["departure"]
        if isinstance(departure, datetime):
            when = date_text(departure)
        else:
            when = date_text(parse_when(str(departure), "departure"))
    return " – ".join([*words, when] if when else words)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class LineRow:
    id: str
    kind: str
    what: str
    rule: str
    amount: str
    approved_amount: str | None
    cut_reason: str


def line_rows(c: ClaimOut) -> list[LineRow]:
    return [
        LineRow(
            id=str(line["id"]),
            kind=label(LINE_KIND, str(line["kind"])),
            what=what(line),
            rule=str(line["rule"]),
            amount=str(line["amount"]),
            approved_amount=_text(line["approved_amount"]),
            cut_reason=str(line.get("cut_reason") or ""),
        )
        for line in c.lines
    ]


@dataclass(frozen=True)
class Decisions:
    """Which review forms this user gets on this claim now."""

    attest: bool = False
    approve: bool = False
    send_back: bool = False
    reject: bool = False
    attested_by_you: bool = False  # finance who attested: someone else approves

    @property
    def any(self) -> bool:
        return self.attest or self.approve or self.send_back


def decisions(user: CurrentUser, c: ClaimOut) -> Decisions:
    if c.claimant == user.email:
        return Decisions()
    reviewer = user.is_finance or user.coordinates(c.network)
    open_ = c.status in ("submitted", "attested")
    return Decisions(
        attest=c.status == "submitted" and reviewer,
        approve=c.status == "attested" and user.is_finance and c.attested_by != user.email,
        send_back=open_ and reviewer,
        reject=open_ and user.is_finance,
        attested_by_you=c.status == "attested" and user.is_finance and c.attested_by == user.email,
    )


# How the claim page previews a receipt: images shown, PDFs embedded, others linked.
PREVIEW = {"image/jpeg": "image", "image/png": "image", "application/pdf": "pdf"}


@dataclass(frozen=True)
class ReceiptView:
    id: str
    filename: str
    preview: str  # "image" | "pdf" | "" (HEIC: browsers do not show it)
    src: str  # inline, for the preview (service.web.review_pages.receipt_inline)
    download: str  # as an attachment


def receipt_views(c: ClaimOut) -> list[ReceiptView]:
    return [
        ReceiptView(
            id=str(r["id"]),
            filename=str(r["filename"]),
            preview=PREVIEW.get(str(r["content_type"]), ""),
            src=f"/claims/{c.id}/receipts/{r['id']}",
            download=f"/api/v1/claims/{c.id}/receipts/{r['id']}",
        )
        for r in c.receipts
    ]


def approve_value(amount: str) -> str:
    """An amount as the approve form shows it for editing: "1000,00"."""
    return amount.replace(".", ",")


async def claim_template(
    viewer: Viewer,
    claim_id: str,
    *,
    errors: Mapping[str, str] | None = None,
    problem: str = "",
    values: Mapping[str, str] | None = None,
    notice: str = "",
    status_code: int = 200,
    cookies: Sequence[Cookie] = (),
) -> Template:
    """The claim's page; a claim the viewer may not see is a NotFound (the 404 page)."""
    user = viewer.user
    assert user is not None
    c = await flags.of_claim(user, await claims.detail(user, claim_id))
    events = await claims.history(user, claim_id)
    changes = claim_history.change_lists(await snapshots.changes(int(c.id)), what)
    text, color = status(c.status)
    return Template(
        "claims/claim.html",
        context={
            "viewer": viewer,
            "notice": notice,
            "claim": c,
            "status_text": text,
            "status_color": color,
            "lines": line_rows(c),
            "events": [(e, label(CLAIM_STATUS, e.to_status)) for e in events],
            "changes": changes,  # by position in events: a resubmission after a return
            "flags": claim_flags.texts(c),
            "receipts": receipt_views(c),
            "own": c.claimant == user.email,
            "editable": c.claimant == user.email and c.status in claims.EDITABLE,
            "decide": decisions(user, c),
            "approve_value": approve_value,
            "errors": dict(errors or {}),
            "problem": problem,
            "values": dict(values or {}),
        },
        status_code=status_code,
        cookies=list(cookies),
    )
