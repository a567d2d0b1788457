"""Who may call what: every route in the OpenAPI schema, for every kind of caller.

A route without a row here fails the test, so no endpoint ships unchecked.
Expected values: a status code, or "2xx" for any success.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest

from service.lib.clock import moved_to

ROLES = ("anonymous", "participant", "coordinator", "other_coordinator", "finance", "admin")


@dataclass
class Case:
    path: str
    expect: dict[str, int | str]
    body: Callable[[], Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


def everyone(status: int | str) -> dict[str, int | str]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int | str) -> dict[str, int | str]:
    return {**everyone(status), "anonymous": 401}


def only(allowed: dict[str, int | str], others: int = 403) -> dict[str, int | str]:
    return {**signed_in(others), **allowed}


RATE_AMOUNTS = {
    k: "1.00"
    for k in ("km", "passenger_km", "day_6_12h", "day_over_12h", "overnight", "night_allowance")
}
_rate_years = itertools.count(2300)


# A submitted claim is seen by its claimant, finance and the network's coordinator.
CLAIM_READERS = only({"coordinator": 200, "finance": 200}, others=404)


def fresh_email() -> str:
    return f"matrix.{uuid.uuid4().hex[:8]}@example.no"


MATRIX: dict[str, Case] = {
    "GET /health": Case("/health", everyone(200)),
    "GET /ready": Case("/ready", everyone(200)),
    "GET /auth/login": Case("/auth/login?token=nonsense", everyone(400)),
    "POST /auth/login": Case("/auth/login", everyone(400), lambda: {"token": "nonsense"}),
    "POST /api/v1/auth/login-link": Case(
        "/api/v1/auth/login-link", everyone(202), lambda: {"email": fresh_email()}
    ),
    "POST /api/v1/auth/signup": Case(
        "/api/v1/auth/signup",
        everyone(202),
        lambda: {"email": fresh_email(), "name": "Matrix", "municipality": "4204"},
    ),
    "POST /api/v1/auth/logout": Case("/api/v1/auth/logout", everyone(204)),
    "GET /api/v1/me": Case("/api/v1/me", signed_in(200)),
    "PATCH /api/v1/me": Case("/api/v1/me", signed_in(200), lambda: {"language": "nb"}),
    "GET /api/v1/me/tokens": Case("/api/v1/me/tokens", signed_in(200)),
    "POST /api/v1/me/tokens": Case("/api/v1/me/tokens", signed_in(201), lambda: {"label": "m"}),
    "DELETE /api/v1/me/tokens/{token_id}": Case("/api/v1/me/tokens/999999", signed_in(404)),
    "GET /api/v1/admin/users": Case("/api/v1/admin/users", only({"admin": 200})),
    "PATCH /api/v1/admin/users/{user_id}": Case(
        "/api/v1/admin/users/999999", only({"admin": 404}), lambda: {"active": True}
    ),
    "POST /api/v1/admin/users": Case(
        "/api/v1/admin/users",
        only({"admin": 201}),
        lambda: {"email": fresh_email(), "name": "Made By Matrix"},
    ),
    "GET /api/v1/approvals": Case(
        "/api/v1/approvals", only({"coordinator": 200, "other_coordinator": 200, "admin": 200})
    ),
    "POST /api/v1/approvals/{user_id}/approve": Case(
        "/api/v1/approvals/999999/approve",
        only({"coordinator": 404, "other_coordinator": 404, "admin": 404}),
    ),
    "GET /api/v1/networks": Case("/api/v1/networks", everyone(200)),
    "GET /api/v1/networks/{slug}": Case("/api/v1/networks/vest", everyone(200)),
    "PATCH /api/v1/networks/{slug}": Case(
        "/api/v1/networks/vest", only({"admin": 200}), lambda: {}
    ),  # an empty change: the demo's network stays as it is
    "POST /api/v1/networks/{slug}/interest": Case(
        "/api/v1/networks/vest/interest",
        {
            **signed_in("2xx"),
            "finance": 409,  # Bergen is already a member of Nettverk Vest
            "admin": 422,  # the admin account has no municipality
        },
    ),
    "PUT /api/v1/networks/{slug}/members/{municipality}": Case(
        "/api/v1/networks/agder-rogaland/members/1103",
        only({"coordinator": 200, "admin": 200}),
        lambda: {"status": "member"},
    ),
    "GET /api/v1/municipalities": Case("/api/v1/municipalities", everyone(200)),
    "GET /api/v1/municipalities/{number}": Case("/api/v1/municipalities/1804", everyone(200)),
    "PATCH /api/v1/municipalities/{number}": Case(
        "/api/v1/municipalities/1804",
        only({"finance": 200, "admin": 200}),
        lambda: {"bank_account": "12345678903"},
    ),
    # A pending account entered by a third finance officer: the first to confirm (or
    # discard) it takes it, and then there is nothing left pending (409).
    "POST /api/v1/municipalities/{number}/bank-account/confirm": Case(
        "/api/v1/municipalities/{pending_to_confirm}/bank-account/confirm",
        only({"finance": 200, "admin": 409}),
    ),
    "POST /api/v1/municipalities/{number}/bank-account/discard": Case(
        "/api/v1/municipalities/{pending_to_discard}/bank-account/discard",
        only({"finance": 200, "admin": 409}),
    ),
    # Gatherings: GATHERING is a draft of agder-rogaland made by the `gathering` fixture,
    # PUBLISHED a published one; drafts are invisible (404) to everyone but editors.
    "GET /api/v1/gatherings": Case("/api/v1/gatherings", everyone(200)),
    "POST /api/v1/gatherings": Case(
        "/api/v1/gatherings",
        {**only({"coordinator": 201, "admin": 201})},
        lambda: new_gathering_body(),
    ),
    "GET /api/v1/gatherings/{gathering_id}": Case(
        "/api/v1/gatherings/{draft}", {**everyone(404), "coordinator": 200, "admin": 200}
    ),
    "PATCH /api/v1/gatherings/{gathering_id}": Case(
        "/api/v1/gatherings/{draft}",
        {**only({"coordinator": 200, "admin": 200}, others=404), "other_coordinator": 404},
        lambda: {"description": "Endret"},
    ),
    "POST /api/v1/gatherings/{gathering_id}/publish": Case(
        "/api/v1/gatherings/{published}/publish",
        {**only({"coordinator": 409, "admin": 409}), "other_coordinator": 403},
    ),
    "POST /api/v1/gatherings/{gathering_id}/cancel": Case(
        "/api/v1/gatherings/{cancellable}/cancel",
        # roles run in order: the coordinator cancels it, the admin then finds it cancelled
        {**only({"coordinator": 200, "admin": 409})},
        lambda: {"reason": "Matrix"},
    ),
    "POST /api/v1/gatherings/{gathering_id}/registrations": Case(
        "/api/v1/gatherings/{published}/registrations",
        {
            **signed_in(403),  # audience: members of agder-rogaland
            "participant": "2xx",  # Kristiansand is a member
            "coordinator": "2xx",  # Stavanger is a member
        },
        lambda: {},
    ),
    "GET /api/v1/gatherings/{gathering_id}/registrations": Case(
        "/api/v1/gatherings/{published}/registrations", only({"coordinator": 200, "admin": 200})
    ),
    "GET /api/v1/gatherings/{gathering_id}/municipalities": Case(
        "/api/v1/gatherings/{published}/municipalities",
        only({"coordinator": 200, "admin": 200}),
    ),
    "GET /api/v1/me/registrations": Case("/api/v1/me/registrations", signed_in(200)),
    "POST /api/v1/registrations/{registration_id}/cancel": Case(
        "/api/v1/registrations/{foreign_registration}/cancel",
        {**signed_in(404), "coordinator": "2xx", "admin": 409},
    ),
    "POST /api/v1/registrations/{registration_id}/attendance": Case(
        "/api/v1/registrations/{foreign_registration}/attendance",
        {**signed_in(404), "coordinator": 409, "admin": 409},
        lambda: {"attended": True},
    ),
    "GET /api/v1/admin/outbox": Case("/api/v1/admin/outbox", only({"admin": 200})),
    "GET /api/v1/admin/audit": Case("/api/v1/admin/audit?limit=5", only({"admin": 200})),
    "POST /api/v1/admin/outbox/{outbox_id}/retry": Case(
        "/api/v1/admin/outbox/999999/retry", only({"admin": 404})
    ),
    # Reports and news (service.news): {post_*} are posts of agder-rogaland made by
    # `_news_places`; drafts are invisible (404) to all but its editors, and the roles run
    # in order (the coordinator acts first; the admin then finds it done: 409, or gone).
    "GET /api/v1/posts": Case("/api/v1/posts?network=agder-rogaland&limit=5", everyone(200)),
    "POST /api/v1/posts": Case(
        "/api/v1/posts",
        only({"coordinator": 201, "admin": 201}),
        lambda: {"network": "agder-rogaland", "title": "Matrisenytt", "body": "Tekst"},
    ),
    "GET /api/v1/posts/{post_id}": Case(
        "/api/v1/posts/{post_draft}", {**everyone(404), "coordinator": 200, "admin": 200}
    ),
    "PATCH /api/v1/posts/{post_id}": Case(
        "/api/v1/posts/{post_draft}",
        only({"coordinator": 200, "admin": 200}, others=404),
        lambda: {"summary": "Endret"},
    ),
    "DELETE /api/v1/posts/{post_id}": Case(
        "/api/v1/posts/{post_to_delete}", only({"coordinator": 204}, others=404)
    ),
    "POST /api/v1/posts/{post_id}/publish": Case(
        "/api/v1/posts/{post_to_publish}/publish",
        # a draft without text: its editors are let in and told to write it first (422),
        # and nothing is left published for the pages' tests
        only({"coordinator": 422, "admin": 422}, others=404),
    ),
    "POST /api/v1/posts/{post_id}/unpublish": Case(
        "/api/v1/posts/{post_published}/unpublish",
        # a draft again once the coordinator has unpublished it: unseen (404) by the next
        only({"participant": 403, "coordinator": 200, "admin": 409}, others=404),
    ),
    "POST /api/v1/posts/{post_id}/photos": Case(
        "/api/v1/posts/{post_draft}/photos", only({"coordinator": 422, "admin": 422}, others=404)
    ),
    "DELETE /api/v1/posts/{post_id}/photos/{photo_id}": Case(
        "/api/v1/posts/{post_draft}/photos/999999", only({}, others=404)
    ),
    "POST /api/v1/posts/{post_id}/attachments": Case(
        "/api/v1/posts/{post_draft}/attachments",
        only({"coordinator": 422, "admin": 422}, others=404),
    ),
    "DELETE /api/v1/posts/{post_id}/attachments/{attachment_id}": Case(
        "/api/v1/posts/{post_draft}/attachments/999999", only({}, others=404)
    ),
    "GET /news.atom": Case("/news.atom", everyone(200)),
    "GET /networks/{slug}/news.atom": Case("/networks/vest/news.atom", everyone(200)),
    "GET /calendar/all.ics": Case("/calendar/all.ics", everyone(200)),
    "GET /calendar/networks/{name}": Case("/calendar/networks/vest.ics", everyone(200)),
    "GET /calendar/gatherings/{name}": Case(
        "/calendar/gatherings/{draft}.ics", {**everyone(404), "coordinator": 200, "admin": 200}
    ),
    "GET /calendar/feed/{name}": Case("/calendar/feed/not-a-token.ics", everyone(404)),
    "GET /api/v1/me/calendar": Case("/api/v1/me/calendar", signed_in(200)),
    "GET /api/v1/claims": Case("/api/v1/claims", signed_in(200)),
    "POST /api/v1/claims": Case(
        "/api/v1/claims",
        signed_in(404),  # the registration is someone else's
        lambda: {
            "registration": "{foreign_registration}",
            "lines": [{"kind": "night_allowance", "nights": 1}],
        },
    ),
    "GET /api/v1/claims/export.csv": Case("/api/v1/claims/export.csv", only({"finance": 200})),
    "GET /api/v1/claims/{claim_id}": Case("/api/v1/claims/{claim}", CLAIM_READERS),
    "GET /api/v1/claims/{claim_id}/history": Case("/api/v1/claims/{claim}/history", CLAIM_READERS),
    "GET /api/v1/claims/{claim_id}/receipts/{receipt_id}": Case(
        "/api/v1/claims/{claim}/receipts/{receipt}", CLAIM_READERS
    ),
    "PATCH /api/v1/claims/{claim_id}": Case(
        "/api/v1/claims/{claim_draft}",
        only({"finance": 403}, others=404),  # a draft: its claimant's alone
        lambda: {"payee_account": "86011117947"},
    ),
    "POST /api/v1/claims/{claim_id}/receipts": Case(
        "/api/v1/claims/{claim_draft}/receipts", only({"finance": 403}, others=404)
    ),
    "POST /api/v1/claims/{claim_id}/submit": Case(
        "/api/v1/claims/{claim_draft}/submit", only({"finance": 403}, others=404)
    ),
    "POST /api/v1/claims/{claim_id}/attest": Case(
        "/api/v1/claims/{claim_to_attest}/attest",
        only({"coordinator": 200, "finance": 409}, others=404),  # attested once
        lambda: {"comment": "Deltok hele samlingen"},
    ),
    "POST /api/v1/claims/{claim_id}/return": Case(
        "/api/v1/claims/{claim_to_return}/return",
        only({"coordinator": 200, "finance": 409}, others=404),  # returned once
        lambda: {"reason": "Legg ved kvittering"},
    ),
    "POST /api/v1/claims/{claim_id}/reject": Case(
        "/api/v1/claims/{claim_to_reject}/reject",
        only({"coordinator": 403, "finance": 200}, others=404),
        lambda: {"reason": "Ikke refusjonsberettiget"},
    ),
    "POST /api/v1/claims/{claim_id}/approve": Case(
        "/api/v1/claims/{claim_to_approve}/approve",
        only({"coordinator": 403, "finance": 200}, others=404),
        lambda: {},
    ),
    "POST /api/v1/payouts": Case(
        "/api/v1/payouts", only({"finance": 201}), lambda: {"claims": ["{claim_approved}"]}
    ),
    "GET /api/v1/payouts": Case("/api/v1/payouts", only({"finance": 200})),
    "GET /api/v1/payouts/{name}": Case("/api/v1/payouts/{payout}.csv", only({"finance": 200})),
    "GET /api/v1/payouts/{payout_id}/pain001.xml": Case(
        "/api/v1/payouts/{payout}/pain001.xml", only({"finance": 200})
    ),
    "POST /api/v1/payouts/{payout_id}/paid": Case(
        "/api/v1/payouts/{payout_unpaid}/paid", only({"finance": 200})
    ),
    "GET /api/v1/budgets": Case(
        "/api/v1/budgets",
        only({"coordinator": 200, "other_coordinator": 200, "finance": 200, "admin": 200}),
    ),
    "PUT /api/v1/budgets/{slug}/{year}": Case(
        "/api/v1/budgets/nord/2031", only({"finance": 200}), lambda: {"amount": "120000.00"}
    ),
    "GET /api/v1/rates": Case("/api/v1/rates", signed_in(200)),
    "POST /api/v1/rates": Case(
        "/api/v1/rates",
        only({"finance": 201}),
        lambda: {
            **RATE_AMOUNTS,
            "valid_from": f"{next(_rate_years)}-01-01",
            "source": "matrix",
        },
    ),
    "POST /api/v1/claims/preview": Case(
        "/api/v1/claims/preview",
        signed_in(200),
        lambda: {"gathering": "{published}", "lines": [{"kind": "night_allowance", "nights": 1}]},
    ),
    "POST /api/v1/me/calendar/reset": Case("/api/v1/me/calendar/reset", signed_in(200)),
    # --- invitation campaigns (service.campaigns): admins write, send and close; the
    # campaign's networks' coordinators read theirs and select/decline; replies need no
    # account; tests/test_campaigns.py checks the rest ---
    "POST /api/v1/campaigns": Case(
        "/api/v1/campaigns",
        only({"admin": 201}),
        lambda: {
            "title": "Matrisekampanje",
            "networks": ["agder-rogaland"],
            "letters": [{"language": "nb", "subject": "Invitasjon", "body": "Brev"}],
        },
    ),
    "GET /api/v1/campaigns": Case(
        "/api/v1/campaigns", only({"coordinator": 200, "other_coordinator": 200, "admin": 200})
    ),
    "GET /api/v1/campaigns/{campaign_id}": Case(
        "/api/v1/campaigns/{campaign}",
        only({"coordinator": 200, "other_coordinator": 404, "admin": 200}),
    ),
    "PATCH /api/v1/campaigns/{campaign_id}": Case(
        "/api/v1/campaigns/{campaign_draft}", only({"admin": 200}), lambda: {"title": "Ny"}
    ),
    "POST /api/v1/campaigns/{campaign_id}/send": Case(
        "/api/v1/campaigns/{campaign}/send",
        only({"admin": 200}),  # sent already: nothing new
    ),
    "POST /api/v1/campaigns/{campaign_id}/close": Case(
        "/api/v1/campaigns/{campaign_to_close}/close", only({"admin": 200})
    ),
    "GET /api/v1/campaigns/{campaign_id}/recipients": Case(
        "/api/v1/campaigns/{campaign}/recipients",
        only({"coordinator": 200, "other_coordinator": 404, "admin": 200}),
    ),
    "POST /api/v1/campaigns/{campaign_id}/recipients/{recipient_id}/select": Case(
        "/api/v1/campaigns/{campaign}/recipients/{recipient_to_select}/select",
        only({"coordinator": 200, "other_coordinator": 404, "admin": 200}),  # once; then 200
        lambda: {},
    ),
    "POST /api/v1/campaigns/{campaign_id}/recipients/{recipient_id}/decline": Case(
        "/api/v1/campaigns/{campaign}/recipients/{recipient_to_decline}/decline",
        only({"coordinator": 200, "other_coordinator": 404, "admin": 200}),
        lambda: {"reason": "Fullt"},
    ),
    "POST /api/v1/replies/{token}": Case(
        "/api/v1/replies/{reply_token}",
        everyone(200),  # the link is the credential; the same reply again changes nothing
        lambda: {
            "wants": True,
            "network": "agder-rogaland",
            "contact_name": "Matrise Kontakt",
            "contact_email": "matrise.kontakt@example.no",
            "contact_role": "Leder",
        },
    ),
    # --- annual statistics (service.statistics): coordinators (their networks), finance
    # and admins; tests/test_statistics.py checks the figures and another network's 403 ---
    "GET /api/v1/statistics": Case(
        "/api/v1/statistics?year=2015",
        only({"coordinator": 200, "other_coordinator": 200, "finance": 200, "admin": 200}),
    ),
    # --- network documents and the coordinator directory (tests/test_documents.py walks
    # real documents: members-only ones are 404 to who may not see them) ---
    "GET /api/v1/networks/{slug}/documents": Case(
        "/api/v1/networks/agder-rogaland/documents", everyone(200)
    ),
    "POST /api/v1/networks/{slug}/documents": Case(  # no title, no file: refused, 422
        "/api/v1/networks/agder-rogaland/documents",
        only({"coordinator": 422, "admin": 422}),
        lambda: {},
    ),
    "GET /api/v1/documents/{doc_id}": Case("/api/v1/documents/999999", everyone(404)),
    "PATCH /api/v1/documents/{doc_id}": Case(
        "/api/v1/documents/999999", signed_in(404), lambda: {"title": "Ny tittel"}
    ),
    "POST /api/v1/documents/{doc_id}/versions": Case(
        "/api/v1/documents/999999/versions", signed_in(404), lambda: {}
    ),
    "GET /api/v1/documents/{doc_id}/file": Case("/api/v1/documents/999999/file", everyone(404)),
    "GET /api/v1/documents/{doc_id}/versions/{number}/file": Case(
        "/api/v1/documents/999999/versions/1/file", everyone(404)
    ),
    "GET /api/v1/directory": Case("/api/v1/directory", everyone(200)),
}


def new_gathering_body() -> dict[str, Any]:
    return {
        "network": "agder-rogaland",
        "title": "Matrisesamling",
        "starts_at": "2031-05-06T10:00",
        "ends_at": "2031-05-06T16:00",
        "capacity": 10,
    }


@pytest.fixture(scope="module")
async def places(actors) -> dict[str, str]:
    """A draft, a published gathering, and a registration of someone else's on it."""
    from service.gatherings import service as gatherings
    from service.gatherings.schemas import GatheringIn
    from service.registrations import service as registrations
    from service.registrations.schemas import RegistrationIn

    coordinator = await _user(actors["coordinator"])
    draft = await gatherings.create(coordinator, GatheringIn(**new_gathering_body()), "http://t")
    published = await gatherings.create(
        coordinator, GatheringIn(**new_gathering_body()), "http://t"
    )
    await gatherings.publish(coordinator, published.id, "http://t")
    cancellable = await gatherings.create(
        coordinator, GatheringIn(**new_gathering_body()), "http://t"
    )
    await gatherings.publish(coordinator, cancellable.id, "http://t")
    someone = await _fresh_member()
    reg, _ = await registrations.register(someone, published.id, RegistrationIn(), "http://t")
    return {
        "draft": draft.id,
        "published": published.id,
        "cancellable": cancellable.id,
        "foreign_registration": reg.id,
        **await _claims(actors),
        "pending_to_confirm": await _pending_account(),
        "pending_to_discard": await _pending_account(),
        **await _campaign_places(actors),
        **await _news_places(actors),
    }


async def _news_places(actors: Any) -> dict[str, str]:
    """Posts of agder-rogaland for the news rows: drafts, and one published (which the
    unpublish row makes a draft again)."""
    from service.news import posts

    coordinator = await _user(actors["coordinator"])

    async def draft(body: str = "Tekst") -> str:
        return (
            await posts.create(
                coordinator, "http://t", "Matrise", network="agder-rogaland", body=body
            )
        ).id

    published = await draft()
    await posts.publish(coordinator, published, "http://t")
    return {
        "post_draft": await draft(),
        "post_to_delete": await draft(),
        "post_to_publish": await draft(body=""),
        "post_published": published,
    }


async def _pending_account() -> str:
    """A municipality of its own with a bank account waiting to be confirmed."""
    from service.db.tables import Municipality
    from service.networks import service as networks

    number = f"97{uuid.uuid4().int % 10000:04d}"
    await Municipality.insert(Municipality(number=number, name=f"Matrise {number}"))
    await networks.propose_bank_account(await _other_finance(), number, "12345678903")
    return number


async def _claims(actors: Any) -> dict[str, str]:
    """Someone else's claims in the coordinator's network, one per state a row needs,
    a receipt, a payout, and an approved claim for a new payout."""
    from service.claims import claims, payouts, receipts
    from service.claims.schemas import ApproveIn, ClaimIn, Mileage
    from service.gatherings import service as gatherings
    from service.gatherings.schemas import GatheringIn
    from service.registrations import service as registrations
    from service.registrations.schemas import RegistrationIn

    coordinator = await _user(actors["coordinator"])
    finance = await _user(actors["finance"])
    body = {**new_gathering_body(), "capacity": 20, "title": "Matrise med reiseregninger"}
    g = await gatherings.create(coordinator, GatheringIn(**body), "http://t")
    await gatherings.publish(coordinator, g.id, "http://t")
    line = Mileage(date=date(2031, 5, 6), km=100, route="Arendal – Kristiansand t/r")
    after = datetime(2031, 5, 7, 9, tzinfo=UTC)  # claims are acted on once it has ended

    async def claim(state: str) -> str:
        someone = await _fresh_member()
        reg, _ = await registrations.register(someone, g.id, RegistrationIn(), "http://t")
        with moved_to(after):
            await registrations.set_attendance(coordinator, reg.id, True)
        c = await claims.create(
            someone, ClaimIn(registration=reg.id, payee_account="86011117947", lines=[line])
        )
        if state == "draft":
            await receipts.add(someone, c.id, "kvittering.pdf", b"%PDF-1.4 matrix")
            return c.id
        with moved_to(after):
            await claims.submit(someone, c.id, "http://t")
        if state in ("attested", "approved", "paid"):
            await claims.attest(coordinator, c.id, "")
        if state in ("approved", "paid"):
            await claims.approve(await _other_finance(), c.id, ApproveIn(), "http://t")
        return c.id

    viewed = await claim("draft")
    submitted = await claim("submitted")
    receipt = (await claims.detail(finance, viewed)).receipts[0]["id"]
    with moved_to(after):
        await claims.submit(await _claimant(viewed), viewed, "http://t")
    payout = await payouts.create(
        await _other_finance(), payouts.PayoutIn(claims=[await claim("approved")])
    )
    unpaid = await payouts.create(
        await _other_finance(), payouts.PayoutIn(claims=[await claim("approved")])
    )
    return {
        "claim": viewed,
        "receipt": receipt,
        "claim_draft": await claim("draft"),
        "claim_to_attest": submitted,
        "claim_to_return": await claim("submitted"),
        "claim_to_reject": await claim("submitted"),
        "claim_to_approve": await claim("attested"),
        "claim_approved": await claim("approved"),
        "payout": payout.id,
        "payout_unpaid": unpaid.id,
    }


async def _claimant(claim_id: str) -> Any:
    from service.accounts import service
    from service.db.tables import Claim

    row = await Claim.select(Claim.claimant).where(Claim.id == int(claim_id)).first()
    assert row is not None
    return await service.load_user(row["claimant"])


async def _other_finance() -> Any:
    """A second finance officer: finance may not approve what it attested, and the
    matrix's own finance actor must meet each claim fresh."""
    from service.accounts import service

    uid = await service.create_user(fresh_email(), "Finance Two", "4601", ["finance"], "tests")
    return await service.load_user(uid)


async def _user(actor: Any) -> Any:
    from service.accounts import service

    return await service.load_user(actor.id)


async def _fresh_member() -> Any:
    from service.accounts import service

    uid = await service.create_user(fresh_email(), "Someone", "1119", [], "tests")
    return await service.load_user(uid)


def fill(body: Any, places: dict[str, str]) -> Any:
    """A body's "{published}"-style placeholders, filled in."""
    text = json.dumps(body)
    for name, value in places.items():
        text = text.replace("{" + name + "}", str(value))
    return json.loads(text)


def schema_routes(schema: dict[str, Any]) -> set[str]:
    return {
        f"{method.upper()} {path}"
        for path, ops in schema["paths"].items()
        for method in ops
        if method in {"get", "post", "put", "patch", "delete"}
    }


async def test_every_route_has_a_row(client):
    schema = (await client.get("/schema/openapi.json")).json()
    routes = schema_routes(schema)
    missing = sorted(routes - MATRIX.keys())
    stale = sorted(MATRIX.keys() - routes)
    assert not missing, f"routes without an access-matrix row: {missing}"
    assert not stale, f"rows for routes that no longer exist: {stale}"


@pytest.mark.parametrize("route", sorted(MATRIX))
async def test_access(route, client, actors, places):
    case = MATRIX[route]
    method = route.split(" ", 1)[0]
    path = case.path.format(**places)
    results = {}
    for role in ROLES:
        headers = dict(case.headers)
        if role != "anonymous":
            headers.update(actors[role].headers)
        body = fill(case.body(), places) if case.body else None
        client.cookies.clear()
        r = await client.request(method, path, json=body, headers=headers)
        results[role] = r.status_code
        if r.status_code >= 400:
            assert r.headers["content-type"].startswith(
                ("application/problem+json", "text/html")
            ), (role, r.text)
    got = {
        role: ("2xx" if case.expect[role] == "2xx" and 200 <= code < 300 else code)
        for role, code in results.items()
    }
    assert got == case.expect


async def _campaign_places(actors: Any) -> dict[str, str]:
    """A draft, a sent campaign (to a county of its own in the coordinator's network) with
    replies to select and decline and a reply link, and one to close (service.campaigns)."""
    from test_campaigns import new_region, token_of

    from service.accounts.service import load_user
    from service.campaigns import service as campaigns
    from service.campaigns.schemas import CampaignIn, LetterIn, ReplyIn
    from service.db.tables import CampaignRecipient
    from tasks.queue import install, uninstall

    class Held:  # the letters stay queued while their links are read
        mode = "held"

        def submit(self, outbox_id: int) -> None:
            pass

        async def status(self) -> dict[str, Any]:
            return {"mode": self.mode, "ok": True}

    admin = await load_user(actors["admin"].id)
    assert admin is not None
    region = await new_region(3, nynorsk=0, without_address=0)

    def body() -> CampaignIn:
        return CampaignIn(
            title="Matrisekampanje",
            networks=["agder-rogaland"],
            counties=[region["county"]],
            letters=[LetterIn("nb", "Invitasjon", "Brev")],
        )

    held = Held()
    install(held)
    try:
        draft = await campaigns.create_campaign(admin, body())
        sent = await campaigns.create_campaign(admin, body())
        await campaigns.send(admin, sent.id, "http://t")
        closing = await campaigns.create_campaign(admin, body())
        await campaigns.send(admin, closing.id, "http://t")
        tokens = [await token_of(sent.id, m["email"]) for m in region["municipalities"]]
    finally:
        uninstall(held)
    ids = []
    for token in tokens[:2]:
        await campaigns.submit_reply(
            token,
            ReplyIn(
                wants=True,
                network="agder-rogaland",
                contact_name="Matrise",
                contact_email=f"matrise.{uuid.uuid4().hex[:6]}@example.no",
                contact_role="Leder",
            ),
            "http://t",
        )
        rec = (
            await CampaignRecipient.select(CampaignRecipient.id)
            .where(
                CampaignRecipient.token_hash
                == __import__("hashlib").sha256(token.encode()).hexdigest()
            )
            .first()
        )
        assert rec is not None
        ids.append(rec["id"])
    # The test county stops covering the network: other tests find the demo's counties.
    from service.db.tables import County, NetworkCounty

    county = await County.select(County.id).where(County.number == region["county"]).first()
    if county is not None:
        await NetworkCounty.delete().where(NetworkCounty.county == county["id"])
    return {
        "campaign": str(sent.id),
        "campaign_draft": str(draft.id),
        "campaign_to_close": str(closing.id),
        "recipient_to_select": str(ids[0]),
        "recipient_to_decline": str(ids[1]),
        "reply_token": tokens[2],
    }
