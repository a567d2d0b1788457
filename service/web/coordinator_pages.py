"""The coordinator's workspace: dashboard, gathering editor, registrations and
attendance, members and sign-ups, calendars (/coordinator, …). Admins see every network.
"""

from __future__ import annotations

from typing import Any

PAGES: list[Any] = []
