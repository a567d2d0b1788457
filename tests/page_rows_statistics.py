"""Rows of the page access matrix for the statistics pages (see tests/test_page_access.py).

Coordinators (for their networks), finance and admins; 403 for participants, the sign-in
page for anonymous visitors. The downloads answer the same; a bad year is a 400."""

from __future__ import annotations

from page_matrix import NONE, Page, everyone, only, signed_in  # noqa: F401

READERS = {"coordinator": 200, "other_coordinator": 200, "finance": 200, "admin": 200}

ROWS: dict[str, Page] = {
    "GET /statistics": Page("/statistics", only(READERS)),
    # The files themselves are not HTML: these rows ask for a year that is not one.
    "GET /statistics.csv": Page("/statistics.csv?year=nonsense", only(dict.fromkeys(READERS, 400))),
    "GET /statistics.xlsx": Page(
        "/statistics.xlsx?year=nonsense", only(dict.fromkeys(READERS, 400))
    ),
}
