"""The admin's operations pages: importing SSB's municipality classification
(/admin/import), mail that failed or waits to be tried again (/admin/mail), and the
audit log (/admin/audit).

The import runs the same all-or-nothing importer as `samling import municipalities`
(service.networks.importer): a file with problems imports nothing, and the page lists
each problem with its line; a good file's summary (what was added and renamed) is shown
on the page that answers the upload (importing the same file again changes nothing).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie, UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from service.lib import audit
from service.lib.errors import DomainError, NotFound
from service.lib.i18n import gettext
from service.networks.importer import ImportError_, ImportResult, import_municipalities
from service.outbox import service as outbox
from service.settings import Settings
from service.web import flash
from service.web.admin_common import query_int, query_text, require_admin, sections
from service.web.viewer import Viewer

MAX_UPLOAD = 5 * 1024 * 1024  # SSB's whole classification is about 20 kB
AUDIT_PAGE = 50

# --- import ---------------------------------------------------------------------------


def _import_template(
    viewer: Viewer,
    *,
    problems: Sequence[str] = (),
    result: ImportResult | None = None,
    filename: str = "",
    status_code: int = 200,
) -> Template:
    return Template(
        "admin/import.html",
        context={
            "viewer": viewer,
            "sections": sections(viewer),
            "notice": "",
            "problems": list(problems),
            "result": result,
            "filename": filename,
        },
        status_code=status_code,
    )


@get("/admin/import")
async def import_page(signed_in_viewer: NamedDependency[Viewer]) -> Template:
    require_admin(signed_in_viewer)
    return _import_template(signed_in_viewer)


@post("/admin/import", status_code=200)
async def import_upload(
    request: Request[Any, Any, Any], signed_in_viewer: NamedDependency[Viewer]
) -> Template:
    actor = require_admin(signed_in_viewer)
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _import_template(
            signed_in_viewer,
            problems=[gettext("Choose the file to import.")],
            status_code=400,
        )
    filename = upload.filename[-200:]
    raw = await upload.read(MAX_UPLOAD + 1)
    if len(raw) > MAX_UPLOAD:
        return _import_template(
            signed_in_viewer,
            problems=[gettext("The file is larger than 5 MB; it is not SSB's classification.")],
            filename=filename,
            status_code=413,
        )
    try:
        result = await import_municipalities(raw, filename, actor.email)
    except ImportError_ as exc:
        problems = [p.message() for p in exc.problems]
        if exc.more:
            problems.append(gettext("… and {count} more.").format(count=exc.more))
        return _import_template(
            signed_in_viewer, problems=problems, filename=filename, status_code=422
        )
    return _import_template(signed_in_viewer, result=result, filename=filename)


# --- mail -----------------------------------------------------------------------------


async def _mail_template(
    viewer: Viewer,
    *,
    problem: str = "",
    status_code: int = 200,
    notice: str = "",
    cookies: Sequence[Cookie] = (),
) -> Template:
    require_admin(viewer)
    return Template(
        "admin/mail.html",
        context={
            "viewer": viewer,
            "sections": sections(viewer),
            "notice": notice,
            "problem": problem,
            "failed": await outbox.list_messages("failed", 200),
            "retrying": await outbox.list_messages("retrying", 200),
            "counts": await outbox.status_counts(),
        },
        status_code=status_code,
        cookies=list(cookies),
    )


@get("/admin/mail")
async def mail_page(
    request: Request[Any, Any, Any], signed_in_viewer: NamedDependency[Viewer]
) -> Template:
    notice, cookies = flash.take(request)
    return await _mail_template(signed_in_viewer, notice=notice, cookies=cookies)


@post("/admin/mail/{outbox_id:str}/retry", status_code=303)
async def retry_mail(
    request: Request[Any, Any, Any],
    outbox_id: FromPath[str],
    signed_in_viewer: NamedDependency[Viewer],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    actor = require_admin(signed_in_viewer)
    if not outbox_id.isdigit() or len(outbox_id) > 18:
        raise NotFound("No outbox message {id}", params={"id": outbox_id})
    rid = request.scope.get("state", {}).get("request_id")
    try:
        row = await outbox.get_message(int(outbox_id))
        if row["status"] == "retrying":  # fixed already: no need to wait for the backoff
            await outbox.send_now(int(outbox_id), actor.email, rid)
        else:
            await outbox.retry_failed(int(outbox_id), actor.email, rid)
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        return await _mail_template(
            signed_in_viewer, problem=exc.message(), status_code=exc.status_code
        )
    response = Redirect("/admin/mail", status_code=303)
    return flash.flash(response, "mail-retried", secure=settings.production)


# --- the audit log ----------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    key: str
    before: str
    after: str


def _shown(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def changes(before: Any, after: Any) -> list[Change]:
    """What an event changed, key by key (a value that is not a mapping is one line)."""
    b = before if isinstance(before, dict) else ({} if before is None else {"": before})
    a = after if isinstance(after, dict) else ({} if after is None else {"": after})
    keys = list(dict.fromkeys([*b, *a]))
    return [Change(k, _shown(b[k]) if k in b else "", _shown(a[k]) if k in a else "") for k in keys]


def object_href(object_type: str, object_id: str) -> str:
    """Where the object of an event is shown, if it has a page."""
    if object_type == "user" and object_id.isdigit():
        return f"/admin/users/{object_id}"
    if object_type == "municipality" and object_id.isdigit():
        return f"/admin/municipalities/{object_id}"
    if object_type == "network":
        return "/admin/networks"
    if object_type == "claim" and object_id.isdigit():
        return f"/claims/{object_id}"
    if object_type == "gathering" and object_id.isdigit():
        return f"/gatherings/{object_id}"
    return ""


def _day(request: Request[Any, Any, Any], name: str, errors: dict[str, str]) -> date | None:
    value = query_text(request, name, 20)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = gettext("Write the date as YYYY-MM-DD, such as 2027-03-11.")
        return None


FILTERS = ("object_type", "object_id", "actor", "from", "to")


@get("/admin/audit")
async def audit_page(
    request: Request[Any, Any, Any], signed_in_viewer: NamedDependency[Viewer]
) -> Template:
    require_admin(signed_in_viewer)
    values = {k: query_text(request, k, 254) for k in FILTERS}
    errors: dict[str, str] = {}
    first, last = _day(request, "from", errors), _day(request, "to", errors)
    if first and last and last < first:
        errors["to"] = gettext("The last day comes before the first day.")
    found = audit.AuditPage([], None, None)
    if not errors:
        found = await audit.search(
            audit.AuditFilter(
                object_type=values["object_type"],
                object_id=values["object_id"],
                actor=values["actor"],
                date_from=first,
                date_to=last,
            ),
            before=query_int(request, "before"),
            after=query_int(request, "after"),
            limit=AUDIT_PAGE,
        )
    kept = {k: v for k, v in values.items() if v}

    def href(**cursor: int) -> str:
        return "/admin/audit?" + urlencode({**kept, **{k: str(v) for k, v in cursor.items()}})

    return Template(
        "admin/audit.html",
        context={
            "viewer": signed_in_viewer,
            "sections": sections(signed_in_viewer),
            "notice": "",
            "values": values,
            "errors": errors,
            "filtered": bool(kept),
            "types": await audit.object_types(),
            "events": found.events,
            "changes": changes,
            "object_href": object_href,
            "older_href": href(before=found.older) if found.older else "",
            "newer_href": href(after=found.newer) if found.newer else "",
        },
        status_code=400 if errors else 200,
    )


PAGES: list[Any] = [import_page, import_upload, mail_page, retry_mail, audit_page]
