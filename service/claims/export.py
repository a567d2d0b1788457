"""The claims export for finance: one row per claim, amounts as Norwegian decimals."""

from __future__ import annotations

from service.accounts.identity import CurrentUser
from service.claims import claims
from service.lib import csvfile
from service.lib.clock import oslo_iso
from service.lib.money import from_ore, text

HEADER = [
    "id",
    "status",
    "samling",
    "nettverk",
    "kommunenummer",
    "kommune",
    "kontonummer",
    "navn",
    "e-post",
    "krevd",
    "godkjent",
    "sendt inn",
    "avgjort",
    "utbetalt",
]


def _kr(value: str | None) -> str:
    return "" if value is None else value.replace(".", ",")


def _money(ore: int | None) -> str:
    return "" if ore is None else _kr(text(from_ore(ore)))


async def claims_csv(user: CurrentUser, status: str | None) -> bytes:
    rows = await claims.claim_rows(user, status, None, limit=None)  # every one, one query
    return csvfile.as_csv(
        HEADER,
        (
            [
                c["id"],
                c["status"],
                c["gathering_title"],
                c["network_slug"],
                c["municipality_number"],
                c["municipality_name"],
                c["payee_account"] or "",
                c["claimant_name"],
                c["claimant_email"],
                _money(c["total"]),
                _money(c["approved_total"]),
                oslo_iso(c["submitted_at"]) or "",
                oslo_iso(c["decided_at"]) or "",
                oslo_iso(c["paid_at"]) or "",
            ]
            for c in rows
        ),
    )
