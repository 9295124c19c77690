"""Brokerage logos: what is accepted, how it is stored, and each refusal in words."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from core.errors import Invalid
from core.logos import LOGO_BOX, MAX_LOGO_BYTES, normalise_logo
from tests.factories import encode, jpeg_with_gps, png_header_only

TRUNCATED = encode(Image.effect_noise((300, 200), 60).convert("RGB"), "PNG")[:3000]


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_a_transparent_png_keeps_its_transparency_and_fits_the_box():
    logo = Image.new("RGBA", (2400, 400), (0, 0, 0, 0))
    logo.paste((10, 90, 200, 255), (200, 100, 2200, 300))
    stored = _open(normalise_logo(encode(logo, "PNG")))
    assert stored.format == "PNG" and stored.mode == "RGBA"
    assert stored.size == (600, 100)
    assert stored.getpixel((0, 0))[3] == 0 and stored.getpixel((300, 50))[3] == 255


def test_a_small_jpeg_is_kept_at_its_size_upright_and_without_metadata():
    stored = _open(normalise_logo(jpeg_with_gps(120, 80, orientation=6)))
    assert stored.size == (80, 120)  # turned as its EXIF tag says
    assert stored.size[0] <= LOGO_BOX[0] and not stored.info.get("exif")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"GIF89a" + b"\0" * 100, "JPEG, PNG or WebP"),
        (TRUNCATED, "could not be read"),
        (png_header_only(8000, 8000), "too many pixels"),
        (b"\xff" * (MAX_LOGO_BYTES + 1), "at most 2 MB"),
    ],
    ids=["empty", "gif", "corrupt", "bomb", "too-large"],
)
def test_bad_logos_are_refused_in_words(data, words):
    with pytest.raises(Invalid, match=words) as refused:
        normalise_logo(data)
    assert refused.value.field == "logo"
