"""The quality gate's scores: what each measures, its default threshold, and the pass rule.

Shared by the worker (which scores and re-rolls), the admin console (per-style overrides and
aggregates) and /metrics. A score a job could not compute (no segmentation model, no CLIP
model, or not meaningful for the job's mode) is left out and never fails a variant.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


@dataclass(frozen=True)
class Score:
    """One score of a variant."""

    label: str
    default: float
    higher_is_better: bool
    meaning: str
    unit: float
    """A miss this large counts 1 when attempts are ranked (thresholds can be 0)."""


SCORES: dict[str, Score] = {
    "furniture": Score(
        "Furniture present",
        1.0,
        True,
        "pieces of the room type's key furniture (bed, sofa or armchair, table, desk...) that "
        "segmentation of the result finds standing in the staged area at a plausible size",
        1.0,
    ),
    "style": Score(
        "Style adherence",
        0.0,
        True,
        "CLIP cosine similarity of the staged region with the style's prompt, minus its mean "
        "similarity with the other seeded styles' prompts for the same room",
        0.02,
    ),
    "seam": Score(
        "Seam",
        8.0,
        False,
        "colour difference (CIELAB ΔE76) across the mask edge, measured past the feather, beyond "
        "the photo's own",
        8.0,
    ),
    "leftover": Score(
        "Leftover furniture",
        0.05,
        False,
        "declutter: share of the removal mask still segmented as furniture or clutter",
        0.05,
    ),
}


class RerollStop(StrEnum):
    """Why a variant was not generated again (stored with its scores)."""

    PASSED = "passed"
    """It met every threshold."""
    NO_IMPROVEMENT = "no_improvement"
    """Its last re-roll did not beat its best attempt."""
    GPU_CAP = "gpu_cap"
    """Another round would pass the job's generation time cap (QUALITY_MAX_GPU_S)."""
    MAX_REROLLS = "max_rerolls"
    """It had every re-roll QUALITY_MAX_REROLLS allows."""


REROLL_STOP_LABELS: dict[str, str] = {
    RerollStop.PASSED: "passed",
    RerollStop.NO_IMPROVEMENT: "re-rolls stopped: the best score stopped improving",
    RerollStop.GPU_CAP: "re-rolls stopped: the job's generation time cap was reached",
    RerollStop.MAX_REROLLS: "re-rolls stopped: every allowed re-roll was used",
}
"""Each reason in words, as the job page shows it."""


class QualityThresholds(BaseModel):
    """A style's overrides of the default thresholds; unset ones use SCORES' defaults."""

    model_config = ConfigDict(extra="forbid")

    furniture: float | None = Field(None, ge=0, le=20)
    style: float | None = Field(None, ge=-1, le=1)
    seam: float | None = Field(None, ge=0, le=100)
    leftover: float | None = Field(None, ge=0, le=1)


def thresholds_for(overrides: dict[str, float] | None) -> dict[str, float]:
    """Every score's threshold: the style's override, else the default."""
    overrides = overrides or {}
    return {name: float(overrides.get(name, score.default)) for name, score in SCORES.items()}


def meets(name: str, value: float, threshold: float) -> bool:
    """Whether one score is on the good side of its threshold."""
    return value >= threshold if SCORES[name].higher_is_better else value <= threshold


def shortfall(values: dict[str, float], thresholds: dict[str, float]) -> float:
    """How far a variant misses its thresholds in all (0 when it passes); ranks attempts."""
    total = 0.0
    for name, value in values.items():
        threshold = thresholds[name]
        miss = threshold - value if SCORES[name].higher_is_better else value - threshold
        total += max(0.0, miss) / SCORES[name].unit
    return total
