"""Posts: a gathering's report (referat) or a network's news. Drafts are seen only by
who may edit them (the network's coordinators and administrators); published posts by
everyone. One report per gathering, written once the gathering has ended."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from piccolo.columns import Column

from service.accounts.identity import CurrentUser
from service.db.tables import Network, Post, PostAttachment, PostPhoto, User
from service.db.tx import atomic, is_sqlite
from service.gatherings import service as gatherings
from service.lib.audit import record
from service.lib.clock import now, oslo_iso
from service.lib.errors import Conflict, Forbidden, Invalid, NotFound
from service.lib.ids import row_id
from service.news import photos as photo_files
from service.news.render import render
from service.news.schemas import AttachmentOut, PhotoOut, PostOut

LANGUAGES = ("nb", "nn", "en")
MAX_TITLE = 200
MAX_SUMMARY = 500
MAX_BODY = 50_000
MAX_ALT = 300
MAX_CAPTION = 500
MAX_PHOTOS = 12
MAX_ATTACHMENTS = 10
MAX_PDF_BYTES = 20 * 1024 * 1024
REPORTABLE = ("published", "completed")  # a gathering that took place


def may_edit(user: CurrentUser | None, network_slug: str) -> bool:
    return gatherings.may_edit(user, network_slug)


@dataclass(frozen=True)
class Fields:
    title: str
    summary: str
    body: str
    language: str


def clean_fields(title: str, summary: str, body: str, language: str) -> Fields:
    """The text fields, checked; Invalid names the field."""
    title = " ".join(title.split())
    if not title:
        raise Invalid("Write a title", field="title")
    if len(title) > MAX_TITLE:
        raise Invalid("The title may be at most 200 characters", field="title")
    summary = " ".join(summary.split())
    if len(summary) > MAX_SUMMARY:
        raise Invalid("The summary may be at most 500 characters", field="summary")
    body = body.replace("\r\n", "\n").strip()
    if len(body) > MAX_BODY:
        raise Invalid("The text may be at most 50,000 characters", field="body")
    if language not in LANGUAGES:
        raise Invalid("Choose the language: nb, nn or en", field="language")
    return Fields(title, summary, body, language)


# --- reading ---------------------------------------------------------------------------

POST_COLUMNS: tuple[Column, ...] = (
    *Post.all_columns(),
    Post.network.slug,
    Post.network.name,
    Post.gathering.title,
    Post.gathering.ends_at,
)


async def _post_row(post_id: str | int) -> dict[str, Any] | None:
    number = row_id(post_id)
    if number is None:
        return None
    return await Post.select(*POST_COLUMNS).where(Post.id == number).first()


async def visible_row(user: CurrentUser | None, post_id: str | int) -> dict[str, Any]:
    """The post if the caller may see it: drafts only for who may edit (else 404)."""
    row = await _post_row(post_id)
    if row is None or (row["status"] != "published" and not may_edit(user, row["network.slug"])):
        raise NotFound("No post with that id")
    return row


async def editable_row(user: CurrentUser, post_id: str | int) -> dict[str, Any]:
    row = await visible_row(user, post_id)
    if not may_edit(user, row["network.slug"]):
        raise Forbidden(
            "Only coordinators of {network} and administrators may change this post",
            params={"network": row["network.name"]},
        )
    return row


async def _author_names(emails: set[str]) -> dict[str, str]:
    if not emails:
        return {}
    rows = await User.select(User.email, User.name).where(User.email.is_in(list(emails)))
    return {r["email"]: r["name"] for r in rows}


def post_url(base_url: str, post_id: int | str) -> str:
    return f"{base_url}/news/{post_id}"


async def render_posts(
    rows: list[dict[str, Any]], base_url: str, with_files: bool = True
) -> list[PostOut]:
    ids = [r["id"] for r in rows] or [-1]
    pics: dict[int, list[PhotoOut]] = {}
    files: dict[int, list[AttachmentOut]] = {}
    if with_files:
        for p in (
            await PostPhoto.select(
                PostPhoto.id,
                PostPhoto.post,
                PostPhoto.alt,
                PostPhoto.caption,
                PostPhoto.content_type,
                PostPhoto.width,
                PostPhoto.height,
                PostPhoto.size,
            )
            .where(PostPhoto.post.is_in(ids))
            .order_by(PostPhoto.position)
            .order_by(PostPhoto.id)
        ):
            pics.setdefault(p["post"], []).append(
                PhotoOut(
                    id=str(p["id"]),
                    alt=p["alt"],
                    caption=p["caption"],
                    content_type=p["content_type"],
                    width=p["width"],
                    height=p["height"],
                    size=p["size"],
                    url=f"{post_url(base_url, p['post'])}/photos/{p['id']}",
                )
            )
        for a in (
            await PostAttachment.select(
                PostAttachment.id,
                PostAttachment.post,
                PostAttachment.title,
                PostAttachment.filename,
                PostAttachment.content_type,
                PostAttachment.size,
                PostAttachment.sha256,
            )
            .where(PostAttachment.post.is_in(ids))
            .order_by(PostAttachment.id)
        ):
            files.setdefault(a["post"], []).append(
                AttachmentOut(
                    id=str(a["id"]),
                    title=a["title"] or a["filename"],
                    filename=a["filename"],
                    content_type=a["content_type"],
                    size=a["size"],
                    sha256=a["sha256"],
                    url=f"{post_url(base_url, a['post'])}/files/{a['id']}",
                )
            )
    names = await _author_names({r["author"] for r in rows if r["author"]})
    return [
        PostOut(
            id=str(r["id"]),
            kind="report" if r["gathering"] else "news",
            network=r["network.slug"],
            network_name=r["network.name"],
            gathering=str(r["gathering"]) if r["gathering"] else None,
            gathering_title=r["gathering.title"] if r["gathering"] else None,
            title=r["title"],
            summary=r["summary"],
            body=r["body"],
            body_html=render(r["body"]),
            language=r["language"],
            status=r["status"],
            author=names.get(r["author"], ""),
            created_at=oslo_iso(r["created_at"]) or "",
            updated_at=oslo_iso(r["updated_at"]) or "",
            published_at=oslo_iso(r["published_at"]),
            url=post_url(base_url, r["id"]),
            photos=pics.get(r["id"], []),
            attachments=files.get(r["id"], []),
        )
        for r in rows
    ]


async def detail(user: CurrentUser | None, post_id: str | int, base_url: str) -> PostOut:
    return (await render_posts([await visible_row(user, post_id)], base_url))[0]


@dataclass(frozen=True)
class Page:
    items: list[PostOut]
    total: int
    limit: int
    offset: int


async def list_posts(
    user: CurrentUser | None,
    base_url: str,
    network: str | None = None,
    gathering: str | None = None,
    limit: int = 20,
    offset: int = 0,
    drafts: bool = True,
    with_files: bool = True,
) -> Page:
    """Published posts, newest first, plus the drafts the caller may edit (first)."""
    where = []
    if network:
        if not await Network.exists().where(Network.slug == network):
            raise NotFound("No network with slug {slug!r}", params={"slug": network})
        where.append(Post.network.slug == network)
    if gathering is not None:
        number = row_id(gathering)
        if number is None:
            raise NotFound("No gathering with that id")
        where.append(Post.gathering == number)
    editable: list[str] = []
    if drafts and user is not None:
        if user.is_admin:
            editable = [n["slug"] for n in await Network.select(Network.slug)]
        else:
            editable = sorted(user.coordinated_networks)
    visible: Any = Post.status == "published"
    if editable:
        visible = visible | Post.network.slug.is_in(editable)
    query = Post.select(*POST_COLUMNS).where(visible)
    count = Post.count().where(visible)
    for w in where:
        query = query.where(w)
        count = count.where(w)
    rows = await (
        query.order_by(Post.status)  # "draft" before "published"
        .order_by(Post.published_at, ascending=False)
        .order_by(Post.id, ascending=False)
        .limit(limit)
        .offset(offset)
    )
    return Page(await render_posts(rows, base_url, with_files), await count, limit, offset)


async def report_for(gathering_id: str | int) -> dict[str, Any] | None:
    """The gathering's report row (draft or published), if one is written."""
    number = row_id(gathering_id)
    if number is None:
        return None
    return await Post.select(Post.id, Post.status).where(Post.gathering == number).first()


# --- changes ---------------------------------------------------------------------------


def _snapshot(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("title", "summary", "language", "status") if k in row}


async def create(
    user: CurrentUser,
    base_url: str,
    title: str,
    network: str | None = None,
    gathering: str | None = None,
    summary: str = "",
    body: str = "",
    language: str = "nb",
) -> PostOut:
    """A draft: a report for a gathering that has ended, or a network's news post."""
    fields = clean_fields(title, summary, body, language)
    n: dict[str, Any] | None = None
    if gathering:
        g = await gatherings.visible_row(user, gathering)
        slug = g["network.slug"]
        if network and network != slug:
            raise Invalid("The gathering belongs to another network", field="network")
    elif network:
        n = await Network.select(Network.id, Network.name).where(Network.slug == network).first()
        if n is None:
            raise Invalid(
                "no network with slug {slug!r}", field="network", params={"slug": network}
            )
        slug = network
    else:
        raise Invalid("Name the network, or the gathering the report is from", field="network")
    if not may_edit(user, slug):
        raise Forbidden("Only the network's coordinators and administrators may write its posts")
    async with atomic():
        if gathering:
            g = await gatherings.lock(g["id"]) or g
            if g["status"] not in REPORTABLE:
                raise Conflict("Only a gathering that took place gets a report", field="gathering")
            if g["ends_at"] > now():
                raise Conflict(
                    "The report is written once the gathering has ended ({ends})",
                    field="gathering",
                    params={"ends": g["ends_at"]},
                )
            existing = await report_for(g["id"])
            if existing is not None:
                raise Conflict(
                    "The gathering already has a report; change that one",
                    field="gathering",
                    post=str(existing["id"]),
                )
            network_id = g["network"]
        else:
            assert n is not None
            network_id = n["id"]
        rows = await Post.insert(
            Post(
                network=network_id,
                gathering=g["id"] if gathering else None,
                title=fields.title,
                summary=fields.summary,
                body=fields.body,
                language=fields.language,
                status="draft",
                author=user.email,
                created_at=now(),
                updated_at=now(),
            )
        )
        pid = rows[0]["id"]
        await record(
            user.email,
            "post.create",
            "post",
            pid,
            after={"title": fields.title, "gathering": gathering, "network": slug},
        )
    return await detail(user, pid, base_url)


async def update(
    user: CurrentUser,
    post_id: str,
    base_url: str,
    title: str | None = None,
    summary: str | None = None,
    body: str | None = None,
    language: str | None = None,
) -> PostOut:
    row = await editable_row(user, post_id)
    fields = clean_fields(
        row["title"] if title is None else title,
        row["summary"] if summary is None else summary,
        row["body"] if body is None else body,
        row["language"] if language is None else language,
    )
    async with atomic():
        await Post.update(
            {
                Post.title: fields.title,
                Post.summary: fields.summary,
                Post.body: fields.body,
                Post.language: fields.language,
                Post.updated_at: now(),
            }
        ).where(Post.id == row["id"])
        await record(
            user.email,
            "post.update",
            "post",
            row["id"],
            before={**_snapshot(row), "body_length": len(row["body"])},
            after={
                "title": fields.title,
                "summary": fields.summary,
                "language": fields.language,
                "body_length": len(fields.body),
            },
        )
    return await detail(user, row["id"], base_url)


async def _locked(user: CurrentUser, post_id: str) -> dict[str, Any]:
    row = await editable_row(user, post_id)
    if not is_sqlite():
        await Post.select(Post.id).where(Post.id == row["id"]).lock_rows()
    fresh = await _post_row(row["id"])
    if fresh is None:
        raise NotFound("No post with that id")
    return fresh


async def publish(user: CurrentUser, post_id: str, base_url: str) -> PostOut:
    async with atomic():
        row = await _locked(user, post_id)
        if row["status"] == "published":
            raise Conflict("The post is already published")
        if not row["body"].strip():
            raise Invalid("Write the text before publishing", field="body")
        at = now()
        await Post.update(
            {
                Post.status: "published",
                Post.published_at: row["published_at"] or at,
                Post.updated_at: at,
            }
        ).where(Post.id == row["id"])
        await record(
            user.email, "post.publish", "post", row["id"], before={"status": "draft"},
            after={"status": "published"},
        )  # fmt: skip
    return await detail(user, row["id"], base_url)


async def unpublish(user: CurrentUser, post_id: str, base_url: str) -> PostOut:
    async with atomic():
        row = await _locked(user, post_id)
        if row["status"] != "published":
            raise Conflict("The post is not published")
        await Post.update({Post.status: "draft", Post.updated_at: now()}).where(
            Post.id == row["id"]
        )
        await record(
            user.email, "post.unpublish", "post", row["id"], before={"status": "published"},
            after={"status": "draft"},
        )  # fmt: skip
    return await detail(user, row["id"], base_url)


async def delete_draft(user: CurrentUser, post_id: str) -> None:
    async with atomic():
        row = await _locked(user, post_id)
        if row["status"] != "draft":
            raise Conflict("Only a draft is deleted; unpublish the post first")
        await PostPhoto.delete().where(PostPhoto.post == row["id"])
        await PostAttachment.delete().where(PostAttachment.post == row["id"])
        await Post.delete().where(Post.id == row["id"])
        await record(user.email, "post.delete", "post", row["id"], before=_snapshot(row))


async def _touch(post_id: int) -> None:
    await Post.update({Post.updated_at: now()}).where(Post.id == post_id)


# --- photos ----------------------------------------------------------------------------


async def add_photo(
    user: CurrentUser,
    post_id: str,
    body: bytes | None,
    alt: str,
    caption: str = "",
    base_url: str = "",
) -> PhotoOut:
    """A photo with its alt text (required: it is what a screen reader says)."""
    row = await editable_row(user, post_id)
    alt = " ".join((alt or "").split())
    caption = " ".join((caption or "").split())
    if not alt:
        raise Invalid("Describe the photo for those who cannot see it (alt text)", field="alt")
    if len(alt) > MAX_ALT:
        raise Invalid("The alt text may be at most 300 characters", field="alt")
    if len(caption) > MAX_CAPTION:
        raise Invalid("The caption may be at most 500 characters", field="caption")
    # Decoding and resizing take a moment for a large photo: off the event loop.
    photo = await asyncio.to_thread(photo_files.process, body, "file")
    async with atomic():
        row = await _locked(user, post_id)
        count = await PostPhoto.count().where(PostPhoto.post == row["id"])
        if count >= MAX_PHOTOS:
            raise Conflict("A post holds at most {most} photos", params={"most": MAX_PHOTOS})
        inserted = await PostPhoto.insert(
            PostPhoto(
                post=row["id"],
                position=count,
                alt=alt,
                caption=caption,
                content_type=photo.content_type,
                width=photo.width,
                height=photo.height,
                size=len(photo.body),
                body=photo.body,
                uploaded_by=user.email,
            )
        )
        pid = inserted[0]["id"]
        await _touch(row["id"])
        await record(
            user.email, "post.photo_add", "post", row["id"],
            after={"photo": pid, "alt": alt, "size": len(photo.body)},
        )  # fmt: skip
    return PhotoOut(
        id=str(pid),
        alt=alt,
        caption=caption,
        content_type=photo.content_type,
        width=photo.width,
        height=photo.height,
        size=len(photo.body),
        url=f"{post_url(base_url, row['id'])}/photos/{pid}",
    )


async def remove_photo(user: CurrentUser, post_id: str, photo_id: str) -> None:
    async with atomic():
        row = await _locked(user, post_id)
        number = row_id(photo_id)
        found = (
            number
            and await PostPhoto.select(PostPhoto.id, PostPhoto.alt)
            .where((PostPhoto.id == number) & (PostPhoto.post == row["id"]))
            .first()
        )
        if not found:
            raise NotFound("No photo with that id in this post")
        await PostPhoto.delete().where(PostPhoto.id == number)
        await _touch(row["id"])
        await record(
            user.email, "post.photo_remove", "post", row["id"],
            before={"photo": number, "alt": found["alt"]},
        )  # fmt: skip


async def photo_file(user: CurrentUser | None, post_id: str, photo_id: str) -> dict[str, Any]:
    """The photo's row (with its bytes), if the caller may see the post."""
    row = await visible_row(user, post_id)
    number = row_id(photo_id)
    found = (
        number
        and await PostPhoto.select()
        .where((PostPhoto.id == number) & (PostPhoto.post == row["id"]))
        .first()
    )
    if not found:
        raise NotFound("No photo with that id in this post")
    return {**found, "post_status": row["status"]}


# --- attachments -----------------------------------------------------------------------


def _filename(name: str | None) -> str:
    base = (name or "vedlegg.pdf").replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>').strip()
    clean = clean[:200] or "vedlegg.pdf"
    return clean if clean.lower().endswith(".pdf") else clean[:196] + ".pdf"


async def add_attachment(
    user: CurrentUser,
    post_id: str,
    filename: str | None,
    body: bytes | None,
    title: str = "",
    base_url: str = "",
) -> AttachmentOut:
    """A PDF (the presentations): sniffed by its first bytes, at most 20 MB."""
    row = await editable_row(user, post_id)
    title = " ".join((title or "").split())
    if len(title) > MAX_TITLE:
        raise Invalid("The title may be at most 200 characters", field="title")
    if body is None:
        raise Invalid("Send the file as the multipart field `file`", field="file")
    if not body:
        raise Invalid("The file is empty", field="file")
    if len(body) > MAX_PDF_BYTES:
        raise Invalid("An attachment may be at most 20 MB", field="file")
    if not body.startswith(b"%PDF-"):
        raise Invalid("An attachment must be a PDF file", field="file")
    name = _filename(filename)
    digest = hashlib.sha256(body).hexdigest()
    async with atomic():
        row = await _locked(user, post_id)
        count = await PostAttachment.count().where(PostAttachment.post == row["id"])
        if count >= MAX_ATTACHMENTS:
            raise Conflict(
                "A post holds at most {most} attachments", params={"most": MAX_ATTACHMENTS}
            )
        inserted = await PostAttachment.insert(
            PostAttachment(
                post=row["id"],
                title=title or name.removesuffix(".pdf"),
                filename=name,
                content_type="application/pdf",
                size=len(body),
                sha256=digest,
                body=body,
                uploaded_by=user.email,
            )
        )
        aid = inserted[0]["id"]
        await _touch(row["id"])
        await record(
            user.email, "post.attachment_add", "post", row["id"],
            after={"attachment": aid, "filename": name, "sha256": digest},
        )  # fmt: skip
    return AttachmentOut(
        id=str(aid),
        title=title or name.removesuffix(".pdf"),
        filename=name,
        content_type="application/pdf",
        size=len(body),
        sha256=digest,
        url=f"{post_url(base_url, row['id'])}/files/{aid}",
    )


async def remove_attachment(user: CurrentUser, post_id: str, attachment_id: str) -> None:
    async with atomic():
        row = await _locked(user, post_id)
        number = row_id(attachment_id)
        found = (
            number
            and await PostAttachment.select(PostAttachment.id, PostAttachment.filename)
            .where((PostAttachment.id == number) & (PostAttachment.post == row["id"]))
            .first()
        )
        if not found:
            raise NotFound("No attachment with that id in this post")
        await PostAttachment.delete().where(PostAttachment.id == number)
        await _touch(row["id"])
        await record(
            user.email, "post.attachment_remove", "post", row["id"],
            before={"attachment": number, "filename": found["filename"]},
        )  # fmt: skip


async def attachment_file(
    user: CurrentUser | None, post_id: str, attachment_id: str
) -> dict[str, Any]:
    row = await visible_row(user, post_id)
    number = row_id(attachment_id)
    found = (
        number
        and await PostAttachment.select()
        .where((PostAttachment.id == number) & (PostAttachment.post == row["id"]))
        .first()
    )
    if not found:
        raise NotFound("No attachment with that id in this post")
    return {**found, "post_status": row["status"]}


def ended(row: dict[str, Any], at: datetime | None = None) -> bool:
    return bool(row["ends_at"] <= (at or now()))
