"""The re-roll gate around the real preview generator, with a scorer whose answers the test sets."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from jobs.models import PHOTO_MODES
from tests.factories import room_photo
from worker.generators.base import GenerationRequest, GenerationResult, variant_seeds
from worker.generators.preview import PreviewGenerator
from worker.quality.gate import QualityGate, reroll_seed
from worker.quality.variant_scores import VariantScorer

SEED = 500
FIRST, SECOND = variant_seeds(SEED, 2)
ROUND_1 = variant_seeds(reroll_seed(SEED, 1), 1)[0]
ROUND_2 = variant_seeds(reroll_seed(SEED, 2), 1)[0]


class SeamBySeed:
    """Answers a seam score chosen per seed (the seed is read back from the result)."""

    def __init__(self, seams: dict[int, float]) -> None:
        self.seams = seams
        self.asked: list[int] = []

    def __call__(self, request: GenerationRequest, result: GenerationResult, index: int):
        seed = result.seeds[index]
        self.asked.append(seed)
        return {"seam": self.seams[seed]}


def _request(style: dict | None = None, variants: int = 2) -> GenerationRequest:
    style = {"palette": ["#aa8866", "#334455", "#667788"], **(style or {})}
    return GenerationRequest(1, room_photo(160, 120), "living_room", style, variants, SEED)


def _generate(gate: QualityGate, request: GenerationRequest):
    progress: list[tuple[float, str]] = []
    result = gate.generate(request, lambda f, s: progress.append((f, s)), lambda: False)
    return result, progress


def _alone(seed: int) -> bytes:
    """The preview's own image for a seed, generated without the gate."""
    request = GenerationRequest(1, room_photo(160, 120), "living_room", _request().style, 1, seed)
    result = PreviewGenerator(step_delay_s=0).generate(request, lambda f, s: None, lambda: False)
    return result.images[0].tobytes()


class Clock:
    """A clock the timed preview advances: `seconds_per_variant` for every variant it makes."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class TimedPreview(PreviewGenerator):
    """The real preview generator, on a clock the test reads."""

    def __init__(self, clock: Clock, seconds_per_variant: float) -> None:
        super().__init__(step_delay_s=0)
        self.clock, self.seconds_per_variant = clock, seconds_per_variant

    def generate(self, request, on_progress, should_stop):
        self.clock.now += self.seconds_per_variant * request.variants
        return super().generate(request, on_progress, should_stop)


def test_a_failing_variant_is_rerolled_and_the_best_attempt_kept():
    scorer = SeamBySeed({FIRST: 1.0, SECOND: 20.0, ROUND_1: 12.0, ROUND_2: 30.0})
    gate = QualityGate(PreviewGenerator(step_delay_s=0), scorer, max_rerolls=2)
    result, progress = _generate(gate, _request())
    assert scorer.asked == [FIRST, SECOND, ROUND_1, ROUND_2]
    assert result.seeds == [FIRST, ROUND_1]  # round 1 missed by less than the first try
    assert result.images[1].tobytes() == _alone(ROUND_1)
    assert result.images[0].tobytes() == _alone(FIRST)
    assert result.scores == [
        {"values": {"seam": 1.0}, "thresholds": {"seam": 8.0}, "passed": True, "attempts": 1,
         "seeds": [FIRST], "stopped": "passed"},
        {"values": {"seam": 12.0}, "thresholds": {"seam": 8.0}, "passed": False, "attempts": 3,
         "seeds": [SECOND, ROUND_1, ROUND_2], "stopped": "no_improvement"},
    ]  # fmt: skip
    stages = [stage for _, stage in progress]
    assert any(stage.startswith("Re-roll 1: ") for stage in stages)
    assert any(stage.startswith("Re-roll 2: ") for stage in stages)
    fractions = [fraction for fraction, _ in progress]
    assert fractions == sorted(fractions) and fractions[-1] <= 1


def test_rerolls_stop_once_every_variant_passes():
    scorer = SeamBySeed({FIRST: 9.0, SECOND: 20.0, ROUND_1: 2.0})
    gate = QualityGate(PreviewGenerator(step_delay_s=0), scorer, max_rerolls=2)
    result, _ = _generate(gate, _request(variants=1))
    assert scorer.asked == [FIRST, ROUND_1]
    assert result.seeds == [ROUND_1]
    assert result.scores[0]["passed"] and result.scores[0]["attempts"] == 2
    assert result.scores[0]["stopped"] == "passed"


def test_rerolls_stop_when_the_best_score_stops_improving():
    scorer = SeamBySeed({FIRST: 1.0, SECOND: 20.0, ROUND_1: 25.0, ROUND_2: 2.0})
    gate = QualityGate(PreviewGenerator(step_delay_s=0), scorer, max_rerolls=2)
    result, _ = _generate(gate, _request())
    assert scorer.asked == [FIRST, SECOND, ROUND_1]  # round 2 would have passed: never made
    assert result.seeds == [FIRST, SECOND]
    assert result.scores[1]["stopped"] == "no_improvement"
    assert result.scores[1]["attempts"] == 2


@pytest.mark.parametrize(
    ("cap_s", "asked", "stopped"),
    [
        # The first generation took 20 s for 2 variants: a round for 1 variant needs 10 s more.
        (25.0, [FIRST, SECOND], "gpu_cap"),
        (35.0, [FIRST, SECOND, ROUND_1], "gpu_cap"),
        (45.0, [FIRST, SECOND, ROUND_1, ROUND_2], "max_rerolls"),
    ],
)
def test_no_reroll_round_starts_past_the_jobs_generation_time_cap(cap_s, asked, stopped):
    scorer = SeamBySeed({FIRST: 1.0, SECOND: 30.0, ROUND_1: 20.0, ROUND_2: 10.0})
    clock = Clock()
    gate = QualityGate(
        TimedPreview(clock, seconds_per_variant=10.0),
        scorer,
        max_rerolls=2,
        max_gpu_s=cap_s,
        clock=clock,
    )
    result, _ = _generate(gate, _request())
    assert scorer.asked == asked
    assert clock.now <= cap_s
    assert result.scores[1]["stopped"] == stopped
    assert result.scores[1]["values"]["seam"] == min(scorer.seams[seed] for seed in asked[1:])


def test_no_rerolls_when_disabled_or_when_the_style_allows_more():
    scorer = SeamBySeed({FIRST: 1.0, SECOND: 20.0})
    result, _ = _generate(QualityGate(PreviewGenerator(0), scorer, max_rerolls=0), _request())
    assert result.seeds == [FIRST, SECOND]
    assert [s["passed"] for s in result.scores] == [True, False]
    assert [s["stopped"] for s in result.scores] == ["passed", "max_rerolls"]
    lenient = _request({"quality_thresholds": {"seam": 25.0}})
    result, _ = _generate(QualityGate(PreviewGenerator(0), scorer, max_rerolls=2), lenient)
    assert result.seeds == [FIRST, SECOND]
    assert result.scores[1] == {
        "values": {"seam": 20.0}, "thresholds": {"seam": 25.0}, "passed": True, "attempts": 1,
        "seeds": [SECOND], "stopped": "passed",
    }  # fmt: skip


@pytest.mark.parametrize("mode", PHOTO_MODES)
def test_the_preview_scorer_measures_the_seam_of_real_variants(mode):
    gate = QualityGate(PreviewGenerator(0), VariantScorer(), max_rerolls=0)
    request = GenerationRequest(
        1, room_photo(160, 120), "bedroom", _request().style, 1, SEED, mode=mode
    )
    result, _ = _generate(gate, request)
    (record,) = result.scores
    assert set(record["values"]) == {"seam"}  # no segmenter, no CLIP: seam only
    assert record["values"]["seam"] >= 0


def test_the_seam_scorer_sees_a_cast_the_generator_left():
    photo = room_photo(160, 120)
    mask = np.zeros((120, 160), dtype=bool)
    mask[70:, :] = True
    cast = np.asarray(photo, dtype=np.int16).copy()
    cast[mask] += 50
    image = Image.fromarray(np.clip(cast, 0, 255).astype(np.uint8))
    result = GenerationResult(images=[image], seeds=[1], mask=Image.fromarray(mask))
    request = GenerationRequest(1, photo, "bedroom", {}, 1, 1)
    assert VariantScorer()(request, result, 0)["seam"] > 8
    clean = GenerationResult(images=[photo], seeds=[1], mask=Image.fromarray(mask))
    assert VariantScorer()(request, clean, 0)["seam"] == 0
