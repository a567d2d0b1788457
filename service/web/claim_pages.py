"""Pages for travel-cost claims: my claims, the claim form, one claim, upload and submit.

The form is plain HTML and works without script: "Calculate" prices it on the server,
"Save draft" stores it. With script, static/claim-form.js prices it live through
POST /api/v1/claims/preview; every text it shows comes from the page. Forms post with
the session cookie (the CSRF origin check covers them); after a post the browser is
sent on (303) and the page shows the outcome once (service.web.flash). A refused post
answers with the error's status and the page again, the error next to its field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from service.claims import claims, receipts
from service.claims import service as pricing
from service.claims.schemas import ClaimIn, PreviewIn, PreviewOut
from service.lib import i18n
from service.lib.errors import DomainError, NotFound
from service.lib.i18n import N_, gettext
from service.lib.labels import LINE_KIND, label
from service.registrations import service as registrations
from service.registrations.schemas import RegistrationOut
from service.settings import Settings
from service.web import flash
from service.web.claim_view import claim_template, status
from service.web.viewer import Viewer

# The form's groups: a line is made from a group with any field filled in.
# (field, label, input type); the form field is named "<kind>.<field>".
FIELDS: dict[str, list[tuple[str, str, str]]] = {
    "mileage": [
        ("date", N_("Date"), "date"),
        ("km", N_("Kilometres in all"), "number"),
        ("passengers", N_("Passengers"), "number"),
        ("route", N_("Route"), "text"),
    ],
    "per_diem": [
        ("departure", N_("Departure"), "datetime-local"),
        ("return", N_("Back home"), "datetime-local"),
        ("distance_km", N_("Distance one way (km)"), "number"),
    ],
    "ticket": [
        ("date", N_("Date"), "date"),
        ("description", N_("What for"), "text"),
        ("amount", N_("Amount (NOK)"), "text"),
    ],
    "accommodation": [
        ("nights", N_("Nights"), "number"),
        ("hotel", N_("Hotel"), "text"),
        ("amount", N_("Amount (NOK)"), "text"),
    ],
    "night_allowance": [("nights", N_("Nights without a hotel"), "number")],
    "other": [
        ("date", N_("Date"), "date"),
        ("description", N_("What for"), "text"),
        ("amount", N_("Amount (NOK)"), "text"),
    ],
}
NUMBERS = {"km", "passengers", "distance_km", "nights"}
FORM_FIELDS = [f"{kind}.{name}" for kind, fields in FIELDS.items() for name, _, _ in fields]


def _back(claim_id: str, code: str, settings: Settings) -> Response[Any]:
    response = Redirect(f"/claims/{claim_id}", status_code=303)
    return flash.flash(response, code, secure=settings.production)


# --- my claims -------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimRow:
    id: str
    gathering_title: str
    status: tuple[str, str]
    amount: str
    created_at: str


@get("/claims")
async def my_claims(
    request: Request[Any, Any, Any], signed_in_viewer: NamedDependency[Viewer]
) -> Template:
    user = signed_in_viewer.user
    assert user is not None
    mine = await claims.list_claims(user, None, None, None, mine=True)
    claimed = {c.registration for c in mine if c.status != "rejected"}
    open_registrations = [
        r for r in await registrations.mine(user) if r.status == "confirmed" and r.id not in claimed
    ]
    notice, cookies = flash.take(request)
    return Template(
        "claims/list.html",
        context={
            "viewer": signed_in_viewer,
            "notice": notice,
            "claims": [
                ClaimRow(
                    c.id,
                    c.gathering_title,
                    status(c.status),
                    c.approved_total or c.total,
                    c.created_at,
                )
                for c in mine
            ],
            "open_registrations": open_registrations,
        },
        cookies=cookies,
    )


# --- the claim form --------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    name: str  # the form field, "<kind>.<field>"
    field: str
    label: str
    type: str
    value: str
    attrs: dict[str, str]


@dataclass(frozen=True)
class Group:
    kind: str
    legend: str
    inputs: list[Input]


@dataclass(frozen=True)
class PreviewLine:
    kind: str
    amount: str
    rule: str


@dataclass(frozen=True)
class Preview:
    lines: list[PreviewLine]
    total: str


def _attrs(name: str, type_: str) -> dict[str, str]:
    attrs = {"data-line-field": name}
    if type_ == "number":
        attrs.update(step="any", min="0", inputmode="decimal")
    if name == "amount":
        attrs["inputmode"] = "decimal"
    return attrs


def _groups(values: Mapping[str, str]) -> list[Group]:
    return [
        Group(
            kind,
            label(LINE_KIND, kind),
            [
                Input(
                    f"{kind}.{name}",
                    name,
                    gettext(text),
                    type_,
                    values.get(f"{kind}.{name}", ""),
                    _attrs(name, type_),
                )
                for name, text, type_ in fields
            ],
        )
        for kind, fields in FIELDS.items()
    ]


def _preview(out: PreviewOut) -> Preview:
    return Preview(
        [
            PreviewLine(label(LINE_KIND, str(line["kind"])), str(line["amount"]), str(line["rule"]))
            for line in out.lines
        ],
        out.total,
    )


@dataclass
class FormState:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    problem: str = ""
    preview: Preview | None = None


def _form(
    viewer: Viewer, reg: RegistrationOut, state: FormState, status_code: int = 200
) -> Template:
    return Template(
        "claims/new.html",
        context={
            "viewer": viewer,
            "notice": "",
            "registration": reg,
            "groups": _groups(state.values),
            "payee_account": state.values.get("payee_account", ""),
            "errors": state.errors,
            "problem": state.problem,
            "preview": state.preview,
            "locale": i18n.BABEL_LOCALES[i18n.current()].replace("_", "-"),
            "money_pattern": gettext("{amount} kr"),
        },
        status_code=status_code,
    )


async def _registration(viewer: Viewer, registration: str) -> RegistrationOut:
    assert viewer.user is not None
    reg = next((r for r in await registrations.mine(viewer.user) if r.id == registration), None)
    if reg is None:
        raise NotFound(N_("You have no registration with that id"))
    return reg


@get("/claims/new")
async def new_claim(
    signed_in_viewer: NamedDependency[Viewer],
    registration: Annotated[str, QueryParameter(max_length=20)] = "",
) -> Template:
    reg = await _registration(signed_in_viewer, registration)
    return _form(signed_in_viewer, reg, FormState())


def lines_from_form(form: Any) -> list[dict[str, Any]]:
    lines = []
    for kind, fields in FIELDS.items():
        line: dict[str, Any] = {"kind": kind}
        for name, _, _ in fields:
            value = str(form.get(f"{kind}.{name}", "")).strip()
            if name == "amount":
                value = value.replace(" ", "").replace("\xa0", "").replace(",", ".")  # 1 234,50
            if value:
                line[name] = float(value) if name in NUMBERS and _number(value) else value
        if len(line) > 1:
            for name in ("passengers", "nights"):
                if isinstance(line.get(name), float) and abs(line[name]) < 1000:
                    line[name] = int(line[name])
            lines.append(line)
    return lines


def _number(value: str) -> bool:
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


def _problem(text: str) -> str:
    """msgspec's complaint about a value, in words from the catalogs."""
    if "missing required field" in text:
        return gettext("fill this in")
    found = re.search(r"length (>=|<=) (\d+)", text)
    if found:
        n = int(found.group(2))
        if found.group(1) == "<=":
            return i18n.ngettext("at most {n} character", "at most {n} characters", n).format(n=n)
        return gettext("fill this in")
    found = re.search(r"(>=|>|<=|<) (-?[\d.]+)", text)
    if found:
        sign, bound = found.group(1), found.group(2)
        words = {
            ">=": N_("must be at least {n}"),
            ">": N_("must be more than {n}"),
            "<=": N_("must be at most {n}"),
            "<": N_("must be less than {n}"),
        }
        return gettext(words[sign]).format(n=bound)
    return gettext("not a valid value")


def _field_error(
    state: FormState, lines: list[dict[str, Any]], index: int, name: str, text: str
) -> None:
    kind = str(lines[index]["kind"])
    labels = {n: gettext(t) for n, t, _ in FIELDS.get(kind, [])}
    form_field = f"{kind}.{name}" if name in labels else "lines"
    state.errors[form_field] = gettext("Check {kind}, “{field}”: {problem}").format(
        kind=label(LINE_KIND, kind).lower(), field=labels.get(name, name), problem=text
    )


def _explain(exc: msgspec.ValidationError, lines: list[dict[str, Any]], state: FormState) -> None:
    """msgspec's message, told with the form's own names next to the field it points at."""
    text = str(exc)
    if "length >= 1" in text and "$.lines" in text and "$.lines[" not in text:
        state.errors["lines"] = gettext("Fill in at least one line.")
        return
    missing = re.search(r"missing required field `(\w+)` - at `\$\.lines\[(\d+)\]`", text)
    found = re.search(r"\$\.lines\[(\d+)\]\.(\w+)", text)
    if missing and int(missing.group(2)) < len(lines):
        _field_error(state, lines, int(missing.group(2)), missing.group(1), _problem(text))
    elif found and int(found.group(1)) < len(lines):
        _field_error(state, lines, int(found.group(1)), found.group(2), _problem(text))
    elif "$.payee_account" in text:
        state.errors["payee_account"] = gettext("Not a valid bank account number.")
    else:
        state.problem = gettext("Something is filled in wrongly: {problem}").format(
            problem=_problem(text)
        )


def _domain(exc: DomainError, lines: list[dict[str, Any]], state: FormState) -> None:
    """A DomainError next to the form field it names, else as an alert."""
    found = re.fullmatch(r"lines\[(\d+)\]\.(\w+)", exc.field or "")
    if found and int(found.group(1)) < len(lines):
        _field_error(state, lines, int(found.group(1)), found.group(2), exc.message())
    elif exc.field in ("payee_account", "lines"):
        state.errors[exc.field] = exc.message()
    else:
        state.problem = exc.message()


@post("/claims/new", status_code=303)
async def create_from_form(
    request: Request[Any, Any, Any],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    user = signed_in_viewer.user
    assert user is not None
    form = await request.form()
    reg = await _registration(signed_in_viewer, str(form.get("registration", "")))
    state = FormState(
        values={name: str(form.get(name, "")) for name in [*FORM_FIELDS, "payee_account"]}
    )
    lines = lines_from_form(form)
    try:
        if form.get("action") == "preview":
            preview = msgspec.convert({"gathering": reg.gathering, "lines": lines}, PreviewIn)
            state.preview = _preview(await pricing.preview(user, preview))
            return _form(signed_in_viewer, reg, state)
        raw = {
            "registration": reg.id,
            "lines": lines,
            "payee_account": state.values["payee_account"].strip() or None,
        }
        claim = await claims.create(user, msgspec.convert(raw, ClaimIn))
    except msgspec.ValidationError as exc:
        _explain(exc, lines, state)
        return _form(signed_in_viewer, reg, state, 422)
    except DomainError as exc:
        _domain(exc, lines, state)
        return _form(signed_in_viewer, reg, state, exc.status_code)
    return _back(claim.id, "claim-saved", settings)


# --- one claim -------------------------------------------------------------------------


@get("/claims/{claim_id:str}")
async def claim_page(
    request: Request[Any, Any, Any],
    claim_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
) -> Template:
    notice, cookies = flash.take(request)
    return await claim_template(signed_in_viewer, claim_id, notice=notice, cookies=cookies)


@post("/claims/{claim_id:str}/submit", status_code=303)
async def submit_from_page(
    claim_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    assert signed_in_viewer.user is not None
    try:
        await claims.submit(signed_in_viewer.user, claim_id, settings.base_url)
    except DomainError as exc:
        return await claim_template(
            signed_in_viewer, claim_id, problem=exc.message(), status_code=exc.status_code
        )
    return _back(claim_id, "claim-submitted", settings)


@post(
    "/claims/{claim_id:str}/receipt",
    request_max_body_size=receipts.MAX_BYTES + 1024 * 1024,
    status_code=303,
)
async def receipt_from_page(
    request: Request[Any, Any, Any],
    claim_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    assert signed_in_viewer.user is not None
    form = await request.form()
    upload = form.get("file")
    body = await upload.read(receipts.MAX_BYTES + 1) if isinstance(upload, UploadFile) else None
    try:
        await receipts.add(signed_in_viewer.user, claim_id, getattr(upload, "filename", None), body)
    except DomainError as exc:
        on_file = exc.field == "file"
        return await claim_template(
            signed_in_viewer,
            claim_id,
            errors={"file": exc.message()} if on_file else {},
            problem="" if on_file else exc.message(),
            status_code=exc.status_code,
        )
    return _back(claim_id, "receipt-added", settings)
