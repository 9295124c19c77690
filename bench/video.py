"""Reveal-video benchmark: seconds of CPU per second of 1080p video, landscape and vertical, side
by side with a plain PyAV encode of the same number of static frames, measured in the same run.

CPU time is the process's user + system time (getrusage), so x264's threads count. The inputs
are camera-like photos at the web rendition's size (1600 px). Target: a reveal costs <= 1.5 x the
static encode per second of video, and stays within 10 MB a minute.

    python bench/video.py [--photos 3] [--rounds 2]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, only bench/ is on the path: the repo root goes first so its packages win.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import io
import resource
import statistics
import tempfile

from PIL import Image, ImageDraw

from bench.photos import camera_photo
from worker.video.frames import still
from worker.video.render import LANDSCAPE, VERTICAL, Mp4Writer, VideoShape, render_reveal

TARGET_RATIO = 1.5
MAX_BYTES_PER_MINUTE = 10 * 1024 * 1024
LABEL = "Virtually staged"


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def photo_pairs(count: int) -> list[tuple[Image.Image, Image.Image]]:
    """Camera-like originals (a different size each, so each is its own photo) and staged ones."""
    pairs = []
    for n in range(count):
        width = 1600 - 40 * n
        with Image.open(io.BytesIO(camera_photo(width, width * 2 // 3, texture=12.0))) as photo:
            original = photo.convert("RGB")
        staged = original.copy()
        draw = ImageDraw.Draw(staged)
        w, h = staged.size
        draw.rectangle([w // 5, h * 7 // 10, w * 4 // 5, h * 9 // 10], fill=(70, 96, 140))
        pairs.append((original, staged))
    return pairs


def static_encode(pair: tuple[Image.Image, Image.Image], shape: VideoShape, frames: int, out: Path):
    """The floor: one unchanging frame, converted and encoded `frames` times."""
    frame = still(pair[0], (shape.width, shape.height), label=LABEL, branding=None)
    writer = Mp4Writer(out, shape)
    for _ in range(frames):
        writer.write(writer.convert(frame))
    writer.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)

    pairs = photo_pairs(args.photos)
    failed = False
    print(
        f"{args.photos} photos of about 1600x1067; CPU seconds per second of video, median of "
        f"{args.rounds} rounds"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for shape in (LANDSCAPE, VERTICAL):
            out = Path(tmp) / f"{shape.name}.mp4"
            render_times, static_times = [], []
            video = None
            for _ in range(args.rounds):  # interleaved: a busy neighbour slows both alike
                start = cpu_s()
                video = render_reveal(pairs, out, shape=shape, label=LABEL)
                render_times.append(cpu_s() - start)
                start = cpu_s()
                static_encode(pairs[0], shape, video.frames, Path(tmp) / "static.mp4")
                static_times.append(cpu_s() - start)
            assert video is not None
            seconds = video.duration_s
            render_rate = statistics.median(render_times) / seconds
            static_rate = statistics.median(static_times) / seconds
            ratio = render_rate / static_rate
            per_minute = video.size_bytes / seconds * 60
            ok = ratio <= TARGET_RATIO and per_minute <= MAX_BYTES_PER_MINUTE
            failed |= not ok
            print(
                f"{shape.name:<9} {shape.width}x{shape.height} {seconds:5.1f} s of video: "
                f"reveal {render_rate:.2f} CPU s/s, static encode {static_rate:.2f} CPU s/s, "
                f"ratio {ratio:.2f}x (target <= {TARGET_RATIO}x), "
                f"{per_minute / 1e6:.1f} MB a minute {'ok' if ok else 'OVER TARGET'}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
