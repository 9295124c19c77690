"""Brokerage logos: a JPEG, PNG or WebP upload checked and stored as a small PNG (transparency
kept), sized for a page header and a video's corner badge."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import Invalid

MAX_LOGO_BYTES = 2 * 1024 * 1024
MAX_LOGO_PIXELS = 25_000_000
LOGO_BOX = (600, 200)
"""The stored logo fits in this box (width, height)."""
FORMATS = ("JPEG", "PNG", "WEBP")


def normalise_logo(data: bytes) -> bytes:
    """The logo as a PNG that fits LOGO_BOX, without metadata; Invalid (field logo) if not."""
    if not data:
        raise Invalid("the logo file is empty", field="logo")
    if len(data) > MAX_LOGO_BYTES:
        raise Invalid(f"the logo must be at most {MAX_LOGO_BYTES // 2**20} MB", field="logo")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=FORMATS) as image:
                if image.width * image.height > MAX_LOGO_PIXELS:
                    raise Invalid("the logo has too many pixels; export it smaller", field="logo")
                logo = ImageOps.exif_transpose(image).convert("RGBA")
        except UnidentifiedImageError as exc:
            raise Invalid("the logo must be a JPEG, PNG or WebP image", field="logo") from exc
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise Invalid("the logo has too many pixels; export it smaller", field="logo") from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise Invalid(f"the logo could not be read: {exc}", field="logo") from exc
    logo.thumbnail(LOGO_BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    logo.save(out, "PNG", optimize=True)
    return out.getvalue()
