"""Atom 1.0 feeds of published posts (feedgen): all networks, or one network's.

Ids are tag: URIs (RFC 4151) that never change: the feed's names the site's host and the
network, an entry's the post's id and the day it was written. Entries carry the post's
sanitised HTML as content and its summary."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator

from service.lib.clock import parse_when
from service.news import posts
from service.news.schemas import PostOut

LIMIT = 30
TAG_DATE = "2026"  # the year Samling's feeds began: part of every id, so it stays


@dataclass(frozen=True)
class Feed:
    body: bytes
    etag: str
    last_modified: datetime

    @property
    def last_modified_http(self) -> str:
        return format_datetime(self.last_modified.astimezone(UTC), usegmt=True)


def _host(base_url: str) -> str:
    return (urlsplit(base_url).hostname or "localhost").lower()


def entry_id(base_url: str, post: PostOut) -> str:
    return f"tag:{_host(base_url)},{post.created_at[:10]}:post/{post.id}"


def feed_id(base_url: str, network: str | None) -> str:
    return f"tag:{_host(base_url)},{TAG_DATE}:news" + (f"/{network}" if network else "")


def _when(value: str) -> datetime:
    return parse_when(value, "when")


async def build(base_url: str, network: str | None, title: str) -> Feed:
    """The feed of published posts, newest first (at most LIMIT)."""
    page = await posts.list_posts(
        None, base_url, network=network, limit=LIMIT, drafts=False, with_files=False
    )
    items = page.items
    fg = FeedGenerator()
    fg.id(feed_id(base_url, network))
    fg.title(title)
    self_path = f"/networks/{network}/news.atom" if network else "/news.atom"
    page_path = f"/networks/{network}" if network else "/news"
    fg.link(href=base_url + self_path, rel="self", type="application/atom+xml")
    fg.link(href=base_url + page_path, rel="alternate", type="text/html")
    fg.language("nb")
    fg.generator("Samling")
    updated = max(
        (max(_when(p.updated_at), _when(p.published_at or p.updated_at)) for p in items),
        default=datetime(2026, 1, 1, tzinfo=UTC),
    )
    fg.updated(updated)
    for p in reversed(items):  # feedgen puts the last added first
        fe = fg.add_entry()
        fe.id(entry_id(base_url, p))
        fe.title(p.title)
        fe.link(href=p.url, rel="alternate", type="text/html")
        published = _when(p.published_at or p.updated_at)
        fe.published(published)
        fe.updated(max(_when(p.updated_at), published))
        fe.author(name=p.author or p.network_name)
        fe.category(term=p.network, label=p.network_name)
        fe.summary(p.summary or p.title)
        fe.content(p.body_html, type="html")
    body = fg.atom_str(pretty=True)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return Feed(body, etag, updated.replace(microsecond=0))
