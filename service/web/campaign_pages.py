"""Invitation campaign pages: the admin's campaign editor and overview, the
coordinators' selection from the replies, and the public reply page (no account).

- /admin/campaigns, /admin/campaigns/new, /admin/campaigns/{id}: an administrator writes
  the campaign (title, networks, counties, reply-by date, the letter in bokmål and
  optionally nynorsk and English), sees who would get it (per county, and who has no
  official address), sends it once, closes it, and follows the figures and recipients.
- /coordinator/campaigns and /coordinator/campaigns/{id}: a coordinator sees the sent
  campaigns inviting to their networks, their networks' part of the figures and replies,
  and selects or declines a municipality that replied (an admin may too, for every
  network).
- /reply/{token}: the municipality's own link. Shows only that municipality and its
  letter; the form says yes or no, the network and the contact person. Unknown links are
  404, closed or expired ones 410; nothing changes then.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from service.accounts.controller import TooManyRequests
from service.accounts.identity import CurrentUser
from service.accounts.kv import RateLimiter
from service.campaigns import service as campaigns
from service.campaigns.controller import limit_reply
from service.campaigns.render import letter_html
from service.campaigns.schemas import CampaignIn, CampaignPatch, LetterIn, ReplyIn
from service.lib import i18n
from service.lib.errors import DomainError, Invalid
from service.lib.i18n import N_, gettext
from service.networks import admin as places
from service.networks import service as networks
from service.settings import Settings
from service.web import flash
from service.web.admin_common import require_admin, sections
from service.web.auth_pages import _refuse_cross_site
from service.web.viewer import Viewer

NO_STORE = {"Cache-Control": "no-store"}
STATUS = {
    "draft": N_("Draft"),
    "sent": N_("Sent"),
    "closed": N_("Closed"),
    "replied": N_("Replied"),
    "selected": N_("Selected"),
    "declined": N_("Declined"),
}
STATUS_COLOR = {
    "draft": "warning",
    "sent": "info",
    "closed": "neutral",
    "replied": "warning",
    "selected": "success",
    "declined": "neutral",
}
flash.MESSAGES.update(
    {
        "campaign-created": N_(
            "The campaign is saved as a draft. Check who gets it, then send it."
        ),
        "campaign-sent": N_("The campaign is sent. The letters are on their way."),
        "campaign-closed": N_("The campaign is closed. The reply links no longer work."),
        "recipient-selected": N_(
            "The municipality is a member, and its contact person is sent a sign-up link."
        ),
        "recipient-declined": N_("The municipality is told, politely, that it was not selected."),
    }
)


def _coordinator(viewer: Viewer) -> CurrentUser:
    user = viewer.user
    if user is None or not (user.is_admin or user.coordinated_networks):
        raise PermissionDeniedException()
    return user


def _status_label(code: str) -> str:
    return gettext(STATUS.get(code, code))


def _common(viewer: Viewer, **ctx: Any) -> dict[str, Any]:
    return {
        "viewer": viewer,
        "sections": sections(viewer),
        "notice": "",
        "status_label": _status_label,
        "status_color": STATUS_COLOR,
        "language_name": lambda code: i18n.NAMES.get(code, code),  # as each calls itself
        "letter_html": letter_html,
        **ctx,
    }


# --- the admin's campaign form -----------------------------------------------------------


FORM_LANGUAGES = ("nb", "nn", "en")


def _form_values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": str(form.get("title", ""))[:400],
        "reply_by": str(form.get("reply_by", "")).strip()[:20],
        "networks": [str(v)[:60] for v in form.getall("networks", [])][:20],
        "counties": [str(v)[:2] for v in form.getall("counties", [])][:50],
    }
    for lang in FORM_LANGUAGES:
        values[f"subject_{lang}"] = str(form.get(f"subject_{lang}", ""))[:400]
        values[f"body_{lang}"] = str(form.get(f"body_{lang}", ""))[:20000]
    return values


def _letters_in(values: dict[str, Any]) -> list[LetterIn]:
    out = []
    for lang in FORM_LANGUAGES:
        subject, body = values[f"subject_{lang}"], values[f"body_{lang}"]
        if len(subject) > 200:
            raise Invalid("The subject is longer than 200 characters", field=f"subject_{lang}")
        out.append(LetterIn(lang, subject, body))  # type: ignore[arg-type]
    return out


def _values_of(c: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": c.title,
        "reply_by": c.reply_by or "",
        "networks": list(c.networks),
        "counties": list(c.counties),
    }
    letters = {lt.language: lt for lt in c.letters}
    for lang in FORM_LANGUAGES:
        lt = letters.get(lang)
        values[f"subject_{lang}"] = lt.subject if lt else ""
        values[f"body_{lang}"] = lt.body if lt else ""
    return values


async def _choices() -> dict[str, Any]:
    return {
        "all_networks": await networks.list_networks(),
        "all_counties": await places.list_counties(),
    }


def _blank() -> dict[str, Any]:
    values: dict[str, Any] = {"title": "", "reply_by": "", "networks": [], "counties": []}
    for lang in FORM_LANGUAGES:
        values[f"subject_{lang}"] = values[f"body_{lang}"] = ""
    return values


@get("/admin/campaigns")
async def campaign_list(
    request: Request[Any, Any, Any], signed_in_viewer: NamedDependency[Viewer]
) -> Template:
    user = require_admin(signed_in_viewer)
    notice, cookies = flash.take(request)
    return Template(
        "campaigns/list.html",
        context=_common(
            signed_in_viewer,
            notice=notice,
            campaigns=await campaigns.list_campaigns(user),
            base="/admin/campaigns",
        ),
        cookies=cookies,
    )


@get("/admin/campaigns/new")
async def campaign_new(signed_in_viewer: NamedDependency[Viewer]) -> Template:
    require_admin(signed_in_viewer)
    return Template(
        "campaigns/new.html",
        context=_common(signed_in_viewer, values=_blank(), errors={}, **await _choices()),
    )


def _field_of(exc: DomainError) -> str:
    return exc.field or "title"


@post("/admin/campaigns", status_code=303)
async def campaign_create(
    request: Request[Any, Any, Any],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    user = require_admin(signed_in_viewer)
    values = _form_values(await request.form())
    try:
        if len(values["title"]) > 200:
            raise Invalid(
                "The title is longer than {limit} characters", field="title", params={"limit": 200}
            )
        created = await campaigns.create_campaign(
            user,
            CampaignIn(
                title=values["title"],
                networks=values["networks"],
                counties=values["counties"],
                reply_by=values["reply_by"] or None,
                letters=_letters_in(values),
            ),
        )
    except DomainError as exc:
        return Template(
            "campaigns/new.html",
            context=_common(
                signed_in_viewer,
                values=values,
                errors={_field_of(exc): exc.message()},
                **await _choices(),
            ),
            status_code=exc.status_code,
        )
    response = Redirect(f"/admin/campaigns/{created.id}", status_code=303)
    return flash.flash(response, "campaign-created", secure=settings.production)


async def _campaign_template(
    viewer: Viewer,
    campaign_id: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    notice: str = "",
    cookies: list[Any] | None = None,
    area: str = "admin",
) -> Template:
    user = viewer.user
    assert user is not None
    c = await campaigns.get_campaign(user, campaign_id)
    rows = [] if c.status == "draft" else await campaigns.recipients(user, campaign_id)
    names = {n.slug: n.name for n in await networks.list_networks()}
    counties = {c_.number: c_.name for c_ in await places.list_counties()}
    return Template(
        "campaigns/admin.html" if area == "admin" else "campaigns/coordinator.html",
        context=_common(
            viewer,
            notice=notice,
            c=c,
            recipients=rows,
            network_names=names,
            county_names=counties,
            values=values or _values_of(c),
            errors=errors or {},
            field_errors={
                k: v for k, v in (errors or {}).items() if k != "action" and "-" not in k
            },
            may_decide=lambda net: user.is_admin or user.coordinates(net or ""),
            decide_base=f"/coordinator/campaigns/{c.id}",
            back=f"/{area}/campaigns",
            **(await _choices() if c.status == "draft" else {}),
        ),
        status_code=status_code,
        cookies=cookies or [],
        headers=NO_STORE,
    )


@get("/admin/campaigns/{campaign_id:str}")
async def campaign_page(
    request: Request[Any, Any, Any],
    campaign_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
) -> Template:
    require_admin(signed_in_viewer)
    notice, cookies = flash.take(request)
    return await _campaign_template(
        signed_in_viewer, campaign_id, notice=notice, cookies=list(cookies)
    )


@post("/admin/campaigns/{campaign_id:str}", status_code=303)
async def campaign_save(
    request: Request[Any, Any, Any],
    campaign_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    user = require_admin(signed_in_viewer)
    await campaigns.get_campaign(user, campaign_id)  # 404 for an unknown id
    values = _form_values(await request.form())
    try:
        if len(values["title"]) > 200:
            raise Invalid(
                "The title is longer than {limit} characters", field="title", params={"limit": 200}
            )
        await campaigns.update_campaign(
            user,
            campaign_id,
            CampaignPatch(
                title=values["title"],
                networks=values["networks"],
                counties=values["counties"],
                reply_by=values["reply_by"],
                letters=_letters_in(values),
            ),
        )
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        field = _field_of(exc) if exc.status_code != 409 else "action"
        return await _campaign_template(
            signed_in_viewer,
            campaign_id,
            values=values,
            errors={field: exc.message()},
            status_code=exc.status_code,
        )
    response = Redirect(f"/admin/campaigns/{campaign_id}", status_code=303)
    return flash.flash(response, "saved", secure=settings.production)


async def _act(viewer: Viewer, campaign_id: str, settings: Settings, action: str) -> Response[Any]:
    user = require_admin(viewer)
    try:
        if action == "send":
            await campaigns.send(user, campaign_id, settings.base_url)
        else:
            await campaigns.close(user, campaign_id)
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        return await _campaign_template(
            viewer, campaign_id, errors={"action": exc.message()}, status_code=exc.status_code
        )
    response = Redirect(f"/admin/campaigns/{campaign_id}", status_code=303)
    code = "campaign-sent" if action == "send" else "campaign-closed"
    return flash.flash(response, code, secure=settings.production)


@post("/admin/campaigns/{campaign_id:str}/send", status_code=303)
async def campaign_send(
    campaign_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    return await _act(signed_in_viewer, campaign_id, settings, "send")


@post("/admin/campaigns/{campaign_id:str}/close", status_code=303)
async def campaign_close(
    campaign_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    return await _act(signed_in_viewer, campaign_id, settings, "close")


# --- the coordinator's view ---------------------------------------------------------------


@get("/coordinator/campaigns")
async def coordinator_list(
    request: Request[Any, Any, Any], signed_in_viewer: NamedDependency[Viewer]
) -> Template:
    user = _coordinator(signed_in_viewer)
    rows = [c for c in await campaigns.list_campaigns(user) if c.status != "draft"]
    return Template(
        "campaigns/list.html",
        context=_common(
            signed_in_viewer, campaigns=rows, base="/coordinator/campaigns", sections=[]
        ),
    )


@get("/coordinator/campaigns/{campaign_id:str}")
async def coordinator_page(
    request: Request[Any, Any, Any],
    campaign_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
) -> Template:
    _coordinator(signed_in_viewer)
    notice, cookies = flash.take(request)
    return await _campaign_template(
        signed_in_viewer, campaign_id, notice=notice, cookies=list(cookies), area="coordinator"
    )


async def _decide(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    campaign_id: str,
    recipient_id: str,
    settings: Settings,
    action: str,
) -> Response[Any]:
    user = _coordinator(viewer)
    form = await request.form()
    try:
        if action == "select":
            network = str(form.get("network", "")).strip()[:60] or None
            await campaigns.select(user, campaign_id, recipient_id, network, settings.base_url)
        else:
            reason = str(form.get("reason", ""))[:2000]
            await campaigns.decline(user, campaign_id, recipient_id, reason)
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        return await _campaign_template(
            viewer,
            campaign_id,
            errors={f"recipient-{recipient_id}": exc.message()},
            status_code=exc.status_code,
            area="coordinator",
        )
    response = Redirect(
        f"/coordinator/campaigns/{campaign_id}#recipient-{recipient_id}", status_code=303
    )
    code = "recipient-selected" if action == "select" else "recipient-declined"
    return flash.flash(response, code, secure=settings.production)


@post(
    "/coordinator/campaigns/{campaign_id:str}/recipients/{recipient_id:str}/select", status_code=303
)
async def recipient_select(
    request: Request[Any, Any, Any],
    campaign_id: FromPath[str],
    recipient_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    return await _decide(request, signed_in_viewer, campaign_id, recipient_id, settings, "select")


@post(
    "/coordinator/campaigns/{campaign_id:str}/recipients/{recipient_id:str}/decline",
    status_code=303,
)
async def recipient_decline(
    request: Request[Any, Any, Any],
    campaign_id: FromPath[str],
    recipient_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    return await _decide(request, signed_in_viewer, campaign_id, recipient_id, settings, "decline")


# --- the reply page (no account) ----------------------------------------------------------


@dataclass(frozen=True)
class ReplyForm:
    wants: str  # "yes", "no" or ""
    network: str
    contact_name: str
    contact_email: str
    contact_role: str
    comment: str


def _reply_values(view: campaigns.ReplyView) -> ReplyForm:
    r = view.reply
    if r is None:
        return ReplyForm("", view.default_network or "", "", "", "", "")
    return ReplyForm(
        "yes" if r.wants else "no",
        r.network or view.default_network or "",
        r.contact_name,
        r.contact_email,
        r.contact_role,
        r.comment,
    )


def _reply_page(
    viewer: Viewer,
    view: campaigns.ReplyView,
    token: str,
    *,
    values: ReplyForm | None = None,
    errors: dict[str, str] | None = None,
    problem: str = "",
    done: bool = False,
    status_code: int = 200,
) -> Template:
    return Template(
        "campaigns/reply.html",
        context=_common(
            viewer,
            sections=[],
            v=view,
            token=token,
            values=values or _reply_values(view),
            errors=errors or {},
            problem=problem,
            done=done,
            letter=letter_html(view.letter),
        ),
        status_code=status_code,
        headers=NO_STORE,
    )


def _gone(request: Request[Any, Any, Any], exc: DomainError) -> Template:
    from service.web.router import error_page

    _ = gettext
    if exc.status_code == 404:
        return error_page(
            request,
            404,
            _("This reply link is not known"),
            _(
                "Check that the whole address from the letter came along. If it still "
                "does not work, ask the sender of the letter for a new link."
            ),
        )
    return error_page(request, exc.status_code, _("This reply link no longer works"), exc.message())


@get("/reply/{token:str}")
async def reply_page(
    request: Request[Any, Any, Any], token: FromPath[str], viewer: NamedDependency[Viewer]
) -> Template:
    try:
        view = await campaigns.reply_view(token)
    except DomainError as exc:
        return _gone(request, exc)
    return _reply_page(viewer, view, token)


@post("/reply/{token:str}", status_code=200)
async def reply_submit(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
    limiter: NamedDependency[RateLimiter],
) -> Template:
    _refuse_cross_site(request, settings)
    try:
        view = await campaigns.reply_view(token)
    except DomainError as exc:
        return _gone(request, exc)
    form = await request.form()
    values = ReplyForm(
        wants=str(form.get("wants", ""))[:3],
        network=str(form.get("network", "")).strip()[:60],
        contact_name=str(form.get("contact_name", ""))[:200],
        contact_email=str(form.get("contact_email", ""))[:254],
        contact_role=str(form.get("contact_role", ""))[:200],
        comment=str(form.get("comment", ""))[:2000],
    )
    if values.wants not in ("yes", "no"):
        return _reply_page(
            viewer,
            view,
            token,
            values=values,
            errors={"wants": gettext("Say whether the municipality wants to take part.")},
            status_code=422,
        )
    try:
        await limit_reply(limiter, request, token)
        view, _changed = await campaigns.submit_reply(
            token,
            ReplyIn(
                wants=values.wants == "yes",
                network=values.network or None,
                contact_name=values.contact_name,
                contact_email=values.contact_email,
                contact_role=values.contact_role,
                comment=values.comment,
            ),
            settings.base_url,
        )
    except TooManyRequests as exc:
        return _reply_page(
            viewer, view, token, values=values, problem=exc.message(), status_code=429
        )
    except Invalid as exc:
        listed = exc.extra.get("errors")
        errors = (
            {k: gettext(v) for k, v in listed.items()}
            if listed
            else {exc.field or "wants": exc.message()}
        )
        return _reply_page(viewer, view, token, values=values, errors=errors, status_code=422)
    except DomainError as exc:
        if exc.status_code in (404, 410):
            return _gone(request, exc)
        return _reply_page(
            viewer, view, token, values=values, problem=exc.message(), status_code=exc.status_code
        )
    return _reply_page(viewer, view, token, done=True)


PAGES: list[Any] = [
    campaign_list,
    campaign_new,
    campaign_create,
    campaign_page,
    campaign_save,
    campaign_send,
    campaign_close,
    coordinator_list,
    coordinator_page,
    recipient_select,
    recipient_decline,
    reply_page,
    reply_submit,
]
