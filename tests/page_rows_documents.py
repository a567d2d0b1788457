"""Rows of the page access matrix for the documents pages and the coordinator directory
(see tests/test_page_access.py).

The list is public (members-only documents are left out for who may not see them); an
upload is for the network's coordinators and admins (the `coordinator` actor's network,
agder-rogaland: an empty form is refused with its errors, 422). A document nobody has is
404 to all, as a members-only one is to who may not see it (tests/test_documents.py)."""

from __future__ import annotations

from page_matrix import NONE, Page, everyone, only, signed_in

NETWORK_DOCS = "/networks/agder-rogaland/documents"
D = f"/documents/{NONE}"

ROWS: dict[str, Page] = {
    "GET /networks/{slug:str}/documents": Page(NETWORK_DOCS, everyone(200)),
    "POST /networks/{slug:str}/documents": Page(
        NETWORK_DOCS, only({"coordinator": 422, "admin": 422}), {}
    ),
    "GET /documents/{doc_id:str}": Page(D, everyone(404)),
    "POST /documents/{doc_id:str}/versions": Page(f"{D}/versions", signed_in(404), {}),
    "POST /documents/{doc_id:str}/edit": Page(f"{D}/edit", signed_in(404), {}),
    "GET /documents/{doc_id:str}/file": Page(f"{D}/file", everyone(404)),
    "GET /documents/{doc_id:str}/versions/{number:str}/file": Page(
        f"{D}/versions/1/file", everyone(404)
    ),
    "GET /coordinators": Page("/coordinators", everyone(200)),
}
