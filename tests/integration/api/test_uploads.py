"""Every kind of bad upload is refused with a 4xx code, leaving no job and no stored file."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.factories import encode, photo_bytes, png_header_only, room_photo, rotated_jpeg_with_gps
from tests.integration.api.helpers import error_of, submit
from tests.support.stored import job_count, stored_files

REJECTED = [
    ("gif", photo_bytes("GIF"), "room.gif", 415, "unsupported_format"),
    ("bmp", photo_bytes("BMP"), "room.bmp", 415, "unsupported_format"),
    ("text-as-jpg", b"<html>not a photo</html>\n" * 20, "room.jpg", 415, "unsupported_format"),
    ("truncated-jpeg", photo_bytes("JPEG")[:700], "room.jpg", 422, "corrupt_image"),
    ("10000x10000-header", png_header_only(10_000, 10_000), "room.png", 413, "too_many_pixels"),
    ("too-small", photo_bytes("PNG", 24, 24), "room.png", 422, "too_small"),
    ("empty", b"", "room.jpg", 422, "empty_upload"),
]


@pytest.mark.parametrize(
    ("data", "filename", "status", "code"),
    [case[1:] for case in REJECTED],
    ids=[case[0] for case in REJECTED],
)
def test_bad_upload_refused_and_nothing_kept(
    client, agent, style, session_factory, api_settings, data, filename, status, code
):
    response = submit(client, agent.headers, photo=data, filename=filename)
    assert response.status_code == status, response.text
    error = error_of(response)
    assert (error["code"], error["field"]) == (code, "photo")
    assert job_count(session_factory) == 0
    assert stored_files(api_settings) == []


def test_oversize_upload_refused(client, agent, style, session_factory, api_settings):
    client.app.state.settings = api_settings.model_copy(update={"max_upload_bytes": 4096})
    rng = np.random.default_rng(1)
    noisy = Image.fromarray(rng.integers(0, 255, (96, 96, 3), dtype=np.uint8))
    response = submit(client, agent.headers, photo=encode(noisy, "PNG"), filename="big.png")
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"
    assert job_count(session_factory) == 0
    assert stored_files(api_settings) == []


def test_declared_body_over_limit_refused_before_reading(client, agent, style, session_factory):
    limit = client.app.state.settings.max_upload_bytes
    response = client.post(
        "/api/v1/jobs",
        headers={**agent.headers, "Content-Length": str(limit * 2)},
        content=b"x" * 10,
    )
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"
    assert job_count(session_factory) == 0


def stored_input(client, job: dict) -> Image.Image:
    response = client.get(job["input_url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.mode) == ("JPEG", "RGB")
    return image


def test_cmyk_jpeg_accepted_as_rgb(client, agent, style):
    response = submit(client, agent.headers, photo=encode(room_photo().convert("CMYK"), "JPEG"))
    assert response.status_code == 202, response.text
    image = stored_input(client, response.json())
    assert np.abs(np.array(image.getpixel((10, 60))) - (150, 111, 72)).max() < 25


def test_sixteen_bit_png_accepted(client, agent, style):
    grey = Image.fromarray(np.full((64, 96), 65535, dtype=np.uint16))
    response = submit(client, agent.headers, photo=encode(grey, "PNG"), filename="g.png")
    assert response.status_code == 202, response.text
    assert min(stored_input(client, response.json()).getpixel((3, 3))) >= 250


def test_palette_png_with_transparency_on_white(client, agent, style):
    image = Image.new("P", (96, 64), 0)
    image.putpalette([0, 0, 0, 20, 20, 200] + [0] * 762)
    image.paste(1, (0, 0, 40, 64))
    response = submit(client, agent.headers, photo=encode(image, "PNG", transparency=0))
    assert response.status_code == 202, response.text
    stored = stored_input(client, response.json())
    assert min(stored.getpixel((80, 30))) >= 248
    assert stored.getpixel((10, 30))[2] > 150


def test_exif_rotation_applied_and_gps_stripped(client, agent, style):
    response = submit(client, agent.headers, photo=rotated_jpeg_with_gps(96, 64))
    assert response.status_code == 202, response.text
    job = response.json()
    assert (job["input_width"], job["input_height"]) == (64, 96)
    stored = stored_input(client, job)
    assert stored.size == (64, 96)
    assert not stored.getexif().get_ifd(0x8825)
    assert 0x0112 not in stored.getexif()
