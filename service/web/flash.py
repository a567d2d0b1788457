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
