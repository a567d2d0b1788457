"""The claims export for finance: one row per claim, amounts as Norwegian decimals."""

from __future__ import annotations

from service.accounts.identity import CurrentUser
from service.claims import claims
from service.lib import csvfile

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


async def claims_csv(user: CurrentUser, status: str | None) -> bytes:
    rows = await claims.list_claims(user, status, None)
    return csvfile.as_csv(
        HEADER,
        (
            [
                c.id,
                c.status,
                c.gathering_title,
                c.network,
                c.municipality,
                c.municipality_name,
                c.payee_account or "",
                c.claimant_name,
                c.claimant,
                _kr(c.total),
                _kr(c.approved_total),
                c.submitted_at or "",
                c.decided_at or "",
                c.paid_at or "",
            ]
            for c in rows
        ),
    )
