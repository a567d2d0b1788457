"""The /api/v1 routes of service.documents (HANDLERS is mounted by service.app): a
network's documents, a document with its versions, uploads (multipart) and downloads,
and the public coordinator directory."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, patch, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, JSONBody

from service.accounts.controller import me_of
from service.accounts.guards import current_user, signed_in
from service.documents import directory, documents, files
from service.documents.schemas import DocumentDetail, DocumentOut, DocumentPatch, NetworkDirectory

# A download: always an attachment, never sniffed, and nothing in it may run if a browser
# shows it anyway.
FILE_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"
UPLOAD_LIMIT = files.MAX_BYTES + 1024 * 1024  # the file and the form around it


def download(row: dict[str, Any], public: bool) -> Response[bytes]:
    name = row["filename"]
    return Response(
        row["body"],
        media_type=row["content_type"],
        headers={
            "Content-Disposition": (
                f'attachment; filename="{files.header_filename(name)}"; '
                f"filename*=UTF-8''{quote(name)}"
            ),
            "Content-Security-Policy": FILE_CSP,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-cache" if public else "private, no-store",
        },
    )


async def read_upload(form: Any) -> tuple[str | None, bytes | None]:
    """(filename, body) of the form's `file` field; body None when no file was sent."""
    upload = form.get("file")
    if isinstance(upload, UploadFile):
        return upload.filename, await upload.read(files.MAX_BYTES + 1)
    return None, None


def _text(form: Any, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


@get("/api/v1/networks/{slug:str}/documents", tags=["documents"], summary="A network's documents")
async def list_documents(request: Request[Any, Any, Any], slug: FromPath[str]) -> list[DocumentOut]:
    return await documents.list_for_network(current_user(request), slug)


@post(
    "/api/v1/networks/{slug:str}/documents",
    tags=["documents"],
    guards=[signed_in],
    status_code=201,
    summary="Add a document with its first version (multipart: title, kind, visibility, "
    "label, note, file)",
    request_max_body_size=UPLOAD_LIMIT,
)
async def create_document(request: Request[Any, Any, Any], slug: FromPath[str]) -> DocumentDetail:
    form = await request.form()
    filename, body = await read_upload(form)
    return await documents.create(
        me_of(request),
        slug,
        title=_text(form, "title"),
        kind=_text(form, "kind"),
        visibility=_text(form, "visibility"),
        label=_text(form, "label"),
        note=_text(form, "note"),
        filename=filename,
        body=body,
    )


@get("/api/v1/documents/{doc_id:str}", tags=["documents"], summary="A document and its versions")
async def get_document(request: Request[Any, Any, Any], doc_id: FromPath[str]) -> DocumentDetail:
    return await documents.detail(current_user(request), doc_id)


@patch(
    "/api/v1/documents/{doc_id:str}",
    tags=["documents"],
    guards=[signed_in],
    summary="Change a document's title, kind or visibility",
)
async def update_document(
    request: Request[Any, Any, Any], doc_id: FromPath[str], data: JSONBody[DocumentPatch]
) -> DocumentDetail:
    return await documents.update(
        me_of(request), doc_id, title=data.title, kind=data.kind, visibility=data.visibility
    )


@post(
    "/api/v1/documents/{doc_id:str}/versions",
    tags=["documents"],
    guards=[signed_in],
    status_code=201,
    summary="Upload a new version (multipart: label, note, file); older ones are kept",
    request_max_body_size=UPLOAD_LIMIT,
)
async def add_version(request: Request[Any, Any, Any], doc_id: FromPath[str]) -> DocumentDetail:
    form = await request.form()
    filename, body = await read_upload(form)
    return await documents.add_version(
        me_of(request),
        doc_id,
        label=_text(form, "label"),
        note=_text(form, "note"),
        filename=filename,
        body=body,
    )


async def _file(
    request: Request[Any, Any, Any], doc_id: str, number: str | None
) -> Response[bytes]:
    row = await documents.file(current_user(request), doc_id, number)
    return download(row, row["public"])


@get(
    "/api/v1/documents/{doc_id:str}/file",
    tags=["documents"],
    summary="Download the current version",
    media_type="application/octet-stream",
)
async def current_file(request: Request[Any, Any, Any], doc_id: FromPath[str]) -> Response[bytes]:
    return await _file(request, doc_id, None)


@get(
    "/api/v1/documents/{doc_id:str}/versions/{number:str}/file",
    tags=["documents"],
    summary="Download a version",
    media_type="application/octet-stream",
)
async def version_file(
    request: Request[Any, Any, Any], doc_id: FromPath[str], number: FromPath[str]
) -> Response[bytes]:
    return await _file(request, doc_id, number)


@get("/api/v1/directory", tags=["documents"], summary="The public coordinator directory")
async def get_directory() -> list[NetworkDirectory]:
    return await directory.listed()


HANDLERS: list[Any] = [
    list_documents,
    create_document,
    get_document,
    update_document,
    add_version,
    current_file,
    version_file,
    get_directory,
]
