"""The admin's workspace: users and roles, networks, counties and municipalities, the
municipality importer, mail and the audit log (/admin/…).
"""

from __future__ import annotations

from typing import Any

PAGES: list[Any] = []
