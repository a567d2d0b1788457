"""Network documents through the API and the pages: upload, list, a new version (both kept,
the current one downloads with the same bytes), who sees members-only documents (anonymous,
a participant of a non-member municipality: 404 everywhere and absent from the network
page; a member municipality's participant, the coordinator, finance, admin: seen), files
refused by their bytes (a .pdf that is a ZIP, an .exe named .docx, too large), bad input
answered with problem+json or errors next to the field and nothing changed, and audit."""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from html import unescape
from typing import Any

import httpx
from mail_fixtures import follow_link

from service.accounts import service as accounts
from service.db.tables import AuditEvent, Document, DocumentVersion
from service.documents import files
from service.documents.pdf import text_pdf

NETWORK = "agder-rogaland"  # the `coordinator` actor's; participant (4204) is a member
ORIGIN = {"Origin": "http://testserver"}


def pdf(text: str = "Handlingsplan") -> bytes:
    return text_pdf(text, ["# Mål", "Støttekontakttjenesten skal videreutvikles.", text])


def ooxml(main: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(main, "<x/>")
    return buf.getvalue()


def plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "hei")
    return buf.getvalue()


def odt() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", "<x/>")
    return buf.getvalue()


def seen(r: httpx.Response) -> str:
    return re.sub(r"\s+", " ", unescape(r.text))


async def upload(
    client: Any, headers: dict[str, str], title: str, visibility: str = "members", **extra: Any
) -> httpx.Response:
    body = extra.pop("body", None) or pdf(title)
    filename = extra.pop("filename", "handlingsplan.pdf")
    data = {"title": title, "kind": "action_plan", "visibility": visibility, **extra}
    return await client.post(
        f"/api/v1/networks/{NETWORK}/documents",
        data=data,
        files={"file": (filename, body, "application/pdf")},
        headers=headers,
    )


async def outsider() -> tuple[str, dict[str, str]]:
    """A participant whose municipality (Tromsø) is not a member of agder-rogaland."""
    email = f"utenfor.{uuid.uuid4().hex[:6]}@example.no"
    uid = await accounts.create_user(email, "Utenfor", "5501", [], "tests")
    token = await accounts.create_api_token(uid, "tests", "tests")
    return email, {"Authorization": f"Bearer {token['token']}"}


async def test_upload_list_new_version_and_download(client, actors) -> None:
    coord = actors["coordinator"].headers
    title = f"Handlingsplan {uuid.uuid4().hex[:6]}"
    first, second = pdf(title + " 2025"), pdf(title + " 2026")
    r = await upload(client, coord, title, label="2025", note="Vedtatt på samlingen", body=first)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["version_count"] == 1 and doc["current"]["label"] == "2025"
    assert doc["current"]["content_type"] == "application/pdf"
    assert doc["current"]["uploaded_by"] == "Coordinator"

    listed = (await client.get(f"/api/v1/networks/{NETWORK}/documents", headers=coord)).json()
    assert title in [d["title"] for d in listed]

    r = await client.post(
        f"/api/v1/documents/{doc['id']}/versions",
        data={"label": "2026", "note": "Nye mål for 2026"},
        files={"file": ("plan 2026.pdf", second, "application/pdf")},
        headers=coord,
    )
    assert r.status_code == 201, r.text
    detail = (await client.get(f"/api/v1/documents/{doc['id']}", headers=coord)).json()
    assert [v["label"] for v in detail["versions"]] == ["2026", "2025"]
    assert detail["current"]["number"] == 2 and detail["current"]["filename"] == "plan 2026.pdf"

    current = await client.get(f"/api/v1/documents/{doc['id']}/file", headers=coord)
    assert current.status_code == 200 and current.content == second
    assert current.headers["content-type"].startswith("application/pdf")
    assert current.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''plan%202026.pdf" in current.headers["content-disposition"]
    assert current.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in current.headers["content-security-policy"]
    old = await client.get(f"/api/v1/documents/{doc['id']}/versions/1/file", headers=coord)
    assert old.content == first
    assert (
        await client.get(f"/api/v1/documents/{doc['id']}/versions/3/file", headers=coord)
    ).status_code == 404

    # Both versions on the document's page, with who, label, note and download links.
    page = seen(await client.get(f"/documents/{doc['id']}", headers=coord))
    for text in ("2026", "2025", "Nye mål for 2026", "Vedtatt på samlingen", "Coordinator"):
        assert text in page
    assert f'href="/documents/{doc["id"]}/file"' in page
    assert f'href="/documents/{doc["id"]}/versions/1/file"' in page
    r = await client.get(f"/documents/{doc['id']}/versions/1/file", headers=coord)
    assert r.content == first and r.headers["content-disposition"].startswith("attachment;")

    events = await AuditEvent.select(AuditEvent.action).where(
        (AuditEvent.object_type == "document") & (AuditEvent.object_id == doc["id"])
    )
    assert sorted(e["action"] for e in events) == ["document.create", "document.version"]


async def test_members_only_is_hidden_from_outsiders(client, actors) -> None:
    coord = actors["coordinator"].headers
    secret = f"Referat {uuid.uuid4().hex[:6]}"
    open_title = f"Brosjyre {uuid.uuid4().hex[:6]}"
    members_doc = (await upload(client, coord, secret, "members")).json()
    public_doc = (await upload(client, coord, open_title, "public")).json()
    _email, stranger = await outsider()

    for who, headers in (("anonymous", {}), ("outsider", stranger)):
        for path in (
            f"/api/v1/documents/{members_doc['id']}",
            f"/api/v1/documents/{members_doc['id']}/file",
            f"/api/v1/documents/{members_doc['id']}/versions/1/file",
        ):
            r = await client.get(path, headers=headers)
            assert r.status_code == 404, (who, path)
            assert r.headers["content-type"] == "application/problem+json"
            assert secret not in r.text
        for path in (f"/documents/{members_doc['id']}", f"/documents/{members_doc['id']}/file"):
            r = await client.get(path, headers={**headers, "Accept": "text/html"})
            assert r.status_code == 404 and secret not in r.text, (who, path)
        titles = [
            d["title"]
            for d in (
                await client.get(f"/api/v1/networks/{NETWORK}/documents", headers=headers)
            ).json()
        ]
        assert open_title in titles and secret not in titles, who
        for page in (f"/networks/{NETWORK}", f"/networks/{NETWORK}/documents"):
            text = seen(await client.get(page, headers=headers))
            assert open_title in text and secret not in text, (who, page)
        assert (
            await client.get(f"/api/v1/documents/{public_doc['id']}/file", headers=headers)
        ).status_code == 200
        # An outsider cannot add a version to what they cannot see: 404, not 403.
        if headers:
            r = await client.post(
                f"/api/v1/documents/{members_doc['id']}/versions",
                files={"file": ("x.pdf", pdf(), "application/pdf")},
                headers=headers,
            )
            assert r.status_code == 404

    for role in ("participant", "coordinator", "finance", "admin"):
        headers = actors[role].headers
        r = await client.get(f"/api/v1/documents/{members_doc['id']}", headers=headers)
        assert r.status_code == 200, role
        text = seen(await client.get(f"/networks/{NETWORK}", headers=headers))
        assert secret in text and open_title in text, role
        text = seen(await client.get(f"/networks/{NETWORK}/documents", headers=headers))
        assert secret in text, role
    # The other network's coordinator (Tromsø, not a member here) is an outsider too.
    other = actors["other_coordinator"].headers
    assert (
        await client.get(f"/api/v1/documents/{members_doc['id']}", headers=other)
    ).status_code == 404


async def test_who_writes(client, actors) -> None:
    title = f"Plan {uuid.uuid4().hex[:6]}"
    for role in ("participant", "finance", "other_coordinator"):
        r = await upload(client, actors[role].headers, title, "public")
        assert r.status_code == 403, role
        assert r.headers["content-type"] == "application/problem+json"
    assert (await upload(client, {}, title, "public")).status_code == 401
    assert not await Document.exists().where(Document.title == title)
    doc = (await upload(client, actors["admin"].headers, title, "public")).json()
    r = await client.patch(
        f"/api/v1/documents/{doc['id']}", json={"title": "Nytt"}, headers=actors["finance"].headers
    )
    assert r.status_code == 403
    r = await client.patch(
        f"/api/v1/documents/{doc['id']}",
        json={"title": title + " (rev.)", "visibility": "members", "kind": "other"},
        headers=actors["coordinator"].headers,
    )
    assert r.status_code == 200 and r.json()["visibility"] == "members"
    assert r.json()["kind"] == "other"
    assert (await client.get(f"/api/v1/documents/{doc['id']}")).status_code == 404


async def test_files_are_judged_by_their_bytes(client, actors) -> None:
    coord = actors["coordinator"].headers
    title = f"Fil {uuid.uuid4().hex[:6]}"
    refused = [
        ("plan.pdf", plain_zip(), "PDF, Word"),  # a .pdf that is a ZIP
        ("plan.docx", b"MZ\x90\x00" + b"\x00" * 200, "PDF, Word"),  # an .exe named .docx
        ("plan.pdf", ooxml("word/document.xml"), "ends in .pdf"),  # a Word file named .pdf
        ("plan.pdf", b"", "empty"),
    ]
    for filename, body, text in refused:
        r = await client.post(
            f"/api/v1/networks/{NETWORK}/documents",
            data={"title": title, "kind": "minutes", "visibility": "members"},
            files={"file": (filename, body or b"", "application/pdf")},
            headers=coord,
        )
        assert r.status_code == 422, (filename, r.text)
        problem = r.json()
        assert r.headers["content-type"] == "application/problem+json"
        assert text in problem["detail"], problem
    too_big = b"%PDF-1.4\n" + b"0" * files.MAX_BYTES
    r = await upload(client, coord, title, body=too_big)
    assert r.status_code in (413, 422) and "20 MB" in r.text
    assert not await Document.exists().where(Document.title == title)

    accepted = {
        "a.docx": ooxml("word/document.xml"),
        "a.xlsx": ooxml("xl/workbook.xml"),
        "a.pptx": ooxml("ppt/presentation.xml"),
        "a.odt": odt(),
        "a.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 20,
        "a.jpeg": b"\xff\xd8\xff\xe0" + b"\x00" * 20,
    }
    for filename, body in accepted.items():
        r = await upload(client, coord, title + filename, body=body, filename=filename)
        assert r.status_code == 201, (filename, r.text)
        assert r.json()["current"]["content_type"] == files.sniff(body).content_type
    # A name without an extension gets the right one; folders and quotes are dropped.
    r = await upload(client, coord, title + "x", filename='..\\mappe/"Plan" 2025–2026')
    assert r.json()["current"]["filename"] == "Plan 2025–2026.pdf"
    got = await client.get(r.json()["current"]["url"], headers=coord)
    assert 'filename="Plan 2025_2026.pdf"' in got.headers["content-disposition"]


async def test_bad_input_changes_nothing(client, actors) -> None:
    coord = actors["coordinator"].headers
    before = await DocumentVersion.count()
    cases = [
        ({"title": "", "kind": "minutes", "visibility": "public"}, "title"),
        ({"title": "T", "kind": "poster", "visibility": "public"}, "kind"),
        ({"title": "T", "kind": "minutes", "visibility": "secret"}, "visibility"),
        ({"title": "T", "kind": "minutes", "visibility": "public", "label": "x" * 61}, "label"),
    ]
    for data, field in cases:
        r = await client.post(
            f"/api/v1/networks/{NETWORK}/documents",
            data=data,
            files={"file": ("a.pdf", pdf(), "application/pdf")},
            headers=coord,
        )
        assert r.status_code == 422, data
        assert field in r.text, (data, r.text)
    r = await client.post(
        f"/api/v1/networks/{NETWORK}/documents",
        data={"title": "T", "kind": "minutes", "visibility": "public"},
        headers=coord,
    )
    assert r.status_code == 422 and "file" in r.text
    r = await client.post(
        "/api/v1/networks/no-such-network/documents",
        data={"title": "T", "kind": "minutes", "visibility": "public"},
        files={"file": ("a.pdf", pdf(), "application/pdf")},
        headers=coord,
    )
    assert r.status_code == 404
    assert await DocumentVersion.count() == before
    r = await client.patch("/api/v1/documents/abc", json={"title": "x"}, headers=coord)
    assert r.status_code == 404
    r = await client.patch("/api/v1/documents/1", json={"colour": "red"}, headers=coord)
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    assert (await client.get("/api/v1/networks/no-such/documents")).status_code == 404


async def browser(app: Any, email: str) -> httpx.AsyncClient:
    c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    link = await accounts.create_login_link(email, "http://testserver")
    assert (await follow_link(c, link)).status_code == 303
    return c


async def test_the_pages_walk(app, actors) -> None:
    """A coordinator uploads from the list page, sees a field error, adds a version and
    edits the document; a member sees both versions; the participant gets no forms."""
    c = await browser(app, actors["coordinator"].email)
    title = f"Handlingsplan {uuid.uuid4().hex[:6]}"
    try:
        page = await c.get(f"/networks/{NETWORK}/documents")
        assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
        r = await c.post(
            f"/networks/{NETWORK}/documents",
            data={"title": title, "kind": "action_plan", "visibility": "members", "label": "2025"},
            files={"file": ("plan.pdf", plain_zip(), "application/pdf")},
            headers=ORIGIN,
        )
        assert r.status_code == 422
        assert 'id="error-file"' in r.text and f'value="{title}"' in r.text
        r = await c.post(
            f"/networks/{NETWORK}/documents",
            data={"title": title, "kind": "action_plan", "visibility": "members", "label": "2025"},
            files={"file": ("plan.pdf", pdf("2025"), "application/pdf")},
            headers=ORIGIN,
        )
        assert r.status_code == 303, r.text
        doc_path = r.headers["location"]
        doc_id = doc_path.rsplit("/", 1)[1]
        page = seen(await c.get(doc_path))
        assert "The document is added." in page or "Dokumentet er lagt til." in page
        r = await c.post(
            f"{doc_path}/versions",
            data={"label": "2026", "note": "Revidert"},
            files={"file": ("plan.pdf", pdf("2026"), "application/pdf")},
            headers=ORIGIN,
        )
        assert r.status_code == 303
        r = await c.post(
            f"{doc_path}/edit",
            data={"title": "", "kind": "action_plan", "visibility": "members"},
            headers=ORIGIN,
        )
        assert r.status_code == 422 and 'id="error-title"' in r.text
        r = await c.post(
            f"{doc_path}/edit",
            data={
                "title": title + " for nettverket",
                "kind": "action_plan",
                "visibility": "members",
            },
            headers=ORIGIN,
        )
        assert r.status_code == 303
        listing = seen(await c.get(f"/networks/{NETWORK}/documents"))
        assert title + " for nettverket" in listing
    finally:
        await c.aclose()
    member = actors["participant"].headers
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as anyone:
        page = await anyone.get(doc_path, headers=member)
        text = seen(page)
        assert "2026" in text and "2025" in text and "Revidert" in text
        assert 'action="' + doc_path + '/versions"' not in page.text  # no forms for a member
        got = await anyone.get(f"{doc_path}/file", headers=member)
        assert got.content == pdf("2026")
        r = await anyone.post(
            f"{doc_path}/versions",
            files={"file": ("plan.pdf", pdf(), "application/pdf")},
            headers={**member, **ORIGIN},
        )
        assert r.status_code == 403
    assert await DocumentVersion.count().where(DocumentVersion.document == int(doc_id)) == 2
