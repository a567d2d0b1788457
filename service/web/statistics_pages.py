"""The statistics page: a year's figures per network, county and municipality, with
server-side SVG charts, the same figures in tables, and CSV/XLSX downloads.

Coordinators see the networks they coordinate, finance and admins all; anyone else
signed in gets 403, anonymous visitors the sign-in page. A bad filter answers 400 with
the page and the message next to the field; a network the coordinator does not
coordinate, 403 with the message.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import QueryParameter
from litestar.response import Template

from service.accounts.identity import CurrentUser
from service.lib.clock import OSLO, now
from service.lib.errors import DomainError
from service.lib.i18n import gettext, money_text, number_text
from service.lib.money import from_ore
from service.statistics import charts, figures, files
from service.web.viewer import Viewer

Query = Annotated[str, QueryParameter(max_length=60)]


def _reader(viewer: Viewer) -> CurrentUser:
    user = viewer.user
    if not figures.may_see_statistics(user):
        raise PermissionDeniedException()
    assert user is not None
    return user


async def _compute(
    user: CurrentUser, year: str, network: str, county: str
) -> tuple[figures.Statistics | None, dict[str, str], int]:
    """The figures, or (None, {field: message}, status) for a filter that is refused."""
    try:
        y = figures.parse_year(year)
        stats = await figures.compute(user, y, network.strip() or None, county.strip() or None)
    except DomainError as exc:
        return None, {exc.field or "year": exc.message()}, exc.status_code
    return stats, {}, 200


def _money(ore: int | None) -> str:
    return "–" if ore is None else money_text(from_ore(ore))


def _number(n: int | None) -> str:
    return "–" if n is None else number_text(n)


def _charts(stats: figures.Statistics) -> list[charts.Chart]:
    if not stats.networks:
        return []
    attended = charts.bar_chart(
        "chart-attendance",
        gettext("Attended and places offered per network"),
        gettext(
            "Horizontal bars, one pair per network: places offered and attended. "
            "The same figures are in the table of networks below."
        ),
        [
            (
                r.name,
                [
                    (r.tally.places or 0, _number(r.tally.places)),
                    (r.tally.attended, _number(r.tally.attended)),
                ],
            )
            for r in stats.networks
        ],
        [
            ("stat-bar--places", gettext("Places offered")),
            ("stat-bar--attended", gettext("Attended")),
        ],
    )
    paid = charts.bar_chart(
        "chart-paid",
        gettext("Travel costs paid per network"),
        gettext(
            "Horizontal bars, one per network: the amount paid for travel claims. "
            "The same figures are in the table of networks below."
        ),
        [(r.name, [(r.tally.paid_total, _money(r.tally.paid_total))]) for r in stats.networks],
        [("stat-bar--paid", gettext("Paid"))],
    )
    return [attended, paid]


def _query(year: int, network: str, county: str) -> str:
    params = {"year": str(year)}
    if network:
        params["network"] = network
    if county:
        params["county"] = county
    return urlencode(params)


@get("/statistics")
async def statistics_page(
    signed_in_viewer: NamedDependency[Viewer],
    year: Query = "",
    network: Query = "",
    county: Query = "",
) -> Template:
    user = _reader(signed_in_viewer)
    stats, errors, status = await _compute(user, year, network, county)
    return await _page(signed_in_viewer, user, stats, errors, status, year, network, county)


async def _page(
    viewer: Viewer,
    user: CurrentUser,
    stats: figures.Statistics | None,
    errors: dict[str, str],
    status: int,
    year: str,
    network: str,
    county: str,
) -> Template:
    """The page; with `errors` (a refused filter) the form and its messages only."""
    years = await figures.years_with_activity(user)
    this_year = now().astimezone(OSLO).year
    shown_year = stats.year if stats else (int(year) if year.isdigit() else this_year)
    if this_year not in years:
        years.insert(0, this_year)
    if shown_year not in years:
        years.append(shown_year)
    years.sort(reverse=True)
    networks = await figures.visible_networks(user)
    counties = await figures.counties()
    return Template(
        "statistics/index.html",
        context={
            "viewer": viewer,
            "notice": None,
            "stats": stats,
            "errors": errors,
            "values": {"year": str(shown_year), "network": network, "county": county},
            "years": [(str(y), str(y)) for y in years],
            "networks": [("", gettext("All networks"))]
            + [(r["slug"], r["name"]) for r in networks],
            "counties": [("", gettext("All counties"))]
            + [(r["number"], r["name"]) for r in counties],
            "network_name": {r["slug"]: r["name"] for r in networks},
            "county_name": {r["number"]: r["name"] for r in counties},
            "charts": _charts(stats) if stats else [],
            "columns": figures.COLUMNS,
            "headings": files.figure_headings(),
            "value": figures.value,
            "show_money": _money,
            "show_number": _number,
            "query": _query(shown_year, network, county) if stats else "",
        },
        status_code=status,
    )


async def _download(
    viewer: Viewer, year: str, network: str, county: str, ext: str
) -> Response[Any] | Template:
    """The file; a refused filter gets the page with its message instead."""
    user = _reader(viewer)
    stats, errors, status = await _compute(user, year, network, county)
    if stats is None:
        return await _page(viewer, user, None, errors, status, year, network, county)
    body = files.as_xlsx(stats) if ext == "xlsx" else files.as_csv(stats)
    media = files.XLSX if ext == "xlsx" else "text/csv; charset=utf-8"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{files.filename(stats, ext)}"'},
    )


@get("/statistics.csv")
async def statistics_csv(
    signed_in_viewer: NamedDependency[Viewer],
    year: Query = "",
    network: Query = "",
    county: Query = "",
) -> Response[Any] | Template:
    """The API's CSV with the headings in the page's language."""
    return await _download(signed_in_viewer, year, network, county, "csv")


@get("/statistics.xlsx")
async def statistics_xlsx(
    signed_in_viewer: NamedDependency[Viewer],
    year: Query = "",
    network: Query = "",
    county: Query = "",
) -> Response[Any] | Template:
    """The API's workbook with the headings in the page's language."""
    return await _download(signed_in_viewer, year, network, county, "xlsx")


PAGES: list[Any] = [statistics_page, statistics_csv, statistics_xlsx]
