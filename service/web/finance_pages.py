"""Finance's workspace beyond review and payouts (/finance/…): the overview, budgets per
network and year (see what is used, set a budget), the rate tables (list, add a dated
table with its source) and the exports (the claims CSV, the payout batches' files).

Only finance opens these pages (403 for anyone else). A post is sent on (303) and the
page shows the outcome once; a refused one answers with the error's status and the page
again, the message next to the field it names and what was typed kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from service.accounts.identity import CurrentUser
from service.claims import budgets, payouts, rates, review
from service.claims.export import claims_csv
from service.claims.rates import AMOUNTS
from service.claims.schemas import RateIn
from service.lib import i18n
from service.lib.clock import OSLO, now
from service.lib.errors import BadInput, DomainError, NotFound
from service.lib.i18n import N_, gettext
from service.lib.labels import CLAIM_STATUS, label
from service.networks import service as networks
from service.settings import Settings
from service.web import flash
from service.web.viewer import Viewer

Query = Annotated[str, QueryParameter(max_length=60)]


def _finance(viewer: Viewer) -> CurrentUser:
    if viewer.user is None or not viewer.user.is_finance:
        raise PermissionDeniedException()
    return viewer.user


def this_year() -> int:
    return now().astimezone(OSLO).year


def _year(value: str, field_name: str = "year") -> int | None:
    value = value.strip()
    if not value:
        return None
    if not (value.isdigit() and 2000 <= int(value) <= 2100):
        raise BadInput("Write a year between 2000 and 2100", field=field_name)
    return int(value)


def _amount(value: str) -> str:
    """An amount as typed ("1 234,50", "1234.5") as the API writes it ("1234.50")."""
    return value.strip().replace(" ", "").replace("\xa0", "").replace(",", ".")


def _problem(text: str) -> str:
    """msgspec's complaint about a form value, in words from the catalogs."""
    if "missing required field" in text:
        return gettext("Fill this in.")
    if "Expected `date`" in text or "Invalid RFC 3339" in text or "date" in text.lower():
        return gettext("Write a date, such as 2027-01-01.")
    found = re.search(r"length <= (\d+)", text)
    if found:
        n = int(found.group(1))
        return i18n.ngettext("At most {n} character.", "At most {n} characters.", n).format(n=n)
    if "length >= 1" in text:
        return gettext("Fill this in.")
    return gettext("Write an amount in kroner, such as 4,90.")


def _field_of(exc: msgspec.ValidationError) -> str | None:
    found = re.search(r"`\$\.(\w+)`", str(exc)) or re.search(r"field `(\w+)`", str(exc))
    return found.group(1) if found else None


# --- the overview ------------------------------------------------------------------------


@get("/finance")
async def finance_overview(
    request: Request[Any, Any, Any], signed_in_viewer: NamedDependency[Viewer]
) -> Template:
    user = _finance(signed_in_viewer)
    waiting = await review.queue(user, review.QueueFilter())
    counts: dict[str, int] = {}
    for c in waiting.items:
        counts[c.status] = counts.get(c.status, 0) + 1
    notice, cookies = flash.take(request)
    return Template(
        "finance/index.html",
        context={
            "viewer": signed_in_viewer,
            "notice": notice,
            "waiting": waiting,
            "counts": counts,
            "year": this_year(),
        },
        cookies=cookies,
    )


# --- budgets -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetRow:
    network: str
    network_name: str
    budget: str | None
    pending: str
    approved: str
    paid: str
    remaining: str | None
    over: bool


@dataclass
class BudgetForm:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    problem: str = ""


async def _budgets_template(
    viewer: Viewer,
    year: int,
    form: BudgetForm,
    *,
    notice: str = "",
    status_code: int = 200,
    cookies: Sequence[Cookie] = (),
) -> Template:
    user = _finance(viewer)
    used = {b.network: b for b in await budgets.list_budgets(user, year)}
    all_networks = await networks.list_networks()
    rows = []
    for n in sorted(all_networks, key=lambda n: n.name):
        b = used.get(n.slug)
        rows.append(
            BudgetRow(
                network=n.slug,
                network_name=n.name,
                budget=b.budget if b else None,
                pending=b.pending if b else "0.00",
                approved=b.approved if b else "0.00",
                paid=b.paid if b else "0.00",
                remaining=b.remaining if b else None,
                over=bool(b and b.remaining is not None and b.remaining.startswith("-")),
            )
        )
    years = sorted(
        {
            this_year(),
            this_year() + 1,
            year,
            *(b.year for b in await budgets.list_budgets(user, None)),
        },
        reverse=True,
    )
    return Template(
        "finance/budgets.html",
        context={
            "viewer": viewer,
            "notice": notice,
            "year": year,
            "years": [(str(y), str(y)) for y in years],
            "rows": rows,
            "networks": [(n.slug, n.name) for n in sorted(all_networks, key=lambda n: n.name)],
            "values": {"budget_year": str(year), **form.values},
            "errors": form.errors,
            "problem": form.problem,
        },
        status_code=status_code,
        cookies=list(cookies),
    )


@get("/finance/budgets")
async def budget_page(
    request: Request[Any, Any, Any],
    signed_in_viewer: NamedDependency[Viewer],
    year: Query = "",
    network: Query = "",
) -> Template:
    _finance(signed_in_viewer)
    chosen = _year(year) or this_year()
    notice, cookies = flash.take(request)
    form = BudgetForm(values={"network": network.strip()} if network.strip() else {})
    return await _budgets_template(signed_in_viewer, chosen, form, notice=notice, cookies=cookies)


@post("/finance/budgets", status_code=303)
async def set_budget_from_page(
    request: Request[Any, Any, Any],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    user = _finance(signed_in_viewer)
    data = await request.form()
    values = {k: str(data.get(k, ""))[:100] for k in ("network", "budget_year", "amount")}
    form = BudgetForm(values=values)
    shown = this_year()
    try:
        year = _year(values["budget_year"], "budget_year")
        if year is None:
            raise BadInput("Write a year between 2000 and 2100", field="budget_year")
        shown = year
        if not values["network"]:
            raise BadInput("Choose a network", field="network")
        try:
            amount = msgspec.convert({"amount": _amount(values["amount"])}, budgets.BudgetIn)
        except msgspec.ValidationError:
            raise BadInput("Write an amount in kroner, such as 150 000", field="amount") from None
        await budgets.set_budget(user, values["network"], year, amount)
    except DomainError as exc:
        name = exc.field or ("network" if isinstance(exc, NotFound) else None)
        if name in values:
            form.errors[str(name)] = exc.message()
        else:
            form.problem = exc.message()
        return await _budgets_template(signed_in_viewer, shown, form, status_code=exc.status_code)
    response = Redirect(f"/finance/budgets?year={year}", status_code=303)
    return flash.flash(response, "saved", secure=settings.production)


# --- rate tables -------------------------------------------------------------------------

RATE_FIELDS: list[tuple[str, str]] = [
    ("km", N_("Driving, per km")),
    ("passenger_km", N_("Passenger supplement, per km and passenger")),
    ("day_6_12h", N_("Per diem, 6–12 hours")),
    ("day_over_12h", N_("Per diem, over 12 hours")),
    ("overnight", N_("Per diem per 24 hours with an overnight stay")),
    ("night_allowance", N_("Night allowance (no hotel bill), per night")),
]


@dataclass
class RateForm:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    problem: str = ""


async def _rates_template(
    viewer: Viewer,
    form: RateForm,
    *,
    notice: str = "",
    status_code: int = 200,
    cookies: Sequence[Cookie] = (),
) -> Template:
    _finance(viewer)
    return Template(
        "finance/rates.html",
        context={
            "viewer": viewer,
            "notice": notice,
            "tables": await rates.list_rates(),
            "fields": [(name, gettext(text)) for name, text in RATE_FIELDS],
            "values": form.values,
            "errors": form.errors,
            "problem": form.problem,
        },
        status_code=status_code,
        cookies=list(cookies),
    )


@get("/finance/rates")
async def rates_page(
    request: Request[Any, Any, Any], signed_in_viewer: NamedDependency[Viewer]
) -> Template:
    notice, cookies = flash.take(request)
    return await _rates_template(signed_in_viewer, RateForm(), notice=notice, cookies=cookies)


def rate_input(values: Mapping[str, str]) -> dict[str, str]:
    """The form's values as RateIn reads them; empty fields left out (so "fill this in")."""
    out = {k: _amount(values.get(k, "")) for k in AMOUNTS}
    out["valid_from"] = values.get("valid_from", "").strip()
    out["source"] = values.get("source", "").strip()
    return {k: v for k, v in out.items() if v}


AMOUNT = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


def rate_errors(values: Mapping[str, str]) -> dict[str, str]:
    """Every field's problem at once (msgspec names only the first)."""
    errors: dict[str, str] = {}
    given = rate_input(values)
    try:
        date.fromisoformat(given.get("valid_from", ""))
    except ValueError:
        errors["valid_from"] = _problem(
            "date" if given.get("valid_from") else "missing required field"
        )
    for name in AMOUNTS:
        if name not in given:
            errors[name] = gettext("Fill this in.")
        elif not AMOUNT.match(given[name]):
            errors[name] = gettext("Write an amount in kroner, such as 4,90.")
    if "source" not in given:
        errors["source"] = gettext("Fill this in.")
    return errors


@post("/finance/rates", status_code=303)
async def add_rates_from_page(
    request: Request[Any, Any, Any],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    user = _finance(signed_in_viewer)
    data = await request.form()
    names = ["valid_from", *AMOUNTS, "source"]
    form = RateForm(values={k: str(data.get(k, ""))[:600] for k in names})
    form.errors = rate_errors(form.values)
    if form.errors:
        return await _rates_template(signed_in_viewer, form, status_code=422)
    try:
        table = msgspec.convert(rate_input(form.values), RateIn)
        await rates.create(user, table)
    except msgspec.ValidationError as exc:
        name = _field_of(exc)
        if name in names:
            form.errors[str(name)] = _problem(str(exc))
        else:
            form.problem = _problem(str(exc))
        return await _rates_template(signed_in_viewer, form, status_code=422)
    except DomainError as exc:
        if exc.field in names:
            form.errors[str(exc.field)] = exc.message()
        else:
            form.problem = exc.message()
        return await _rates_template(signed_in_viewer, form, status_code=exc.status_code)
    response = Redirect("/finance/rates", status_code=303)
    return flash.flash(response, "saved", secure=settings.production)


# --- exports -----------------------------------------------------------------------------


@get("/finance/exports")
async def exports_page(signed_in_viewer: NamedDependency[Viewer]) -> Template:
    user = _finance(signed_in_viewer)
    options = await review.choices(user)
    everything = [("", gettext("All"))]
    return Template(
        "finance/exports.html",
        context={
            "viewer": signed_in_viewer,
            "notice": "",
            "statuses": everything + [(s, label(CLAIM_STATUS, s)) for s in review.REVIEWED],
            "years": everything + [(str(y), str(y)) for y in options.years],
            "networks": everything + [(o.value, o.label) for o in options.networks],
            "payouts": await payouts.list_payouts(user),
        },
    )


@get("/finance/exports/claims.csv")
async def claims_export(
    signed_in_viewer: NamedDependency[Viewer],
    status: Query = "",
    year: Query = "",
    network: Query = "",
) -> Response[bytes]:
    user = _finance(signed_in_viewer)
    chosen = _year(year)
    body = await claims_csv(user, status.strip() or None, network.strip() or None, chosen)
    parts = [status.strip() or "alle", network.strip(), str(chosen or "")]
    name = "reiseregninger-" + "-".join(p for p in parts if p) + ".csv"
    name = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


PAGES: list[Any] = [
    finance_overview,
    budget_page,
    set_budget_from_page,
    rates_page,
    add_rates_from_page,
    exports_page,
    claims_export,
]
"""Every page route, in one list: app.py hands it to the web Router."""
