"""HTML pages for travel-cost claims: my claims, a claim form with live pricing, one
claim with its lines, rules, receipts and history, and submitting it.

Forms post with the session cookie (the CSRF origin check covers them); the live
prices come from POST /api/v1/claims/preview, called by a few lines of script.
"""

from __future__ import annotations

import math
import re
from html import escape
from typing import Annotated, Any

import msgspec
from litestar import MediaType, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect

from service.accounts.guards import current_user
from service.claims import claims, receipts
from service.claims.schemas import ClaimIn
from service.lib.errors import DomainError
from service.registrations import service as registrations
from service.settings import Settings
from service.web import pages
from service.web.review_pages import review_forms

STATUS_NB = {
    "draft": "Utkast",
    "submitted": "Sendt inn",
    "attested": "Attestert",
    "approved": "Godkjent",
    "paid": "Utbetalt",
    "returned": "Sendt i retur",
    "rejected": "Avvist",
}
KIND_NB = {
    "mileage": "Kjøring",
    "ticket": "Billett",
    "accommodation": "Overnatting",
    "night_allowance": "Nattillegg",
    "per_diem": "Diett",
    "other": "Annet",
}

# Form groups: a line is made from a group whose fields are filled in.
FIELDS: dict[str, list[tuple[str, str, str]]] = {
    "mileage": [
        ("date", "Dato", "date"),
        ("km", "Km i alt", "number"),
        ("passengers", "Passasjerer", "number"),
        ("route", "Strekning", "text"),
    ],
    "per_diem": [
        ("departure", "Avreise", "datetime-local"),
        ("return", "Hjemkomst", "datetime-local"),
        ("distance_km", "Avstand én vei (km)", "number"),
    ],
    "ticket": [
        ("date", "Dato", "date"),
        ("description", "Hva", "text"),
        ("amount", "Beløp (kr)", "text"),
    ],
    "accommodation": [
        ("nights", "Netter", "number"),
        ("hotel", "Hotell", "text"),
        ("amount", "Beløp (kr)", "text"),
    ],
    "night_allowance": [("nights", "Netter uten hotell", "number")],
    "other": [
        ("date", "Dato", "date"),
        ("description", "Hva", "text"),
        ("amount", "Beløp (kr)", "text"),
    ],
}
NUMBERS = {"km", "passengers", "distance_km", "nights"}

SCRIPT = """<script>
const form = document.querySelector('form[data-preview]');
async function price() {
  const lines = [];
  for (const group of form.querySelectorAll('fieldset[data-kind]')) {
    const line = {kind: group.dataset.kind}; let filled = false;
    for (const input of group.querySelectorAll('input')) {
      if (input.value === '') continue;
      filled = true;
      line[input.dataset.field] = input.type === 'number' ? Number(input.value) : input.value;
    }
    if (filled) lines.push(line);
  }
  const out = document.getElementById('preview');
  if (!lines.length) { out.textContent = ''; return; }
  const r = await fetch('/api/v1/claims/preview', {method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({gathering: form.dataset.gathering, lines})});
  const body = await r.json();
  out.textContent = r.ok
    ? body.lines.map(l => l.amount + ' kr – ' + l.rule).join('\\n')
      + '\\nSum: ' + body.total + ' kr'
    : (body.detail || 'Kan ikke beregne ennå');
}
form.addEventListener('change', price);
</script>"""


def _login() -> Response[Any]:
    return Redirect("/login", status_code=303)


@get("/claims", media_type=MediaType.HTML, include_in_schema=False)
async def my_claims(request: Request[Any, Any, Any]) -> Response[Any]:
    user = current_user(request)
    if user is None:
        return _login()
    mine = (
        await claims.list_claims(user, None, None)
        if not user.is_finance
        else [c for c in await claims.list_claims(user, None, None) if c.claimant == user.email]
    )
    claimed = {c.registration for c in mine if c.status != "rejected"}
    rows = "".join(
        f'<li><a href="/claims/{c.id}">{escape(c.gathering_title)}</a> – '
        f"{STATUS_NB.get(c.status, c.status)}, {pages.kr(c.approved_total or c.total)}</li>"
        for c in mine
    )
    open_regs = "".join(
        f'<li>{escape(r.gathering_title)} – <a href="/claims/new?registration={r.id}">'
        "Lag reiseregning</a></li>"
        for r in await registrations.mine(user)
        if r.status == "confirmed" and r.id not in claimed
    )
    body = f"<h1>Mine reiseregninger</h1><ul>{rows or '<li>Ingen ennå.</li>'}</ul>"
    if open_regs:
        body += f"<h2>Samlinger du kan kreve reiseutgifter for</h2><ul>{open_regs}</ul>"
    return pages.layout("Reiseregninger", body)


def _form(registration: str, gathering: str, message: str = "") -> str:
    groups = []
    for kind, fields in FIELDS.items():
        inputs = "".join(
            f'<label>{label} <input name="{kind}.{name}" data-field="{name}" type="{kind_}"'
            f"{' step=any min=0' if kind_ == 'number' else ''}></label> "
            for name, label, kind_ in fields
        )
        groups.append(
            f'<fieldset data-kind="{kind}"><legend>{KIND_NB[kind]}</legend>{inputs}</fieldset>'
        )
    note = f'<p role="alert">{escape(message)}</p>' if message else ""
    return (
        f"<h1>Ny reiseregning</h1>{note}"
        '<form method="post" action="/claims/new" data-preview '
        f'data-gathering="{escape(gathering)}">'
        f'<input type="hidden" name="registration" value="{escape(registration)}">'
        + "".join(groups)
        + "<p><label>Kontonummer for utbetaling (tomt: kommunens konto) "
        '<input name="payee_account" inputmode="numeric"></label></p>'
        '<pre id="preview" aria-live="polite"></pre>'
        "<button>Lagre utkast</button></form>" + SCRIPT
    )


@get("/claims/new", media_type=MediaType.HTML, include_in_schema=False)
async def new_claim(
    request: Request[Any, Any, Any],
    registration: Annotated[str, QueryParameter(max_length=20)] = "",
) -> Response[Any]:
    user = current_user(request)
    if user is None:
        return _login()
    reg = next((r for r in await registrations.mine(user) if r.id == registration), None)
    if reg is None:
        return pages.layout("Ikke funnet", "<h1>Fant ikke påmeldingen</h1>", status=404)
    return pages.layout("Ny reiseregning", _form(reg.id, reg.gathering))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def lines_from_form(form: Any) -> list[dict[str, Any]]:
    lines = []
    for kind, fields in FIELDS.items():
        line: dict[str, Any] = {"kind": kind}
        for name, _, _ in fields:
            value = str(form.get(f"{kind}.{name}", "")).strip()
            if name == "amount":
                value = value.replace(" ", "").replace(",", ".")  # 1 234,50 as typed
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


@post("/claims/new", media_type=MediaType.HTML, include_in_schema=False, status_code=303)
async def create_from_form(request: Request[Any, Any, Any]) -> Response[Any]:
    user = current_user(request)
    if user is None:
        return _login()
    form = await request.form()
    registration = str(form.get("registration", ""))
    reg = next((r for r in await registrations.mine(user) if r.id == registration), None)
    if reg is None:
        return pages.layout("Ikke funnet", "<h1>Fant ikke påmeldingen</h1>", status=404)
    lines = lines_from_form(form)
    raw = {
        "registration": registration,
        "lines": lines,
        "payee_account": str(form.get("payee_account", "")).strip() or None,
    }
    try:
        data = msgspec.convert(raw, ClaimIn)
        claim = await claims.create(user, data)
    except (msgspec.ValidationError, DomainError) as exc:
        message = exc.detail if isinstance(exc, DomainError) else _explain(exc, lines)
        return pages.layout("Ny reiseregning", _form(reg.id, reg.gathering, message), status=422)
    return Redirect(f"/claims/{claim.id}", status_code=303)


def _explain(exc: msgspec.ValidationError, lines: list[dict[str, Any]]) -> str:
    """msgspec's message, with the form's own names for the field it points at."""
    text = str(exc)
    if "length >= 1" in text and "$.lines" in text:
        return "Fyll ut minst én post."
    found = re.search(r"\$\.lines\[(\d+)\]\.(\w+)", text)
    if found and int(found.group(1)) < len(lines):
        kind = str(lines[int(found.group(1))]["kind"])
        label = {n: lab for n, lab, _ in FIELDS.get(kind, [])}.get(found.group(2), found.group(2))
        return f"Sjekk {KIND_NB.get(kind, kind).lower()}, «{label}»: {text.split(' - at ')[0]}"
    return f"Noe er fylt ut feil: {text}"


@get("/claims/{claim_id:str}", media_type=MediaType.HTML, include_in_schema=False)
async def claim_page(
    request: Request[Any, Any, Any],
    claim_id: FromPath[str],
    message: Annotated[str, QueryParameter(max_length=200)] = "",
) -> Response[Any]:
    user = current_user(request)
    if user is None:
        return _login()
    try:
        c = await claims.detail(user, claim_id)
        events = await claims.history(user, claim_id)
    except DomainError:
        return pages.layout("Ikke funnet", "<h1>Fant ikke reiseregningen</h1>", status=404)
    rows = "".join(
        f"<tr><td>{KIND_NB.get(str(line['kind']), '')}<br><small>{escape(pages.what(line))}"
        f"</small></td><td>{escape(str(line['rule']))}</td>"
        f"<td>{pages.kr(str(line['amount']))}</td>"
        f"<td>{pages.kr(_text(line['approved_amount']))}"
        f"{' – ' + escape(str(line['cut_reason'])) if line.get('cut_reason') else ''}</td></tr>"
        for line in c.lines
    )
    files = "".join(
        f'<li><a href="/api/v1/claims/{c.id}/receipts/{r["id"]}">'
        f"{escape(str(r['filename']))}</a></li>"
        for r in c.receipts
    )
    history = "".join(
        f"<li>{escape(e.at[:16].replace('T', ' '))} {escape(e.actor)}: "
        f"{STATUS_NB.get(e.to_status, e.to_status)}"
        f"{' – ' + escape(e.comment) if e.comment else ''}</li>"
        for e in events
    )
    body = [
        f"<h1>Reiseregning: {escape(c.gathering_title)}</h1>",
        f'<p role="status">{escape(message)}</p>' if message else "",
        f"<p>Status: <strong>{STATUS_NB.get(c.status, c.status)}</strong><br>"
        f"{escape(c.claimant_name)}, {escape(c.municipality_name)}<br>"
        f"Utbetales til konto {escape(c.payee_account or 'ikke oppgitt')}</p>",
        "<table><tr><th>Post</th><th>Beregning</th><th>Krevd</th><th>Godkjent</th></tr>"
        f"{rows}<tr><th colspan=2>Sum</th><th>{pages.kr(c.total)}</th>"
        f"<th>{pages.kr(c.approved_total)}</th></tr></table>",
        f"<h2>Kvitteringer</h2><ul>{files or '<li>Ingen.</li>'}</ul>",
    ]
    if c.claimant == user.email and c.status in claims.EDITABLE:
        body.append(
            f'<form method="post" action="/claims/{c.id}/receipt" enctype="multipart/form-data">'
            '<label>Legg ved kvittering (PDF eller bilde) <input type="file" name="file" '
            'accept="application/pdf,image/*" required></label> <button>Last opp</button></form>'
            f'<form method="post" action="/claims/{c.id}/submit"><button>Send inn</button></form>'
        )
    body.append(review_forms(user, c))
    body.append(f"<h2>Historikk</h2><ul>{history}</ul>")
    return pages.layout("Reiseregning", "".join(body))


def _back(claim_id: str, message: str) -> Response[Any]:
    from urllib.parse import quote

    return Redirect(f"/claims/{claim_id}?message={quote(message)}", status_code=303)


@post(
    "/claims/{claim_id:str}/submit",
    media_type=MediaType.HTML,
    include_in_schema=False,
    status_code=303,
)
async def submit_from_page(
    request: Request[Any, Any, Any], claim_id: FromPath[str], settings: NamedDependency[Settings]
) -> Response[Any]:
    user = current_user(request)
    if user is None:
        return _login()
    try:
        await claims.submit(user, claim_id, settings.base_url)
    except DomainError as exc:
        return _back(claim_id, exc.detail)
    return _back(claim_id, "Reiseregningen er sendt inn.")


@post(
    "/claims/{claim_id:str}/receipt",
    request_max_body_size=receipts.MAX_BYTES + 1024 * 1024,
    media_type=MediaType.HTML,
    include_in_schema=False,
    status_code=303,
)
async def receipt_from_page(
    request: Request[Any, Any, Any], claim_id: FromPath[str]
) -> Response[Any]:
    user = current_user(request)
    if user is None:
        return _login()
    form = await request.form()
    upload = form.get("file")
    body = await upload.read(receipts.MAX_BYTES + 1) if isinstance(upload, UploadFile) else None
    try:
        await receipts.add(user, claim_id, getattr(upload, "filename", None), body)
    except DomainError as exc:
        return _back(claim_id, exc.detail)
    return _back(claim_id, "Kvitteringen er lagt ved.")
