"""Photos for posts: sniffed by their bytes (JPEG, PNG, HEIC/HEIF; never by the name or
the type the browser claims), turned the right way up (EXIF orientation), made at most
1600 px on the long side and encoded anew, so no EXIF, GPS or XMP survives. A PNG with
transparency stays PNG; everything else becomes JPEG."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageOps

from service.lib.errors import Invalid

pillow_heif.register_heif_opener()

MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 60_000_000  # a 60-megapixel photo; more is a decompression bomb
LONG_SIDE = 1600
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"heif"}


@dataclass(frozen=True)
class Photo:
    body: bytes
    content_type: str
    width: int
    height: int


def sniff(body: bytes) -> str | None:
    """The image kind the first bytes say: jpeg, png, heif, or None."""
    if body.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if body.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if body[4:8] == b"ftyp" and body[8:12] in HEIF_BRANDS:
        return "heif"
    return None


def process(body: bytes | None, field: str = "file") -> Photo:
    """The photo, cleaned and resized; Invalid (on `field`) for anything else."""
    if body is None:
        raise Invalid("Send the photo as the multipart field `file`", field=field)
    if not body:
        raise Invalid("The file is empty", field=field)
    if len(body) > MAX_BYTES:
        raise Invalid("A photo may be at most 20 MB", field=field)
    kind = sniff(body)
    if kind is None:
        raise Invalid("A photo must be a JPEG, PNG or HEIC file", field=field)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(body))
            width, height = opened.size
            if width * height > MAX_PIXELS or width > 30000 or height > 30000:
                raise Invalid("The photo is too large to open (at most 60 megapixels)", field=field)
            opened.load()
            image: Image.Image = ImageOps.exif_transpose(opened) or opened
    except Invalid:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Invalid(
            "The photo is too large to open (at most 60 megapixels)", field=field
        ) from exc
    except Exception as exc:  # Pillow's many ways of saying "not an image I can read"
        raise Invalid("The file could not be read as a photo", field=field) from exc
    keep_png = kind == "png" and _has_alpha(image)
    if keep_png:
        image = image.convert("RGBA")
    elif image.mode != "RGB":
        image = _flatten(image)
    image.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
    image.info = {}  # nothing of the original's metadata goes into the new file
    out = io.BytesIO()
    if keep_png:
        image.save(out, format="PNG", optimize=True)
        content_type = "image/png"
    else:
        image.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
        content_type = "image/jpeg"
    return Photo(out.getvalue(), content_type, image.width, image.height)


def _has_alpha(image: Image.Image) -> bool:
    if image.mode in ("RGBA", "LA", "PA"):
        low = image.getchannel("A").getextrema()[0]
        return isinstance(low, (int, float)) and low < 255
    return image.mode == "P" and "transparency" in image.info


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on a white background (transparency, palettes, greyscale, CMYK)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
