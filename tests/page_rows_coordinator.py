"""Rows of the page access matrix for the coordinator workspace (see tests/test_page_access.py).

Coordinators (of any network) and admins get the workspace; everyone else signed in a
403 before anything is looked up. A gathering nobody has is 404 to those who may edit
gatherings. The network rows use the `coordinator` actor's own network, agder-rogaland:
the other network's coordinator is refused it (403).
"""

from __future__ import annotations

from page_matrix import NONE, Page, everyone, only, signed_in  # noqa: F401

WORKSPACE = {"coordinator": 200, "other_coordinator": 200, "admin": 200}
EDITORS_404 = only({"coordinator": 404, "other_coordinator": 404, "admin": 404})
OWN_NETWORK = "/coordinator/networks/agder-rogaland/members"
G = f"/gatherings/{NONE}"

ROWS: dict[str, Page] = {
    "GET /coordinator": Page("/coordinator", only(WORKSPACE)),
    "GET /coordinator/gatherings/new": Page("/coordinator/gatherings/new", only(WORKSPACE)),
    "POST /coordinator/gatherings/new": Page(
        "/coordinator/gatherings/new",
        only({"coordinator": 422, "other_coordinator": 422, "admin": 422}),
        {},
    ),
    "GET /gatherings/{gathering_id:str}/edit": Page(f"{G}/edit", EDITORS_404),
    "POST /gatherings/{gathering_id:str}/edit": Page(f"{G}/edit", EDITORS_404, {}),
    "POST /gatherings/{gathering_id:str}/publish": Page(f"{G}/publish", EDITORS_404, {}),
    "GET /gatherings/{gathering_id:str}/cancel": Page(f"{G}/cancel", EDITORS_404),
    "POST /gatherings/{gathering_id:str}/cancel": Page(
        f"{G}/cancel", EDITORS_404, {"reason": "Test"}
    ),
    "GET /gatherings/{gathering_id:str}/registrations": Page(f"{G}/registrations", EDITORS_404),
    "GET /gatherings/{gathering_id:str}/registrations.csv": Page(
        f"{G}/registrations.csv", EDITORS_404
    ),
    "POST /gatherings/{gathering_id:str}/attendance": Page(f"{G}/attendance", EDITORS_404, {}),
    "GET /coordinator/networks/{slug:str}/members": Page(
        OWN_NETWORK, only({"coordinator": 200, "admin": 200})
    ),
    "POST /coordinator/networks/{slug:str}/members": Page(
        OWN_NETWORK, only({"coordinator": 400, "admin": 400}), {}
    ),
    "POST /coordinator/signups/{user_id:str}/approve": Page(
        f"/coordinator/signups/{NONE}/approve", EDITORS_404, {}
    ),
}
