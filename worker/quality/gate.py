"""The gate around a generator: score every variant, generate those below threshold again with a
new recorded seed, and deliver each variant's best attempt.

A variant is generated again while it misses a threshold, its last re-roll improved on its best,
rounds are left (QUALITY_MAX_REROLLS) and the round fits in the job's generation time
(QUALITY_MAX_GPU_S); its record says which of these ended its attempts.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from catalog.quality import RerollStop, shortfall, thresholds_for
from worker.generators.base import (
    GenerationRequest,
    GenerationResult,
    Generator,
    ProgressCallback,
    StopCheck,
    StopRequested,
)

Scorer = Callable[[GenerationRequest, GenerationResult, int], dict[str, float]]
RoomGuess = Callable[[Image.Image], str | None]
"""Scores of variant `index` of a result: score name -> value (catalog.quality.SCORES)."""

FIRST_PASS_SHARE = 0.8
"""The share of the job's progress the first generation covers when re-rolls are possible."""
REROLL_SEED_STEP = 104_729
"""Re-roll round r starts from the job's seed + r * this (a prime, far from variant steps)."""


def reroll_seed(seed: int, round_: int) -> int:
    """The seed a re-roll round starts from; its variants follow as variant_seeds does."""
    return (seed + round_ * REROLL_SEED_STEP) % 2**32


@dataclass
class Attempt:
    """One generation of a variant and its scores."""

    seed: int
    values: dict[str, float]


@dataclass
class VariantRecord:
    """Every attempt at one variant, and which one is delivered."""

    thresholds: dict[str, float]
    attempts: list[Attempt] = field(default_factory=list)
    best: int = 0
    stopped: RerollStop | None = None
    """Why no further attempt was made; None while the variant may still be re-rolled."""

    def add(self, attempt: Attempt) -> bool:
        """Record an attempt; True when it is now the best one (strictly fewer misses)."""
        self.attempts.append(attempt)
        if len(self.attempts) == 1:
            return True
        if shortfall(attempt.values, self.thresholds) < self.miss:
            self.best = len(self.attempts) - 1
            return True
        return False

    @property
    def miss(self) -> float:
        return shortfall(self.attempts[self.best].values, self.thresholds)

    @property
    def passed(self) -> bool:
        return self.miss == 0

    def as_json(self) -> dict[str, Any]:
        """What the job stores per variant (api.schemas.ScoresOut)."""
        values = self.attempts[self.best].values
        return {
            "values": {name: round(value, 4) for name, value in values.items()},
            "thresholds": {name: self.thresholds[name] for name in values},
            "passed": self.passed,
            "attempts": len(self.attempts),
            "seeds": [attempt.seed for attempt in self.attempts],
            "stopped": (self.stopped or RerollStop.PASSED).value,
        }


def _scaled(on_progress: ProgressCallback, start: float, end: float, prefix: str = ""):
    return lambda fraction, stage: on_progress(start + (end - start) * fraction, prefix + stage)


def _take(result: GenerationResult, index: int, other: GenerationResult, other_index: int) -> None:
    """Deliver variant other_index of another result as variant index of this one."""
    result.images[index] = other.images[other_index]
    result.seeds[index] = other.seeds[other_index]
    if result.clean_images is not None and other.clean_images is not None:
        result.clean_images[index] = other.clean_images[other_index]


class QualityGate:
    """A generator whose variants are scored and, when below threshold, generated again."""

    def __init__(
        self,
        inner: Generator,
        scorer: Scorer,
        *,
        max_rerolls: int,
        max_gpu_s: float = float("inf"),
        guess_room: RoomGuess | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.gpu = inner.gpu
        self.scorer = scorer
        self.max_rerolls = max_rerolls
        self.max_gpu_s = max_gpu_s
        self.guess_room = guess_room
        self.clock = clock

    def guess_room_type(self, image: Image.Image) -> str | None:
        """The inner generator's guess (the gate scores results, not photos)."""
        return self.inner.guess_room_type(image)

    def generate(
        self, request: GenerationRequest, on_progress: ProgressCallback, should_stop: StopCheck
    ) -> GenerationResult:
        """The inner generator's result with each variant's best attempt and its scores; a
        finishing job's (enhance, sky, twilight) as it is: a classical pass gives the same image
        on every seed, so there is nothing to re-roll, and the scores judge furnishing."""
        if request.mode.finishes:
            return self.inner.generate(request, on_progress, should_stop)
        thresholds = thresholds_for(request.style.get("quality_thresholds"))
        first = FIRST_PASS_SHARE if self.max_rerolls else 1.0
        started = self.clock()
        result = self.inner.generate(request, _scaled(on_progress, 0.0, first), should_stop)
        spent = self.clock() - started
        per_variant = spent / max(1, len(result.seeds))
        result.seeds = list(result.seeds)
        records = []
        for index, seed in enumerate(result.seeds):
            on_progress(first, f"Scoring variant {index + 1}/{len(result.seeds)}")
            record = VariantRecord(thresholds)
            record.add(Attempt(seed, self.scorer(request, result, index)))
            records.append(record)
        step = (1.0 - first) / max(1, self.max_rerolls)
        for round_ in range(1, self.max_rerolls + 1):
            failing = _still_failing(records)
            if not failing:
                break
            if spent + per_variant * len(failing) > self.max_gpu_s:
                _stop(records, failing, RerollStop.GPU_CAP)
                break
            if should_stop():
                raise StopRequested("stop requested")
            again = dataclasses.replace(
                request, seed=reroll_seed(request.seed, round_), variants=len(failing)
            )
            start = first + step * (round_ - 1)
            progress = _scaled(on_progress, start, start + step, f"Re-roll {round_}: ")
            started = self.clock()
            retry = self.inner.generate(again, progress, should_stop)
            spent += self.clock() - started
            for position, index in enumerate(failing):
                scores = self.scorer(again, retry, position)
                if records[index].add(Attempt(retry.seeds[position], scores)):
                    _take(result, index, retry, position)
                else:
                    records[index].stopped = RerollStop.NO_IMPROVEMENT
        _stop(records, _still_failing(records), RerollStop.MAX_REROLLS)
        result.scores = [record.as_json() for record in records]
        if self.guess_room is not None:
            result.room_type_guess = self.guess_room(request.image)
        return result


def _still_failing(records: list[VariantRecord]) -> list[int]:
    """The variants below threshold whose attempts have not been stopped."""
    return [i for i, record in enumerate(records) if not record.passed and record.stopped is None]


def _stop(records: list[VariantRecord], indices: list[int], reason: RerollStop) -> None:
    for index in indices:
        records[index].stopped = reason
