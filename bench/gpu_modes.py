"""The quality gate's cost in the GPU check: scoring one variant with production's scorers, part
by part (the cases' s/image already include the whole gate)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from worker.engine.stages import StageClock
from worker.generators.base import GenerationRequest, GenerationResult
from worker.quality.variant_scores import VariantScorer
from worker.vision.mask import Segmenter
from worker.vision.room_guess import guess_from_photo

GATE_PARTS = ("segmentation", "clip", "seam_and_rest")
"""The gate's timed parts: the two model calls, and the rest (downscaling, seam, share counts)."""


class _TimedSegmenter(Segmenter):
    """A segmenter whose labels() calls are timed as "segmentation"."""

    def __init__(self, inner: Segmenter, clock: StageClock) -> None:
        self.inner, self.clock, self.id2label = inner, clock, inner.id2label

    def labels(self, image: Image.Image) -> np.ndarray:
        with self.clock("segmentation"):
            return self.inner.labels(image)


@dataclass
class GateRow:
    """The gate's cost of scoring one variant of a case's result (production's VariantScorer)."""

    case: str
    scores: list[str]
    s_per_variant: float
    scorers: dict[str, float]
    pct_of_image: float
    room_guess_s: float
    """Once per job, not per variant: the room type guess from the photo's segmentation."""


def gate_row(
    case: str,
    production: VariantScorer,
    device: str,
    request: GenerationRequest,
    result: GenerationResult,
    s_per_image: float,
    *,
    warm_up: bool,
) -> GateRow:
    """Score variant 0 once with production's scorer (after a warm-up call on a GPU);
    "segmentation" and "clip" are the model calls, "seam_and_rest" the rest: downscaling, the seam
    and the furniture counts."""
    clock = StageClock(device)
    segmenter, clip = production.segmenter, production.clip
    if segmenter is None or clip is None:
        raise ValueError("the gate's cost needs its segmenter and CLIP")

    def timed_clip(image: Image.Image, texts: list[str]) -> list[float]:
        with clock("clip"):
            return clip(image, texts)

    scorer = VariantScorer(
        _TimedSegmenter(segmenter, clock),
        timed_clip,
        feather_fraction=production.feather_fraction,
    )
    if warm_up:
        scorer(request, result, 0)
        clock.seconds.clear()
    with clock("total"):
        values = scorer(request, result, 0)
    total = clock.seconds.pop("total")
    scorers = {**clock.seconds, "seam_and_rest": total - sum(clock.seconds.values())}
    with clock("room_guess"):
        guess_from_photo(request.image, segmenter)
    guess_s = clock.seconds["room_guess"]
    return GateRow(case, sorted(values), total, scorers, 100 * total / s_per_image, guess_s)


def gate_markdown(rows: list[GateRow]) -> str:
    """The gate's table: seconds per variant, per scorer, and as a share of the case's image."""
    lines = ["", "| gate: case | scores | s/variant | segmentation | clip | seam_and_rest | "
             "% of s/image | room guess s/job |", "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for row in rows:
        parts = [f"{row.scorers[name]:.3f}" if name in row.scorers else "-" for name in GATE_PARTS]
        lines.append(
            f"| {row.case} | {', '.join(row.scores)} | {row.s_per_variant:.3f} | "
            f"{' | '.join(parts)} | {row.pct_of_image:.1f} % | {row.room_guess_s:.3f} |"
        )
    return "\n".join(lines) + "\n"
