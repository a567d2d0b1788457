"""The public coordinator directory: each network's coordinators who agreed to be listed."""

from __future__ import annotations

from typing import Any

PAGES: list[Any] = []
