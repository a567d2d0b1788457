"""Wire shapes for posts (reports and network news)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Text = Annotated[str, msgspec.Meta(max_length=60_000)]
Language = Literal["nb", "nn", "en"]


class PostIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(max_length=400)]
    network: str | None = None  # a network news post: the network's slug
    gathering: str | None = None  # a report: the gathering's id (its network follows)
    summary: Text = ""
    body: Text = ""
    language: Language = "nb"


class PostPatch(msgspec.Struct, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(max_length=400)] | msgspec.UnsetType = msgspec.UNSET
    summary: Text | msgspec.UnsetType = msgspec.UNSET
    body: Text | msgspec.UnsetType = msgspec.UNSET
    language: Language | msgspec.UnsetType = msgspec.UNSET


class PhotoOut(msgspec.Struct):
    id: str
    alt: str
    caption: str
    content_type: str
    width: int
    height: int
    size: int
    url: str


class AttachmentOut(msgspec.Struct):
    id: str
    title: str
    filename: str
    content_type: str
    size: int
    sha256: str
    url: str


class PostOut(msgspec.Struct):
    id: str
    kind: Literal["report", "news"]
    network: str
    network_name: str
    gathering: str | None
    gathering_title: str | None
    title: str
    summary: str
    body: str
    body_html: str
    language: str
    status: Literal["draft", "published"]
    author: str  # the author's name
    created_at: str
    updated_at: str
    published_at: str | None
    url: str
    photos: list[PhotoOut]
    attachments: list[AttachmentOut]
