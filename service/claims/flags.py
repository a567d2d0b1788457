"""What a reviewer should check before deciding a claim: its flags.

- `account_not_on_file`: the payee account is not the municipality's account on file;
- `no_account_on_file`: the municipality has no account on file to compare with;
- `account_recently_changed`: it is the account on file, but that account was changed
  within the last 30 days (service.claims.claims decides that);
- `duplicate_line`: the same person has another live claim (any status but rejected)
  for the same gathering with a line of the same kind;
- `duplicate_receipt`: a receipt with the same SHA-256 is on another live claim.

Flags are for reviewers (finance and the network's coordinators); the claimant's own
view carries none. The claim page, the review queue and the API use these functions,
a few queries for any number of claims.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from service.accounts.identity import CurrentUser
from service.claims import claims
from service.claims.schemas import ClaimFlag, ClaimOut
from service.db.tables import Claim

DUPLICATE_LINES_SQL = (
    "SELECT DISTINCT c.id AS claim, o.id AS other, cl.kind AS kind FROM claim c "
    "JOIN claim o ON o.claimant = c.claimant AND o.gathering = c.gathering AND o.id <> c.id "
    "JOIN claim_line cl ON cl.claim = c.id "
    "JOIN claim_line ol ON ol.claim = o.id AND ol.kind = cl.kind "
    "WHERE o.status <> 'rejected' AND c.id IN ({ids})"
)
DUPLICATE_RECEIPTS_SQL = (
    "SELECT DISTINCT r.claim AS claim, o.claim AS other FROM receipt r "
    "JOIN receipt o ON o.sha256 = r.sha256 AND o.claim <> r.claim "
    "JOIN claim oc ON oc.id = o.claim "
    "WHERE oc.status <> 'rejected' AND r.claim IN ({ids})"
)
CHUNK = 500


def reviews(user: CurrentUser, network: str, claimant: str) -> bool:
    """Whether `user` reviews this claim (and so sees its flags)."""
    if claimant == user.email:
        return False
    return user.is_finance or user.coordinates(network)


def account_flags(payee: str | None, on_file: bool | None, recently: bool) -> list[ClaimFlag]:
    """`on_file`: whether the payee account is the municipality's on file (None: the
    municipality has none), as ClaimOut.payee_account_on_file says."""
    if not payee:
        return []  # nothing to pay to yet: submitting asks for an account
    if on_file is None:
        return [ClaimFlag(code="no_account_on_file")]
    if not on_file:
        return [ClaimFlag(code="account_not_on_file")]
    if recently:
        return [ClaimFlag(code="account_recently_changed")]
    return []


async def _query(sql: str, ids: Sequence[int]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        rows += await Claim.raw(sql.format(ids=", ".join("{}" for _ in part)), *part)
    return rows


async def duplicates(claim_ids: Iterable[int]) -> dict[int, list[ClaimFlag]]:
    """The duplicate flags of each claim (claims without any are left out)."""
    ids = sorted(set(claim_ids))
    if not ids:
        return {}
    lines: dict[int, dict[int, set[str]]] = {}
    for r in await _query(DUPLICATE_LINES_SQL, ids):
        lines.setdefault(r["claim"], {}).setdefault(r["other"], set()).add(r["kind"])
    receipts: dict[int, set[int]] = {}
    for r in await _query(DUPLICATE_RECEIPTS_SQL, ids):
        receipts.setdefault(r["claim"], set()).add(r["other"])
    out: dict[int, list[ClaimFlag]] = {}
    for claim_id in ids:
        found = []
        if claim_id in lines:
            others = lines[claim_id]
            kinds = sorted(set().union(*others.values()))
            found.append(
                ClaimFlag(
                    code="duplicate_line", claims=[str(o) for o in sorted(others)], kinds=kinds
                )
            )
        if claim_id in receipts:
            others_r = sorted(receipts[claim_id])
            found.append(ClaimFlag(code="duplicate_receipt", claims=[str(o) for o in others_r]))
        if found:
            out[claim_id] = found
    return out


def _recently(row: dict[str, Any]) -> bool:
    check = getattr(claims, "recently_changed", None)
    return bool(check(row)) if check is not None and "account_changed_at" in row else False


async def of_rows(rows: Sequence[dict[str, Any]]) -> dict[int, list[ClaimFlag]]:
    """Flags of claims read with claims.CLAIM_SQL (the review queue)."""
    dup = await duplicates(r["id"] for r in rows)
    out: dict[int, list[ClaimFlag]] = {}
    for r in rows:
        on_file = r["municipality_account"]
        state = None if not on_file else r["payee_account"] == on_file
        found = account_flags(r["payee_account"], state, _recently(r))
        found += dup.get(r["id"], [])
        if found:
            out[r["id"]] = found
    return out


async def of_claims(user: CurrentUser, found: Sequence[ClaimOut]) -> list[ClaimOut]:
    """The claims with `flags` filled in where `user` reviews them."""
    reviewed = {c.id for c in found if reviews(user, c.network, c.claimant)}
    dup = await duplicates(int(i) for i in reviewed)
    out = []
    for c in found:
        if c.id in reviewed:
            recently = bool(getattr(c, "payee_account_recently_changed", False))
            flags = account_flags(c.payee_account, c.payee_account_on_file, recently)
            c = msgspec.structs.replace(c, flags=flags + dup.get(int(c.id), []))
        out.append(c)
    return out


async def of_claim(user: CurrentUser, c: ClaimOut) -> ClaimOut:
    return (await of_claims(user, [c]))[0]
