"""Upload validation: decode, check limits, orient, strip metadata, normalise to sRGB JPEG.

An upright RGB JPEG in sRGB needs no pixel change: its metadata, and whatever follows its end, is
cut out losslessly, which keeps the agent's photo bit-exact and costs a fraction of a re-encode.
Every other photo is re-encoded, which keeps nothing but its pixels.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from core.errors import ServiceError
from core.settings import Settings

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
WHITE = (255, 255, 255)
# The longest side a JPEG can have (libjpeg's limit is 65,500 px), so the re-encode cannot fail.
MAX_SIDE_PX = 65_500
_SRGB = ImageCms.createProfile("sRGB")
EXIF_ORIENTATION = 0x0112
SOS, EOI, COM, APP1, APP15 = 0xDA, 0xD9, 0xFE, 0xE1, 0xEF
# The marker after a scan's entropy-coded data: 0xFF followed by neither a stuffed zero, a restart
# marker (RST0-RST7) nor another fill byte.
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


class ImageRejected(ServiceError):
    """An upload that is not an acceptable photo; `code` says why."""

    STATUS_BY_CODE = {
        "too_large": 413,
        "too_many_pixels": 413,
        "unsupported_format": 415,
        "corrupt_image": 422,
        "too_small": 422,
        "too_wide": 422,
        "empty_upload": 422,
    }

    def __init__(self, code: str, message: str, *, field: str = "photo") -> None:
        super().__init__(message, code=code, field=field)
        self.status = self.STATUS_BY_CODE[code]


@dataclass(frozen=True)
class NormalisedImage:
    """An accepted photo: baseline sRGB JPEG without metadata, upright."""

    data: bytes
    width: int
    height: int


def normalise_upload(data: bytes, settings: Settings) -> NormalisedImage:
    """Validate an uploaded photo and re-encode it; raises ImageRejected."""
    if not data:
        raise ImageRejected("empty_upload", "the photo is empty (0 bytes)")
    if len(data) > settings.max_upload_bytes:
        raise ImageRejected(
            "too_large",
            f"the photo is larger than {settings.max_upload_bytes // (1024 * 1024)} MB; "
            "export it at a smaller size",
        )
    image = _open(data, settings)
    if _usable_as_is(image):
        width, height = image.size
        # Decoding at 1/8 scale still reads every scan, so a corrupt or truncated photo is
        # refused as before, for a fraction of a full decode; the pixels themselves are kept.
        image.draft("RGB", (width // 8, height // 8))
        _load(image, settings)
        try:
            return NormalisedImage(strip_jpeg_metadata(data), width, height)
        except ValueError as exc:
            raise ImageRejected(
                "corrupt_image", f"the photo's structure is damaged ({exc}); export it again"
            ) from exc
    _load(image, settings)
    image = _to_rgb(ImageOps.exif_transpose(image))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=settings.jpeg_quality)
    return NormalisedImage(buffer.getvalue(), image.width, image.height)


def _usable_as_is(image: Image.Image) -> bool:
    """A JPEG that needs no rotation and no colour conversion."""
    if image.format != "JPEG" or image.mode != "RGB":
        return False
    if image.getexif().get(EXIF_ORIENTATION, 1) != 1:
        return False
    icc = image.info.get("icc_profile")
    if not icc:
        return True
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return "srgb" in ImageCms.getProfileDescription(profile).lower()
    except (ImageCms.PyCMSError, OSError, ValueError):
        return False


def strip_jpeg_metadata(data: bytes) -> bytes:
    """The JPEG without its APP1-APP15 segments (EXIF, XMP, ICC, …), its comments and anything
    after its end marker (a motion photo's video, an appended archive); ValueError when its
    segments do not chain.

    Multi-picture files (MPO, images appended after the first) never get here: Pillow reports
    them as MPO, and they are re-encoded.
    """
    out, i = [data[:2]], 2
    while True:
        if i + 2 > len(data) or data[i] != 0xFF:
            raise ValueError(f"no JPEG marker at byte {i}")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
            continue
        if marker == EOI:
            out.append(data[i : i + 2])
            return b"".join(out)
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        end = i + 2 + length
        if length < 2 or end > len(data):
            raise ValueError(f"the segment at byte {i} runs past the end of the file")
        if marker == SOS:  # a scan: its entropy-coded data runs to the next marker
            found = _NEXT_MARKER.search(data, end)
            if found is None:  # no end marker: the scan ends with the file
                out += [data[i:], b"\xff\xd9"]
                return b"".join(out)
            out.append(data[i : found.start()])
            i = found.start()
            continue
        if not (APP1 <= marker <= APP15 or marker == COM):
            out.append(data[i:end])
        i = end


def _open(data: bytes, settings: Settings) -> Image.Image:
    """Read the header and check its dimensions, so a decompression bomb is never decoded."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
        except UnidentifiedImageError as exc:
            raise ImageRejected(
                "unsupported_format", "the photo must be a JPEG, PNG or WebP image"
            ) from exc
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_many_pixels(settings) from exc
        except (OSError, SyntaxError, ValueError) as exc:
            raise ImageRejected("corrupt_image", f"the photo could not be read: {exc}") from exc
        width, height = image.size
        if width * height > settings.max_upload_pixels:
            raise _too_many_pixels(settings)
        if max(width, height) > MAX_SIDE_PX:
            raise ImageRejected(
                "too_wide",
                f"the photo is {width}x{height} pixels; no side may be longer than "
                f"{MAX_SIDE_PX:,} pixels",
            )
        if min(width, height) < settings.min_upload_side_px:
            raise ImageRejected(
                "too_small",
                f"the photo is {width}x{height} pixels; its shorter side must be at least "
                f"{settings.min_upload_side_px} pixels",
            )
    return image


def _load(image: Image.Image, settings: Settings) -> None:
    """Decode the pixels: a truncated or corrupt photo is refused here."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_many_pixels(settings) from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ImageRejected(
                "corrupt_image", f"the photo is truncated or corrupt: {exc}"
            ) from exc


def _too_many_pixels(settings: Settings) -> ImageRejected:
    return ImageRejected(
        "too_many_pixels",
        f"the photo has more than {settings.max_upload_pixels / 1e6:g} megapixels; "
        "export it at a smaller size",
    )


def _to_rgb(image: Image.Image) -> Image.Image:
    """8-bit RGB in sRGB: alpha composited on white, ICC profiles applied, 16-bit scaled."""
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
            if converted is not None:  # None only when converting in place
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unreadable profile is dropped; the pixels are kept as they are
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        pixels = np.asarray(image, dtype=np.float64)
        image = Image.fromarray(np.clip(pixels / 257.0, 0, 255).astype(np.uint8), "L")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, WHITE)
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
