"""HTTP for rate tables, claims, receipts and the claims export."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, patch, post, put
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody, Parameter, QueryParameter

from service.accounts.controller import me_of
from service.accounts.guards import finance_or_admin, signed_in
from service.claims import budgets, claims, flags, payouts, rates, receipts, service
from service.claims.export import claims_csv
from service.claims.schemas import (
    ApproveIn,
    ClaimIn,
    ClaimOut,
    ClaimPatch,
    CommentIn,
    EventOut,
    PreviewIn,
    PreviewOut,
    RateIn,
    RateOut,
    ReasonIn,
)
from service.lib.errors import Forbidden
from service.settings import Settings

Status = Annotated[str | None, QueryParameter(max_length=12)]


class RateController(Controller):
    path = "/api/v1/rates"
    tags = ["claims"]
    guards = [signed_in]

    @get("/", summary="Rate tables, newest first")
    async def list_rates(self) -> list[RateOut]:
        return await rates.list_rates()

    @post("/", summary="Publish a rate table (finance)")
    async def create(self, request: Request[Any, Any, Any], data: JSONBody[RateIn]) -> RateOut:
        return await rates.create(me_of(request), data)


class ClaimController(Controller):
    path = "/api/v1/claims"
    tags = ["claims"]
    guards = [signed_in]

    @post("/preview", status_code=200, summary="Price claim lines without storing anything")
    async def preview(
        self, request: Request[Any, Any, Any], data: JSONBody[PreviewIn]
    ) -> PreviewOut:
        return await service.preview(me_of(request), data)

    @post("/", summary="Start a claim (a draft) for one of your registrations")
    async def create(self, request: Request[Any, Any, Any], data: JSONBody[ClaimIn]) -> ClaimOut:
        return await claims.create(me_of(request), data)

    @get("/", summary="Claims: finance sees all, others their own (network=: a coordinator's)")
    async def list_claims(
        self,
        request: Request[Any, Any, Any],
        status: Status = None,
        network: Annotated[str | None, QueryParameter(max_length=60)] = None,
    ) -> list[ClaimOut]:
        user = me_of(request)
        return await flags.of_claims(user, await claims.list_claims(user, status, network))

    @get(
        "/export.csv",
        guards=[finance_or_admin],
        media_type="text/csv",
        summary="Claims as CSV (finance)",
    )
    async def export(
        self, request: Request[Any, Any, Any], status: Status = None
    ) -> Response[bytes]:
        user = me_of(request)
        if not user.is_finance:
            raise Forbidden("Only finance exports claims")
        body = await claims_csv(user, status)
        name = f"reiseregninger-{status or 'alle'}.csv"
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @get("/{claim_id:str}", summary="One claim")
    async def detail(self, request: Request[Any, Any, Any], claim_id: FromPath[str]) -> ClaimOut:
        user = me_of(request)
        return await flags.of_claim(user, await claims.detail(user, claim_id))

    @patch("/{claim_id:str}", summary="Change a draft or returned claim")
    async def update(
        self, request: Request[Any, Any, Any], claim_id: FromPath[str], data: JSONBody[ClaimPatch]
    ) -> ClaimOut:
        return await claims.update(me_of(request), claim_id, data)

    @get("/{claim_id:str}/history", summary="Every change of the claim's state")
    async def history(
        self, request: Request[Any, Any, Any], claim_id: FromPath[str]
    ) -> list[EventOut]:
        return await claims.history(me_of(request), claim_id)

    @post("/{claim_id:str}/submit", status_code=200, summary="Submit for attestation")
    async def submit(
        self,
        request: Request[Any, Any, Any],
        claim_id: FromPath[str],
        settings: NamedDependency[Settings],
    ) -> ClaimOut:
        return await claims.submit(me_of(request), claim_id, settings.base_url)

    @post("/{claim_id:str}/attest", status_code=200, summary="Attest (coordinator or finance)")
    async def attest(
        self,
        request: Request[Any, Any, Any],
        claim_id: FromPath[str],
        data: JSONBody[CommentIn | None] = None,
    ) -> ClaimOut:
        return await claims.attest(me_of(request), claim_id, data.comment if data else "")

    @post("/{claim_id:str}/approve", status_code=200, summary="Approve, possibly cutting lines")
    async def approve(
        self,
        request: Request[Any, Any, Any],
        claim_id: FromPath[str],
        settings: NamedDependency[Settings],
        data: JSONBody[ApproveIn | None] = None,
    ) -> ClaimOut:
        return await claims.approve(
            me_of(request), claim_id, data or ApproveIn(), settings.base_url
        )

    @post("/{claim_id:str}/return", status_code=200, summary="Send back for changes")
    async def send_back(
        self,
        request: Request[Any, Any, Any],
        claim_id: FromPath[str],
        data: JSONBody[ReasonIn],
        settings: NamedDependency[Settings],
    ) -> ClaimOut:
        return await claims.send_back(
            me_of(request), claim_id, data.reason, "return", settings.base_url
        )

    @post("/{claim_id:str}/reject", status_code=200, summary="Reject (finance)")
    async def reject(
        self,
        request: Request[Any, Any, Any],
        claim_id: FromPath[str],
        data: JSONBody[ReasonIn],
        settings: NamedDependency[Settings],
    ) -> ClaimOut:
        return await claims.send_back(
            me_of(request), claim_id, data.reason, "reject", settings.base_url
        )

    @post(
        "/{claim_id:str}/receipts",
        status_code=201,
        summary="Attach a receipt (multipart `file`)",
        request_max_body_size=receipts.MAX_BYTES + 1024 * 1024,  # the file and the form
    )
    async def add_receipt(
        self,
        request: Request[Any, Any, Any],
        claim_id: FromPath[str],
        data: Annotated[dict[str, UploadFile], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> dict[str, Any]:
        upload = data.get("file")
        if isinstance(upload, UploadFile):
            body: bytes | None = await upload.read(receipts.MAX_BYTES + 1)
            filename: str | None = upload.filename
        else:
            body, filename = None, None
        return await receipts.add(me_of(request), claim_id, filename, body)

    @get("/{claim_id:str}/receipts/{receipt_id:str}", summary="Download a receipt")
    async def receipt(
        self,
        request: Request[Any, Any, Any],
        claim_id: FromPath[str],
        receipt_id: FromPath[str],
    ) -> Response[bytes]:
        row = await receipts.fetch(me_of(request), claim_id, receipt_id)
        return Response(
            row["body"],
            media_type=row["content_type"],
            headers={
                "Content-Disposition": (
                    f'attachment; filename="{receipts.header_filename(row["filename"])}"; '
                    f"filename*=UTF-8''{quote(row['filename'])}"
                ),
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "private, no-store",
            },
        )


class PayoutController(Controller):
    path = "/api/v1/payouts"
    tags = ["claims"]
    guards = [finance_or_admin]

    @post("/", summary="Batch approved claims for payment: one payment per municipality")
    async def create(
        self, request: Request[Any, Any, Any], data: JSONBody[payouts.PayoutIn]
    ) -> payouts.PayoutOut:
        return await payouts.create(me_of(request), data)

    @get("/", summary="Payouts, newest first")
    async def list_payouts(self, request: Request[Any, Any, Any]) -> list[payouts.PayoutOut]:
        return await payouts.list_payouts(me_of(request))

    @get("/{name:str}", summary="One payout (/payouts/{id}.csv: the bank list as CSV)")
    async def detail(self, request: Request[Any, Any, Any], name: FromPath[str]) -> Any:
        user = me_of(request)
        if name.endswith(".csv"):
            payout_id = name.removesuffix(".csv")
            return Response(
                await payouts.as_csv(user, payout_id),
                media_type="text/csv; charset=utf-8",
                headers={
                    "Content-Disposition": f'attachment; filename="utbetaling-{payout_id}.csv"'
                },
            )
        return await payouts.detail(user, name)

    @get("/{payout_id:str}/pain001.xml", media_type="application/xml", summary="pain.001 file")
    async def pain001(
        self,
        request: Request[Any, Any, Any],
        payout_id: FromPath[str],
        settings: NamedDependency[Settings],
    ) -> Response[bytes]:
        body = await payouts.as_pain001(me_of(request), payout_id, settings)
        return Response(
            body,
            media_type="application/xml",
            headers={"Content-Disposition": f'attachment; filename="pain001-{payout_id}.xml"'},
        )

    @post("/{payout_id:str}/paid", status_code=200, summary="Mark paid: its claims become paid")
    async def paid(
        self,
        request: Request[Any, Any, Any],
        payout_id: FromPath[str],
        settings: NamedDependency[Settings],
    ) -> payouts.PayoutOut:
        return await payouts.mark_paid(me_of(request), payout_id, settings.base_url)


class BudgetController(Controller):
    path = "/api/v1/budgets"
    tags = ["claims"]
    guards = [signed_in]

    @get("/", summary="Each network's budget per year and what claims have used")
    async def list_budgets(
        self,
        request: Request[Any, Any, Any],
        year: Annotated[int | None, QueryParameter(ge=2000, le=2100)] = None,
    ) -> list[budgets.BudgetOut]:
        return await budgets.list_budgets(me_of(request), year)

    @put("/{slug:str}/{year:int}", summary="Set a network's budget for a year (finance)")
    async def set_budget(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        year: Annotated[int, Parameter(ge=2000, le=2100)],
        data: JSONBody[budgets.BudgetIn],
    ) -> budgets.BudgetOut:
        return await budgets.set_budget(me_of(request), slug, year, data)
