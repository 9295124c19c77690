"""Upload-path benchmark: POST /api/v1/jobs per photo, side by side with the floor of one Pillow
decode and re-encode of the same photo, measured in the same run.

In process (FastAPI's TestClient, no network), on a temp SQLite database and local storage, the
same code path as production up to the socket. Target: submit <= 1.5 x the floor per photo.

    python bench/api.py [--photos 200] [--width 1600 --height 1200]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, only bench/ is on the path: the repo root goes first so its packages win.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import io
import statistics
import tempfile
import time

from fastapi.testclient import TestClient
from PIL import Image

from accounts.service import create_user
from api.app import create_app
from bench.photos import camera_photo
from catalog.seed import seed_styles
from core.db import make_engine, make_sessionmaker, transaction
from core.migrations import upgrade
from core.settings import Settings

TARGET_RATIO = 1.5
PASSWORD = "bench-password-1"


def floor_once(data: bytes, quality: int) -> None:
    """One decode and one re-encode: what any server that touches the pixels pays."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        image.save(io.BytesIO(), "JPEG", quality=quality)


def timed(action, repeats: int) -> list[float]:
    times = []
    for n in range(repeats):
        start = time.perf_counter()
        action(n)
        times.append(time.perf_counter() - start)
    return times


def describe(name: str, times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"{name:<28} median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=1200)
    args = parser.parse_args(argv)

    photo = camera_photo(args.width, args.height)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        settings = Settings(
            _env_file=None,
            database_url=url,
            local_storage_dir=Path(tmp) / "storage",
            daily_quota=args.photos + 10,
        )
        upgrade(url)
        engine = make_engine(url)
        with transaction(make_sessionmaker(engine)) as session:
            seed_styles(session)
            create_user(session, email="bench@example.com", password=PASSWORD, name="Bench")
        engine.dispose()
        with TestClient(create_app(settings)) as client:
            token = client.post(
                "/api/v1/auth/token", json={"email": "bench@example.com", "password": PASSWORD}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}

            def submit(_: int) -> None:
                response = client.post(
                    "/api/v1/jobs",
                    headers=headers,
                    files={"photo": ("room.jpg", photo, "image/jpeg")},
                    data={"style": "modern", "room_type": "living_room"},
                )
                assert response.status_code == 202, response.text

            submit(0)  # warm-up: imports, first connection
            floor_once(photo, settings.jpeg_quality)
            # Interleaved rounds, so a busy neighbour slows both sides alike.
            floor_times, submit_times = [], []
            for _ in range(args.photos // 10):
                floor_times += timed(lambda _: floor_once(photo, settings.jpeg_quality), 10)
                submit_times += timed(submit, 10)

    megapixels = args.width * args.height / 1e6
    ratio = statistics.median(submit_times) / statistics.median(floor_times)
    print(f"photo: {args.width}x{args.height} ({megapixels:.1f} MP), {len(photo) / 1e6:.2f} MB")
    print(describe("Pillow decode+encode floor", floor_times))
    print(describe("POST /api/v1/jobs", submit_times))
    verdict = "ok" if ratio <= TARGET_RATIO else "OVER TARGET"
    print(f"submit / floor: {ratio:.2f}x (target <= {TARGET_RATIO}x) {verdict}")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
