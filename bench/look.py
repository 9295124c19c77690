"""Look figures on synthetic stagings whose truth is known (tests/support/look.py), CPU only:
the colour match's seam reduction and furniture shift, and the seam score against the true step.

    python bench/look.py [--baseline main]

--baseline REV also runs that revision's worker/engine/colour.py and worker/quality/scorers.py
on the same stagings, in the same run.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, only bench/ is on the path: the repo root goes first so its packages win.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import subprocess
import types
from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image

from tests.support.look import Staging, delta_e, delta_e76, inner_band, staging
from worker.engine import colour
from worker.overlay import paste_back
from worker.quality import scorers

ROOT = Path(__file__).resolve().parent.parent
FEATHER_PX, RING_PX = 3, 8


def _ramp(staged: Staging) -> Staging:
    """The staging with a cast that varies across the room instead of a global one."""
    x = np.linspace(-0.5, 0.5, staged.mask.shape[1])[None, :]
    ramp = np.stack([30 * x, -20 * x, 10 + 0 * x], -1)
    generated = np.clip(staged.truth + ramp, 0, 255).round().astype(np.uint8)
    return Staging(staged.photo, staged.truth, generated, staged.mask, staged.sofa)


ONE, ZERO = np.ones(3), np.zeros(3)
CASES: dict[str, Callable[[], Staging]] = {
    "global cast": lambda: staging(),
    "cast + lamp over the edge": lambda: staging(lamp=True),
    "cast + lamp + extra texture": lambda: staging(lamp=True, texture=8.0),
    "extra texture, no cast": lambda: staging(texture=8.0, gain=ONE, offset=ZERO),
    "cast varying across the room": lambda: _ramp(staging(gain=ONE, offset=ZERO)),
}


def _revision(rev: str, path: str, name: str) -> types.ModuleType:
    source = subprocess.run(
        ["git", "show", f"{rev}:{path}"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    module = types.ModuleType(name)
    exec(compile(source, f"{rev}:{path}", "exec"), module.__dict__)  # our own file, at a revision
    return module


def colour_rows(match: Callable[..., Image.Image]) -> list[dict[str, Any]]:
    """Per case: the seam (CIEDE2000 over 8 px inside the edge, against the pasted truth) before
    and after the match, and the sofa's distance from its true colour."""
    rows = []
    for case, make in CASES.items():
        staged = make()
        photo, generated = staged.image("photo"), staged.image("generated")
        truth = paste_back(photo, staged.image("truth"), staged.mask, feather_px=FEATHER_PX)
        band = inner_band(staged.mask, 0, RING_PX)
        matched = match(generated, photo, staged.mask, ring_px=RING_PX)
        before = delta_e(
            paste_back(photo, generated, staged.mask, feather_px=FEATHER_PX), truth, band
        )
        after = delta_e(paste_back(photo, matched, staged.mask, feather_px=FEATHER_PX), truth, band)
        rows.append(
            {
                "case": case,
                "seam_before": before,
                "seam_after": after,
                "reduction_pct": 100 * (1 - after / before) if before > 0.5 else None,
                "sofa_de2000": delta_e(matched, staged.truth, staged.sofa),
                "sofa_de76": delta_e76(matched, staged.truth, staged.sofa),
            }
        )
    return rows


def seam_rows(score: Callable[..., float], *, feather_aware: bool) -> list[dict[str, Any]]:
    """Per feather width: the true step past the feather (ΔE76) and what the score reads."""
    staged = staging(480, 360)
    photo = staged.image("photo")
    rows = []
    for feather_px in (2, 6, 10):
        truth = paste_back(photo, staged.image("truth"), staged.mask, feather_px=feather_px)
        cast = paste_back(photo, staged.image("generated"), staged.mask, feather_px=feather_px)
        true_step = delta_e76(cast, truth, inner_band(staged.mask, feather_px, 3))
        extra = {"feather_px": feather_px} if feather_aware else {}
        seen = score(photo, cast, staged.mask, **extra)
        error_pct = 100 * (seen - true_step) / true_step
        rows.append(
            {
                "feather_px": feather_px,
                "true_step": true_step,
                "score": seen,
                "error_pct": error_pct,
            }
        )
    return rows


def markdown(label: str, colour_table: list[dict], seam_table: list[dict]) -> str:
    lines = [f"### {label}", "", "| colour match case | seam before | seam after | reduction | "
             "sofa ΔE2000 | sofa ΔE76 |", "|---|---|---|---|---|---|"]  # fmt: skip
    for row in colour_table:
        reduction = "-" if row["reduction_pct"] is None else f"{row['reduction_pct']:.0f} %"
        lines.append(
            f"| {row['case']} | {row['seam_before']:.2f} | {row['seam_after']:.2f} | "
            f"{reduction} | {row['sofa_de2000']:.2f} | {row['sofa_de76']:.2f} |"
        )
    lines += [
        "",
        "| seam score: feather px | true step ΔE76 | score | error |",
        "|---|---|---|---|",
    ]
    for row in seam_table:
        lines.append(
            f"| {row['feather_px']} | {row['true_step']:.2f} | {row['score']:.2f} | "
            f"{row['error_pct']:+.0f} % |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="a git revision to measure alongside")
    args = parser.parse_args()
    print(
        markdown(
            "This tree",
            colour_rows(colour.colour_match),
            seam_rows(scorers.seam_score, feather_aware=True),
        )
    )
    if args.baseline:
        old_colour = _revision(args.baseline, "worker/engine/colour.py", "baseline_colour")
        old_scorers = _revision(args.baseline, "worker/quality/scorers.py", "baseline_scorers")
        print(
            markdown(
                f"Baseline {args.baseline}",
                colour_rows(old_colour.colour_match),
                seam_rows(old_scorers.seam_score, feather_aware=False),
            )
        )


if __name__ == "__main__":
    main()
