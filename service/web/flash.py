"""One-shot status messages after a form post (post → 303 → page shows it once).

The POST sets a cookie holding a message *code*; the next page maps the code to a text
from the catalogs and clears the cookie. Unknown codes show nothing, so nobody can put
words on our pages through a link or a cookie.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.datastructures import Cookie

from service.lib.i18n import N_, gettext

FLASH_COOKIE = "samling_flash"
MESSAGES = {
    "registered": N_("You are registered. You have a place."),
    "waitlisted": N_("You are registered on the waiting list."),
    "cancelled": N_("Your registration is cancelled."),
    "saved": N_("Saved."),
    "calendar-reset": N_("You have a new calendar link. The old link no longer works."),
    # claims, review, payouts
    "claim-saved": N_("The claim is saved as a draft. Attach receipts and submit it."),
    "claim-submitted": N_("The claim is submitted."),
    "receipt-added": N_("The receipt is attached."),
    "claim-attested": N_("The claim is attested."),
    "claim-approved": N_("The claim is approved."),
    "claim-returned": N_("The claim is returned to the claimant."),
    "claim-rejected": N_("The claim is rejected."),
    "payout-made": N_("The payout is made: download the bank file and pay it."),
    "payout-paid": N_("The payout is marked as paid."),
    # the admin's workspace
    "user-created": N_("The user is added. They sign in with a link mailed to their address."),
    "roles-saved": N_("The roles are saved."),
    "user-deactivated": N_("The account is deactivated. The person can no longer sign in."),
    "user-reactivated": N_("The account is active. The person can sign in again."),
    "account-proposed": N_(
        "The new bank account is entered. Another finance officer or administrator confirms it."
    ),
    "account-confirmed": N_("The bank account is confirmed. Claims are paid to it from now on."),
    "account-discarded": N_("The new bank account is discarded. The confirmed one stays."),
    "mail-retried": N_("The mail is on its way again."),
    # the coordinator's workspace
    "gathering-created": N_("The gathering is saved as a draft. Publish it when it is ready."),
    "gathering-saved": N_("The gathering is saved."),
    "gathering-notified": N_("The gathering is saved, and the participants are told."),
    "gathering-published": N_("The gathering is published."),
    "gathering-cancelled": N_("The gathering is cancelled, and the participants are told."),
    "attendance-saved": N_("Attendance is saved."),
    "member-added": N_("The municipality is a member of the network."),
    "member-withdrawn": N_("The municipality is no longer a member of the network."),
    "signup-approved": N_("The account is approved. The person is told by mail."),
    # reports and news (service.web.news_pages)
    "post-created": N_("The draft is saved. Add photos and attachments, then publish it."),
    "post-saved": N_("The post is saved."),
    "post-published": N_("The post is published."),
    "post-unpublished": N_("The post is a draft again; only the network's coordinators see it."),
    "post-deleted": N_("The draft is deleted."),
    "photo-added": N_("The photo is added."),
    "photo-removed": N_("The photo is removed."),
    "attachment-added": N_("The attachment is added."),
    "attachment-removed": N_("The attachment is removed."),
    # network documents (service.web.document_pages)
    "document-added": N_("The document is added."),
    "version-added": N_("The new version is uploaded. It is now the current one."),
    "document-saved": N_("The document is saved."),
}


def flash(response: Response[Any], code: str, *, secure: bool = False) -> Response[Any]:
    """Remember `code` for the next page this browser opens."""
    response.set_cookie(
        FLASH_COOKIE, code, max_age=120, path="/", samesite="lax", httponly=True, secure=secure
    )
    return response


def take(request: Request[Any, Any, Any]) -> tuple[str, list[Cookie]]:
    """The message for this page ("" if none) and the cookies that clear it."""
    code = request.cookies.get(FLASH_COOKIE)
    if not code:
        return "", []
    clear = Cookie(key=FLASH_COOKIE, value="", max_age=0, path="/", samesite="lax", httponly=True)
    return (gettext(MESSAGES[code]) if code in MESSAGES else ""), [clear]
