"""The shapes of the page access matrix (tests/test_page_access.py), shared by the
per-area row modules (tests/page_rows_*.py)."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("anonymous", "participant", "coordinator", "other_coordinator", "finance", "admin")


@dataclass
class Page:
    path: str
    expect: dict[str, int]
    form: dict[str, str] | None = None  # a POST with this form; None: a GET


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int) -> dict[str, int]:
    return {**everyone(status), "anonymous": 303}


def only(allowed: dict[str, int], others: int = 403) -> dict[str, int]:
    return {**signed_in(others), **allowed}


NONE = "999999"  # an id nobody has
# Coordinators attest for their networks and finance approves; an admin is neither.
REVIEWERS = only({"coordinator": 200, "other_coordinator": 200, "finance": 200})
