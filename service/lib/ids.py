"""Ids as callers give them: opaque strings that must be a row id to mean anything."""

from __future__ import annotations

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL


def row_id(value: str | int) -> int | None:
    """The id as an int, or None when it cannot name a row: not ASCII digits ("²" passes
    str.isdigit but not int()), or beyond the column's range (a 500, not a 404, on
    PostgreSQL)."""
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    if not (value.isascii() and value.isdigit()) or len(value) > 10:
        return None
    number = int(value)
    return number if number <= MAX_ID else None
