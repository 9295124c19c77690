"""Factories for users, styles, jobs and photos, shared by every test."""

from __future__ import annotations

import io
import itertools
import random
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy.orm import Session, sessionmaker

from accounts.models import Role, User
from catalog.models import EditItem, Style
from core.db import transaction, utcnow
from core.settings import Settings
from core.storage import LocalStorage, job_input_key, job_mask_key, job_result_key
from jobs.models import Job, JobState, WorkerRecord

_counter = itertools.count(1)
PASSWORD = "password"
_password_hash: str | None = None  # hashed once: argon2 is slow on purpose


def make_user(session: Session, *, role: Role = Role.AGENT, **fields: Any) -> User:
    from accounts.security import hash_password

    global _password_hash
    if _password_hash is None:
        _password_hash = hash_password(PASSWORD)
    n = next(_counter)
    fields.setdefault("password_hash", _password_hash)
    fields.setdefault("email", f"user{n}@example.com")
    fields.setdefault("name", f"User {n}")
    user = User(role=role, **fields)
    session.add(user)
    session.flush()
    return user


def make_style(session: Session, **fields: Any) -> Style:
    n = next(_counter)
    values: dict[str, Any] = {
        "slug": f"style-{n}",
        "name": f"Style {n}",
        "description": "A test style",
        "prompt": "a {room_type} staged in a test style",
        "negative_prompt": "clutter",
        "palette": ["#d9c7a7", "#6b5b4b", "#2f4f4f"],
        "room_types": ["living_room", "bedroom", "dining_room"],
        "params": {},
        "sort_order": n,
    }
    values.update(fields)
    style = Style(**values)
    session.add(style)
    session.flush()
    return style


def make_item(session: Session, **fields: Any) -> EditItem:
    """An active edit item offered for living rooms and bedrooms."""
    n = next(_counter)
    values: dict[str, Any] = {
        "name": f"Item {n}",
        "room_types": ["living_room", "bedroom"],
        "prompt": f"a test piece number {n}",
        "is_active": True,
    }
    values.update(fields)
    item = EditItem(**values)
    session.add(item)
    session.flush()
    return item


def job_values(user: User, style: Style, **fields: Any) -> dict[str, Any]:
    """The columns of a pending job; `input_key="pending"` means "the job's own key"."""
    values: dict[str, Any] = {
        "user_id": user.id,
        "style_id": style.id,
        "style_snapshot": style.snapshot(),
        "room_type": "living_room",
        "variants": 1,
        "seed": 1234,
        "input_key": "pending",
        "input_width": 64,
        "input_height": 48,
        "state": JobState.PENDING,
    }
    values.update(fields)
    return values


def make_job(session: Session, *, user: User, style: Style, **fields: Any) -> Job:
    job = Job(**job_values(user, style, **fields))
    session.add(job)
    session.flush()
    if job.input_key == "pending":
        job.input_key = job_input_key(job.id)
    return job


def make_worker_record(session: Session, worker_id: str, **fields: Any) -> WorkerRecord:
    """A workers-table row as a preview worker registers it (heartbeat now unless given)."""
    values: dict[str, Any] = {
        "host": "pod-1",
        "pid": 1,
        "generator": "preview",
        "version": "0.1.0",
        **fields,
    }
    values.setdefault("started_at", values.get("last_heartbeat_at") or utcnow())
    record = WorkerRecord(id=worker_id, **values)
    session.add(record)
    session.flush()
    return record


def room_photo(width: int = 96, height: int = 64, *, seed: int = 0) -> Image.Image:
    """A synthetic empty room: ceiling, back wall with a window, and a floor."""
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), (236, 233, 226))
    draw = ImageDraw.Draw(image)
    horizon = int(height * 0.62)
    draw.rectangle([0, horizon, width, height], fill=(150, 111, 72))
    draw.rectangle([0, 0, width, int(height * 0.12)], fill=(250, 250, 250))
    wx = int(width * 0.35)
    window = [wx, int(height * 0.2), wx + width // 4, int(height * 0.5)]
    draw.rectangle(window, fill=(170, 200, 230))
    for _ in range(20):
        x, y = rng.randrange(width), rng.randrange(horizon, height)
        draw.point((x, y), fill=(140, 100, 66))
    return image


def patio_photo(width: int = 96, height: int = 64) -> Image.Image:
    """An outdoor shot: blue sky above, a stone patio, a green lawn below."""
    image = Image.new("RGB", (width, height), (135, 180, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, int(height * 0.4), width, int(height * 0.6)], fill=(170, 165, 155))
    draw.rectangle([0, int(height * 0.6), width, height], fill=(70, 140, 60))
    return image


def sky_jpeg(width: int = 1024, height: int = 640) -> bytes:
    """A generated sky as a JPEG (1024 px wide: the narrowest the sky library takes)."""
    from catalog.generated_skies import generated_sky_jpeg

    return generated_sky_jpeg(2, (width, height))


def bomb_png() -> bytes:
    """A real 10,000 x 10,000 PNG (100 megapixels) that compresses to a few kilobytes."""
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, "PNG")
    return buffer.getvalue()


def photo_bytes(fmt: str = "JPEG", width: int = 96, height: int = 64, **save: Any) -> bytes:
    """A synthetic room photo encoded in the given format."""
    buffer = io.BytesIO()
    image = room_photo(width, height)
    if fmt == "PNG" and save.pop("rgba", False):
        image = image.convert("RGBA")
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def stored_job(session: Session, storage: Any, **fields: Any) -> Job:
    """A pending job whose input photo is in storage (a new user and style unless given)."""
    user = fields.pop("user", None) or make_user(session, password_hash="x")
    style = fields.pop("style", None) or make_style(session)
    size = (fields.get("input_width", 64), fields.get("input_height", 48))
    job = make_job(session, user=user, style=style, **fields)
    storage.put(job.input_key, photo_bytes(width=size[0], height=size[1]), "image/jpeg")
    session.flush()
    return job


def insert_jobs(
    session: Session, storage: Any, count: int, *, user: User, style: Style, **fields: Any
) -> list[int]:
    """Many pending jobs at once, sharing one stored input photo; returns their ids."""
    from sqlalchemy import insert

    key = "test-inputs/room.jpg"
    storage.put(key, photo_bytes(width=64, height=48), "image/jpeg")
    row = job_values(user, style, input_key=key, **fields)
    result = session.execute(insert(Job).returning(Job.id), [dict(row) for _ in range(count)])
    return sorted(result.scalars())


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a size in its header but carries no pixel data."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def encode(image: Image.Image, fmt: str, **save: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def rotated_jpeg_with_gps(width: int = 96, height: int = 64) -> bytes:
    """A JPEG stored sideways with EXIF orientation 6 (rotate 90° clockwise) and a GPS block."""
    return jpeg_with_gps(width, height, orientation=6)


def jpeg_with_gps(width: int = 96, height: int = 64, *, orientation: int = 1) -> bytes:
    """A JPEG with a camera make, a GPS block and the given EXIF orientation."""
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "TestCam"  # Make
    exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 22.0, 1.0), 3: "E", 4: (4.0, 53.0, 2.0)})
    return encode(room_photo(width, height), "JPEG", exif=exif)


def completed_job(
    session_factory: sessionmaker[Session],
    settings: Settings,
    *,
    user: User,
    style: Style,
    **fields: Any,
) -> Job:
    """A finished job with its photo, two labelled results and a mask in storage."""
    storage = LocalStorage(settings.local_storage_dir, settings.secret_key)
    with transaction(session_factory) as session:
        fields = {"state": JobState.COMPLETED, "variants": 2, **fields}
        job = make_job(session, user=user, style=style, **fields)
        job.result_keys = [job_result_key(job.id, 1, n) for n in (1, 2)]
        job.result_seeds = [11, 12]
        job.mask_key = job_mask_key(job.id, 1)
        job.generator = "preview"
        storage.put(job_input_key(job.id), photo_bytes(), "image/jpeg")
        for n, key in enumerate(job.result_keys, start=1):
            storage.put(key, photo_bytes(width=96 + n), "image/jpeg")
        storage.put(job.mask_key, photo_bytes("PNG"), "image/png")
    return job
