"""Rows of the page access matrix for the campaigns pages (see tests/test_page_access.py).

Administrators write, send and close campaigns; coordinators (and administrators) see
the sent ones inviting to their networks and select or decline; the reply page needs no
account (an unknown link is a 404 page for everyone)."""

from __future__ import annotations

from page_matrix import NONE, Page, everyone, only, signed_in  # noqa: F401

ADMIN = only({"admin": 200})
COORDINATORS = {"coordinator": 200, "other_coordinator": 200, "admin": 200}
NOT_FOUND_FOR_COORDINATORS = only({"coordinator": 404, "other_coordinator": 404, "admin": 404})
ROWS: dict[str, Page] = {
    "GET /admin/campaigns": Page("/admin/campaigns", ADMIN),
    "GET /admin/campaigns/new": Page("/admin/campaigns/new", ADMIN),
    "POST /admin/campaigns": Page("/admin/campaigns", only({"admin": 422}), {"title": ""}),
    "GET /admin/campaigns/{campaign_id:str}": Page(
        f"/admin/campaigns/{NONE}", only({"admin": 404})
    ),
    "POST /admin/campaigns/{campaign_id:str}": Page(
        f"/admin/campaigns/{NONE}", only({"admin": 404}), {"title": "X"}
    ),
    "POST /admin/campaigns/{campaign_id:str}/send": Page(
        f"/admin/campaigns/{NONE}/send", only({"admin": 404}), {}
    ),
    "POST /admin/campaigns/{campaign_id:str}/close": Page(
        f"/admin/campaigns/{NONE}/close", only({"admin": 404}), {}
    ),
    "GET /coordinator/campaigns": Page("/coordinator/campaigns", only(COORDINATORS)),
    "GET /coordinator/campaigns/{campaign_id:str}": Page(
        f"/coordinator/campaigns/{NONE}", NOT_FOUND_FOR_COORDINATORS
    ),
    "POST /coordinator/campaigns/{campaign_id:str}/recipients/{recipient_id:str}/select": Page(
        f"/coordinator/campaigns/{NONE}/recipients/{NONE}/select",
        NOT_FOUND_FOR_COORDINATORS,
        {"network": "nord"},
    ),
    "POST /coordinator/campaigns/{campaign_id:str}/recipients/{recipient_id:str}/decline": Page(
        f"/coordinator/campaigns/{NONE}/recipients/{NONE}/decline",
        NOT_FOUND_FOR_COORDINATORS,
        {"reason": ""},
    ),
    "GET /reply/{token:str}": Page("/reply/no-such-token", everyone(404)),
    "POST /reply/{token:str}": Page("/reply/no-such-token", everyone(404), {"wants": "yes"}),
}
