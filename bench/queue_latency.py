"""Queue benchmark: claim+finish throughput, pickup latency (NOTIFY vs polling), duplicates.

Runs against a throwaway PostgreSQL. Worker processes use the production claim and finish
statements (jobs.queue) and the production wake-up (worker.wakeup); the work itself is a no-op.

    python bench/queue_latency.py [--jobs 2000] [--workers 8] [--quick]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, only bench/ is on the path: the repo root goes first so its packages win.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import collections
import multiprocessing as mp
import tempfile
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import delete, func, insert, select

from bench import noop_worker
from core.db import make_engine, make_sessionmaker, transaction
from core.migrations import upgrade
from jobs import fleet
from jobs.models import Job, JobState, WorkerRecord
from jobs.notify import notify_job_available
from tests.factories import job_values, make_style, make_user
from tests.support.pgcluster import throwaway_database
from worker.connection import DedicatedConnection
from worker.wakeup import Wakeup

DONE_POLL_S = 0.1
"""How often the bench checks for completion; its figures come from database timestamps."""


def work_loop(url: str, worker_id: str, poll_s: float, listen: bool, events: dict, claims) -> None:
    """One worker process: the production loop's statements and transactions, no-op work.

    As worker.loop.Worker does, on its dedicated connection: the fenced complete, the next
    claim and the fleet row in one transaction; claim + fleet beat alone after a wait.
    """
    engine = make_engine(url)
    with transaction(make_sessionmaker(engine)) as session:
        fleet.register(
            session, worker_id=worker_id, host="bench", pid=0, generator="noop", version="bench"
        )
    db = DedicatedConnection(engine)
    wakeup = Wakeup(
        url if listen else "",
        poll_interval_s=poll_s,
        stop=events["stop"],
        wake_dir=Path(events["wake_dir"]),
        worker_id=worker_id,
    )
    wakeup.start()
    events["ready"].release()
    events["go"].wait()
    mine = []

    job = None
    while not events["stop"].is_set():
        job = job or db.transaction(partial(noop_worker.claim, worker_id=worker_id))
        if job is None:
            wakeup.wait()
            continue
        mine.append(job.id)
        job = db.transaction(partial(noop_worker.complete_and_claim, job=job, worker_id=worker_id))
    wakeup.close()
    db.close()
    claims.put(mine)


@dataclass
class Run:
    """One measured scenario."""

    name: str
    jobs: int
    seconds: float
    latencies_ms: list[float]
    duplicates: int
    lost: int
    trickled: bool

    @property
    def rate(self) -> float:
        return self.jobs / self.seconds if self.seconds else float("inf")

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Bench:
    """A throwaway database, a user and a style, and helpers to run scenarios on it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.factory = make_sessionmaker(self.engine)
        with transaction(self.factory) as session:
            user, style = make_user(session, password_hash="x"), make_style(session)
            self.row = job_values(user, style, input_key="bench/input.jpg")

    def insert(self, count: int, *, notify: bool = False) -> None:
        with transaction(self.factory) as session:
            session.execute(insert(Job), [dict(self.row) for _ in range(count)])
            if notify:
                notify_job_available(session)

    def reset(self) -> None:
        with transaction(self.factory) as session:
            session.execute(delete(Job))
            session.execute(delete(WorkerRecord))

    def done(self) -> int:
        with self.factory() as session:
            count = select(func.count()).where(Job.state == JobState.COMPLETED)
            return session.execute(count).scalar_one()

    def run(
        self,
        name: str,
        *,
        workers: int,
        jobs: int,
        poll_s: float = 3.0,
        listen: bool = True,
        trickle_gap_s: float | None = None,
    ) -> Run:
        """Prefill `jobs` (throughput) or trickle them in one by one (pickup latency)."""
        self.reset()
        if trickle_gap_s is None:
            self.insert(jobs)
        ctx = mp.get_context("spawn")
        events: dict[str, Any] = {"ready": ctx.Semaphore(0), "go": ctx.Event(), "stop": ctx.Event()}
        events["wake_dir"] = tempfile.mkdtemp(prefix="stagewright-wake-")  # one pod
        claims = ctx.Queue()
        procs = [
            ctx.Process(target=work_loop, args=(self.url, f"w{n}", poll_s, listen, events, claims))
            for n in range(workers)
        ]
        for proc in procs:
            proc.start()
        for _ in procs:
            events["ready"].acquire()
        events["go"].set()
        if trickle_gap_s is not None:
            for _ in range(jobs):
                self.insert(1, notify=True)
                time.sleep(trickle_gap_s)
        deadline = time.monotonic() + 120 + jobs * 0.05
        while self.done() < jobs and time.monotonic() < deadline:
            time.sleep(DONE_POLL_S)
        events["stop"].set()
        counts = collections.Counter(job_id for _ in procs for job_id in claims.get())
        for proc in procs:
            proc.join()
        with self.factory() as session:
            rows = session.execute(
                select(Job.created_at, Job.started_at, Job.finished_at).where(
                    Job.state == JobState.COMPLETED
                )
            ).all()
        seconds = (
            (max(r.finished_at for r in rows) - min(r.started_at for r in rows)).total_seconds()
            if rows
            else 0.0
        )
        latencies = [(r.started_at - r.created_at).total_seconds() * 1000 for r in rows]
        return Run(
            name=name,
            jobs=len(rows),
            seconds=seconds,
            latencies_ms=latencies or [float("nan")],
            duplicates=sum(1 for n in counts.values() if n > 1),
            lost=jobs - len(rows),
            trickled=trickle_gap_s is not None,
        )


def report(runs: list[Run]) -> None:
    print(f"{'scenario':44} {'jobs':>6} {'jobs/s':>8} {'p50 ms':>8} {'p99 ms':>8} dup lost")
    for run in runs:
        rate = "-" if run.trickled else f"{run.rate:.0f}"  # trickled: the arrival rate
        print(
            f"{run.name:44} {run.jobs:6d} {rate:>8} {run.pct(50):8.1f} {run.pct(99):8.1f}"
            f" {run.duplicates:3d} {run.lost:4d}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000, help="jobs in the throughput runs")
    parser.add_argument("--workers", type=int, default=8, help="worker processes")
    parser.add_argument("--trickle", type=int, default=200, help="jobs in the latency runs")
    parser.add_argument("--gap-ms", type=float, default=25, help="time between trickled jobs")
    parser.add_argument("--quick", action="store_true", help="tiny smoke run (the test suite)")
    args = parser.parse_args(argv)
    if args.quick:
        args.jobs, args.workers, args.trickle = 40, 2, 10
    gap = args.gap_ms / 1000
    m = args.workers
    with throwaway_database() as url:
        upgrade(url)
        bench = Bench(url)
        runs = [
            bench.run("throughput, 1 process", workers=1, jobs=max(10, args.jobs // 4)),
            bench.run(f"throughput, {m} processes", workers=m, jobs=args.jobs),
            bench.run(
                f"pickup, {m} processes, NOTIFY (poll 3 s)",
                workers=m,
                jobs=args.trickle,
                trickle_gap_s=gap,
            ),
            bench.run(
                f"pickup, {m} processes, polling 0.1 s",
                workers=m,
                jobs=args.trickle,
                poll_s=0.1,
                listen=False,
                trickle_gap_s=gap,
            ),
        ]
        if not args.quick:
            runs.append(
                bench.run(
                    f"pickup, {m} processes, polling 3 s",
                    workers=m,
                    jobs=args.trickle // 2,
                    poll_s=3.0,
                    listen=False,
                    trickle_gap_s=gap,
                )
            )
        bench.engine.dispose()
    report(runs)
    one, many, notify, poll_fast = runs[:4]
    print(f"\nthroughput {m} processes vs 1: {many.rate / one.rate:.2f}x")
    print(f"pickup p50 polling 0.1 s vs NOTIFY: {poll_fast.pct(50) / notify.pct(50):.1f}x slower")
    if len(runs) > 4:
        print(f"pickup p50 polling 3 s vs NOTIFY: {runs[4].pct(50) / notify.pct(50):.0f}x slower")
    bad = sum(run.duplicates + run.lost for run in runs)
    print(f"duplicates: {sum(run.duplicates for run in runs)}, lost: {sum(r.lost for r in runs)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
