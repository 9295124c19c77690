"""Autoscale RunPod GPU pods from the job queue: `python -m devops.autoscale [--once] [--dry-run]`.

Each pass reads the queue (pending, running, the oldest pending job's age, recent run times),
the fleet table and RunPod's pods named AUTOSCALE_POD_PREFIX, decides a target number of pods
within AUTOSCALE_MIN_PODS..AUTOSCALE_MAX_PODS and AUTOSCALE_MAX_COST_PER_HOUR, and acts through
the `runpod` SDK. It scales down only by draining: the pod's workers finish their jobs, claim no
more and exit, and a pod is terminated only once its container has exited (or never brought a
worker up). A running job is never killed. OPERATIONS.md has the runbook.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import db_clock, make_engine, make_sessionmaker, transaction
from core.settings import get_settings
from jobs import fleet
from jobs.models import Job, JobState, WorkerRecord
from jobs.stats import counts_by_state, median_duration_s, oldest_pending_age_s

log = logging.getLogger("autoscale")

GONE = {"EXITED", "TERMINATED"}
"""RunPod desiredStatus of a pod whose container has stopped: a drained pod ends like this."""


class AutoscaleSettings(BaseSettings):
    """The autoscaler's knobs (env prefix AUTOSCALE_; RUNPOD_API_KEY for the SDK)."""

    model_config = SettingsConfigDict(
        env_prefix="AUTOSCALE_", extra="ignore", use_attribute_docstrings=True
    )

    min_pods: int = Field(0, ge=0)
    """Fewest pods kept, even with an empty queue (0: the fleet scales down to none)."""
    max_pods: int = Field(4, ge=0)
    """Most pods at once, whatever the queue asks."""
    max_cost_per_hour: float = Field(20.0, ge=0)
    """Cost cap in $/h: no more pods than this buys at the dearest pod's hourly price."""
    pod_price_per_hour: float = Field(3.0, gt=0)
    """What a new pod costs ($/h) until RunPod reports costPerHr for the pods it runs."""
    target_wait_s: float = Field(120.0, gt=0)
    """Seconds the backlog (pending + running) should take to clear: pods = backlog * job time
    / this, and a pending job older than this asks for one more pod."""
    default_job_s: float = Field(15.0, gt=0)
    """Seconds a job is taken to run until completed jobs give a median of recent run times."""
    boot_grace_s: float = Field(1200.0, gt=0)
    """A pod with no live worker after this long is taken as broken and terminated."""
    interval_s: float = Field(60.0, gt=0)
    """Seconds between two passes (without `--once`)."""
    pod_prefix: str = "stagewright-worker"
    """Name prefix of the pods it creates; it manages only pods whose name starts with it."""
    image: str = ""
    """Container image of the pods it creates (this or AUTOSCALE_TEMPLATE_ID is required)."""
    template_id: str = ""
    """RunPod template of the pods it creates (this or AUTOSCALE_IMAGE is required)."""
    gpu_type_id: str = "NVIDIA H100 80GB HBM3"
    """RunPod GPU type of the pods it creates, one GPU each."""
    cloud_type: str = Field("SECURE", pattern="^(ALL|SECURE|COMMUNITY)$")
    """RunPod cloud of the pods it creates: SECURE, COMMUNITY or ALL."""
    container_disk_gb: int = Field(60, ge=10)
    """Container disk of the pods it creates, in GB."""
    pod_env: str = "DATABASE_URL,DATABASE_POOLED,DATABASE_LISTEN_URL,STORAGE_BACKEND,R2_ACCOUNT_ID,R2_ACCESS_KEY_ID,R2_SECRET_ACCESS_KEY,R2_BUCKET,SECRET_KEY,APP_ENV,HF_TOKEN"  # noqa: E501
    """Names (comma-separated) of this process's environment variables passed on to the pods it
    creates, with GENERATOR=sdxl."""


@dataclass(frozen=True)
class QueueState:
    """What the queue asks of the fleet."""

    pending: int
    running: int
    oldest_pending_s: float
    job_s: float


@dataclass(frozen=True)
class PodState:
    """One of our RunPod pods and what its workers are doing."""

    id: str
    status: str
    cost_per_hr: float
    uptime_s: float
    workers: int
    busy: int
    draining: bool


@dataclass
class Decision:
    """What one pass does, and why."""

    target: int
    create: int = 0
    undrain: list[str] = field(default_factory=list)
    drain: list[str] = field(default_factory=list)
    terminate: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def read_queue(session: Session, cfg: AutoscaleSettings) -> QueueState:
    counts = counts_by_state(session)
    return QueueState(
        pending=counts[JobState.PENDING],
        running=counts[JobState.RUNNING],
        oldest_pending_s=oldest_pending_age_s(session) or 0.0,
        job_s=median_duration_s(session) or cfg.default_job_s,
    )


def read_pods(
    session: Session, pods: list[dict[str, Any]], cfg: AutoscaleSettings, *, live_s: float
) -> list[PodState]:
    """Our pods (by name prefix), with the workers heard from in the last live_s seconds."""
    live_after = db_clock(session) - timedelta(seconds=live_s)
    rows = session.execute(
        select(
            WorkerRecord.host, WorkerRecord.current_job_id, WorkerRecord.drain_requested_at
        ).where(WorkerRecord.last_heartbeat_at >= live_after)
    ).all()
    states = []
    for pod in pods:
        if not str(pod.get("name", "")).startswith(cfg.pod_prefix):
            continue
        mine = [row for row in rows if row.host == pod["id"]]
        states.append(
            PodState(
                id=pod["id"],
                status=str(pod.get("desiredStatus") or ""),
                cost_per_hr=float(pod.get("costPerHr") or cfg.pod_price_per_hour),
                uptime_s=float(pod.get("uptimeSeconds") or 0),
                workers=len(mine),
                busy=sum(row.current_job_id is not None for row in mine),
                draining=bool(mine) and all(row.drain_requested_at for row in mine),
            )
        )
    return states


def decide(queue: QueueState, pods: list[PodState], cfg: AutoscaleSettings) -> Decision:
    """The target number of pods and the steps to it (a pure function, see the module doc)."""
    up = [p for p in pods if p.status not in GONE]
    active = [p for p in up if not p.draining]
    backlog = queue.pending + queue.running
    need = math.ceil(backlog * queue.job_s / cfg.target_wait_s)
    reasons = [
        f"{queue.pending} pending + {queue.running} running at {queue.job_s:.0f} s a job: "
        f"{need} pod(s) clear it within {cfg.target_wait_s:.0f} s"
    ]
    if queue.pending and queue.oldest_pending_s > cfg.target_wait_s:
        need = max(need, len(active) + 1)
        reasons.append(f"the oldest job has waited {queue.oldest_pending_s:.0f} s: one more pod")
    target = min(max(need, cfg.min_pods), cfg.max_pods)
    if target != need:
        reasons.append(f"kept within {cfg.min_pods}..{cfg.max_pods} pods: {target}")
    price = max([p.cost_per_hr for p in up] + [cfg.pod_price_per_hour])
    affordable = math.floor(cfg.max_cost_per_hour / price + 1e-9)
    if target > affordable:
        target = affordable
        reasons.append(f"cost cap {cfg.max_cost_per_hour}/h at {price}/h a pod: {target} pod(s)")
    decision = Decision(target=target, reasons=reasons)
    draining = [p for p in up if p.draining]
    if target > len(active):
        decision.undrain = [p.id for p in draining[: target - len(active)]]
        decision.create = target - len(active) - len(decision.undrain)
    elif target < len(active) and queue.pending == 0:
        idlest = sorted(active, key=lambda p: (p.busy, -p.uptime_s))
        decision.drain = [p.id for p in idlest[: len(active) - target] if p.workers]
    decision.terminate = [
        p.id for p in pods if p.status in GONE or (not p.workers and p.uptime_s > cfg.boot_grace_s)
    ]
    return decision


def running_jobs_on(session: Session, pod_id: str) -> int:
    """Jobs still running on a pod's workers (a pod with any is never terminated)."""
    workers = select(WorkerRecord.id).where(WorkerRecord.host == pod_id)
    return session.execute(
        select(func.count()).where(Job.state == JobState.RUNNING, Job.locked_by.in_(workers))
    ).scalar_one()


def apply(decision: Decision, session: Session, sdk: Any, cfg: AutoscaleSettings) -> None:
    """Carry out a decision through the SDK and the fleet table."""
    for pod_id in decision.undrain + decision.drain:
        undo = pod_id in decision.undrain
        for worker in session.scalars(select(WorkerRecord).where(WorkerRecord.host == pod_id)):
            if undo:
                worker.drain_requested_at = None
            else:
                fleet.request_drain(session, worker_id=worker.id)
    for pod_id in decision.terminate:
        if running_jobs_on(session, pod_id):
            log.warning("pod %s still runs a job: not terminated", pod_id)
            continue
        sdk.terminate_pod(pod_id)
    env = {name: os.environ[name] for name in cfg.pod_env.split(",") if name in os.environ}
    for _ in range(decision.create):
        sdk.create_pod(
            f"{cfg.pod_prefix}-{int(time.time() * 1000) % 10**9}",
            image_name=cfg.image,
            template_id=cfg.template_id or None,
            gpu_type_id=cfg.gpu_type_id,
            cloud_type=cfg.cloud_type,
            gpu_count=1,
            container_disk_in_gb=cfg.container_disk_gb,
            support_public_ip=False,
            start_ssh=False,
            env={**env, "GENERATOR": "sdxl"},
        )


def one_pass(
    session: Session, sdk: Any, cfg: AutoscaleSettings, *, live_s: float, dry_run: bool
) -> Decision:
    """Read, decide, print the decision and why, and (unless dry_run) act."""
    queue = read_queue(session, cfg)
    pods = read_pods(session, sdk.get_pods(), cfg, live_s=live_s)
    decision = decide(queue, pods, cfg)
    verb = "would" if dry_run else "will"
    print(
        f"{len(pods)} pod(s), target {decision.target}: {verb} create {decision.create}, "
        f"undrain {decision.undrain}, drain {decision.drain}, terminate {decision.terminate}; "
        + "; ".join(decision.reasons),
        flush=True,
    )
    if not dry_run:
        apply(decision, session, sdk, cfg)
    return decision


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devops.autoscale", description=__doc__)
    parser.add_argument("--once", action="store_true", help="one pass, then exit")
    parser.add_argument("--dry-run", action="store_true", help="print decisions, change nothing")
    args = parser.parse_args(argv)
    import runpod

    runpod.api_key = os.environ.get("RUNPOD_API_KEY", "")
    if not runpod.api_key:
        print("RUNPOD_API_KEY is not set", file=sys.stderr)
        return 2
    cfg = AutoscaleSettings()
    if not (cfg.image or cfg.template_id):
        print("set AUTOSCALE_IMAGE or AUTOSCALE_TEMPLATE_ID", file=sys.stderr)
        return 2
    settings = get_settings()
    engine = make_engine(
        settings.database_url,
        pooled=settings.database_pooled,
        timeouts=settings.database_timeouts,
    )
    factory = make_sessionmaker(engine)
    try:
        while True:
            with transaction(factory) as session:
                one_pass(session, runpod, cfg, live_s=settings.lease_s * 3, dry_run=args.dry_run)
            if args.once:
                return 0
            time.sleep(cfg.interval_s)
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
