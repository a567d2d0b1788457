"""Reports and news pages: the news list, a post, the editor (Markdown, photos,
attachments), the photo and attachment downloads. The *_section functions give the
front page, network page, gathering page and coordinator dashboard their part.

The editor: /coordinator/posts/new?gathering={id} (a report, once the gathering has
ended) or ?network={slug} (network news) makes a draft; /news/{id}/edit changes it, with
a Preview button that shows the rendered text without saving, the photo and PDF
uploads, publish/unpublish and deleting a draft. Every form posts, then 303 back to the
editor with a one-shot message; a refused one answers with the error next to its field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from service.accounts.identity import CurrentUser
from service.claims.receipts import header_filename
from service.gatherings import service as gatherings
from service.gatherings.schemas import GatheringOut
from service.lib import i18n
from service.lib.clock import now, parse_when
from service.lib.errors import Conflict, DomainError, Invalid
from service.lib.i18n import N_
from service.networks import service as networks
from service.news import photos as photo_files
from service.news import posts
from service.news.render import render
from service.news.schemas import PostOut
from service.settings import Settings
from service.web import flash
from service.web.viewer import Viewer

PAGE_SIZE = 10
RECENT = timedelta(days=180)  # held gatherings the dashboard asks a report for
FILE_CSP = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'"
)
FORM_FIELDS = ("title", "summary", "body", "language")
_ = i18n.gettext


@dataclass(frozen=True)
class FeedLink:
    href: str
    title: str


def size_text(size: int) -> str:
    """A file size for people: 340 kB, 1.2 MB (with the language's decimal mark)."""
    if size < 1024 * 1024:
        return f"{i18n.number_text(max(1, round(size / 1024)))} kB"
    return i18n.number_text(round(size / (1024 * 1024), 1)) + " MB"  # type: ignore[arg-type]


def _when(value: str | None) -> Any:
    return parse_when(value, "when") if value else None


# --- the sections on other pages ----------------------------------------------------------


async def home_section(viewer: Viewer) -> dict[str, Any]:
    """Context for templates/news/_home_section.html on the front page: the latest posts."""
    page = await posts.list_posts(None, "", limit=5, drafts=False, with_files=False)
    return {"news_items": page.items}


async def network_section(viewer: Viewer, network: Any) -> dict[str, Any]:
    """Context for templates/news/_network_section.html on the network page."""
    page = await posts.list_posts(
        viewer.user, "", network=network.slug, limit=6, drafts=False, with_files=False
    )
    return {
        "network_news": page.items,
        "network_news_more": page.total > len(page.items),
        "network_news_feed": f"/networks/{network.slug}/news.atom",
        "network_news_may_write": posts.may_edit(viewer.user, network.slug),
        "news_feed": FeedLink(
            f"/networks/{network.slug}/news.atom",
            i18n.gettext("News from {network} (Atom)").format(network=network.name),
        ),
    }


async def gathering_section(viewer: Viewer, gathering: Any) -> dict[str, Any]:
    """Context for templates/news/_gathering_section.html on the gathering page: the
    published report, or for its editors the draft or a link to write it once it ended."""
    g: GatheringOut = gathering
    found = await posts.report_for(g.id)
    report: PostOut | None = None
    editor = posts.may_edit(viewer.user, g.network)
    if found is not None and (found["status"] == "published" or editor):
        report = await posts.detail(viewer.user, found["id"], "")
    ended = parse_when(g.ends_at, "ends_at") <= now()
    return {
        "report": report,
        "report_editor": editor,
        "report_writable": editor and found is None and ended and g.status in posts.REPORTABLE,
    }


async def dashboard_section(user: CurrentUser, held: list[GatheringOut]) -> dict[str, Any]:
    """Context for templates/news/_dashboard_section.html (the coordinator dashboard):
    held gatherings without a report yet, and the drafts of reports and news."""
    since = now() - RECENT
    out = []
    for g in held:
        if g.status not in posts.REPORTABLE or parse_when(g.ends_at, "ends_at") < since:
            continue
        if posts.may_edit(user, g.network) and await posts.report_for(g.id) is None:
            out.append(g)
    mine = await posts.list_posts(user, "", limit=50, with_files=False)
    return {
        "reports_missing": out[:8],
        "post_drafts": [p for p in mine.items if p.status == "draft"][:10],
    }


# --- the news list and a post ---------------------------------------------------------------


@get("/news")
async def news_list(
    viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
    network: Annotated[str, QueryParameter(max_length=60)] = "",
    page: Annotated[str, QueryParameter(max_length=6)] = "1",
) -> Template:
    all_networks = await networks.list_networks()
    slugs = {n.slug: n.name for n in all_networks}
    network = network if network in slugs else ""
    number = int(page) if page.isdigit() and 0 < int(page) < 10000 else 1
    found = await posts.list_posts(
        viewer.user,
        settings.base_url,
        network=network or None,
        limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE,
        drafts=False,
        with_files=False,
    )

    def href(n: int) -> str:
        query = {k: v for k, v in (("network", network), ("page", str(n))) if v and v != "1"}
        return "/news" + ("?" + urlencode(query) if query else "")

    last = max(1, -(-found.total // PAGE_SIZE))
    feed = f"/networks/{network}/news.atom" if network else "/news.atom"
    return Template(
        "news/list.html",
        context={
            "viewer": viewer,
            "notice": "",
            "items": found.items,
            "total": found.total,
            "network": network,
            "network_name": slugs.get(network, ""),
            "options": [("", _("All networks"))] + [(n.slug, n.name) for n in all_networks],
            "page": number,
            "last": last,
            "prev_href": href(number - 1) if number > 1 else "",
            "next_href": href(number + 1) if number < last else "",
            "feed_href": feed,
            "news_feed": FeedLink(feed, _("News feed (Atom)")),
            "writable": [
                (n.slug, n.name) for n in all_networks if posts.may_edit(viewer.user, n.slug)
            ],
        },
    )


@get("/news/{post_id:str}")
async def post_page(
    request: Request[Any, Any, Any],
    post_id: FromPath[str],
    viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Template:
    p = await posts.detail(viewer.user, post_id, settings.base_url)
    notice, cookies = flash.take(request)
    return Template(
        "news/post.html",
        context={
            "viewer": viewer,
            "notice": notice,
            "p": p,
            "may_edit": posts.may_edit(viewer.user, p.network),
            "sizes": {a.id: size_text(a.size) for a in p.attachments},
        },
        cookies=cookies,
    )


def _file_headers(status: str, disposition: str, filename: str) -> dict[str, str]:
    return {
        "Content-Disposition": (
            f'{disposition}; filename="{header_filename(filename)}"; '
            f"filename*=UTF-8''{quote(filename)}"
        ),
        "Content-Security-Policy": FILE_CSP,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "SAMEORIGIN",
        "Cache-Control": (
            "public, max-age=86400" if status == "published" else "private, no-store"
        ),
    }


@get("/news/{post_id:str}/photos/{photo_id:str}")
async def photo_download(
    post_id: FromPath[str], photo_id: FromPath[str], viewer: NamedDependency[Viewer]
) -> Response[bytes]:
    row = await posts.photo_file(viewer.user, post_id, photo_id)
    ext = "png" if row["content_type"] == "image/png" else "jpg"
    return Response(
        row["body"],
        media_type=row["content_type"],
        headers=_file_headers(row["post_status"], "inline", f"foto-{row['id']}.{ext}"),
    )


@get("/news/{post_id:str}/files/{attachment_id:str}")
async def attachment_download(
    post_id: FromPath[str], attachment_id: FromPath[str], viewer: NamedDependency[Viewer]
) -> Response[bytes]:
    row = await posts.attachment_file(viewer.user, post_id, attachment_id)
    return Response(
        row["body"],
        media_type="application/pdf",
        headers=_file_headers(row["post_status"], "attachment", row["filename"]),
    )


# --- the editor -----------------------------------------------------------------------------


@dataclass
class PostForm:
    title: str = ""
    summary: str = ""
    body: str = ""
    language: str = "nb"
    gathering: str = ""
    network: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    problem: str = ""
    preview: str | None = None


def _editor_user(viewer: Viewer) -> CurrentUser:
    if viewer.user is None or not viewer.is_coordinator:
        raise PermissionDeniedException()
    return viewer.user


def _form_of(data: Any) -> PostForm:
    def text(name: str, most: int) -> str:
        value = data.get(name, "")
        return value[:most] if isinstance(value, str) else ""

    return PostForm(
        title=text("title", 400),
        summary=text("summary", 2000),
        body=text("body", posts.MAX_BODY + 1000),
        language=text("language", 2) or "nb",
        gathering=text("gathering", 12),
        network=text("network", 60),
    )


def _apply_error(form: PostForm, exc: DomainError, fields: tuple[str, ...]) -> None:
    if exc.field in fields:
        form.errors[str(exc.field)] = exc.message()
    else:
        form.problem = exc.message()


def _languages() -> list[tuple[str, str]]:
    return list(i18n.NAMES.items())


async def _new_context(
    viewer: Viewer, user: CurrentUser, form: PostForm, settings: Settings
) -> dict[str, Any]:
    g: GatheringOut | None = None
    if form.gathering:
        g = await gatherings.detail(user, form.gathering, settings.base_url)
        if not posts.may_edit(user, g.network):
            raise PermissionDeniedException()
    mine = [
        (n.slug, n.name) for n in await networks.list_networks() if posts.may_edit(user, n.slug)
    ]
    if not g and not mine:
        raise PermissionDeniedException()
    return {
        "viewer": viewer,
        "notice": "",
        "form": form,
        "errors": form.errors,
        "g": g,
        "network_options": mine,
        "post_languages": _languages(),
    }


@get("/coordinator/posts/new")
async def new_post_page(
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
    gathering: Annotated[str, QueryParameter(max_length=12)] = "",
    network: Annotated[str, QueryParameter(max_length=60)] = "",
) -> Response[Any]:
    user = _editor_user(signed_in_viewer)
    form = PostForm(gathering=gathering, network=network, language=signed_in_viewer.language)
    if gathering:
        existing = await posts.report_for(gathering)
        if existing is not None:
            g = await gatherings.visible_row(user, gathering)
            if posts.may_edit(user, g["network.slug"]):
                return Redirect(f"/news/{existing['id']}/edit", status_code=303)
    context = await _new_context(signed_in_viewer, user, form, settings)
    g = context["g"]
    if g is not None:
        form.title = _("Report: {title}").format(title=g.title)
        if g.status not in posts.REPORTABLE:
            form.problem = Conflict("Only a gathering that took place gets a report").message()
        elif parse_when(g.ends_at, "ends_at") > now():
            ends = parse_when(g.ends_at, "ends_at")
            form.problem = Conflict(
                "The report is written once the gathering has ended ({ends})",
                params={"ends": ends},
            ).message()
    return Template("news/new.html", context=context)


@post("/coordinator/posts/new", status_code=303)
async def new_post_submit(
    request: Request[Any, Any, Any],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    user = _editor_user(signed_in_viewer)
    data = await request.form()
    form = _form_of(data)
    if data.get("action") == "preview":
        form.preview = render(form.body)
        context = await _new_context(signed_in_viewer, user, form, settings)
        return Template("news/new.html", context=context, status_code=200)
    try:
        p = await posts.create(
            user,
            settings.base_url,
            form.title,
            network=None if form.gathering else (form.network or None),
            gathering=form.gathering or None,
            summary=form.summary,
            body=form.body,
            language=form.language,
        )
    except DomainError as exc:
        if exc.status_code in (403, 404) and exc.field is None:
            raise
        _apply_error(form, exc, ("title", "summary", "body", "language", "network"))
        context = await _new_context(signed_in_viewer, user, form, settings)
        return Template("news/new.html", context=context, status_code=exc.status_code)
    response = Redirect(f"/news/{p.id}/edit", status_code=303)
    return flash.flash(response, "post-created", secure=settings.production)


async def _editor(
    viewer: Viewer,
    post_id: str,
    settings: Settings,
    form: PostForm | None = None,
    errors: dict[str, str] | None = None,
    problem: str = "",
    notice: str = "",
    status_code: int = 200,
    cookies: Any = None,
) -> Template:
    user = _editor_user(viewer)
    await posts.editable_row(user, post_id)  # 404 / 403 page
    p = await posts.detail(user, post_id, settings.base_url)
    if form is None:
        form = PostForm(title=p.title, summary=p.summary, body=p.body, language=p.language)
    form.errors.update(errors or {})
    return Template(
        "news/editor.html",
        context={
            "viewer": viewer,
            "notice": notice,
            "p": p,
            "form": form,
            "errors": form.errors,
            "problem": problem or form.problem,
            "post_languages": _languages(),
            "sizes": {a.id: size_text(a.size) for a in p.attachments},
            "max_photos": posts.MAX_PHOTOS,
        },
        status_code=status_code,
        cookies=cookies or [],
    )


@get("/news/{post_id:str}/edit")
async def edit_page(
    request: Request[Any, Any, Any],
    post_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Template:
    notice, cookies = flash.take(request)
    return await _editor(signed_in_viewer, post_id, settings, notice=notice, cookies=cookies)


def _back(post_id: str, code: str, settings: Settings) -> Response[Any]:
    return flash.flash(
        Redirect(f"/news/{post_id}/edit", status_code=303), code, secure=settings.production
    )


@post("/news/{post_id:str}/edit", status_code=303)
async def edit_submit(
    request: Request[Any, Any, Any],
    post_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    user = _editor_user(signed_in_viewer)
    await posts.editable_row(user, post_id)
    data = await request.form()
    form = _form_of(data)
    if data.get("action") == "preview":
        form.preview = render(form.body)
        return await _editor(signed_in_viewer, post_id, settings, form=form)
    try:
        await posts.update(
            user,
            post_id,
            settings.base_url,
            title=form.title,
            summary=form.summary,
            body=form.body,
            language=form.language,
        )
    except DomainError as exc:
        _apply_error(form, exc, FORM_FIELDS)
        return await _editor(
            signed_in_viewer, post_id, settings, form=form, status_code=exc.status_code
        )
    return _back(post_id, "post-saved", settings)


async def _upload(data: Any, most: int) -> tuple[bytes, str | None]:
    """The chosen file; Invalid when none was chosen (the browser sends an empty part)."""
    upload = data.get("file")
    body = await upload.read(most + 1) if isinstance(upload, UploadFile) else b""
    if not body and not getattr(upload, "filename", ""):
        raise Invalid(N_("Choose a file to upload"), field="file")
    return body, getattr(upload, "filename", None)


def _text(data: Any, name: str) -> str:
    value = data.get(name, "")
    return value if isinstance(value, str) else ""


@post(
    "/news/{post_id:str}/photos",
    request_max_body_size=photo_files.MAX_BYTES + 1024 * 1024,
    status_code=303,
)
async def photo_upload(
    request: Request[Any, Any, Any],
    post_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    user = _editor_user(signed_in_viewer)
    await posts.editable_row(user, post_id)
    data = await request.form()
    try:
        body, _name = await _upload(data, photo_files.MAX_BYTES)
        await posts.add_photo(user, post_id, body, _text(data, "alt"), _text(data, "caption"))
    except DomainError as exc:
        name = {"file": "photo", "alt": "alt", "caption": "caption"}.get(exc.field or "")
        values = {"alt": _text(data, "alt"), "caption": _text(data, "caption")}
        return await _photo_error(signed_in_viewer, post_id, settings, exc, name, values)
    return _back(post_id, "photo-added", settings)


async def _photo_error(
    viewer: Viewer,
    post_id: str,
    settings: Settings,
    exc: DomainError,
    name: str | None,
    values: dict[str, str],
) -> Template:
    template = await _editor(
        viewer,
        post_id,
        settings,
        errors={name: exc.message()} if name else {},
        problem="" if name else exc.message(),
        status_code=exc.status_code,
    )
    assert template.context is not None
    template.context["photo_values"] = values
    return template


@post("/news/{post_id:str}/photos/{photo_id:str}/delete", status_code=303)
async def photo_delete(
    post_id: FromPath[str],
    photo_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    await posts.remove_photo(_editor_user(signed_in_viewer), post_id, photo_id)
    return _back(post_id, "photo-removed", settings)


@post(
    "/news/{post_id:str}/files",
    request_max_body_size=posts.MAX_PDF_BYTES + 1024 * 1024,
    status_code=303,
)
async def attachment_upload(
    request: Request[Any, Any, Any],
    post_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    user = _editor_user(signed_in_viewer)
    await posts.editable_row(user, post_id)
    data = await request.form()
    try:
        body, filename = await _upload(data, posts.MAX_PDF_BYTES)
        await posts.add_attachment(user, post_id, filename, body, _text(data, "file_title"))
    except DomainError as exc:
        name = {"file": "attachment", "title": "file_title"}.get(exc.field or "")
        return await _editor(
            signed_in_viewer,
            post_id,
            settings,
            errors={name: exc.message()} if name else {},
            problem="" if name else exc.message(),
            status_code=exc.status_code,
        )
    return _back(post_id, "attachment-added", settings)


@post("/news/{post_id:str}/files/{attachment_id:str}/delete", status_code=303)
async def attachment_delete(
    post_id: FromPath[str],
    attachment_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    await posts.remove_attachment(_editor_user(signed_in_viewer), post_id, attachment_id)
    return _back(post_id, "attachment-removed", settings)


@post("/news/{post_id:str}/publish", status_code=303)
async def publish_submit(
    post_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    try:
        await posts.publish(_editor_user(signed_in_viewer), post_id, settings.base_url)
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        errors = {"body": exc.message()} if exc.field == "body" else {}
        return await _editor(
            signed_in_viewer,
            post_id,
            settings,
            errors=errors,
            problem="" if errors else exc.message(),
            status_code=exc.status_code,
        )
    response = Redirect(f"/news/{post_id}", status_code=303)
    return flash.flash(response, "post-published", secure=settings.production)


@post("/news/{post_id:str}/unpublish", status_code=303)
async def unpublish_submit(
    post_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    try:
        await posts.unpublish(_editor_user(signed_in_viewer), post_id, settings.base_url)
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        return await _editor(
            signed_in_viewer, post_id, settings, problem=exc.message(), status_code=409
        )
    return _back(post_id, "post-unpublished", settings)


@post("/news/{post_id:str}/delete", status_code=303)
async def delete_submit(
    request: Request[Any, Any, Any],
    post_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    await posts.editable_row(_editor_user(signed_in_viewer), post_id)
    if (await request.form()).get("confirm") != "1":  # first ask, on the editor itself
        template = await _editor(signed_in_viewer, post_id, settings)
        assert template.context is not None
        template.context["confirm_delete"] = True
        return template
    try:
        await posts.delete_draft(_editor_user(signed_in_viewer), post_id)
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        return await _editor(
            signed_in_viewer, post_id, settings, problem=exc.message(), status_code=409
        )
    response = Redirect("/coordinator", status_code=303)
    return flash.flash(response, "post-deleted", secure=settings.production)


PAGES: list[Any] = [
    news_list,
    post_page,
    photo_download,
    attachment_download,
    new_post_page,
    new_post_submit,
    edit_page,
    edit_submit,
    photo_upload,
    photo_delete,
    attachment_upload,
    attachment_delete,
    publish_submit,
    unpublish_submit,
    delete_submit,
]
