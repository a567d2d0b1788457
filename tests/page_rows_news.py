"""Rows of the page access matrix for the news pages (see tests/test_page_access.py).

Everyone reads /news and published posts (a draft or a missing post: the 404 page).
The editor is for coordinators and administrators (anyone else: 403), and a post of
no network of theirs is not found."""

from __future__ import annotations

from page_matrix import NONE, Page, everyone, only, signed_in  # noqa: F401

EDITORS = ("coordinator", "other_coordinator", "admin")


def editors(status: int) -> dict[str, int]:
    return only(dict.fromkeys(EDITORS, status))


ROWS: dict[str, Page] = {
    "GET /news": Page("/news?network=agder-rogaland&page=2", everyone(200)),
    "GET /news/{post_id:str}": Page(f"/news/{NONE}", everyone(404)),
    "GET /news/{post_id:str}/photos/{photo_id:str}": Page(f"/news/{NONE}/photos/1", everyone(404)),
    "GET /news/{post_id:str}/files/{attachment_id:str}": Page(
        f"/news/{NONE}/files/1", everyone(404)
    ),
    "GET /coordinator/posts/new": Page("/coordinator/posts/new?network=nord", editors(200)),
    "POST /coordinator/posts/new": Page(
        "/coordinator/posts/new", editors(422), {"network": "nord", "title": ""}
    ),
    "GET /news/{post_id:str}/edit": Page(f"/news/{NONE}/edit", editors(404)),
    "POST /news/{post_id:str}/edit": Page(f"/news/{NONE}/edit", editors(404), {"title": "X"}),
    "POST /news/{post_id:str}/photos": Page(f"/news/{NONE}/photos", editors(404), {"alt": "X"}),
    "POST /news/{post_id:str}/photos/{photo_id:str}/delete": Page(
        f"/news/{NONE}/photos/1/delete", editors(404), {}
    ),
    "POST /news/{post_id:str}/files": Page(f"/news/{NONE}/files", editors(404), {}),
    "POST /news/{post_id:str}/files/{attachment_id:str}/delete": Page(
        f"/news/{NONE}/files/1/delete", editors(404), {}
    ),
    "POST /news/{post_id:str}/publish": Page(f"/news/{NONE}/publish", editors(404), {}),
    "POST /news/{post_id:str}/unpublish": Page(f"/news/{NONE}/unpublish", editors(404), {}),
    "POST /news/{post_id:str}/delete": Page(f"/news/{NONE}/delete", editors(404), {}),
}
