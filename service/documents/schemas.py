"""Wire shapes for network documents and the coordinator directory."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
DocKind = Literal["action_plan", "minutes", "brochure", "other"]
Visibility = Literal["public", "members"]


class VersionOut(msgspec.Struct):
    number: int
    label: str
    note: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str  # the uploader's name
    uploaded_at: str  # ISO 8601, Europe/Oslo
    url: str  # the download (GET)


class DocumentOut(msgspec.Struct):
    id: str
    network: str  # slug
    network_name: str
    title: str
    kind: DocKind
    visibility: Visibility
    created_at: str
    updated_at: str
    version_count: int
    current: VersionOut | None


class DocumentDetail(DocumentOut):
    versions: list[VersionOut] = msgspec.field(default_factory=list)  # newest first


class DocumentPatch(msgspec.Struct, forbid_unknown_fields=True):
    title: Title | None = None
    kind: DocKind | None = None
    visibility: Visibility | None = None


class ListedCoordinator(msgspec.Struct):
    name: str
    municipality: str | None
    email: str
    phone: str | None


class NetworkDirectory(msgspec.Struct):
    slug: str
    name: str
    coordinators: list[ListedCoordinator]  # those who agreed to be listed
