"""Rows of the page access matrix for the finance workspace (see tests/test_page_access.py).

Finance's own pages answer only finance (403 for everyone else signed in); a form with
nothing in it, or a bad filter, gets an HTML page with the message. A receipt inline is
for whoever may see its claim: nobody sees a claim that does not exist (404)."""

from __future__ import annotations

from page_matrix import NONE, Page, everyone, only, signed_in  # noqa: F401

FINANCE_ONLY = only({"finance": 200})

ROWS: dict[str, Page] = {
    "GET /claims/{claim_id:str}/receipts/{receipt_id:str}": Page(
        f"/claims/{NONE}/receipts/{NONE}", signed_in(404)
    ),
    "GET /finance": Page("/finance", FINANCE_ONLY),
    "GET /finance/budgets": Page("/finance/budgets", FINANCE_ONLY),
    "POST /finance/budgets": Page("/finance/budgets", only({"finance": 400}), {}),
    "GET /finance/rates": Page("/finance/rates", FINANCE_ONLY),
    "POST /finance/rates": Page("/finance/rates", only({"finance": 422}), {}),
    "GET /finance/exports": Page("/finance/exports", FINANCE_ONLY),
    # The CSV itself is not HTML: the row asks for a year that is not one.
    "GET /finance/exports/claims.csv": Page(
        "/finance/exports/claims.csv?year=nonsense", only({"finance": 400})
    ),
}
