"""HTTP for calendar feeds (text/calendar, ETag + 304, HEAD) and personal feed URLs."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, HttpMethod, Request, get, post, route
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from service.accounts.controller import me_of
from service.accounts.guards import current_user, signed_in
from service.accounts.secrets import hash_secret
from service.calendar import feeds, personal
from service.gatherings import service as gatherings
from service.lib import i18n
from service.lib.conditional import not_modified
from service.lib.errors import NotFound
from service.settings import Settings

CONTENT_TYPE = "text/calendar"  # Litestar adds "; charset=utf-8"
Lang = Annotated[str, QueryParameter(pattern="^(nb|nn|en)$")]


def _ics_name(name: str) -> str:
    if not name.endswith(".ics") or len(name) <= 4:
        raise NotFound("Nothing is found at {name}", params={"name": name})
    return name[:-4]


class FeedResponse:
    """A feed answer as a plain ASGI app: feed clients poll often, and building the
    same few headers through Litestar's Response on every poll was most of a 304's cost."""

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        start = {"type": "http.response.start", "status": self.status}
        await send({**start, "headers": list(self.headers)})  # a copy: middleware may add
        await send({"type": "http.response.body", "body": self.body})


def _respond(request: Request[Any, Any, Any], feed: feeds.Feed, private: bool) -> FeedResponse:
    headers = [
        (b"etag", feed.etag.encode()),
        (b"last-modified", feed.last_modified_http.encode()),
        (b"cache-control", b"private, max-age=300" if private else b"public, max-age=300"),
        (b"content-disposition", b"inline"),
        (b"content-type", b"text/calendar; charset=utf-8"),
    ]
    if private:
        headers.append((b"referrer-policy", b"no-referrer"))
    if not_modified(request.scope["headers"], feed.etag, feed.last_modified):
        return FeedResponse(304, headers, b"")
    headers.append((b"content-length", str(len(feed.body)).encode()))
    head = request.method == HttpMethod.HEAD
    return FeedResponse(200, headers, b"" if head else feed.body)


class CalendarController(Controller):
    path = "/calendar"
    tags = ["calendar"]

    @route(
        "/all.ics",
        http_method=[HttpMethod.GET, HttpMethod.HEAD],
        media_type=CONTENT_TYPE,
        summary="All networks",
    )
    async def all_feed(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        lang: Lang = "nb",
    ) -> FeedResponse:
        with i18n.use(lang):
            name = i18n.gettext("Network gatherings")
        feed = await feeds.public_feed(None, name, settings.base_url, lang, settings.mail_from)
        assert feed is not None
        return _respond(request, feed, private=False)

    @route(
        "/networks/{name:str}",
        http_method=[HttpMethod.GET, HttpMethod.HEAD],
        media_type=CONTENT_TYPE,
        summary="One network's gatherings (/calendar/networks/{slug}.ics)",
    )
    async def network_feed(
        self,
        request: Request[Any, Any, Any],
        name: FromPath[str],
        settings: NamedDependency[Settings],
        lang: Lang = "nb",
    ) -> FeedResponse:
        slug = _ics_name(name)
        feed = await feeds.public_feed(slug, slug, settings.base_url, lang, settings.mail_from)
        if feed is None:
            raise NotFound("No network with slug {slug!r}", params={"slug": slug})
        return _respond(request, feed, private=False)

    @route(
        "/gatherings/{name:str}",
        http_method=[HttpMethod.GET, HttpMethod.HEAD],
        media_type=CONTENT_TYPE,
        summary="One gathering (/calendar/gatherings/{id}.ics)",
    )
    async def gathering_feed(
        self,
        request: Request[Any, Any, Any],
        name: FromPath[str],
        settings: NamedDependency[Settings],
        lang: Lang = "nb",
    ) -> FeedResponse:
        row = await gatherings.visible_row(current_user(request), _ics_name(name))
        feed = await feeds.gathering_feed(row, settings.base_url, lang, settings.mail_from)
        return _respond(request, feed, private=row["status"] == "draft")

    @route(
        "/feed/{name:str}",
        http_method=[HttpMethod.GET, HttpMethod.HEAD],
        media_type=CONTENT_TYPE,
        summary="Personal feed (/calendar/feed/{token}.ics)",
    )
    async def personal_feed(
        self,
        request: Request[Any, Any, Any],
        name: FromPath[str],
        settings: NamedDependency[Settings],
    ) -> FeedResponse:
        feed = await feeds.personal_feed(
            hash_secret(_ics_name(name)), settings.base_url, settings.mail_from
        )
        if feed is None:
            raise NotFound("No calendar feed at this address (it may have been reset)")
        return _respond(request, feed, private=True)


class MyCalendarController(Controller):
    path = "/api/v1/me/calendar"
    tags = ["calendar"]
    guards = [signed_in]

    @get("/", summary="My personal feed URL (made on first use)")
    async def my_calendar(
        self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]
    ) -> dict[str, str]:
        return await personal.my_feed(me_of(request), settings)

    @post("/reset", status_code=200, summary="New feed URL; the old one answers 404")
    async def reset(
        self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]
    ) -> dict[str, str]:
        return await personal.reset_feed(me_of(request), settings)
