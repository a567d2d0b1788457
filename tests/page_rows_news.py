"""Rows of the page access matrix for the news pages (see tests/test_page_access.py)."""

from __future__ import annotations

from page_matrix import NONE, Page, everyone, only, signed_in  # noqa: F401

ROWS: dict[str, Page] = {}
