"""Finishing jobs on the preview generator: a 12 MP synthetic exterior (4000x3000) through the
whole generator call per mode (enhance, sky with the three generated skies ranked, twilight),
PREVIEW label included, wall clock and process CPU time on one core.

    python bench/finishing_jobs.py [--repeats 3] [--width 4000 --height 3000]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, only bench/ is on the path: the repo root goes first so its packages win.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import io
import os
import time
from collections.abc import Callable

import cv2
from PIL import Image

from catalog.generated_skies import LOOKS, SEED_SIZE, generated_sky_jpeg
from core.renditions import WEB_LONG_EDGE_PX
from jobs.models import FINISHING_MODES, JobMode
from tests.support.finishing_scenes import exterior
from worker.generators.base import GenerationRequest, LibrarySky
from worker.generators.preview import PreviewGenerator


def _constant(image: Image.Image) -> Callable[[], Image.Image]:
    return lambda: image


def library() -> list[LibrarySky]:
    """The seeded skies as the worker loads them: the web rendition to rank, the full image."""
    skies = []
    for look, sky in LOOKS.items():
        full = Image.open(io.BytesIO(generated_sky_jpeg(look, SEED_SIZE))).convert("RGB")
        preview = full.copy()
        preview.thumbnail((WEB_LONG_EDGE_PX, WEB_LONG_EDGE_PX))
        skies.append(LibrarySky(look, sky.name, preview, _constant(full)))
    return skies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--width", type=int, default=4000)
    parser.add_argument("--height", type=int, default=3000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    cv2.setNumThreads(1)
    photo = Image.fromarray(exterior(args.width, args.height)[0])
    generator, skies = PreviewGenerator(step_delay_s=0), library()
    print(f"| mode ({args.width}x{args.height}) | wall, best of {args.repeats} | CPU |")
    print("|---|---|---|")
    for mode in sorted(FINISHING_MODES, key=list(JobMode).index):
        request = GenerationRequest(1, photo, "patio", {}, 1, 3, mode=mode, skies=skies)
        walls, cpus = [], []
        for _ in range(args.repeats):
            wall, cpu = time.perf_counter(), time.process_time()
            generator.generate(request, lambda f, s: None, lambda: False)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        best = walls.index(min(walls))
        print(f"| {mode.value} | {walls[best]:.2f} s | {cpus[best]:.2f} s |")


if __name__ == "__main__":
    main()
