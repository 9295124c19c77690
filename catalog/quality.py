"""The quality gate's scores: what each measures, its default threshold, and the pass rule.

Shared by the worker (which scores and re-rolls), the admin console (per-style overrides and
aggregates) and /metrics. A score a job could not compute (no segmentation model, no CLIP
model, or not meaningful for the job's mode) is left out and never fails a variant.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field


@dataclass(frozen=True)
class Score:
    """One score of a variant."""

    label: str
    default: float
    higher_is_better: bool
    meaning: str


SCORES: dict[str, Score] = {
    "furniture": Score(
        "Furniture present",
        0.10,
        True,
        "share of the staged area that segmentation of the result finds as the room type's "
        "key furniture (bed, sofa or armchair, table, desk...)",
    ),
    "style": Score(
        "Style adherence",
        0.20,
        True,
        "CLIP cosine similarity between the result and the style's prompt",
    ),
    "seam": Score(
        "Seam",
        8.0,
        False,
        "colour difference (CIELAB ΔE) across the mask edge, beyond the photo's own",
    ),
    "leftover": Score(
        "Leftover furniture",
        0.05,
        False,
        "declutter: share of the removal mask still segmented as furniture or clutter",
    ),
}


class QualityThresholds(BaseModel):
    """A style's overrides of the default thresholds; unset ones use SCORES' defaults."""

    model_config = ConfigDict(extra="forbid")

    furniture: float | None = Field(None, ge=0, le=1)
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
        total += max(0.0, miss) / max(abs(threshold), 1e-3)
    return total
