"""A completed job's variants as the API and the pages present them, numbered from 1."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jobs.models import Job


@dataclass(frozen=True)
class VariantResult:
    """One delivered variant of a job."""

    number: int
    """1-based, as in storage keys (result-1.jpg), page URLs and the API's results[].variant."""
    key: str
    seed: int | None
    scores: dict[str, Any] | None
    """The quality gate's record; None when the gate did not run."""
    has_clean_copy: bool
    """An unlabelled copy was stored next to the labelled one."""


def variant_results(job: Job) -> list[VariantResult]:
    """The job's delivered variants, in order."""
    seeds, scores = list(job.result_seeds or []), list(job.result_scores or [])
    return [
        VariantResult(
            number=index + 1,
            key=key,
            seed=seeds[index] if index < len(seeds) else None,
            scores=(scores[index] or None) if index < len(scores) else None,
            has_clean_copy=job.has_clean_copies,
        )
        for index, key in enumerate(job.result_keys)
    ]
