"""Reports and news: Markdown made safe, photos cleaned (EXIF/GPS gone, resized, sniffed
by their bytes), PDF attachments, drafts seen only by editors, and a published report
showing on /news, the network page, the gathering page, the front page and both Atom
feeds (parsed with feedparser) — through the API and the pages, on both engines."""

from __future__ import annotations

import io
import re
import uuid
from contextlib import aclosing
from html import unescape
from typing import Any

import feedparser
import httpx
import pytest
from mail_fixtures import follow_link
from news_support import PDF, heic, held_gathering, jpeg, png, user_of
from PIL import Image

from service.accounts import service as accounts
from service.db.tables import AuditEvent, Post, PostAttachment, PostPhoto
from service.lib.errors import Invalid
from service.news import photos, posts
from service.news.render import render

ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture(autouse=True, scope="module")
async def no_posts_left(app):
    """The posts made here are gone afterwards: other modules' pages expect no news."""
    last = await Post.select(Post.id).order_by(Post.id, ascending=False).first()
    start = last["id"] if last else 0
    yield
    ids = [r["id"] for r in await Post.select(Post.id).where(Post.id > start)]
    if ids:
        await PostPhoto.delete().where(PostPhoto.post.is_in(ids))
        await PostAttachment.delete().where(PostAttachment.post.is_in(ids))
        await Post.delete().where(Post.id.is_in(ids))


def seen(r: httpx.Response) -> str:
    return re.sub(r"\s+", " ", unescape(r.text))


async def browser(app: Any, email: str) -> httpx.AsyncClient:
    c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    link = await accounts.create_login_link(email, "http://testserver")
    assert (await follow_link(c, link)).status_code == 303
    return c


# --- Markdown ----------------------------------------------------------------------------


def test_markdown_is_sanitised():
    html = render(
        "# Tittel\n\n<script>alert(1)</script>\n\n<b onclick=x>rå</b>\n\n"
        "[klikk](javascript:alert(1)) [data](data:text/html,hei) "
        '<img src=x onerror="alert(1)">\n\n![bilde](https://evil.example/x.png)\n\n'
        "[Nettverket](https://example.no/nettverk)"
    )
    assert "<script" not in html and "<img" not in html and "<b" not in html
    assert "javascript:" not in html.replace("[klikk](javascript:", "")  # only as text
    assert 'href="javascript' not in html and 'href="data' not in html
    assert not re.search(r"<[^>]+\son\w+=", html)  # no event attribute on any tag
    assert "<h2>Tittel</h2>" in html and "<h1" not in html  # headings start at h2
    assert '<a href="https://example.no/nettverk" rel="noopener nofollow">Nettverket</a>' in html
    assert 'href="https://evil.example/x.png"' in html  # an image is only a link


def test_bare_addresses_become_links_and_scripts_do_not():
    html = render(
        "Les mer på https://www.helsedirektoratet.no/ eller www.ks.no. javascript:alert(1)"
    )
    assert (
        '<a href="https://www.helsedirektoratet.no/" rel="noopener nofollow">'
        "https://www.helsedirektoratet.no/</a>" in html
    )
    assert '<a href="http://www.ks.no" rel="noopener nofollow">www.ks.no</a>' in html
    assert 'href="javascript' not in html


def test_a_real_report_renders():
    text = (
        "Tolv kommuner var samlet i Kristiansand.\n\n## Programmet\n\n"
        "- Rekruttering av støttekontakter, ved *Kari Nordmann*\n- Gruppetilbud\n\n"
        "| Tema | Hvem |\n|---|---|\n| Rekruttering | Arendal |\n\n> Sitat fra dagen\n"
    )
    html = render(text)
    assert "<h2>Programmet</h2>" in html
    assert "<li>Rekruttering av støttekontakter, ved <em>Kari Nordmann</em></li>" in html
    assert "<table>" in html and "<td>Arendal</td>" in html and "style=" not in html
    assert "<blockquote>" in html


# --- photos ------------------------------------------------------------------------------


def _open(photo: photos.Photo) -> Image.Image:
    return Image.open(io.BytesIO(photo.body))


def test_jpeg_with_gps_comes_out_without_exif():
    original = jpeg(gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # GPS is there
    out = photos.process(original)
    image = _open(out)
    assert out.content_type == "image/jpeg" and image.format == "JPEG"
    assert not image.getexif() and "exif" not in image.info and "xmp" not in image.info
    assert b"Testkamera" not in out.body and b"Exif" not in out.body


def test_exif_orientation_is_applied():
    out = photos.process(jpeg((800, 600), orientation=6))  # "rotate 90° clockwise"
    assert (out.width, out.height) == (600, 800)


def test_png_stays_png_only_with_transparency():
    clear = photos.process(png(alpha=True))
    assert clear.content_type == "image/png" and _open(clear).mode == "RGBA"
    solid = photos.process(png(alpha=False))
    assert solid.content_type == "image/jpeg"


def test_heic_is_accepted_and_made_jpeg():
    out = photos.process(heic())
    assert out.content_type == "image/jpeg" and (out.width, out.height) == (640, 480)


def test_an_oversized_photo_is_resized():
    out = photos.process(jpeg((4000, 3000)))
    assert (out.width, out.height) == (1600, 1200)


def test_text_renamed_jpg_and_bombs_are_refused(monkeypatch):
    for body in (b"just some text, named photo.jpg", b"\xff\xd8\xff but broken", b"%PDF-1.4"):
        with pytest.raises(Invalid) as caught:
            photos.process(body)
        assert caught.value.field == "file"
    monkeypatch.setattr(photos, "MAX_PIXELS", 10_000)
    with pytest.raises(Invalid, match="too large"):
        photos.process(png(size=(200, 200)))


# --- the API -----------------------------------------------------------------------------


async def _report(client: Any, actors: Any, **extra: Any) -> dict[str, Any]:
    gid = await held_gathering(actors["coordinator"])
    body = {
        "gathering": gid,
        "title": "Referat fra samlingen",
        "summary": "Tolv kommuner delte erfaringer.",
        "body": "Vi snakket om **rekruttering**.\n\n## Neste samling\n\nI Stavanger.",
        **extra,
    }
    r = await client.post("/api/v1/posts", json=body, headers=actors["coordinator"].headers)
    assert r.status_code == 201, r.text
    return r.json()


async def test_report_only_after_the_gathering_and_once(client, actors):
    from news_support import future_gathering

    coord = actors["coordinator"].headers
    future = await future_gathering(actors["coordinator"])
    before = await Post.count()
    r = await client.post("/api/v1/posts", json={"gathering": future, "title": "X"}, headers=coord)
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["field"] == "gathering" and "ended" in r.json()["detail"]
    first = await _report(client, actors)
    r = await client.post(
        "/api/v1/posts", json={"gathering": first["gathering"], "title": "Igjen"}, headers=coord
    )
    assert r.status_code == 409 and r.json()["post"] == first["id"]
    assert await Post.count() == before + 1
    # another network's coordinator may not write it, nor change it
    other = actors["other_coordinator"].headers
    gid = await held_gathering(actors["coordinator"])
    r = await client.post("/api/v1/posts", json={"gathering": gid, "title": "X"}, headers=other)
    assert r.status_code == 403  # the gathering is public, the network not theirs


async def test_bad_input_changes_nothing(client, actors):
    coord = actors["coordinator"].headers
    p = await _report(client, actors)
    before = await Post.count(), await AuditEvent.count()
    cases = [
        ("post", "/api/v1/posts", {"network": "agder-rogaland", "title": "   "}, 422, "title"),
        ("post", "/api/v1/posts", {"title": "Uten nettverk"}, 422, "network"),
        ("post", "/api/v1/posts", {"network": "finnes-ikke", "title": "X"}, 422, "network"),
        ("post", "/api/v1/posts", {"network": "agder-rogaland", "tittel": "X"}, 400, None),
        ("patch", f"/api/v1/posts/{p['id']}", {"language": "de"}, 400, None),
        ("patch", f"/api/v1/posts/{p['id']}", {"title": "x" * 201}, 422, "title"),
    ]
    for method, path, body, status, field in cases:
        r = await client.request(method, path, json=body, headers=coord)
        assert r.status_code == status, (body, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        if field:
            assert r.json()["field"] == field
    r = await client.post(
        f"/api/v1/posts/{p['id']}/photos",
        files={"file": ("foto.jpg", b"not an image", "image/jpeg")},
        data={"alt": "Et bilde"},
        headers=coord,
    )
    assert r.status_code == 422 and r.json()["field"] == "file"
    r = await client.post(
        f"/api/v1/posts/{p['id']}/photos",
        files={"file": ("foto.jpg", jpeg(), "image/jpeg")},
        data={"alt": "  "},
        headers=coord,
    )
    assert r.status_code == 422 and r.json()["field"] == "alt"
    r = await client.post(
        f"/api/v1/posts/{p['id']}/attachments",
        files={"file": ("slides.pdf", b"PK\x03\x04 a pptx really", "application/pdf")},
        headers=coord,
    )
    assert r.status_code == 422 and r.json()["field"] == "file"
    assert "PDF" in r.json()["detail"]
    assert (await Post.count(), await AuditEvent.count()) == before
    assert await PostPhoto.count().where(PostPhoto.post == int(p["id"])) == 0
    assert await PostAttachment.count().where(PostAttachment.post == int(p["id"])) == 0
    detail = (await client.get(f"/api/v1/posts/{p['id']}", headers=coord)).json()
    assert detail["title"] == "Referat fra samlingen" and detail["language"] == "nb"


async def _feed(client: Any, path: str) -> Any:
    r = await client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/atom+xml; charset=utf-8"
    return feedparser.parse(r.content), r


async def test_draft_hidden_then_published_everywhere(client, actors, app):
    coord = actors["coordinator"].headers
    title = f"Referat {uuid.uuid4().hex[:6]}"
    p = await _report(client, actors, title=title)
    pid, gid = p["id"], p["gathering"]
    assert p["status"] == "draft" and p["kind"] == "report"
    # photos and a PDF while it is a draft
    r = await client.post(
        f"/api/v1/posts/{pid}/photos",
        files={"file": ("IMG_0001.HEIC", jpeg((3000, 2000), gps=True), "application/x-what")},
        data={"alt": "Deltakere rundt et bord", "caption": "Gruppearbeid"},
        headers=coord,
    )
    assert r.status_code == 201, r.text
    photo = r.json()
    assert (photo["width"], photo["height"]) == (1600, 1067)
    r = await client.post(
        f"/api/v1/posts/{pid}/attachments",
        files={"file": ("Rekruttering.pdf", PDF, "application/octet-stream")},
        data={"title": "Presentasjon: rekruttering"},
        headers=coord,
    )
    assert r.status_code == 201, r.text
    attachment = r.json()
    import hashlib

    assert attachment["sha256"] == hashlib.sha256(PDF).hexdigest()

    # nobody else sees the draft: API, pages, files, feeds, lists
    for who in ("anonymous", "participant", "other_coordinator", "finance"):
        headers = {} if who == "anonymous" else actors[who].headers
        assert (await client.get(f"/api/v1/posts/{pid}", headers=headers)).status_code == 404
        listed = (await client.get("/api/v1/posts?limit=100", headers=headers)).json()["items"]
        assert pid not in [i["id"] for i in listed]
    assert (await client.get(f"/news/{pid}", headers={"Accept": "text/html"})).status_code == 404
    assert (await client.get(photo["url"].replace("http://testserver", ""))).status_code == 404
    assert (await client.get(f"/news/{pid}/files/{attachment['id']}")).status_code == 404
    for path in ("/news.atom", "/networks/agder-rogaland/news.atom"):
        parsed, _ = await _feed(client, path)
        assert title not in [e.title for e in parsed.entries]
    for path in ("/", "/news", "/networks/agder-rogaland", f"/gatherings/{gid}"):
        assert title not in seen(await client.get(path))
    assert (await client.get(f"/api/v1/posts/{pid}", headers=coord)).status_code == 200
    own = await client.get(f"/news/{pid}/photos/{photo['id']}", headers=coord)
    assert own.status_code == 200 and own.headers["cache-control"] == "private, no-store"

    r = await client.post(f"/api/v1/posts/{pid}/publish", headers=coord)
    assert r.status_code == 200 and r.json()["status"] == "published"
    assert (await client.post(f"/api/v1/posts/{pid}/publish", headers=coord)).status_code == 409

    for path in ("/", "/news", "/networks/agder-rogaland", f"/gatherings/{gid}"):
        page = seen(await client.get(path))
        assert title in page, path
    post_page = await client.get(f"/news/{pid}")
    text = seen(post_page)
    assert "<h2>Neste samling</h2>" in text and "<strong>rekruttering</strong>" in text
    assert 'alt="Deltakere rundt et bord"' in text and "Gruppearbeid" in text
    assert "Presentasjon: rekruttering" in text and f"/gatherings/{gid}" in text
    network_page = await client.get("/networks/agder-rogaland")
    assert 'rel="alternate" type="application/atom+xml"' in network_page.text
    assert "/networks/agder-rogaland/news.atom" in network_page.text

    got = await client.get(f"/news/{pid}/photos/{photo['id']}")
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    assert "public" in got.headers["cache-control"]
    assert "sandbox" in got.headers["content-security-policy"]
    assert not Image.open(io.BytesIO(got.content)).getexif()
    got = await client.get(f"/news/{pid}/files/{attachment['id']}")
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"].startswith('attachment; filename="Rekruttering.pdf"')

    # both feeds
    from urllib.parse import urlsplit

    from service.settings import current_settings

    base = current_settings().base_url
    host = urlsplit(base).hostname
    for path in ("/news.atom", "/networks/agder-rogaland/news.atom"):
        parsed, r = await _feed(client, path)
        assert not parsed.bozo, parsed.bozo_exception
        assert parsed.version == "atom10"
        assert parsed.feed.id == f"tag:{host},2026:news" + path.removesuffix("/news.atom")[9:]
        assert parsed.feed.updated_parsed
        links = {link.rel: link.href for link in parsed.feed.links}
        assert links["self"] == base + path and links["alternate"].startswith(base + "/")
        ids = [e.id for e in parsed.entries]
        assert len(ids) == len(set(ids))
        entry = next(e for e in parsed.entries if e.title == title)
        assert re.fullmatch(rf"tag:{re.escape(host or '')},\d{{4}}-\d\d-\d\d:post/{pid}", entry.id)
        assert entry.link == f"{base}/news/{pid}"
        assert entry.updated_parsed and entry.published_parsed
        assert entry.content[0].type == "text/html"
        assert "<strong>rekruttering</strong>" in entry.content[0].value
        assert entry.summary == "Tolv kommuner delte erfaringer."
        assert entry.author == "Coordinator"
        published = [e.published_parsed for e in parsed.entries]
        assert published == sorted(published, reverse=True)  # newest first
        # ETag and 304
        again = await client.get(path, headers={"If-None-Match": r.headers["etag"]})
        assert again.status_code == 304 and not again.content
        parsed_again, _ = await _feed(client, path)
        assert [e.id for e in parsed_again.entries] == ids  # stable

    # unpublish hides it again; a published post cannot be deleted, a draft can
    assert (await client.delete(f"/api/v1/posts/{pid}", headers=coord)).status_code == 409
    r = await client.post(f"/api/v1/posts/{pid}/unpublish", headers=coord)
    assert r.status_code == 200 and r.json()["status"] == "draft"
    assert (await client.get(f"/api/v1/posts/{pid}")).status_code == 404
    assert (await client.delete(f"/api/v1/posts/{pid}", headers=coord)).status_code == 204
    assert await PostPhoto.count().where(PostPhoto.post == int(pid)) == 0
    actions = [
        e["action"]
        for e in await AuditEvent.select(AuditEvent.action)
        .where((AuditEvent.object_type == "post") & (AuditEvent.object_id == pid))
        .order_by(AuditEvent.id)
    ]
    assert actions == [
        "post.create", "post.photo_add", "post.attachment_add", "post.publish",
        "post.unpublish", "post.delete",
    ]  # fmt: skip


async def test_size_limits(client, actors, monkeypatch):
    p = await _report(client, actors)
    coord = actors["coordinator"].headers
    monkeypatch.setattr(posts, "MAX_PDF_BYTES", 100)
    r = await client.post(
        f"/api/v1/posts/{p['id']}/attachments",
        files={"file": ("stor.pdf", PDF + b"%" * 200, "application/pdf")},
        headers=coord,
    )
    assert r.status_code == 422 and r.json()["field"] == "file" and "20 MB" in r.json()["detail"]
    monkeypatch.setattr(photos, "MAX_BYTES", 100)
    r = await client.post(
        f"/api/v1/posts/{p['id']}/photos",
        files={"file": ("stort.jpg", jpeg(), "image/jpeg")},
        data={"alt": "Et bilde"},
        headers=coord,
    )
    assert r.status_code == 422 and r.json()["field"] == "file"
    assert await PostAttachment.count().where(PostAttachment.post == int(p["id"])) == 0


async def test_network_news_and_editors(client, actors):
    coord, other = actors["coordinator"].headers, actors["other_coordinator"].headers
    r = await client.post(
        "/api/v1/posts",
        json={"network": "agder-rogaland", "title": "Ny handlingsplan", "body": "Tekst."},
        headers=other,
    )
    assert r.status_code == 403
    r = await client.post(
        "/api/v1/posts",
        json={"network": "agder-rogaland", "title": "Ny handlingsplan", "body": "Tekst."},
        headers=coord,
    )
    assert r.status_code == 201 and r.json()["kind"] == "news" and r.json()["gathering"] is None
    pid = r.json()["id"]
    r = await client.patch(f"/api/v1/posts/{pid}", json={"title": "Endret"}, headers=other)
    assert r.status_code == 404  # a draft: not even seen
    r = await client.patch(
        f"/api/v1/posts/{pid}",
        json={"title": "Handlingsplan 2027"},
        headers=actors["admin"].headers,
    )
    assert r.status_code == 200 and r.json()["title"] == "Handlingsplan 2027"
    await client.post(f"/api/v1/posts/{pid}/publish", headers=coord)
    r = await client.patch(f"/api/v1/posts/{pid}", json={"title": "Endret"}, headers=other)
    assert r.status_code == 403
    listed = (await client.get("/api/v1/posts?network=agder-rogaland")).json()
    assert pid in [i["id"] for i in listed["items"]]
    assert (await client.get("/api/v1/posts?network=nope")).status_code == 404


# --- the pages ---------------------------------------------------------------------------


async def test_the_editor_pages(app, actors):
    coordinator = actors["coordinator"]
    gid = await held_gathering(coordinator, title="Samling i Arendal")
    c = await browser(app, coordinator.email)
    async with aclosing(c):
        page = await c.get(f"/gatherings/{gid}")
        assert f"/coordinator/posts/new?gathering={gid}" in page.text
        dashboard = await c.get("/coordinator")
        assert f"/coordinator/posts/new?gathering={gid}" in dashboard.text
        new = await c.get(f"/coordinator/posts/new?gathering={gid}")
        assert new.status_code == 200 and "Samling i Arendal" in seen(new)
        form = {"gathering": gid, "title": "Referat fra Arendal", "summary": "Kort.",
                "body": "# Dagen\n\n<script>x</script>Hei", "language": "nb"}  # fmt: skip
        preview = await c.post(
            "/coordinator/posts/new", data={**form, "action": "preview"}, headers=ORIGIN
        )
        assert preview.status_code == 200 and "<h2>Dagen</h2>" in preview.text
        assert "<script>x</script>" not in preview.text
        assert await posts.report_for(gid) is None  # a preview saves nothing
        bad = await c.post(
            "/coordinator/posts/new", data={**form, "title": "", "action": "save"}, headers=ORIGIN
        )
        assert bad.status_code == 422 and 'id="error-title"' in bad.text
        made = await c.post(
            "/coordinator/posts/new", data={**form, "action": "save"}, headers=ORIGIN
        )
        assert made.status_code == 303
        edit = made.headers["location"]
        pid = edit.split("/")[2]
        assert edit == f"/news/{pid}/edit"
        again = await c.get(f"/coordinator/posts/new?gathering={gid}")
        assert again.status_code == 303 and again.headers["location"] == edit
        no_alt = await c.post(
            f"/news/{pid}/photos",
            files={"file": ("a.jpg", jpeg(), "image/jpeg")},
            data={"alt": "", "caption": "Fra dagen"},
            headers=ORIGIN,
        )
        assert no_alt.status_code == 422 and 'id="error-alt"' in no_alt.text
        assert 'value="Fra dagen"' in no_alt.text  # what was typed stays
        text_file = await c.post(
            f"/news/{pid}/photos",
            files={"file": ("a.jpg", b"hello", "image/jpeg")},
            data={"alt": "Noe"},
            headers=ORIGIN,
        )
        assert text_file.status_code == 422 and 'id="error-photo"' in text_file.text
        ok = await c.post(
            f"/news/{pid}/photos",
            files={"file": ("a.png", png(alpha=True), "image/png")},
            data={"alt": "Rød firkant"},
            headers=ORIGIN,
        )
        assert ok.status_code == 303
        notpdf = await c.post(
            f"/news/{pid}/files", files={"file": ("a.pdf", b"hello", "application/pdf")},
            headers=ORIGIN,
        )  # fmt: skip
        assert notpdf.status_code == 422 and 'id="error-attachment"' in notpdf.text
        editor = await c.get(edit)
        assert 'alt="Rød firkant"' in unescape(editor.text)
        assert await PostPhoto.count().where(PostPhoto.post == int(pid)) == 1
        dashboard = await c.get("/coordinator")
        assert f'href="/news/{pid}/edit"' in dashboard.text  # the draft is listed there
        assert f"/coordinator/posts/new?gathering={gid}" not in dashboard.text
        saved = await c.post(
            edit, data={**form, "body": "Ny tekst", "action": "save"}, headers=ORIGIN
        )
        assert saved.status_code == 303
        published = await c.post(f"/news/{pid}/publish", headers=ORIGIN)
        assert published.status_code == 303 and published.headers["location"] == f"/news/{pid}"
    anonymous = await (await _anon(app)).get(f"/gatherings/{gid}")
    assert "Referat fra Arendal" in seen(anonymous) and f"/news/{pid}" in anonymous.text
    assert f"/news/{pid}/photos/" in anonymous.text


async def _anon(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_no_report_form_before_the_gathering_ends(app, actors):
    from news_support import future_gathering

    gid = await future_gathering(actors["coordinator"])
    c = await browser(app, actors["coordinator"].email)
    async with aclosing(c):
        page = await c.get(f"/gatherings/{gid}")
        assert "/coordinator/posts/new?gathering=" not in page.text
        form = await c.get(f"/coordinator/posts/new?gathering={gid}")
        assert form.status_code == 200 and 'data-color="danger"' in form.text
        r = await c.post(
            "/coordinator/posts/new",
            data={"gathering": gid, "title": "For tidlig", "body": "x", "action": "save"},
            headers=ORIGIN,
        )
        assert r.status_code == 409 and 'data-color="danger"' in r.text
    assert await posts.report_for(gid) is None


async def test_others_cannot_use_the_editor(app, actors):
    gid = await held_gathering(actors["coordinator"])
    me = await user_of(actors["coordinator"])
    p = await posts.create(me, "http://testserver", "Utkast", gathering=gid, body="Tekst")
    for role in ("participant", "other_coordinator", "finance"):
        c = await browser(app, actors[role].email)
        async with aclosing(c):
            r = await c.get(f"/coordinator/posts/new?gathering={gid}")
            assert r.status_code == 403, role
            assert (await c.get(f"/news/{p.id}/edit")).status_code in (403, 404)
            r = await c.post(f"/news/{p.id}/publish", headers=ORIGIN)
            assert r.status_code in (403, 404)
    assert (await posts.detail(me, p.id, "")).status == "draft"
    c = await browser(app, actors["coordinator"].email)
    async with aclosing(c):
        asked = await c.post(f"/news/{p.id}/delete", headers=ORIGIN)
        assert asked.status_code == 200 and 'name="confirm" value="1"' in asked.text
        assert await posts.report_for(gid) is not None  # only asked
        gone = await c.post(f"/news/{p.id}/delete", data={"confirm": "1"}, headers=ORIGIN)
        assert gone.status_code == 303 and gone.headers["location"] == "/coordinator"
    assert await posts.report_for(gid) is None
