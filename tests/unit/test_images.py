"""Upload normalisation: accepted formats and conversions, every rejection with its code."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageCms

from core.images import ImageRejected, normalise_upload
from core.settings import Settings
from tests.factories import (
    encode,
    jpeg_with_gps,
    photo_bytes,
    png_header_only,
    room_photo,
    rotated_jpeg_with_gps,
)


@pytest.fixture
def cfg(tmp_path) -> Settings:
    return Settings(_env_file=None, min_upload_side_px=32, local_storage_dir=tmp_path)


def noise(width: int, height: int) -> Image.Image:
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 255, (height, width, 3), dtype=np.uint8))


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert image.mode == "RGB"
    return image


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepts_jpeg_png_webp(cfg, fmt):
    out = normalise_upload(photo_bytes(fmt), cfg)
    image = decoded(out.data)
    assert (out.width, out.height) == image.size == (96, 64)
    # The floor colour survives re-encoding.
    assert np.abs(np.array(image.getpixel((10, 60))) - (150, 111, 72)).max() < 20


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (photo_bytes("GIF"), "unsupported_format"),
        (photo_bytes("BMP"), "unsupported_format"),
        (b"just some text, named photo.jpg\n" * 10, "unsupported_format"),
        (photo_bytes("JPEG")[:600], "corrupt_image"),
        (photo_bytes("PNG")[:200], "corrupt_image"),
        (png_header_only(10_000, 10_000), "too_many_pixels"),
        (png_header_only(100_000, 100_000), "too_many_pixels"),
        (photo_bytes("PNG", 40, 20), "too_small"),
        (b"", "empty_upload"),
    ],
    ids=["gif", "bmp", "text", "cut-jpeg", "cut-png", "10kx10k", "bomb", "small", "empty"],
)
def test_rejects(cfg, data, code):
    with pytest.raises(ImageRejected) as info:
        normalise_upload(data, cfg)
    assert info.value.code == code
    assert 400 <= info.value.status < 500
    assert info.value.message


def test_rejects_oversize_bytes_before_decoding(cfg):
    small = cfg.model_copy(update={"max_upload_bytes": 2048})
    with pytest.raises(ImageRejected) as info:
        normalise_upload(encode(noise(200, 200), "PNG"), small)
    assert (info.value.code, info.value.status) == ("too_large", 413)


def test_cmyk_jpeg_converted_to_rgb(cfg):
    cmyk = room_photo().convert("CMYK")
    out = normalise_upload(encode(cmyk, "JPEG"), cfg)
    pixel = np.array(decoded(out.data).getpixel((10, 60)))
    assert np.abs(pixel - (150, 111, 72)).max() < 25


def test_icc_profile_applied_and_dropped(cfg):
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = normalise_upload(encode(room_photo(), "JPEG", icc_profile=srgb), cfg)
    assert "icc_profile" not in Image.open(io.BytesIO(out.data)).info
    # A profile that cannot convert RGB pixels is dropped, the photo still accepted.
    out = normalise_upload(encode(room_photo(), "JPEG", icc_profile=profile), cfg)
    assert decoded(out.data).size == (96, 64)


def test_sixteen_bit_png_scaled_not_clipped(cfg):
    grey = Image.fromarray(np.full((64, 96), 32768, dtype=np.uint16))
    assert grey.mode.startswith("I")
    out = normalise_upload(encode(grey, "PNG"), cfg)
    value = decoded(out.data).getpixel((5, 5))
    assert all(abs(channel - 127) <= 2 for channel in value)


def test_palette_png_transparency_composited_on_white(cfg):
    image = Image.new("P", (96, 64), 0)
    image.putpalette([0, 0, 0, 200, 10, 10] + [0] * 762)
    image.paste(1, (0, 0, 48, 64))
    out = normalise_upload(encode(image, "PNG", transparency=0), cfg)
    result = decoded(out.data)
    assert np.abs(np.array(result.getpixel((80, 30))) - (255, 255, 255)).max() < 6
    assert np.abs(np.array(result.getpixel((10, 30))) - (200, 10, 10)).max() < 20


def test_rgba_png_composited_on_white(cfg):
    image = Image.new("RGBA", (96, 64), (10, 200, 10, 0))
    out = normalise_upload(encode(image, "PNG"), cfg)
    assert np.abs(np.array(decoded(out.data).getpixel((50, 30))) - 255).max() < 6


def test_exif_rotation_applied_and_metadata_stripped(cfg):
    data = rotated_jpeg_with_gps(96, 64)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)
    out = normalise_upload(data, cfg)
    result = decoded(out.data)
    assert (out.width, out.height) == result.size == (64, 96)
    exif = result.getexif()
    assert not exif.get_ifd(0x8825)
    assert 0x0112 not in exif and 0x010F not in exif
    assert b"TestCam" not in out.data
    # Rotated 90° clockwise: the floor (bottom of the stored image) is now on the left.
    assert np.abs(np.array(result.getpixel((5, 48))) - (150, 111, 72)).max() < 25


@pytest.mark.parametrize("size", [(65_501, 32), (32, 65_501), (70_000, 40)])
def test_a_side_longer_than_a_jpeg_allows_is_refused_from_the_header(cfg, size):
    data = encode(Image.new("RGB", size, (200, 180, 160)), "PNG")
    with pytest.raises(ImageRejected) as refused:
        normalise_upload(data, cfg)
    assert (refused.value.code, refused.value.status) == ("too_wide", 422)
    assert "65,500" in refused.value.message


def test_the_longest_side_a_jpeg_allows_is_accepted(cfg):
    out = normalise_upload(encode(Image.new("RGB", (65_500, 32), (200, 180, 160)), "PNG"), cfg)
    assert (out.width, out.height) == (65_500, 32)


def test_an_upright_srgb_jpeg_is_kept_bit_exact_without_its_metadata(cfg):
    data = jpeg_with_gps(96, 64)
    assert b"TestCam" in data
    out = normalise_upload(data, cfg)
    assert b"TestCam" not in out.data and b"Exif" not in out.data
    assert len(out.data) < len(data)
    original, kept = Image.open(io.BytesIO(data)), decoded(out.data)
    assert kept.tobytes() == original.tobytes()  # the very same pixels: no re-encode
    assert not kept.getexif()
    assert out.data.endswith(data[-100:])  # the scans are the uploaded bytes


def test_an_srgb_profile_is_cut_and_the_pixels_kept(cfg):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(room_photo(), "JPEG", icc_profile=srgb, comment=b"shot on a phone")
    out = normalise_upload(data, cfg)
    assert b"shot on a phone" not in out.data
    assert decoded(out.data).tobytes() == Image.open(io.BytesIO(data)).tobytes()


def test_a_truncated_upright_jpeg_is_still_refused(cfg):
    data = encode(room_photo(400, 300), "JPEG")
    with pytest.raises(ImageRejected) as caught:
        normalise_upload(data[: len(data) * 2 // 3], cfg)
    assert caught.value.code == "corrupt_image"


MOTION_VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"\xff\xd9\xff\xe1private video frames" * 500


def _zip_bytes() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("secret.txt", "the owner's private notes " * 50)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "photo",
    [
        jpeg_with_gps(96, 64),
        encode(room_photo(200, 150), "JPEG", progressive=True, optimize=True),
        encode(room_photo(200, 150), "JPEG", restart_marker_blocks=1),
        encode(noise(96, 64), "JPEG", quality=100),  # entropy data full of 0xFF 0x00 pairs
    ],
    ids=["exif", "progressive", "restart-markers", "stuffed-bytes"],
)
@pytest.mark.parametrize("trailer", [MOTION_VIDEO, _zip_bytes()], ids=["motion-photo", "zip"])
def test_nothing_after_a_jpegs_end_is_kept(cfg, photo, trailer):
    out = normalise_upload(photo + trailer, cfg)
    assert out.data.endswith(b"\xff\xd9")
    assert (
        b"ftypmp42" not in out.data and b"private" not in out.data and b"secret.txt" not in out.data
    )
    assert decoded(out.data).tobytes() == Image.open(io.BytesIO(photo)).tobytes()


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_nothing_after_a_png_or_webps_end_is_kept(cfg, fmt):
    out = normalise_upload(encode(room_photo(), fmt) + MOTION_VIDEO + _zip_bytes(), cfg)
    assert b"private" not in out.data and b"secret" not in out.data
    assert out.data.endswith(b"\xff\xd9")


def _segments(data: bytes) -> list[tuple[int, int]]:
    """(offset, marker) of each segment before the first scan."""
    found, i = [], 2
    while data[i + 1] != 0xDA:
        found.append((i, data[i + 1]))
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return found


@pytest.mark.parametrize("delta", [-2, -1, 1, 2, 0x7000])
@pytest.mark.parametrize("marker", [0xE0, 0xE1, 0xDB, 0xC4])
def test_a_segment_whose_length_is_off_is_refused_never_a_500(cfg, marker, delta):
    data = bytearray(jpeg_with_gps(96, 64))
    offset = next(i for i, found in _segments(bytes(data)) if found == marker)
    length = int.from_bytes(data[offset + 2 : offset + 4], "big")
    data[offset + 2 : offset + 4] = max(0, min(0xFFFF, length + delta)).to_bytes(2, "big")
    try:
        out = normalise_upload(bytes(data), cfg)
    except ImageRejected as rejected:
        assert rejected.status in (415, 422), rejected
    else:
        decoded(out.data).load()  # accepted only as a photo that decodes
