"""The /api/v1 routes of service.news (HANDLERS is mounted by service.app), and the Atom
feeds /news.atom and /networks/{slug}/news.atom."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, HttpMethod, Request, Response, delete, get, patch, post, route
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody, QueryParameter

from service.accounts.controller import me_of
from service.accounts.guards import current_user, signed_in
from service.lib import i18n
from service.lib.conditional import not_modified
from service.networks import service as networks
from service.news import feeds, photos, posts
from service.news.schemas import AttachmentOut, PhotoOut, PostIn, PostOut, PostPatch
from service.settings import Settings

ATOM = "application/atom+xml"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


class PostPage(msgspec.Struct):
    items: list[PostOut]
    total: int
    limit: int
    offset: int


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    return value if isinstance(value, str) else ""


async def _upload(data: dict[str, Any], most: int) -> tuple[bytes | None, str | None]:
    upload = data.get("file")
    if isinstance(upload, UploadFile):
        return await upload.read(most + 1), upload.filename
    return None, None


class PostController(Controller):
    path = "/api/v1/posts"
    tags = ["news"]

    @get("/", summary="Published posts, newest first (plus the drafts the caller may edit)")
    async def list_posts(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        network: Annotated[str | None, QueryParameter(max_length=60)] = None,
        gathering: Annotated[str | None, QueryParameter(max_length=12)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
        offset: Annotated[int, QueryParameter(ge=0, le=100_000)] = 0,
    ) -> PostPage:
        page = await posts.list_posts(
            current_user(request), settings.base_url, network, gathering, limit, offset
        )
        return PostPage(page.items, page.total, page.limit, page.offset)

    @post("/", guards=[signed_in], summary="Write a draft: a gathering's report or network news")
    async def create(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[PostIn],
        settings: NamedDependency[Settings],
    ) -> PostOut:
        return await posts.create(
            me_of(request),
            settings.base_url,
            data.title,
            network=data.network,
            gathering=data.gathering,
            summary=data.summary,
            body=data.body,
            language=data.language,
        )

    @get("/{post_id:str}", summary="One post")
    async def detail(
        self,
        request: Request[Any, Any, Any],
        post_id: FromPath[str],
        settings: NamedDependency[Settings],
    ) -> PostOut:
        return await posts.detail(current_user(request), post_id, settings.base_url)

    @patch("/{post_id:str}", guards=[signed_in], summary="Change a post's text")
    async def update(
        self,
        request: Request[Any, Any, Any],
        post_id: FromPath[str],
        data: JSONBody[PostPatch],
        settings: NamedDependency[Settings],
    ) -> PostOut:
        given = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        return await posts.update(me_of(request), post_id, settings.base_url, **given)

    @delete("/{post_id:str}", guards=[signed_in], summary="Delete a draft")
    async def remove(self, request: Request[Any, Any, Any], post_id: FromPath[str]) -> None:
        await posts.delete_draft(me_of(request), post_id)

    @post("/{post_id:str}/publish", guards=[signed_in], status_code=200, summary="Publish")
    async def publish(
        self,
        request: Request[Any, Any, Any],
        post_id: FromPath[str],
        settings: NamedDependency[Settings],
    ) -> PostOut:
        return await posts.publish(me_of(request), post_id, settings.base_url)

    @post("/{post_id:str}/unpublish", guards=[signed_in], status_code=200, summary="To draft")
    async def unpublish(
        self,
        request: Request[Any, Any, Any],
        post_id: FromPath[str],
        settings: NamedDependency[Settings],
    ) -> PostOut:
        return await posts.unpublish(me_of(request), post_id, settings.base_url)

    @post(
        "/{post_id:str}/photos",
        guards=[signed_in],
        status_code=201,
        summary="Add a photo (multipart `file`, `alt` required, `caption`)",
        request_max_body_size=photos.MAX_BYTES + 1024 * 1024,
    )
    async def add_photo(
        self,
        request: Request[Any, Any, Any],
        post_id: FromPath[str],
        data: Multipart,
        settings: NamedDependency[Settings],
    ) -> PhotoOut:
        user = me_of(request)
        await posts.editable_row(user, post_id)  # 404/403 before looking at the file
        body, _ = await _upload(data, photos.MAX_BYTES)
        return await posts.add_photo(
            user, post_id, body, _text(data, "alt"), _text(data, "caption"), settings.base_url
        )

    @delete("/{post_id:str}/photos/{photo_id:str}", guards=[signed_in], summary="Remove a photo")
    async def remove_photo(
        self, request: Request[Any, Any, Any], post_id: FromPath[str], photo_id: FromPath[str]
    ) -> None:
        await posts.remove_photo(me_of(request), post_id, photo_id)

    @post(
        "/{post_id:str}/attachments",
        guards=[signed_in],
        status_code=201,
        summary="Attach a PDF (multipart `file`, optional `title`)",
        request_max_body_size=posts.MAX_PDF_BYTES + 1024 * 1024,
    )
    async def add_attachment(
        self,
        request: Request[Any, Any, Any],
        post_id: FromPath[str],
        data: Multipart,
        settings: NamedDependency[Settings],
    ) -> AttachmentOut:
        user = me_of(request)
        await posts.editable_row(user, post_id)
        body, filename = await _upload(data, posts.MAX_PDF_BYTES)
        return await posts.add_attachment(
            user, post_id, filename, body, _text(data, "title"), settings.base_url
        )

    @delete(
        "/{post_id:str}/attachments/{attachment_id:str}",
        guards=[signed_in],
        summary="Remove an attachment",
    )
    async def remove_attachment(
        self,
        request: Request[Any, Any, Any],
        post_id: FromPath[str],
        attachment_id: FromPath[str],
    ) -> None:
        await posts.remove_attachment(me_of(request), post_id, attachment_id)


# --- the Atom feeds --------------------------------------------------------------------


def feed_response(request: Request[Any, Any, Any], feed: feeds.Feed) -> Response[bytes]:
    headers = {
        "ETag": feed.etag,
        "Last-Modified": feed.last_modified_http,
        "Cache-Control": "public, max-age=300",
        "X-Content-Type-Options": "nosniff",
    }
    if not_modified(request.scope["headers"], feed.etag, feed.last_modified):
        return Response(b"", status_code=304, headers=headers, media_type=ATOM_TYPE)
    head = request.method == HttpMethod.HEAD
    return Response(b"" if head else feed.body, headers=headers, media_type=ATOM_TYPE)


class NewsFeedController(Controller):
    path = "/"
    tags = ["news"]

    @route(
        "/news.atom",
        http_method=[HttpMethod.GET, HttpMethod.HEAD],
        media_type=ATOM,
        summary="Atom feed of all networks' published posts",
    )
    async def all_news(
        self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]
    ) -> Response[bytes]:
        with i18n.use("nb"):  # the feeds speak the programme's language
            title = "Samling – " + i18n.gettext("News and reports")
        feed = await feeds.build(settings.base_url, None, title)
        return feed_response(request, feed)

    @route(
        "/networks/{slug:str}/news.atom",
        http_method=[HttpMethod.GET, HttpMethod.HEAD],
        media_type=ATOM,
        summary="Atom feed of one network's published posts",
    )
    async def network_news(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        settings: NamedDependency[Settings],
    ) -> Response[bytes]:
        network = await networks.get_network(slug)  # NotFound: 404
        feed = await feeds.build(settings.base_url, network.slug, f"Samling – {network.name}")
        return feed_response(request, feed)


HANDLERS: list[Any] = [PostController, NewsFeedController]
