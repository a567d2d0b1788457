"""Signing in and signing up on pages.

`/login` mails a one-time link; the link opens `GET /auth/login`, a page with one
"Sign in" button, because many municipalities' mail systems open every link in a
message to scan it: only the button's `POST /auth/login` spends the link and starts a
session. `/signup` registers and mails a confirmation link that works the same way. In
development the sign-in page also lists the demo accounts, one button each
(`POST /login/demo`, 404 in production). No page says whether an address has an account.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from service.accounts import service as accounts
from service.accounts.controller import TooManyRequests, limit
from service.accounts.kv import RateLimiter, SessionStore
from service.accounts.middleware import SESSION_COOKIE, check_origin, session_cookie
from service.accounts.secrets import new_secret
from service.demo.accounts import demo_accounts, loaded_demo_accounts
from service.lib import i18n
from service.lib.errors import Invalid, NotFound
from service.lib.labels import ROLE, label
from service.networks import service as networks
from service.settings import Settings
from service.web.viewer import Viewer, local_path

NO_STORE = {"Cache-Control": "no-store"}


# --- shared pieces -------------------------------------------------------------------


def _next_of(value: Any) -> str:
    """A `next` from a form or query: a local path, else the front page."""
    return local_path(str(value) if value else None)


def _page(
    name: str, viewer: Viewer, status: int = 200, headers: dict[str, str] | None = None, **ctx: Any
) -> Template:
    return Template(
        name,
        context={"viewer": viewer, "notice": "", "minutes": accounts.LINK_MINUTES, **ctx},
        status_code=status,
        headers=headers or NO_STORE,
    )


def _too_many(exc: TooManyRequests) -> str:
    wait = int(exc.extra.get("retry_after", 60) or 60)
    minutes = max(1, -(-wait // 60))
    return i18n.ngettext(
        "Too many attempts. Try again in {minutes} minute.",
        "Too many attempts. Try again in {minutes} minutes.",
        minutes,
    ).format(minutes=minutes)


def _email_error(email: str) -> str | None:
    _ = i18n.gettext
    if not email:
        return _("Enter your e-mail address.")
    try:
        accounts.normalize_email(email)
    except Invalid:
        return _("Enter an e-mail address like name@kommune.no.")
    return None


def _refuse_cross_site(request: Request[Any, Any, Any], settings: Settings) -> None:
    """The origin check the auth middleware makes for signed-in forms, for these
    anonymous ones too: no other site may sign a visitor in to an account."""
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in request.scope["headers"]}
    check_origin(request.scope, headers, settings)


async def _start_session(
    request: Request[Any, Any, Any],
    sessions: SessionStore,
    settings: Settings,
    user_id: int,
    next_path: str,
) -> Response[Any]:
    """A fresh random session id for the user; a session the browser had ends."""
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        await sessions.delete(old)
    secret = new_secret()
    await sessions.put(secret, {"uid": user_id})
    response = Redirect(next_path, status_code=303)
    response.set_cookie(session_cookie(secret, settings, int(sessions.max_age.total_seconds())))
    return response


# --- demo accounts (development only) --------------------------------------------------


@dataclass(frozen=True)
class DemoButton:
    email: str
    name: str
    role: str  # its label: "Koordinator, Nettverk Nord"


async def _demo_buttons(settings: Settings) -> list[DemoButton]:
    """The demo accounts `samling demo` made (none before it ran, none in production)."""
    if settings.production:
        return []
    present = await loaded_demo_accounts()
    if not present:
        return []
    names = {n.slug: n.name for n in await networks.list_networks()}
    out = []
    for a in present:
        kind, _, slug = a.role.partition(":")
        role = label(ROLE, kind)
        if slug:
            role = f"{role}, {names.get(slug, slug)}"
        out.append(DemoButton(a.email, a.name, role))
    return out


# --- sign in ---------------------------------------------------------------------------


async def _login_form(
    viewer: Viewer,
    settings: Settings,
    *,
    status: int = 200,
    email: str = "",
    next_path: str = "/",
    errors: dict[str, str] | None = None,
    problem: str = "",
) -> Template:
    return _page(
        "auth/login.html",
        viewer,
        status,
        email=email,
        next=next_path if next_path != "/" else "",
        errors=errors or {},
        problem=problem,
        demo=await _demo_buttons(settings),
    )


@get("/login")
async def login_page(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Template:
    next_path = _next_of(request.query_params.get("next"))
    return await _login_form(viewer, settings, next_path=next_path)


@post("/login", status_code=200)
async def login_submit(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
    limiter: NamedDependency[RateLimiter],
) -> Template:
    _refuse_cross_site(request, settings)  # no other site may send mails in our name
    form = await request.form()
    email = str(form.get("email", "")).strip()
    next_path = _next_of(form.get("next"))
    error = _email_error(email)
    if error:
        return await _login_form(
            viewer, settings, status=400, email=email, next_path=next_path, errors={"email": error}
        )
    try:
        allowed = await limit(limiter, request, email)
    except TooManyRequests as exc:
        return await _login_form(
            viewer, settings, status=429, email=email, next_path=next_path, problem=_too_many(exc)
        )
    if allowed:
        await accounts.send_login_link(
            email, settings.base_url, next_path if next_path != "/" else None
        )
    return _page("auth/check_mail.html", viewer, email=email, signup=False)


def _link_invalid(viewer: Viewer) -> Template:
    return _page("auth/link_invalid.html", viewer, 400)


@get(
    "/auth/login",
    include_in_schema=True,
    tags=["auth"],
    summary="A login link's page: one button that signs in (opening it spends nothing)",
)
async def login_link_page(
    request: Request[Any, Any, Any], viewer: NamedDependency[Viewer]
) -> Template:
    token = request.query_params.get("token") or ""
    if not await accounts.link_is_usable(token):
        return _link_invalid(viewer)
    next_path = _next_of(request.query_params.get("next"))
    return _page(
        "auth/link.html",
        dataclasses.replace(viewer, path="/"),  # the header's links must not carry the token
        headers=NO_STORE,
        token=token,
        next=next_path if next_path != "/" else "",
    )


@post(
    "/auth/login",
    status_code=303,
    include_in_schema=True,
    tags=["auth"],
    summary="Spend a login link (form field `token`, optional local `next`): sign in",
)
async def login_with_link(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
    sessions: NamedDependency[SessionStore],
) -> Response[Any]:
    _refuse_cross_site(request, settings)
    form = await request.form()
    token = str(form.get("token", ""))
    next_path = _next_of(form.get("next"))
    try:
        _outcome, user_id = await accounts.consume_link(token, settings.base_url)
    except NotFound:
        return _link_invalid(viewer)
    if user_id is None:
        return _page("auth/awaiting_approval.html", viewer)
    return await _start_session(request, sessions, settings, user_id, next_path)


@post("/login/demo", status_code=303)
async def demo_sign_in(
    request: Request[Any, Any, Any],
    settings: NamedDependency[Settings],
    sessions: NamedDependency[SessionStore],
) -> Response[Any]:
    """Development only: sign in as one of the demo accounts without a mail."""
    if settings.production:
        raise NotFoundException()
    _refuse_cross_site(request, settings)
    form = await request.form()
    email = str(form.get("email", "")).strip().lower()
    if email not in {a.email.lower() for a in demo_accounts()}:
        raise NotFoundException()
    user_id = await accounts.user_id_by_email(email)
    if user_id is None or await accounts.load_user(user_id) is None:
        raise NotFound("The demo data is not loaded: run `samling demo`")
    return await _start_session(request, sessions, settings, user_id, _next_of(form.get("next")))


# --- sign up ---------------------------------------------------------------------------


@dataclass(frozen=True)
class County:
    name: str
    municipalities: list[tuple[str, str]]  # (number, name)


NORWEGIAN_ORDER = {0xE6: "{", 0xF8: "|", 0xE5: "}"}  # ae, o-slash, a-ring: after z, in order


async def _counties() -> list[County]:
    """Every municipality, grouped by county, both in Norwegian alphabetical order."""
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for m in await networks.list_municipalities():
        key = (m.county_number or "99", m.county or "–")
        groups.setdefault(key, []).append((m.number, m.name))

    def order(name: str) -> str:
        return name.casefold().translate(NORWEGIAN_ORDER)

    return [
        County(county, sorted(items, key=lambda item: order(item[1])))
        for (_number, county), items in sorted(groups.items(), key=lambda g: order(g[0][1]))
    ]


async def _signup_form(
    viewer: Viewer,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    problem: str = "",
) -> Template:
    return _page(
        "auth/signup.html",
        viewer,
        status,
        values={"name": "", "email": "", "municipality": "", **(values or {})},
        errors=errors or {},
        problem=problem,
        counties=await _counties(),
    )


@get("/signup")
async def signup_page(request: Request[Any, Any, Any], viewer: NamedDependency[Viewer]) -> Template:
    # prefilled from a link (a campaign's selection mail: municipality, name, e-mail)
    q = request.query_params
    values = {k: str(q.get(k) or "").strip()[:254] for k in ("name", "email", "municipality")}
    return await _signup_form(viewer, values=values)


@post("/signup", status_code=200)
async def signup_submit(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
    limiter: NamedDependency[RateLimiter],
) -> Template:
    _ = i18n.gettext
    _refuse_cross_site(request, settings)
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in ("name", "email", "municipality")}
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = _("Enter your name.")
    if error := _email_error(values["email"]):
        errors["email"] = error
    known = {number for c in await _counties() for number, _name in c.municipalities}
    if values["municipality"] not in known:
        errors["municipality"] = _("Choose your municipality from the list.")
    if errors:
        return await _signup_form(viewer, status=400, values=values, errors=errors)
    try:
        if await limit(limiter, request, values["email"]):
            await accounts.signup(
                values["email"], values["name"], values["municipality"], settings.base_url
            )
    except TooManyRequests as exc:
        return await _signup_form(viewer, status=429, values=values, problem=_too_many(exc))
    except Invalid as exc:  # checked above; only a change in between gets here
        errors[exc.field or "email"] = exc.message()
        return await _signup_form(viewer, status=400, values=values, errors=errors)
    return _page("auth/check_mail.html", viewer, email=values["email"], signup=True)
