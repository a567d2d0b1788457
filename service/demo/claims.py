"""The demo's travel-cost claims, through the claims, receipts and payouts services.

The claims on the past gatherings are given states from oldest to newest (the
programme's `claim_states`): the oldest are paid in one payout batch, then approved,
rejected, returned, attested, submitted, and the newest are still drafts. The payee
account is a made-up, well-formed number per municipality given on the claim itself:
the demo never writes an account onto a real municipality's record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import msgspec
from stdnum.no import kontonr

from service.accounts.identity import CurrentUser
from service.claims import claims as claim_service
from service.claims import payouts, receipts
from service.claims.payouts import PayoutIn
from service.claims.schemas import ApproveIn, ClaimIn
from service.demo.data import ClaimSpec, LineSpec, programme, wall
from service.demo.gatherings import Made
from service.demo.people import coordinator_of, finance


@dataclass
class Counts:
    claims: int = 0
    receipts: int = 0
    payouts: int = 0


def payee_account(municipality: str) -> str:
    """A well-formed (check digit) account number made from the municipality number."""
    for prefix in ("1234", "1235", "1236"):
        for digit in "0123456789":
            candidate = f"{prefix}{municipality.zfill(6)}{digit}"
            if kontonr.is_valid(candidate):
                return candidate
    raise AssertionError(f"no account number for {municipality}")  # pragma: no cover


def _line(spec: LineSpec, day: date) -> dict[str, Any]:
    on = (day + timedelta(days=spec.day)).isoformat()
    if spec.kind == "mileage":
        return {
            "kind": "mileage",
            "date": on,
            "km": spec.km,
            "passengers": spec.passengers,
            "route": spec.route,
        }
    if spec.kind in ("ticket", "other"):
        return {
            "kind": spec.kind,
            "date": on,
            "description": spec.description,
            "amount": spec.amount,
        }
    if spec.kind == "accommodation":
        return {
            "kind": "accommodation",
            "nights": spec.nights,
            "amount": spec.amount,
            "hotel": spec.hotel,
        }
    if spec.kind == "night_allowance":
        return {"kind": "night_allowance", "nights": spec.nights}
    assert spec.kind == "per_diem" and spec.departure and spec.return_
    return {
        "kind": "per_diem",
        "departure": wall(day + timedelta(days=spec.departure[0]), spec.departure[1]),
        "return": wall(day + timedelta(days=spec.return_[0]), spec.return_[1]),
        "distance_km": spec.distance_km,
    }


def _pdf_text(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def receipt_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a few lines of text: the demo's stand-in for a scanned receipt."""
    body = (
        b"BT /F1 12 Tf 72 760 Td 16 TL "
        + b" ".join(b"(" + _pdf_text(line) + b") '" for line in lines)
        + b" ET"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(body), body),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


async def _receipts(user: CurrentUser, claim_id: str, spec: ClaimSpec, title: str) -> int:
    added = 0
    for line in spec.lines:
        if line.kind not in ("ticket", "accommodation"):
            continue
        what = line.description or line.hotel
        pdf = receipt_pdf(["Kvittering", what, f"Bel\u00f8p: {line.amount} kr", title, user.name])
        name = "kvittering-" + ("hotell" if line.kind == "accommodation" else "reise") + ".pdf"
        await receipts.add(user, claim_id, name, pdf)
        added += 1
    return added


async def ensure_claims(people: dict[str, CurrentUser], past: list[Made], base_url: str) -> Counts:
    """Claims for the past gatherings made on this run, each taken to its state."""
    data = programme()
    counts = Counts()
    money = finance(people)
    todo = sorted(
        (
            (made.day, i, j, made, spec)
            for i, made in enumerate(past)
            for j, spec in enumerate(made.spec.claims)
        ),
        key=lambda t: (t[0], t[1], t[2]),
    )
    returned = rejected = 0
    to_pay: list[str] = []
    for rank, (_, _, _, made, spec) in enumerate(todo):
        state = data.claim_states[rank] if rank < len(data.claim_states) else "draft"
        user = people.get(spec.by)
        registration = made.places.get(spec.by)
        if user is None or registration is None or user.municipality_number is None:
            continue
        claim_in = msgspec.convert(
            {
                "registration": registration,
                "lines": [_line(line, made.day) for line in spec.lines],
                "payee_account": payee_account(user.municipality_number),
            },
            ClaimIn,
        )
        claim = await claim_service.create(user, claim_in)
        counts.claims += 1
        missing_receipt = state == "returned" and returned == 0  # the first reason says so
        if not missing_receipt:
            counts.receipts += await _receipts(user, claim.id, spec, made.spec.title)
        coordinator = coordinator_of(people, made.spec.network)
        if state == "draft" or coordinator is None or money is None:
            continue
        await claim_service.submit(user, claim.id, base_url)
        if state == "submitted":
            continue
        if state == "returned":
            reason = data.reasons.returned[returned % len(data.reasons.returned)]
            returned += 1
            await claim_service.send_back(coordinator, claim.id, reason, "return", base_url)
            continue
        await claim_service.attest(coordinator, claim.id, data.reasons.attest)
        if state == "attested":
            continue
        if state == "rejected":
            reason = data.reasons.rejected[rejected % len(data.reasons.rejected)]
            rejected += 1
            await claim_service.send_back(money, claim.id, reason, "reject", base_url)
            continue
        cuts = []
        if spec.cut is not None:
            line = claim.lines[spec.cut.line]
            cuts.append(
                {"line": line["id"], "approved_amount": spec.cut.amount, "reason": spec.cut.reason}
            )
        approval = msgspec.convert({"lines": cuts, "comment": data.reasons.approve}, ApproveIn)
        await claim_service.approve(money, claim.id, approval, base_url)
        if state == "paid":
            to_pay.append(claim.id)
    if to_pay and money is not None:
        batch = await payouts.create(money, PayoutIn(claims=to_pay))
        await payouts.mark_paid(money, batch.id, base_url)
        counts.payouts += 1
    return counts
