"""Finance's workspace beyond review and payouts: budgets, rate tables and exports (/finance/…)."""

from __future__ import annotations

from typing import Any

PAGES: list[Any] = []
