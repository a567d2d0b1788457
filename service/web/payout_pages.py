"""Pages for finance's payouts: the approved claims to batch (/payouts), one batch with
its bank files (CSV and pain.001) and marking it paid.

A post is sent on (303) and the page shows the outcome once; a refused one answers with
the error's status and the page again with the error shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from service.accounts.identity import CurrentUser
from service.claims import claims, payouts
from service.lib.errors import DomainError
from service.settings import Settings
from service.web import flash
from service.web.viewer import Viewer


def _finance(viewer: Viewer) -> CurrentUser:
    if viewer.user is None or not viewer.user.is_finance:
        raise PermissionDeniedException()
    return viewer.user


async def _list_template(
    viewer: Viewer,
    *,
    notice: str = "",
    problem: str = "",
    chosen: Sequence[str] | None = None,
    status_code: int = 200,
    cookies: Sequence[Cookie] = (),
) -> Template:
    user = _finance(viewer)
    ready = [c for c in await claims.list_claims(user, "approved", None) if c.payout is None]
    return Template(
        "payouts/list.html",
        context={
            "viewer": viewer,
            "notice": notice,
            "problem": problem,
            "ready": ready,
            "chosen": None if chosen is None else set(chosen),
            "payouts": await payouts.list_payouts(user),
        },
        status_code=status_code,
        cookies=list(cookies),
    )


@get("/payouts")
async def payout_list(
    request: Request[Any, Any, Any], signed_in_viewer: NamedDependency[Viewer]
) -> Template:
    notice, cookies = flash.take(request)
    return await _list_template(signed_in_viewer, notice=notice, cookies=cookies)


@post("/payouts", status_code=303)
async def payout_from_page(
    request: Request[Any, Any, Any],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    user = _finance(signed_in_viewer)
    form = await request.form()
    chosen = [str(v) for v in form.getall("claim", [])]
    try:
        made = await payouts.create(user, payouts.PayoutIn(claims=chosen))
    except DomainError as exc:
        return await _list_template(
            signed_in_viewer, problem=exc.message(), chosen=chosen, status_code=exc.status_code
        )
    response = Redirect(f"/payouts/{made.id}", status_code=303)
    return flash.flash(response, "payout-made", secure=settings.production)


async def _payout_template(
    viewer: Viewer,
    payout_id: str,
    *,
    notice: str = "",
    problem: str = "",
    status_code: int = 200,
    cookies: Sequence[Cookie] = (),
) -> Template:
    p = await payouts.detail(_finance(viewer), payout_id)
    return Template(
        "payouts/payout.html",
        context={"viewer": viewer, "notice": notice, "problem": problem, "payout": p},
        status_code=status_code,
        cookies=list(cookies),
    )


@get("/payouts/{payout_id:str}")
async def payout_page(
    request: Request[Any, Any, Any],
    payout_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
) -> Template:
    notice, cookies = flash.take(request)
    return await _payout_template(signed_in_viewer, payout_id, notice=notice, cookies=cookies)


@post("/payouts/{payout_id:str}/paid", status_code=303)
async def paid_from_page(
    payout_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    user = _finance(signed_in_viewer)
    try:
        await payouts.mark_paid(user, payout_id, settings.base_url)
    except DomainError as exc:
        return await _payout_template(
            signed_in_viewer, payout_id, problem=exc.message(), status_code=exc.status_code
        )
    response = Redirect(f"/payouts/{payout_id}", status_code=303)
    return flash.flash(response, "payout-paid", secure=settings.production)
