"""Network document pages: the documents of a network, a document with its versions,
uploading a new one or a new version, and the downloads. network_section gives the
network page its part.

Whoever may not see a members-only document gets the 404 page, as for an unknown one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from service.documents import controller as documents_api
from service.documents import documents, files
from service.documents.schemas import DocumentDetail, DocumentOut, VersionOut
from service.lib import i18n, labels
from service.lib.errors import DomainError
from service.networks import service as networks
from service.settings import Settings
from service.web import flash
from service.web.viewer import Viewer

SECTION_MOST = 6  # documents shown on the network page before "all documents"


def size_text(size: int) -> str:
    """'34 kB', '1,2 MB' in the language of the page."""
    if size < 1024 * 1024:
        return i18n.gettext("{size} kB").format(size=i18n.number_text(max(1, round(size / 1024))))
    from decimal import Decimal

    mb = (Decimal(size) / (1024 * 1024)).quantize(Decimal("0.1"))
    return i18n.gettext("{size} MB").format(size=i18n.number_text(mb))


def type_text(content_type: str) -> str:
    kind = files.KINDS.get(content_type)
    return kind.name if kind else content_type


def when_text(iso: str) -> str:
    from datetime import datetime

    return i18n.date_text(datetime.fromisoformat(iso)) if iso else ""


@dataclass(frozen=True)
class VersionRow:
    v: VersionOut
    date: str
    when: str
    size: str
    type: str
    href: str


@dataclass(frozen=True)
class DocRow:
    d: DocumentOut
    kind: str
    visibility: str
    href: str
    current: VersionRow | None


def _version_row(doc_id: str, v: VersionOut, current: bool) -> VersionRow:
    from datetime import datetime

    href = (
        f"/documents/{doc_id}/file" if current else f"/documents/{doc_id}/versions/{v.number}/file"
    )
    at = datetime.fromisoformat(v.uploaded_at)
    return VersionRow(
        v,
        i18n.date_text(at),
        i18n.datetime_text(at),
        size_text(v.size),
        type_text(v.content_type),
        href,
    )


def _doc_row(d: DocumentOut) -> DocRow:
    return DocRow(
        d,
        labels.label(documents.KIND, d.kind),
        labels.label(documents.VISIBILITY, d.visibility),
        f"/documents/{d.id}",
        _version_row(d.id, d.current, True) if d.current else None,
    )


def _groups(docs: list[DocumentOut]) -> list[tuple[str, str, list[DocRow]]]:
    """(kind, heading, rows) for each kind that has documents, in the order of KIND."""
    out = []
    for kind in documents.KIND:
        rows = [_doc_row(d) for d in docs if d.kind == kind]
        if rows:
            out.append((kind, labels.label(documents.KINDS_PLURAL, kind), rows))
    return out


def _kind_options() -> list[tuple[str, str]]:
    return [(k, labels.label(documents.KIND, k)) for k in documents.KIND]


def _visibility_options() -> list[tuple[str, str]]:
    return [(k, labels.label(documents.VISIBILITY, k)) for k in ("members", "public")]


def _file_hint() -> str:
    return i18n.gettext(
        "PDF, Word, Excel, PowerPoint, OpenDocument text, PNG or JPEG, at most 20 MB."
    )


async def _list_page(
    viewer: Viewer,
    slug: str,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    problem: str = "",
    notice: str = "",
    status: int = 200,
    cookies: list[Any] | None = None,
) -> Template:
    network = await networks.get_network(slug)
    docs = await documents.list_for_network(viewer.user, slug)
    return Template(
        "documents/list.html",
        context={
            "viewer": viewer,
            "notice": notice,
            "network": network,
            "groups": _groups(docs),
            "may_write": documents.may_write(viewer.user, slug),
            "sees_members": await documents.may_read_members(viewer.user, slug),
            "form": form or {"kind": "action_plan", "visibility": "members"},
            "errors": errors or {},
            "problem": problem,
            "kinds": _kind_options(),
            "visibilities": _visibility_options(),
            "file_hint": _file_hint(),
        },
        status_code=status,
        cookies=cookies or [],
    )


@get("/networks/{slug:str}/documents")
async def documents_page(
    request: Request[Any, Any, Any], slug: FromPath[str], viewer: NamedDependency[Viewer]
) -> Template:
    notice, cookies = flash.take(request)
    return await _list_page(viewer, slug, notice=notice, cookies=cookies)


def _field_errors(exc: DomainError, fields: tuple[str, ...]) -> tuple[dict[str, str], str]:
    if exc.field in fields:
        return {exc.field or "": exc.message()}, ""
    return {}, exc.message()


def _texts(form: Any, names: tuple[str, ...]) -> dict[str, str]:
    return {n: str(form.get(n) or "") for n in names if isinstance(form.get(n) or "", str)}


@post(
    "/networks/{slug:str}/documents",
    status_code=303,
    request_max_body_size=documents_api.UPLOAD_LIMIT,
)
async def upload_document(
    request: Request[Any, Any, Any],
    slug: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    viewer = signed_in_viewer
    assert viewer.user is not None
    form = await request.form()
    filename, body = await documents_api.read_upload(form)
    fields = ("title", "kind", "visibility", "label", "note")
    values = _texts(form, fields)
    try:
        doc = await documents.create(
            viewer.user,
            slug,
            title=values.get("title"),
            kind=values.get("kind"),
            visibility=values.get("visibility"),
            label=values.get("label"),
            note=values.get("note"),
            filename=filename,
            body=body,
        )
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        errors, problem = _field_errors(exc, (*fields, "file"))
        return await _list_page(
            viewer, slug, form=values, errors=errors, problem=problem, status=exc.status_code
        )
    response = Redirect(f"/documents/{doc.id}", status_code=303)
    return flash.flash(response, "document-added", secure=settings.production)


async def _doc_page(
    viewer: Viewer,
    doc_id: str,
    *,
    edit: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    version_form: dict[str, str] | None = None,
    version_errors: dict[str, str] | None = None,
    problem: str = "",
    notice: str = "",
    status: int = 200,
    cookies: list[Any] | None = None,
) -> Template:
    doc: DocumentDetail = await documents.detail(viewer.user, doc_id)
    current = doc.current.number if doc.current else 0
    return Template(
        "documents/document.html",
        context={
            "viewer": viewer,
            "notice": notice,
            "doc": doc,
            "row": _doc_row(doc),
            "versions": [_version_row(doc.id, v, v.number == current) for v in doc.versions],
            "may_write": documents.may_write(viewer.user, doc.network),
            "edit": edit or {"title": doc.title, "kind": doc.kind, "visibility": doc.visibility},
            "errors": errors or {},
            "version_form": version_form or {},
            "version_errors": version_errors or {},
            "problem": problem,
            "kinds": _kind_options(),
            "visibilities": _visibility_options(),
            "file_hint": _file_hint(),
        },
        status_code=status,
        cookies=cookies or [],
    )


@get("/documents/{doc_id:str}")
async def document_page(
    request: Request[Any, Any, Any], doc_id: FromPath[str], viewer: NamedDependency[Viewer]
) -> Template:
    notice, cookies = flash.take(request)
    return await _doc_page(viewer, doc_id, notice=notice, cookies=cookies)


@post(
    "/documents/{doc_id:str}/versions",
    status_code=303,
    request_max_body_size=documents_api.UPLOAD_LIMIT,
)
async def upload_version(
    request: Request[Any, Any, Any],
    doc_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    viewer = signed_in_viewer
    assert viewer.user is not None
    form = await request.form()
    filename, body = await documents_api.read_upload(form)
    values = _texts(form, ("label", "note"))
    try:
        await documents.add_version(
            viewer.user,
            doc_id,
            label=values.get("label"),
            note=values.get("note"),
            filename=filename,
            body=body,
        )
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        errors, problem = _field_errors(exc, ("label", "note", "file"))
        return await _doc_page(
            viewer,
            doc_id,
            version_form=values,
            version_errors=errors,
            problem=problem,
            status=exc.status_code,
        )
    response = Redirect(f"/documents/{doc_id}", status_code=303)
    return flash.flash(response, "version-added", secure=settings.production)


@post("/documents/{doc_id:str}/edit", status_code=303)
async def edit_document(
    request: Request[Any, Any, Any],
    doc_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    viewer = signed_in_viewer
    assert viewer.user is not None
    form = await request.form()
    fields = ("title", "kind", "visibility")
    values = _texts(form, fields)
    try:
        await documents.update(
            viewer.user,
            doc_id,
            title=values.get("title", ""),
            kind=values.get("kind", ""),
            visibility=values.get("visibility", ""),
        )
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        errors, problem = _field_errors(exc, fields)
        return await _doc_page(
            viewer, doc_id, edit=values, errors=errors, problem=problem, status=exc.status_code
        )
    response = Redirect(f"/documents/{doc_id}", status_code=303)
    return flash.flash(response, "document-saved", secure=settings.production)


@get("/documents/{doc_id:str}/file")
async def current_file(doc_id: FromPath[str], viewer: NamedDependency[Viewer]) -> Response[bytes]:
    row = await documents.file(viewer.user, doc_id, None)
    return documents_api.download(row, row["public"])


@get("/documents/{doc_id:str}/versions/{number:str}/file")
async def version_file(
    doc_id: FromPath[str], number: FromPath[str], viewer: NamedDependency[Viewer]
) -> Response[bytes]:
    row = await documents.file(viewer.user, doc_id, number)
    return documents_api.download(row, row["public"])


PAGES: list[Any] = [
    documents_page,
    upload_document,
    document_page,
    upload_version,
    edit_document,
    current_file,
    version_file,
]


async def network_section(viewer: Viewer, network: Any) -> dict[str, Any]:
    """Context for templates/documents/_network_section.html on the network page: the
    documents the viewer may see (public ones, members-only for who may), the newest
    first, and a link to all."""
    from service.documents import directory
    from service.web.directory_pages import people

    docs = await documents.list_for_network(viewer.user, network.slug)
    listed = await directory.listed([network.slug])
    newest = sorted(docs, key=lambda d: d.updated_at, reverse=True)
    return {
        "documents_section": {
            "rows": [_doc_row(d) for d in newest[:SECTION_MOST]],
            "count": len(docs),
            "href": f"/networks/{network.slug}/documents",
            "may_write": documents.may_write(viewer.user, network.slug),
        },
        # The network page's "Coordinators": those who agreed to be listed, nobody else.
        "listed_coordinators": people(listed[0].coordinators) if listed else [],
    }
