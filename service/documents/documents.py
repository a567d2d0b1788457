"""Network documents: a document (action plan, minutes, brochure, other) keeps every
version uploaded; the newest is the current one. There is no delete: a network's plans
and minutes are its record (a wrong upload is replaced by a new version).

Who writes: the network's coordinators and admins. Who reads: a public document,
everyone; a members-only one, signed-in users whose municipality is a member of the
network, the network's coordinators, finance and admins. To anyone else a members-only
document does not exist (NotFound, as for an unknown id)."""

from __future__ import annotations

import hashlib
from typing import Any

from service.accounts.identity import CurrentUser
from service.claims.claims import is_member
from service.db.tables import Document, DocumentVersion, Network, User
from service.db.tx import atomic, is_sqlite
from service.documents import files
from service.documents.schemas import DocumentDetail, DocumentOut, VersionOut
from service.lib.audit import record
from service.lib.clock import now, oslo_iso
from service.lib.errors import Forbidden, Invalid, NotFound
from service.lib.i18n import N_
from service.lib.ids import row_id

KIND = {
    "action_plan": N_("Action plan"),
    "minutes": N_("Minutes"),
    "brochure": N_("Brochure"),
    "other": N_("Other document"),
}
KINDS_PLURAL = {
    "action_plan": N_("Action plans"),
    "minutes": N_("Minutes"),
    "brochure": N_("Brochures"),
    "other": N_("Other documents"),
}
VISIBILITY = {"public": N_("Public"), "members": N_("Members only")}
MAX_LABEL = 60
MAX_NOTE = 2000


async def _network(slug: str) -> dict[str, Any]:
    row = (
        await Network.select(Network.id, Network.slug, Network.name)
        .where(Network.slug == slug)
        .first()
    )
    if row is None:
        raise NotFound("No network with that slug")
    return row


async def may_read_members(user: CurrentUser | None, slug: str) -> bool:
    """Whether `user` sees the network's members-only documents."""
    if user is None:
        return False
    if user.is_admin or user.is_finance or user.coordinates(slug):
        return True
    return bool(user.municipality_number) and await is_member(slug, user.municipality_number or "")


def may_write(user: CurrentUser | None, slug: str) -> bool:
    return user is not None and (user.is_admin or user.coordinates(slug))


def _write_check(user: CurrentUser, slug: str) -> None:
    if not may_write(user, slug):
        raise Forbidden("Only the network's coordinators and admins change its documents")


async def _names(emails: set[str]) -> dict[str, str]:
    if not emails:
        return {}
    rows = await User.select(User.email, User.name).where(User.email.is_in(list(emails)))
    return {r["email"]: r["name"] for r in rows}


def _version(doc_id: int, v: dict[str, Any], names: dict[str, str], current: int) -> VersionOut:
    url = (
        f"/api/v1/documents/{doc_id}/file"
        if v["number"] == current
        else f"/api/v1/documents/{doc_id}/versions/{v['number']}/file"
    )
    return VersionOut(
        number=v["number"],
        label=v["label"],
        note=v["note"],
        filename=v["filename"],
        content_type=v["content_type"],
        size=v["size"],
        sha256=v["sha256"],
        uploaded_by=names.get(v["uploaded_by"], v["uploaded_by"]),
        uploaded_at=oslo_iso(v["uploaded_at"]) or "",
        url=url,
    )


VERSION_COLUMNS = (
    DocumentVersion.document,
    DocumentVersion.number,
    DocumentVersion.label,
    DocumentVersion.note,
    DocumentVersion.filename,
    DocumentVersion.content_type,
    DocumentVersion.size,
    DocumentVersion.sha256,
    DocumentVersion.uploaded_by,
    DocumentVersion.uploaded_at,
)


async def _versions(doc_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each document's versions without their bodies, newest first."""
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in doc_ids}
    if not doc_ids:
        return out
    rows = (
        await DocumentVersion.select(*VERSION_COLUMNS)
        .where(DocumentVersion.document.is_in(doc_ids))
        .order_by(DocumentVersion.number, ascending=False)
    )
    for r in rows:
        out[r["document"]].append(r)
    return out


def _out(
    d: dict[str, Any],
    network: dict[str, Any],
    versions: list[dict[str, Any]],
    names: dict[str, str],
    detail: bool,
) -> DocumentOut:
    current = versions[0]["number"] if versions else 0
    shown = [_version(d["id"], v, names, current) for v in versions]
    fields: dict[str, Any] = {
        "id": str(d["id"]),
        "network": network["slug"],
        "network_name": network["name"],
        "title": d["title"],
        "kind": d["kind"],
        "visibility": d["visibility"],
        "created_at": oslo_iso(d["created_at"]) or "",
        "updated_at": oslo_iso(d["updated_at"]) or "",
        "version_count": len(versions),
        "current": shown[0] if shown else None,
    }
    if detail:
        return DocumentDetail(**fields, versions=shown)
    return DocumentOut(**fields)


async def list_for_network(user: CurrentUser | None, slug: str) -> list[DocumentOut]:
    """The network's documents `user` may see, by kind then title."""
    network = await _network(slug)
    query = Document.select().where(Document.network == network["id"])
    if not await may_read_members(user, slug):
        query = query.where(Document.visibility == "public")
    docs = await query.order_by(Document.title)
    order = list(KIND)
    docs.sort(key=lambda d: (order.index(d["kind"]) if d["kind"] in order else 99, d["title"]))
    versions = await _versions([d["id"] for d in docs])
    names = await _names({v["uploaded_by"] for vs in versions.values() for v in vs})
    return [_out(d, network, versions[d["id"]], names, False) for d in docs]


async def _visible(
    user: CurrentUser | None, doc_id: str | int, for_update: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the document, its network), or NotFound when it is unknown or not for `user`."""
    number = row_id(doc_id)
    if number is None:
        raise NotFound("No document with that id")
    query = Document.select().where(Document.id == number)
    if for_update and not is_sqlite():
        query = query.lock_rows()
    doc = await query.first()
    if doc is None:
        raise NotFound("No document with that id")
    network = (
        await Network.select(Network.id, Network.slug, Network.name)
        .where(Network.id == doc["network"])
        .first()
    )
    assert network is not None
    if doc["visibility"] != "public" and not await may_read_members(user, network["slug"]):
        raise NotFound("No document with that id")
    return doc, network


async def detail(user: CurrentUser | None, doc_id: str | int) -> DocumentDetail:
    doc, network = await _visible(user, doc_id)
    versions = (await _versions([doc["id"]]))[doc["id"]]
    names = await _names({v["uploaded_by"] for v in versions})
    out = _out(doc, network, versions, names, True)
    assert isinstance(out, DocumentDetail)
    return out


def _label(value: str | None) -> str:
    text = (value or "").strip()
    if len(text) > MAX_LABEL:
        raise Invalid("The version may be named in at most 60 characters", field="label")
    return text


def _note(value: str | None) -> str:
    text = (value or "").strip()
    if len(text) > MAX_NOTE:
        raise Invalid("The note may be at most 2000 characters", field="note")
    return text


def _title(value: str | None) -> str:
    title = (value or "").strip()
    if not title:
        raise Invalid("Give the document a title", field="title")
    if len(title) > 200:
        raise Invalid("The title may be at most 200 characters", field="title")
    return title


def _kind(value: str | None) -> str:
    if value not in KIND:
        raise Invalid("kind must be one of action_plan, minutes, brochure, other", field="kind")
    return value


def _visibility(value: str | None) -> str:
    if value not in VISIBILITY:
        raise Invalid("visibility must be public or members", field="visibility")
    return value


def _version_row(
    user: CurrentUser, label: str | None, note: str | None, filename: str | None, body: bytes | None
) -> dict[str, Any]:
    label_text = _label(label)
    note_text = _note(note)
    name, kind = files.checked(filename, body)
    assert body is not None
    return {
        "label": label_text,
        "note": note_text,
        "filename": name,
        "content_type": kind.content_type,
        "size": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
        "body": body,
        "uploaded_by": user.email,
    }


def _audited(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "body"}


async def create(
    user: CurrentUser,
    slug: str,
    *,
    title: str | None,
    kind: str | None,
    visibility: str | None,
    label: str | None,
    note: str | None,
    filename: str | None,
    body: bytes | None,
) -> DocumentDetail:
    """A new document with its first version (one transaction, audited)."""
    network = await _network(slug)
    _write_check(user, slug)
    fields = {"title": _title(title), "kind": _kind(kind), "visibility": _visibility(visibility)}
    version = _version_row(user, label, note, filename, body)
    async with atomic():
        at = now()
        inserted = await Document.insert(
            Document(
                network=network["id"],
                title=fields["title"],
                kind=fields["kind"],
                visibility=fields["visibility"],
                created_by=user.email,
                created_at=at,
                updated_at=at,
            )
        )
        doc_id = inserted[0]["id"]
        await DocumentVersion.insert(
            DocumentVersion(document=doc_id, number=1, uploaded_at=at, **version)
        )
        await record(
            user.email,
            "document.create",
            "document",
            doc_id,
            after={**fields, "network": slug, "version": {"number": 1, **_audited(version)}},
        )
    return await detail(user, doc_id)


async def add_version(
    user: CurrentUser,
    doc_id: str,
    *,
    label: str | None,
    note: str | None,
    filename: str | None,
    body: bytes | None,
) -> DocumentDetail:
    """A new current version; the older ones are kept (one transaction, audited)."""
    _doc, network = await _visible(user, doc_id)
    _write_check(user, network["slug"])
    version = _version_row(user, label, note, filename, body)
    async with atomic():
        doc, _network_row = await _visible(user, doc_id, for_update=True)
        last = (
            await DocumentVersion.select(DocumentVersion.number)
            .where(DocumentVersion.document == doc["id"])
            .order_by(DocumentVersion.number, ascending=False)
            .first()
        )
        number = (last["number"] if last else 0) + 1
        at = now()
        await DocumentVersion.insert(
            DocumentVersion(document=doc["id"], number=number, uploaded_at=at, **version)
        )
        await Document.update({Document.updated_at: at}).where(Document.id == doc["id"])
        await record(
            user.email,
            "document.version",
            "document",
            doc["id"],
            after={"number": number, **_audited(version)},
        )
    return await detail(user, doc_id)


async def update(
    user: CurrentUser,
    doc_id: str,
    *,
    title: str | None = None,
    kind: str | None = None,
    visibility: str | None = None,
) -> DocumentDetail:
    """Change the title, kind or visibility (one transaction, audited)."""
    _doc, network = await _visible(user, doc_id)
    _write_check(user, network["slug"])
    changes: dict[str, str] = {}
    if title is not None:
        changes["title"] = _title(title)
    if kind is not None:
        changes["kind"] = _kind(kind)
    if visibility is not None:
        changes["visibility"] = _visibility(visibility)
    async with atomic():
        doc, _network_row = await _visible(user, doc_id, for_update=True)
        changed = {k: v for k, v in changes.items() if doc[k] != v}
        if changed:
            values: dict[Any, Any] = {getattr(Document, k): v for k, v in changed.items()}
            values[Document.updated_at] = now()
            await Document.update(values).where(Document.id == doc["id"])
            await record(
                user.email,
                "document.update",
                "document",
                doc["id"],
                before={k: doc[k] for k in changed},
                after=changed,
            )
    return await detail(user, doc_id)


async def file(user: CurrentUser | None, doc_id: str, number: str | int | None) -> dict[str, Any]:
    """A version's row with its body and `public` (the document's visibility): `number`
    None is the current one."""
    doc, _network_row = await _visible(user, doc_id)
    query = DocumentVersion.select().where(DocumentVersion.document == doc["id"])
    if number is None:
        row = await query.order_by(DocumentVersion.number, ascending=False).first()
    else:
        n = row_id(number)
        row = await query.where(DocumentVersion.number == n).first() if n is not None else None
    if row is None:
        raise NotFound("No version with that number")
    return {**row, "public": doc["visibility"] == "public"}
