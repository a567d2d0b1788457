"""The statistics page: a year's figures per network, county and municipality, with
server-side SVG charts, the same figures in tables, and CSV/XLSX downloads."""

from __future__ import annotations

from typing import Any

PAGES: list[Any] = []
