"""Receipts: PDF or image files attached to a claim while its claimant may change it."""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Any

from service.accounts.identity import CurrentUser
from service.claims import claims
from service.db.tables import Claim, Receipt
from service.db.tx import atomic
from service.lib.clock import now
from service.lib.errors import Conflict, Forbidden, Invalid, Label, NotFound
from service.lib.labels import CLAIM_STATUS

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_CLAIM = 30
KINDS = {  # what the file's first bytes say -> the type we store and serve it as
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}


def sniff(body: bytes) -> str | None:
    for magic, content_type in KINDS.items():
        if body.startswith(magic):
            return content_type
    if body[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return "image/heic"
    return None


def _filename(name: str | None) -> str:
    base = (name or "kvittering").replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>').strip()
    return clean[:200] or "kvittering"


def header_filename(name: str) -> str:
    """`name` in plain ASCII: HTTP headers carry latin-1 at most, so a name such as
    "Hotell – 11.03.pdf" would fail the download (å -> a, other letters -> _)."""
    flat = unicodedata.normalize("NFKD", name)
    out = "".join(ch if ch.isascii() else "_" for ch in flat if not unicodedata.combining(ch))
    return out or "kvittering"


async def add(
    user: CurrentUser, claim_id: str, filename: str | None, body: bytes | None
) -> dict[str, Any]:
    """Attach a receipt; `body` None means no `file` field was sent."""
    c = await claims._visible(user, claim_id)
    if c["claimant"] != user.id:
        raise Forbidden("Only the claimant adds receipts")
    if body is None:
        raise Invalid("Send the receipt as the multipart field `file`", field="file")
    if not body:
        raise Invalid("The file is empty", field="file")
    if len(body) > MAX_BYTES:
        raise Invalid("A receipt may be at most 10 MB", field="file")
    content_type = sniff(body)
    if content_type is None:
        raise Invalid("A receipt must be a PDF, JPEG, PNG or HEIC file", field="file")
    async with atomic():
        c = await claims._visible(user, claim_id, for_update=True)
        if c["claimant"] != user.id:
            raise Forbidden("Only the claimant adds receipts")
        if c["status"] not in claims.EDITABLE:
            raise Conflict(
                "The claim is {status}; receipts are added to a draft or returned claim",
                params={"status": Label(CLAIM_STATUS, c["status"])},
            )
        if await Receipt.count().where(Receipt.claim == c["id"]) >= MAX_PER_CLAIM:
            raise Conflict("A claim holds at most {most} receipts", params={"most": MAX_PER_CLAIM})
        row = {
            "claim": c["id"],
            "filename": _filename(filename),
            "content_type": content_type,
            "size": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
            "body": body,
            "uploaded_by": user.email,
        }
        inserted = await Receipt.insert(Receipt(**row))
        await Claim.update({Claim.updated_at: now()}).where(Claim.id == c["id"])
        await claims.record_event(
            c["id"], "receipt", c["status"], c["status"], user.email, row["filename"]
        )
    return {
        "id": str(inserted[0]["id"]),
        "filename": row["filename"],
        "content_type": content_type,
        "size": len(body),
    }


async def fetch(user: CurrentUser, claim_id: str, receipt_id: str) -> dict[str, Any]:
    c = await claims._visible(user, claim_id)
    rid = claims._id(receipt_id, "receipt")
    rows = await Receipt.select().where((Receipt.id == rid) & (Receipt.claim == c["id"]))
    if not rows:
        raise NotFound("No receipt with that id")
    # The download's Content-Disposition is built from "filename"; the stored name
    # (shown in the claim) keeps every letter.
    return rows[0]  # the controller makes the header-safe name
