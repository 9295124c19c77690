"""Retention: delete final jobs older than RETENTION_DAYS and their stored images, in batches;
delete the files of attempts that no job points at (a lost lease, a failed attempt); and delete
room type guesses past GUESS_RETENTION (jobs.room_guesses; `--guesses-only` does just that); and
delete share links that ended more than a month ago (jobs.shares.ENDED_KEPT).

Each batch is its own short transaction (select ids, then delete rows), so the job table is never
locked for long and the worker's claims carry on. Images go first: a crash between the two steps
leaves rows without images, which the next run deletes, never images without rows.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from core.db import make_engine, make_sessionmaker, rowcount, transaction, utcnow
from core.settings import Settings, get_settings
from core.storage import Storage, attempt_of, attempt_prefix, job_prefix, make_storage
from jobs.models import FINAL_STATES, Job, JobState
from jobs.room_guesses import purge_guesses
from jobs.shares import purge_shares

BATCH_PAUSE_S = 0.2  # between batches, so vacuum and the workers' claims get their turn
ORPHAN_GRACE = timedelta(hours=1)
"""How long after a job ends its unreferenced attempts stay: a stale worker stops within a lease."""


@dataclass
class RetentionReport:
    """What one retention run did (or would do, in a dry run)."""

    cutoff: datetime
    jobs: int = 0
    objects: int = 0
    batches: int = 0
    orphans: int = 0
    guesses: int = 0
    shares: int = 0


def _expired(cutoff: datetime) -> tuple[ColumnElement[bool], ...]:
    return (Job.state.in_(FINAL_STATES), Job.created_at < cutoff)


def expired_job_ids(*, session: Session, cutoff: datetime, after_id: int, limit: int) -> list[int]:
    """The next batch of final jobs created before the cutoff, by id."""
    query = select(Job.id).where(*_expired(cutoff), Job.id > after_id).order_by(Job.id).limit(limit)
    return list(session.scalars(query))


def delete_jobs(*, session: Session, ids: list[int], cutoff: datetime) -> int:
    """Deletes those rows that are still final and expired (a retry may have revived one)."""
    result = session.execute(delete(Job).where(Job.id.in_(ids), *_expired(cutoff)))
    return rowcount(result)


def purge_expired_jobs(
    factory: sessionmaker[Session],
    storage: Storage,
    *,
    days: int,
    batch_size: int,
    dry_run: bool = False,
    pause_s: float = BATCH_PAUSE_S,
    now: datetime | None = None,
) -> RetentionReport:
    """Deletes expired jobs batch by batch; a dry run only counts them."""
    report = RetentionReport(cutoff=(now or utcnow()) - timedelta(days=days))
    after_id = 0
    while True:
        with transaction(factory) as session:
            ids = expired_job_ids(
                session=session, cutoff=report.cutoff, after_id=after_id, limit=batch_size
            )
        if not ids:
            return report
        after_id = ids[-1]
        report.batches += 1
        if dry_run:
            report.jobs += len(ids)
            continue
        for job_id in ids:
            report.objects += storage.delete_prefix(job_prefix(job_id))
        with transaction(factory) as session:
            report.jobs += delete_jobs(session=session, ids=ids, cutoff=report.cutoff)
        time.sleep(pause_s)


def _orphan_candidates(cutoff: datetime, ended_before: datetime) -> ColumnElement[bool]:
    """Final jobs that may hold files of an attempt they do not point at."""
    return (
        Job.state.in_(FINAL_STATES)
        & (Job.created_at >= cutoff)
        & (Job.finished_at < ended_before)
        & or_(Job.attempt > 1, Job.state != JobState.COMPLETED)
    )


def purge_orphaned_attempts(
    factory: sessionmaker[Session],
    storage: Storage,
    report: RetentionReport,
    *,
    batch_size: int,
    dry_run: bool = False,
    now: datetime | None = None,
) -> None:
    """Delete (or, in a dry run, count) the files of attempts no job's results point at."""
    ended_before, after_id = (now or utcnow()) - ORPHAN_GRACE, 0
    while True:
        with transaction(factory) as session:
            query = (
                select(Job.id, Job.result_keys)
                .where(_orphan_candidates(report.cutoff, ended_before), Job.id > after_id)
                .order_by(Job.id)
                .limit(batch_size)
            )
            rows = session.execute(query).all()
        if not rows:
            return
        after_id = rows[-1].id
        for job_id, result_keys in rows:
            kept = attempt_of(result_keys[0]) if result_keys else None
            keys = storage.keys(job_prefix(job_id))
            attempts = {a for a in map(attempt_of, keys) if a is not None}
            for attempt in sorted(attempts - {kept}):
                prefix = attempt_prefix(job_id, attempt)
                if dry_run:
                    report.orphans += sum(key.startswith(prefix) for key in keys)
                else:
                    report.orphans += storage.delete_prefix(prefix)


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    """`python -m jobs.retention [--dry-run] [--days N] [--batch-size N]`."""
    settings = settings or get_settings()
    parser = argparse.ArgumentParser(prog="retention", description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    parser.add_argument("--days", type=int, default=settings.retention_days)
    parser.add_argument("--batch-size", type=int, default=settings.retention_batch_size)
    parser.add_argument(
        "--guesses-only",
        action="store_true",
        help="only delete room type guesses past their time (cheap: run it every 10 minutes)",
    )
    args = parser.parse_args(argv)
    if args.days < 1 or args.batch_size < 1:
        parser.error("--days and --batch-size must be at least 1")
    engine = make_engine(
        settings.database_url,
        pooled=settings.database_pooled,
        timeouts=settings.database_timeouts,
    )
    factory, storage = make_sessionmaker(engine), make_storage(settings)
    try:
        report = RetentionReport(cutoff=utcnow() - timedelta(days=args.days))
        if not args.guesses_only:
            report = purge_expired_jobs(
                factory, storage, days=args.days, batch_size=args.batch_size, dry_run=args.dry_run
            )
            purge_orphaned_attempts(
                factory, storage, report, batch_size=args.batch_size, dry_run=args.dry_run
            )
            with transaction(factory) as session:
                report.shares = purge_shares(session, dry_run=args.dry_run)
        with transaction(factory) as session:
            report.guesses = purge_guesses(session, storage, dry_run=args.dry_run)
    finally:
        engine.dispose()
    verb = "would delete" if args.dry_run else "deleted"
    objects = "" if args.dry_run else f" and {report.objects} stored objects"
    print(
        f"retention: {verb} {report.jobs} jobs{objects} created before "
        f"{report.cutoff.isoformat(timespec='seconds')} in {report.batches} batches; "
        f"{verb} {report.orphans} files of unreferenced attempts; "
        f"{verb} {report.guesses} room type guesses; {verb} {report.shares} ended share links"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
