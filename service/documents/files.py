"""What an uploaded document file is, read from its bytes (never from its name or the
browser's Content-Type): PDF, the OOXML formats (DOCX, XLSX, PPTX) and ODF text (ODT)
by their zip members, PNG and JPEG by their magic numbers. A name whose extension says
something else is refused, and names are made safe for storing and for headers."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from typing import NamedTuple

from service.lib.errors import Invalid

MAX_BYTES = 20 * 1024 * 1024


class Kind(NamedTuple):
    content_type: str
    extensions: tuple[str, ...]  # the first is added to a name without one
    name: str  # as people call it


PDF = Kind("application/pdf", (".pdf",), "PDF")
DOCX = Kind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",), "Word"
)
XLSX = Kind(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",), "Excel"
)
PPTX = Kind(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    (".pptx",),
    "PowerPoint",
)
ODT = Kind("application/vnd.oasis.opendocument.text", (".odt",), "OpenDocument")
PNG = Kind("image/png", (".png",), "PNG")
JPEG = Kind("image/jpeg", (".jpg", ".jpeg"), "JPEG")
KINDS = {k.content_type: k for k in (PDF, DOCX, XLSX, PPTX, ODT, PNG, JPEG)}


def _zip_kind(body: bytes) -> Kind | None:
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            names = set(z.namelist())
            if "mimetype" in names:
                with z.open("mimetype") as f:
                    if f.read(100).strip() == ODT.content_type.encode():
                        return ODT
                return None
            if "[Content_Types].xml" not in names:
                return None
            if "word/document.xml" in names:
                return DOCX
            if "xl/workbook.xml" in names:
                return XLSX
            if "ppt/presentation.xml" in names:
                return PPTX
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError):
        return None
    return None


def sniff(body: bytes) -> Kind | None:
    """The kind of file the bytes are, or None for anything we do not take."""
    if body.startswith(b"%PDF-"):
        return PDF
    if body.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if body.startswith(b"\xff\xd8\xff"):
        return JPEG
    if body.startswith(b"PK\x03\x04"):
        return _zip_kind(body)
    return None


def clean_filename(name: str | None, kind: Kind) -> str:
    """The name without folders, control characters or quotes, at most 200 characters,
    ending in the kind's extension (added when the name has none)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    clean = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>:*?|;').strip(" .")
    stem, dot, ext = clean.rpartition(".")
    if not (dot and stem and ext.isalnum() and not ext.isdigit() and len(ext) <= 5):
        clean = (clean or "dokument") + kind.extensions[0]
    return clean[-200:] if len(clean) > 200 else clean


def checked(filename: str | None, body: bytes | None) -> tuple[str, Kind]:
    """(the stored name, the kind) of an upload, or Invalid on the `file` field."""
    if body is None:
        raise Invalid("Send the document as the multipart field `file`", field="file")
    if not body:
        raise Invalid("The file is empty", field="file")
    if len(body) > MAX_BYTES:
        raise Invalid("A document may be at most 20 MB", field="file")
    kind = sniff(body)
    if kind is None:
        raise Invalid(
            "Upload a PDF, Word (DOCX), Excel (XLSX), PowerPoint (PPTX), OpenDocument text "
            "(ODT), PNG or JPEG file",
            field="file",
        )
    name = clean_filename(filename, kind)
    ext = "." + name.rpartition(".")[2].lower()
    if ext not in kind.extensions:
        raise Invalid(
            "The file's name ends in {ext}, but the file is a {kind} file: rename it or "
            "upload the right file",
            field="file",
            params={"ext": ext, "kind": kind.name},
        )
    return name, kind


def header_filename(name: str) -> str:
    """The name in plain ASCII for the Content-Disposition `filename=` (å -> a)."""
    flat = unicodedata.normalize("NFKD", name)
    out = "".join(ch if ch.isascii() else "_" for ch in flat if not unicodedata.combining(ch))
    return out.replace("\\", "_") or "dokument"
