"""GET /metrics: queue, duration, failure and fleet figures in Prometheus text format.

The API is stateless and runs as several processes, so nothing is counted in memory: every
scrape reads the database into a fresh registry. Durations and failures cover a recent window
(WINDOW), read from finished jobs, which keeps each scrape to a few indexed queries.
"""

from __future__ import annotations

import platform
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, InfoMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import SessionDep, SettingsDep, require_metrics_token
from api.inputs import CheckedRoute
from core.db import db_clock
from core.settings import Settings
from core.version import __version__
from jobs.models import Job, JobState
from jobs.quality_stats import QUALITY_WINDOW, quality_by_style
from jobs.stats import WORKER_LIVE_LEASES, counts_by_state, fleet_status, oldest_pending_age_s
from webhooks.metrics import webhook_metrics

router = APIRouter(route_class=CheckedRoute, tags=["operations"])

WINDOW = timedelta(hours=24)
WINDOW_WORDS = f"{WINDOW // timedelta(hours=1)} hours"
DURATION_BUCKETS_S = (1, 2, 5, 10, 20, 30, 60, 120, 300, 600)
MAX_FAILURE_REASONS = 20  # the rest are summed as "other": bounded label cardinality
REASON_MAX_CHARS = 80
_NUMBERS = re.compile(r"0x[0-9a-fA-F]+|\d+(?:\.\d+)?")


def failure_reason(error: str) -> str:
    """The first line of an error, numbers replaced by N and truncated, as a label value."""
    lines = error.strip().splitlines()
    if not lines:
        return "unknown"
    return _NUMBERS.sub("N", lines[0].strip())[:REASON_MAX_CHARS]


def _histogram(durations: dict[tuple[str, str], list[float]]) -> HistogramMetricFamily:
    family = HistogramMetricFamily(
        "stagewright_job_duration_seconds",
        f"Run time of the last attempt (claimed to finished) of jobs completed in the last "
        f"{WINDOW_WORDS}",
        labels=["generator", "style"],
    )
    for labels, values in sorted(durations.items()):
        buckets = [(str(float(le)), sum(v <= le for v in values)) for le in DURATION_BUCKETS_S]
        buckets.append(("+Inf", len(values)))
        family.add_metric(list(labels), buckets, sum_value=sum(values))
    return family


class DatabaseCollector(Collector):
    """Reads every figure from the database once, when the registry is collected."""

    def __init__(self, session: Session, settings: Settings) -> None:
        self.session = session
        self.settings = settings

    def collect(self) -> Iterable[GaugeMetricFamily | HistogramMetricFamily | InfoMetricFamily]:
        session = self.session
        now = db_clock(session)
        yield InfoMetricFamily(
            "stagewright_build",
            "Version of the API serving this scrape",
            value={"version": __version__, "python": platform.python_version()},
        )

        by_state = GaugeMetricFamily("stagewright_jobs", "Jobs by state", labels=["state"])
        for state, count in counts_by_state(session).items():
            by_state.add_metric([state.value], count)
        yield by_state

        yield GaugeMetricFamily(
            "stagewright_oldest_pending_job_age_seconds",
            "Seconds the longest-waiting runnable pending job has waited (0 when none)",
            value=oldest_pending_age_s(session) or 0.0,
        )

        since = now - WINDOW
        durations: dict[tuple[str, str], list[float]] = defaultdict(list)
        finished = select(
            Job.generator, Job.style_snapshot["slug"].as_string(), Job.started_at, Job.finished_at
        ).where(Job.state == JobState.COMPLETED, Job.finished_at >= since)
        for generator, style, started, ended in session.execute(finished):
            if started and ended:
                labels = (generator or "unknown", style or "unknown")
                durations[labels].append(max(0.0, (ended - started).total_seconds()))
        yield _histogram(durations)

        reasons: Counter[str] = Counter()
        failed = select(Job.errors).where(Job.state == JobState.FAILED, Job.finished_at >= since)
        for (errors,) in session.execute(failed):
            reasons[failure_reason(str(errors[-1].get("error", ""))) if errors else "unknown"] += 1
        failures = GaugeMetricFamily(
            "stagewright_job_failures",
            f"Jobs failed in the last {WINDOW_WORDS}, by the first line of their last error",
            labels=["reason"],
        )
        top = reasons.most_common(MAX_FAILURE_REASONS)
        for reason, count in top:
            failures.add_metric([reason], count)
        if rest := reasons.total() - sum(count for _, count in top):
            failures.add_metric(["other"], rest)
        yield failures

        yield from _quality(session, now - QUALITY_WINDOW)
        yield from webhook_metrics(session)

        fleet = fleet_status(session, self.settings)
        stale = sum(is_stale for _, is_stale in fleet)
        yield GaugeMetricFamily(
            "stagewright_workers_alive",
            f"Workers with a heartbeat within the last {WORKER_LIVE_LEASES} leases "
            f"({WORKER_LIVE_LEASES * self.settings.lease_s:g} s)",
            value=len(fleet) - stale,
        )
        yield GaugeMetricFamily(
            "stagewright_workers_stale", "Worker rows without a recent heartbeat", value=stale
        )


def _quality(session: Session, since: datetime) -> Iterable[GaugeMetricFamily]:
    """The quality gate per style over QUALITY_WINDOW (the admin console shows the same)."""
    days = QUALITY_WINDOW.days
    variants = GaugeMetricFamily(
        "stagewright_quality_variants",
        f"Variants scored by the quality gate in the last {days} days",
        labels=["style"],
    )
    pass_rate = GaugeMetricFamily(
        "stagewright_quality_pass_rate",
        f"Share of variants delivered above their thresholds in the last {days} days",
        labels=["style"],
    )
    rerolls = GaugeMetricFamily(
        "stagewright_quality_rerolls",
        f"Re-rolled generations in the last {days} days",
        labels=["style"],
    )
    means = GaugeMetricFamily(
        "stagewright_quality_score_mean",
        f"Mean score of delivered variants in the last {days} days",
        labels=["style", "score"],
    )
    for entry in quality_by_style(session, since=since):
        variants.add_metric([entry.slug], entry.variants)
        pass_rate.add_metric([entry.slug], entry.pass_rate)
        rerolls.add_metric([entry.slug], entry.rerolls)
        for score, value in entry.means.items():
            means.add_metric([entry.slug, score], value)
    yield from (variants, pass_rate, rerolls, means)


@router.get("/metrics", include_in_schema=False, dependencies=[Depends(require_metrics_token)])
def metrics(session: SessionDep, settings: SettingsDep) -> Response:
    """Prometheus text exposition, computed from the database on each scrape."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(session, settings))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
