"""Personal feed URLs: made on first use, and reset on request (the old URL then answers 404).

The secret in a URL is an HMAC of the server secret, the token row and the user, so only
its hash is stored. The API (`/api/v1/me/calendar`) and the page `/me/calendar` both call
`my_feed` and `reset_feed`.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Any
from urllib.parse import urlsplit

from service.accounts.identity import CurrentUser
from service.accounts.secrets import hash_secret
from service.db.tables import CalendarToken
from service.db.tx import atomic
from service.lib.audit import record
from service.lib.clock import now
from service.settings import Settings


def feed_secret(settings: Settings, row_id: int, user_id: int) -> str:
    """Reproducible from the server's secret, so only its hash needs storing."""
    mac = hmac.new(
        settings.secret_key.encode(), f"calendar-feed:{row_id}:{user_id}".encode(), hashlib.sha256
    )
    return mac.hexdigest()


def feed_urls(settings: Settings, secret: str) -> dict[str, str]:
    url = f"{settings.base_url}/calendar/feed/{secret}.ics"
    parts = urlsplit(url)
    return {"url": url, "webcal_url": "webcal://" + parts.netloc + parts.path}


async def _active_row(user_id: int) -> dict[str, Any] | None:
    return (
        await CalendarToken.select()
        .where((CalendarToken.user == user_id) & CalendarToken.revoked_at.is_null())
        .first()
    )


async def _new_row(user_id: int, settings: Settings) -> str:
    # The secret depends on the row id, so the row is made first with a placeholder.
    rows = await CalendarToken.insert(
        CalendarToken(user=user_id, token_hash="pending-" + uuid.uuid4().hex)
    )
    row_id = int(rows[0]["id"])
    secret = feed_secret(settings, row_id, user_id)
    await CalendarToken.update({CalendarToken.token_hash: hash_secret(secret)}).where(
        CalendarToken.id == row_id
    )
    return secret


async def my_feed(user: CurrentUser, settings: Settings) -> dict[str, str]:
    """`{url, webcal_url}` of the user's personal feed, made on first use."""
    async with atomic():
        row = await _active_row(user.id)
        if row is None:
            secret = await _new_row(user.id, settings)
        else:
            secret = feed_secret(settings, row["id"], user.id)
            if hash_secret(secret) != row["token_hash"]:  # the server secret changed
                await CalendarToken.update({CalendarToken.revoked_at: now()}).where(
                    CalendarToken.id == row["id"]
                )
                secret = await _new_row(user.id, settings)
    return feed_urls(settings, secret)


async def reset_feed(user: CurrentUser, settings: Settings) -> dict[str, str]:
    """A new personal feed URL; the old one answers 404 from now on."""
    async with atomic():
        await CalendarToken.update({CalendarToken.revoked_at: now()}).where(
            (CalendarToken.user == user.id) & CalendarToken.revoked_at.is_null()
        )
        secret = await _new_row(user.id, settings)
        await record(user.email, "calendar.reset", "user", user.id)
    return feed_urls(settings, secret)
