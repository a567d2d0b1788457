"""Rows of the page access matrix for the admin workspace (see tests/test_page_access.py).

Administrators open every page; finance also the municipalities, for bank accounts.
Anyone else gets the 403 page (an anonymous visitor is sent to sign in)."""

from __future__ import annotations

from page_matrix import NONE, Page, everyone, only, signed_in  # noqa: F401

ADMIN = only({"admin": 200})
ROWS: dict[str, Page] = {
    "GET /admin": Page("/admin", ADMIN),
    "GET /admin/users": Page("/admin/users?q=a&page=2", ADMIN),
    "POST /admin/users": Page("/admin/users", only({"admin": 400}), {"email": "", "name": ""}),
    "GET /admin/users/{user_id:str}": Page(f"/admin/users/{NONE}", only({"admin": 404})),
    "POST /admin/users/{user_id:str}": Page(
        f"/admin/users/{NONE}", only({"admin": 404}), {"action": "roles"}
    ),
    "GET /admin/networks": Page("/admin/networks", ADMIN),
    "POST /admin/networks/{slug:str}": Page(
        "/admin/networks/no-such-network", only({"admin": 404}), {"name": "X"}
    ),
    "POST /admin/counties": Page("/admin/counties", only({"admin": 303}), {}),
    "GET /admin/municipalities": Page(
        "/admin/municipalities?county=18", only({"admin": 200, "finance": 200})
    ),
    "GET /admin/municipalities/{number:str}": Page(
        "/admin/municipalities/1804", only({"admin": 200, "finance": 200})
    ),
    "POST /admin/municipalities/{number:str}": Page(
        f"/admin/municipalities/{NONE}", only({"admin": 404, "finance": 404}), {"action": "name"}
    ),
    "GET /admin/import": Page("/admin/import", ADMIN),
    "POST /admin/import": Page("/admin/import", only({"admin": 400}), {}),
    "GET /admin/mail": Page("/admin/mail", ADMIN),
    "POST /admin/mail/{outbox_id:str}/retry": Page(
        f"/admin/mail/{NONE}/retry", only({"admin": 404}), {}
    ),
    "GET /admin/audit": Page("/admin/audit?actor=admin", ADMIN),
}
