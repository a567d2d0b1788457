"""Subscribe links for a calendar feed: webcal:// (Apple, Outlook desktop), Outlook on the
web, Google Calendar and the plain URL to copy. `templates/_subscribe.html` shows them."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit


@dataclass(frozen=True)
class SubscribeLinks:
    url: str
    webcal: str
    outlook: str
    google: str


def subscribe_links(feed_url: str, name: str) -> SubscribeLinks:
    parts = urlsplit(feed_url)
    webcal = "webcal://" + parts.netloc + parts.path + (f"?{parts.query}" if parts.query else "")
    return SubscribeLinks(
        url=feed_url,
        webcal=webcal,
        outlook="https://outlook.office.com/calendar/0/addfromweb?url="
        + quote(feed_url, safe="")
        + "&name="
        + quote(name, safe=""),
        google="https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe=""),
    )
