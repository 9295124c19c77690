"""Fleet benchmark: N idle workers on PostgreSQL (max_connections=100) behind PgBouncer.

Pods are processes, workers are threads in them; each worker runs the production statements on
its own pooled connection and waits with the production wake-up (worker.wakeup). Jobs trickle in
one at a time with NOTIFY. Commits are PostgreSQL's own count for the database.

    python bench/fleet.py [--workers 1,16,64,200] [--jobs 100] [--gap-ms 50] [--json PATH]
    python bench/fleet.py --rows 1000000      # the claim on a table of 1 M finished jobs
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import multiprocessing as mp
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any

# Run as a script, only bench/ is on the path: the repo root goes first so its packages win.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from sqlalchemy import delete, func, insert, select

from bench import noop_worker
from bench.claim_growth import claim_on_a_grown_table
from core.db import make_engine, make_sessionmaker, transaction
from core.migrations import upgrade
from jobs import fleet
from jobs.models import Job, JobState, WorkerRecord
from jobs.notify import notify_job_available
from tests.factories import job_values, make_style, make_user
from tests.support.pgbouncer import throwaway_pgbouncer
from tests.support.pgcluster import throwaway_database
from worker.connection import DedicatedConnection
from worker.wakeup import Wakeup, libpq_url

PER_POD = 8
POOL_SIZE = 20
"""PgBouncer's server connections for the database (OPERATIONS.md sizes it for a fleet)."""
STATS_FLUSH_S = 11.0
"""Idle backends report their counts within 10 s (PostgreSQL 15's PGSTAT_IDLE_INTERVAL)."""
SETTLE_S = 2.0


def pod(urls: dict[str, str], wake_dir: str, names: list[str], events: dict, claims: Any) -> None:
    """One pod: its workers as threads, each with one pooled connection and the wake-up."""
    engine = make_engine(urls["pooled"], pooled=True, pool_size=len(names), max_overflow=0)
    factory = make_sessionmaker(engine)
    mine: list[int] = []
    lock = threading.Lock()

    def work(worker_id: str) -> None:
        with transaction(factory) as session:
            fleet.register(
                session, worker_id=worker_id, host="bench", pid=0, generator="noop", version="b"
            )
        db = DedicatedConnection(engine)
        wakeup = Wakeup(
            urls["pooled"],
            listen_url=urls["direct"],
            poll_interval_s=3.0,
            stop=events["stop"],
            wake_dir=Path(wake_dir),
            worker_id=worker_id,
        )
        wakeup.start()
        events["ready"].release()

        job = db.transaction(partial(noop_worker.claim, worker_id=worker_id))
        while not events["stop"].is_set():
            if job is None:  # the last finish claimed too: wait before claiming again
                wakeup.wait()
                job = (
                    None
                    if events["stop"].is_set()
                    else db.transaction(partial(noop_worker.claim, worker_id=worker_id))
                )
                continue
            with lock:
                mine.append(job.id)
            job = db.transaction(
                partial(noop_worker.complete_and_claim, job=job, worker_id=worker_id)
            )
        wakeup.close()
        db.close()

    threads = [threading.Thread(target=work, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    claims.put(mine)


class Fleet:
    """A database behind PgBouncer, a user and a style; runs one scenario at a time."""

    def __init__(self, direct: str, pooled: str, root: Path) -> None:
        self.urls = {"direct": direct, "pooled": pooled}
        self.root = root
        self.engine = make_engine(direct)
        self.factory = make_sessionmaker(self.engine)
        with transaction(self.factory) as session:
            user, style = make_user(session, password_hash="x"), make_style(session)
            self.row = job_values(user, style, input_key="bench/input.jpg")
        self.admin = psycopg.connect(
            libpq_url(direct).rsplit("/", 1)[0] + "/postgres", autocommit=True
        )
        self.dbname = libpq_url(direct).rsplit("/", 1)[1]

    def counts(self) -> tuple[int, int]:
        """The database's committed and rolled-back transactions so far."""
        row = self.admin.execute(
            "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = %s",
            (self.dbname,),
        ).fetchone()
        if row is None:
            raise RuntimeError(f"no statistics for database {self.dbname}")
        return int(row[0]), int(row[1])

    def connections(self) -> int:
        row = self.admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (self.dbname,)
        ).fetchone()
        if row is None:
            raise RuntimeError("count(*) returned no row")
        return int(row[0])

    def run(self, workers: int, jobs: int, gap_s: float) -> dict[str, Any]:
        with transaction(self.factory) as session:
            session.execute(delete(Job))
            session.execute(delete(WorkerRecord))
        ctx = mp.get_context("spawn")
        events: dict[str, Any] = {"ready": ctx.Semaphore(0), "stop": ctx.Event()}
        claims = ctx.Queue()
        names = [f"w{n}" for n in range(workers)]
        pods = [names[i : i + PER_POD] for i in range(0, workers, PER_POD)]
        wake = tempfile.mkdtemp(dir=self.root)
        procs = [
            ctx.Process(target=pod, args=(self.urls, f"{wake}/pod{i}", group, events, claims))
            for i, group in enumerate(pods)
        ]
        for proc in procs:
            proc.start()
        for _ in names:
            events["ready"].acquire()
        time.sleep(SETTLE_S + STATS_FLUSH_S)  # listeners settle; start-up counts flushed
        commits0, rollbacks0 = self.counts()
        peak, sampling = [self.connections()], threading.Event()

        def sample() -> None:
            while not sampling.wait(0.05):
                peak.append(self.connections())

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.monotonic()
        for _ in range(jobs):
            with transaction(self.factory) as session:
                session.execute(insert(Job), [dict(self.row)])
                notify_job_available(session)
            time.sleep(gap_s)
        while self.done() < jobs and time.monotonic() - started < 60 + jobs * gap_s:
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        time.sleep(STATS_FLUSH_S)
        commits, rollbacks = (
            a - b for a, b in zip(self.counts(), (commits0, rollbacks0), strict=True)
        )
        sampling.set()
        sampler.join()
        events["stop"].set()
        counted = collections.Counter(job_id for _ in procs for job_id in claims.get())
        for proc in procs:
            proc.join()
        with self.factory() as session:
            rows = session.execute(
                select(Job.created_at, Job.started_at).where(Job.state == JobState.COMPLETED)
            ).all()
        pickup = sorted((r.started_at - r.created_at).total_seconds() * 1000 for r in rows)
        return {
            "workers": workers,
            "pods": len(pods),
            "jobs": jobs,
            "commits_per_job": round(commits / jobs, 2),
            "rollbacks_per_job": round(rollbacks / jobs, 2),
            "connections_peak": max(peak),
            "pickup_p50_ms": round(_pct(pickup, 50), 1),
            "pickup_p99_ms": round(_pct(pickup, 99), 1),
            "jobs_per_s": round(len(rows) / elapsed, 1),
            "duplicates": sum(1 for n in counted.values() if n > 1),
            "lost": jobs - len(rows),
            "window_s": round(elapsed + STATS_FLUSH_S, 1),
        }

    def done(self) -> int:
        with self.factory() as session:
            count = select(func.count()).where(Job.state == JobState.COMPLETED)
            return session.execute(count).scalar_one()

    def close(self) -> None:
        self.admin.close()
        self.engine.dispose()


def _pct(ordered: list[float], p: float) -> float:
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,16,64,200", help="comma-separated fleet sizes")
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--gap-ms", type=float, default=50)
    parser.add_argument("--rows", type=int, default=0, help="also time the claim on N old jobs")
    parser.add_argument("--json", type=Path, help="write the rows here too")
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    with throwaway_database(max_connections=100) as direct, tempfile.TemporaryDirectory() as tmp:
        upgrade(direct)
        with throwaway_pgbouncer(direct, pool_size=POOL_SIZE) as pooled:
            bench = Fleet(direct, pooled, Path(tmp))
            for workers in (int(n) for n in args.workers.split(",") if n):
                rows.append(bench.run(workers, args.jobs, args.gap_ms / 1000))
                print(json.dumps(rows[-1]), flush=True)
            bench.close()
        if args.rows:
            growth = claim_on_a_grown_table(direct, args.rows)
            print(json.dumps(growth, indent=2))
            rows.append(growth)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    bad = [r for r in rows if r.get("duplicates") or r.get("lost")]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
