"""What a claim looked like when it was returned and when it was submitted again, and
what changed in between: the lines added, removed or changed, and the payee account.

`taken_at` is called by claims.record_event for the events that need a snapshot
(`submit`, `return`); it is stored in the event's `detail` (claim_event.detail). A
claim's lines are replaced on every change, so the snapshots are the only record of
what was there before. `changes` compares each resubmission with the latest return
before it. Imports nothing of the claims package (claims.py imports this module).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from service.db.tables import Claim, ClaimEvent, ClaimLine

SNAPSHOT_ACTIONS = ("submit", "return")
IDENTITY = ("date", "departure", "description", "route", "hotel")  # what a line is for


def _data(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    decoded = msgspec.json.decode(value) if value else {}
    return decoded if isinstance(decoded, dict) else {}


async def taken_at(claim_id: int, action: str) -> dict[str, Any] | None:
    """The snapshot to store with an event: the lines (kind, what, amount in øre) and
    the payee account; None for events that need none."""
    if action not in SNAPSHOT_ACTIONS:
        return None
    lines = (
        await ClaimLine.select(ClaimLine.kind, ClaimLine.data, ClaimLine.amount)
        .where(ClaimLine.claim == claim_id)
        .order_by(ClaimLine.position)
    )
    row = await Claim.select(Claim.payee_account).where(Claim.id == claim_id).first()
    return {
        "lines": [
            {"kind": r["kind"], "data": _data(r["data"]), "amount": r["amount"]} for r in lines
        ],
        "payee_account": row["payee_account"] if row else None,
    }


@dataclass(frozen=True)
class LineChange:
    change: str  # "added" | "removed" | "changed"
    kind: str
    before: dict[str, Any] | None  # the line's data (kind, date, route, …)
    after: dict[str, Any] | None
    amount_before: int | None  # øre
    amount_after: int | None


@dataclass(frozen=True)
class Changes:
    """What changed between a return and the resubmission after it."""

    lines: list[LineChange] = field(default_factory=list)
    account_before: str | None = None
    account_after: str | None = None

    @property
    def account_changed(self) -> bool:
        return self.account_before != self.account_after

    @property
    def none(self) -> bool:
        return not self.lines and not self.account_changed


def _key(line: dict[str, Any]) -> tuple[str, ...]:
    data = line["data"]
    return (line["kind"], *(str(data.get(k) or "") for k in IDENTITY))


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return bool(a["data"] == b["data"] and a["amount"] == b["amount"])


def diff(before: dict[str, Any], after: dict[str, Any]) -> Changes:
    old = list(before.get("lines") or [])
    new = list(after.get("lines") or [])
    for a in list(old):  # unchanged lines drop out first
        match = next((b for b in new if _same(a, b)), None)
        if match is not None:
            old.remove(a)
            new.remove(match)
    changed: list[LineChange] = []
    for pair_key in (_key, lambda line: (line["kind"],)):  # the same line, then same kind
        for a in list(old):
            match = next((b for b in new if pair_key(b) == pair_key(a)), None)
            if match is not None:
                old.remove(a)
                new.remove(match)
                changed.append(
                    LineChange(
                        "changed", a["kind"], a["data"], match["data"], a["amount"], match["amount"]
                    )
                )
    removed = [LineChange("removed", a["kind"], a["data"], None, a["amount"], None) for a in old]
    added = [LineChange("added", b["kind"], None, b["data"], None, b["amount"]) for b in new]
    return Changes(
        lines=removed + changed + added,
        account_before=before.get("payee_account"),
        account_after=after.get("payee_account"),
    )


async def changes(claim_id: int) -> dict[int, Changes]:
    """For each resubmission after a return (its position in the claim's history, the
    order of claims.history): what changed since the return."""
    events = (
        await ClaimEvent.select(ClaimEvent.action, ClaimEvent.detail)
        .where(ClaimEvent.claim == claim_id)
        .order_by(ClaimEvent.id)
    )
    out: dict[int, Changes] = {}
    returned: dict[str, Any] | None = None
    for position, e in enumerate(events):
        detail = _data(e["detail"]) if e["detail"] is not None else None
        if e["action"] == "return":
            returned = detail
        elif e["action"] == "submit" and returned is not None:
            if detail is not None:
                out[position] = diff(returned, detail)
            returned = None
    return out
