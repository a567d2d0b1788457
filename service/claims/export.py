"""The claims export for finance: one row per claim, amounts as Norwegian decimals."""

from __future__ import annotations

from service.accounts.identity import CurrentUser
from service.claims import claims
from service.lib import csvfile
from service.lib.clock import OSLO, oslo_iso
from service.lib.i18n import pgettext
from service.lib.money import from_ore, text


def header() -> list[str]:
    """The columns, in the language of the moment (bokmål unless a page chose another)."""
    return [
        "id",
        pgettext("CSV column", "status"),
        pgettext("CSV column", "gathering"),
        pgettext("CSV column", "network"),
        pgettext("CSV column", "municipality number"),
        pgettext("CSV column", "municipality"),
        pgettext("CSV column", "account number"),
        pgettext("CSV column", "name"),
        pgettext("CSV column", "e-mail"),
        pgettext("CSV column", "claimed"),
        pgettext("CSV column", "approved"),
        pgettext("CSV column", "submitted"),
        pgettext("CSV column", "decided"),
        pgettext("CSV column", "paid"),
    ]


def _kr(value: str | None) -> str:
    return "" if value is None else value.replace(".", ",")


def _money(ore: int | None) -> str:
    return "" if ore is None else _kr(text(from_ore(ore)))


async def claims_csv(
    user: CurrentUser, status: str | None, network: str | None = None, year: int | None = None
) -> bytes:
    """`year`: the year the gathering starts (Oslo time), as budgets count a claim."""
    rows = await claims.claim_rows(user, status, network, limit=None)  # every one, one query
    if year is not None:
        rows = [c for c in rows if c["starts_at"].astimezone(OSLO).year == year]
    return csvfile.as_csv(
        header(),
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
