"""The quality gate's figures per style over a recent window: pass rate, mean scores, re-rolls."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs.models import Job, JobState

QUALITY_WINDOW = timedelta(days=30)


@dataclass
class StyleQuality:
    """One style's scored variants in the window."""

    slug: str
    name: str
    variants: int = 0
    passed: int = 0
    rerolls: int = 0
    totals: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def pass_rate(self) -> float:
        return self.passed / self.variants if self.variants else 0.0

    @property
    def means(self) -> dict[str, float]:
        """Mean of each score over the variants that have it."""
        return {name: self.totals[name] / self.counts[name] for name in sorted(self.counts)}


def quality_by_style(session: Session, *, since: datetime) -> list[StyleQuality]:
    """Every style with variants scored in jobs completed since `since`, by slug."""
    rows = session.execute(
        select(
            Job.style_snapshot["slug"].as_string(),
            Job.style_snapshot["name"].as_string(),
            Job.result_scores,
        ).where(Job.state == JobState.COMPLETED, Job.finished_at >= since)
    )
    styles: dict[str, StyleQuality] = {}
    for slug, name, records in rows:
        slug = slug or "unknown"
        for record in records or []:
            entry = styles.setdefault(slug, StyleQuality(slug, name or ""))
            entry.variants += 1
            entry.passed += bool(record.get("passed"))
            entry.rerolls += max(0, int(record.get("attempts", 1)) - 1)
            for score, value in (record.get("values") or {}).items():
                entry.totals[score] += float(value)
                entry.counts[score] += 1
    return [styles[slug] for slug in sorted(styles)]
