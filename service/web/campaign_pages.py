"""Invitation campaign pages: the admin's campaign editor and overview, the
coordinators' selection from the replies, and the public reply page (no account)."""

from __future__ import annotations

from typing import Any

PAGES: list[Any] = []
