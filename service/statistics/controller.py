"""The /api/v1 routes of service.statistics (HANDLERS is mounted by service.app)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import QueryParameter

from service.accounts.controller import me_of
from service.accounts.guards import signed_in
from service.lib.errors import BadInput, Forbidden
from service.statistics import figures, files

DESCRIPTION = """A year's figures (the Europe/Oslo year a gathering starts) per network,
county and municipality, with totals. Held gatherings: published or completed and ended.
Places: their capacity. Registrations: every sign-up to them, including those later
cancelled. Attended: marked attended; no-shows: confirmed and marked not attended.
Waiting-list peak: each gathering's longest waiting list, summed (networks and totals
only). Late cancellations: cancelled after the cancellation deadline, or after
registration closed when there is none. Claims submitted: submitted, attested, approved,
paid or rejected (claimed total); approved: approved or paid (approved total); paid: paid
(the approved total paid). Cost per attendee: paid total / attended (none when 0).
Money as decimal strings. With county=, registrations and claims count only that county's
municipalities. Coordinators see their own networks (another network: 403); finance and
admins all. `Accept: text/csv` gives CSV (one row per network, county and municipality
with a `level` column, then the totals); `Accept: application/vnd.openxmlformats-
officedocument.spreadsheetml.sheet` or `format=xlsx` an XLSX workbook (one sheet per
level). Bad year, network or county: 400."""


async def respond(
    stats: figures.Statistics, request: Request[Any, Any, Any], fmt: str | None
) -> Response[Any]:
    accept = request.headers.get("accept", "")
    if fmt not in (None, "", "json", "csv", "xlsx"):
        raise BadInput("The format must be json, csv or xlsx", field="format")
    if fmt == "xlsx" or (not fmt and files.XLSX in accept):
        return Response(
            files.as_xlsx(stats),
            media_type=files.XLSX,
            headers={
                "Content-Disposition": f'attachment; filename="{files.filename(stats, "xlsx")}"'
            },
        )
    if fmt == "csv" or (not fmt and "text/csv" in accept):
        return Response(
            files.as_csv(stats),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{files.filename(stats, "csv")}"'
            },
        )
    return Response(stats.out())


@get(
    "/api/v1/statistics",
    guards=[signed_in],
    tags=["statistics"],
    summary="Annual statistics per network, county and municipality (JSON, CSV or XLSX)",
    description=DESCRIPTION,
)
async def statistics(
    request: Request[Any, Any, Any],
    year: Annotated[str | None, QueryParameter(max_length=10)] = None,
    network: Annotated[str | None, QueryParameter(max_length=60)] = None,
    county: Annotated[str | None, QueryParameter(max_length=10)] = None,
    format: Annotated[str | None, QueryParameter(max_length=10)] = None,
) -> Response[Any]:
    user = me_of(request)
    if not figures.may_see_statistics(user):
        raise Forbidden("The statistics are for coordinators, finance and administrators")
    stats = await figures.compute(user, figures.parse_year(year), network or None, county or None)
    return await respond(stats, request, format)


HANDLERS: list[Any] = [statistics]
