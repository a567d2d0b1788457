"""The /api/v1 routes of service.statistics (HANDLERS is mounted by service.app)."""

from __future__ import annotations

from typing import Any

HANDLERS: list[Any] = []
