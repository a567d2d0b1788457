"""Conditional GET for feeds: whether a request's If-None-Match / If-Modified-Since
says the client already has this version (answer 304)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from email.utils import parsedate_to_datetime


def not_modified(raw: Iterable[tuple[bytes, bytes]], etag: str, last_modified: datetime) -> bool:
    """`raw`: the ASGI request headers (feed clients poll often, so no header mapping is
    built). If-None-Match wins over If-Modified-Since, as RFC 9110 says."""
    inm = ims = None
    for key, value in raw:
        if key == b"if-none-match":
            inm = value.decode("latin-1")
        elif key == b"if-modified-since":
            ims = value.decode("latin-1")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return etag in tags or "*" in tags
    if ims:
        try:
            return last_modified <= parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False
