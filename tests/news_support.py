"""Helpers for the news tests: held gatherings, images and PDFs made on the spot."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from typing import Any

from PIL import Image

from service.accounts import service as accounts
from service.gatherings import service as gatherings
from service.gatherings.schemas import GatheringIn
from service.lib.clock import OSLO, moved_to, now

NETWORK = "agder-rogaland"  # the `coordinator` actor's


async def user_of(actor: Any) -> Any:
    return await accounts.load_user(actor.id)


async def held_gathering(actor: Any, title: str = "", days_ago: int = 14) -> str:
    """A published gathering of agder-rogaland that took place `days_ago` days ago."""
    user = await user_of(actor)
    day = (now() - timedelta(days=days_ago)).astimezone(OSLO).date().isoformat()
    body = {
        "network": NETWORK,
        "title": title or f"Nettverkssamling {uuid.uuid4().hex[:6]}",
        "starts_at": f"{day}T10:00",
        "ends_at": f"{day}T15:00",
        "capacity": 30,
    }
    with moved_to(now() - timedelta(days=days_ago + 30)):
        g = await gatherings.create(user, GatheringIn(**body), "http://testserver")
        await gatherings.publish(user, g.id, "http://testserver")
    return g.id


async def future_gathering(actor: Any) -> str:
    user = await user_of(actor)
    body = {
        "network": NETWORK,
        "title": "Framtidig samling",
        "starts_at": "2031-05-06T10:00",
        "ends_at": "2031-05-06T16:00",
        "capacity": 10,
    }
    g = await gatherings.create(user, GatheringIn(**body), "http://testserver")
    await gatherings.publish(user, g.id, "http://testserver")
    return g.id


def jpeg(size: tuple[int, int] = (800, 600), gps: bool = False, orientation: int = 1) -> bytes:
    image = Image.new("RGB", size, (30, 90, 160))
    exif = Image.Exif()
    exif[0x010F] = "Testkamera AS"  # Make
    exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (58.0, 8.0, 30.0), 3: "E", 4: (8.0, 46.0, 12.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def png(alpha: bool = False, size: tuple[int, int] = (300, 200)) -> bytes:
    image = Image.new("RGBA" if alpha else "RGB", size, (200, 40, 40, 128) if alpha else "red")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def heic(size: tuple[int, int] = (640, 480)) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 60)).save(out, format="HEIF")
    return out.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
