"""The worker loop: claim, run, finish, claim again; wait only when the queue is empty."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core.faults import DatabaseUnavailable, Fault, LeaseLost, classify
from core.settings import Settings
from core.storage import Storage
from core.version import __version__
from jobs import fleet, queue, room_guesses
from jobs.fleet import AttemptEnd
from jobs.models import JobMode, JobState
from jobs.queue import ClaimedJob
from jobs.room_guesses import ClaimedGuess
from worker import guesses
from worker.connection import DedicatedConnection
from worker.generators.base import GenerationResult, Generator, StopRequested
from worker.heartbeat import JobHeartbeat, touch_liveness
from worker.job_io import StoredResults, load_request, store_results
from worker.signals import Shutdown
from worker.video_job import render_video_job
from worker.wakeup import Wakeup

log = logging.getLogger(__name__)
T = TypeVar("T")

STALE_AFTER_LEASES = 10
"""A fleet row silent for this many leases belongs to a killed worker; the next start prunes it."""
GUESS_CHECK_S = 1.0
"""A busy worker looks for room type guesses with its finishing writes at most this often, so a
stream of short jobs pays no extra statement per job; an idle worker looks at every claim."""


def pod_host() -> str:
    """The RunPod pod id, else the machine's host name: the fleet row's host."""
    return os.environ.get("RUNPOD_POD_ID") or socket.gethostname()


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """How a run ended: the fenced write that records it, its fleet count and its log line."""

    write: Callable[[Connection], T]
    end: AttemptEnd
    report: Callable[[T], None]
    """Logs what the write found (not called when the database stayed unavailable)."""
    lease_deadline: float
    """time.monotonic() when the lease runs out: the write is tried again until then."""


def default_worker_id() -> str:
    """host-pid-random: unique across pods and restarts (WORKER_ID unset)."""
    return f"{pod_host()}-{os.getpid()}-{secrets.token_hex(3)}"


class Worker:
    """One worker process: its identity, its generator and storage, and the loop."""

    def __init__(
        self,
        settings: Settings,
        *,
        generator: Generator,
        storage: Storage,
        engine: Engine,
        shutdown: Shutdown,
    ) -> None:
        self.id = settings.worker_id or default_worker_id()
        self.settings = settings
        self.generator = generator
        self.storage = storage
        self.db = DedicatedConnection(engine)
        self.shutdown = shutdown
        self.guess: ClaimedGuess | None = None
        """A room type guess claimed with the last job claim, answered before that job runs."""
        self._guess_checked = 0.0
        self.wakeup = Wakeup(
            settings.database_url,
            listen_url=settings.database_listen_url,
            poll_interval_s=settings.poll_interval_s,
            stop=shutdown.requested,
            wake_dir=settings.wake_dir,
            worker_id=self.id,
            timeouts=settings.database_timeouts,
        )

    def register(self) -> None:
        """Add this worker's row to the fleet table, and prune the rows of killed workers."""
        gpu = self.generator.gpu

        def write(conn: Connection) -> None:
            # On the held connection: a worker process keeps one connection, no pool.
            with Session(bind=conn) as session:
                fleet.prune_stale(session, silent_s=STALE_AFTER_LEASES * self.settings.lease_s)
                fleet.register(
                    session,
                    worker_id=self.id,
                    host=pod_host(),
                    pid=os.getpid(),
                    generator=self.generator.name,
                    version=__version__,
                    gpu_name=gpu.name if gpu else None,
                    gpu_memory_mb=gpu.memory_mb if gpu else None,
                )

        self.db.transaction(write)

    def run(self) -> None:
        """Serve jobs until shutdown is requested; the fleet row lives as long as the loop."""
        self.register()
        log.info("worker started (%s generator)", self.generator.name, extra=self._extra())
        self.wakeup.start()
        job = self._claim()
        try:
            while not self.shutdown.requested.is_set():
                touch_liveness(self.settings.worker_liveness_file)
                if self.guess is not None:  # a guess takes a moment; an agent is waiting
                    self._answer_guess()
                    if job is None:
                        job = self._claim()
                    continue
                if job is not None:
                    job = self._serve(job, claim_next=True)
                    continue
                # The last claim (alone, or with the last finish) found nothing: wait first.
                self.wakeup.wait()
                if not self.shutdown.requested.is_set():
                    job = self._claim()
        finally:
            if job is not None:  # claimed with the last finish, as the stop request came in
                self._record(lambda conn: queue.release(conn, job=job, worker_id=self.id))
            if (claimed := self.guess) is not None:
                self._record(
                    lambda conn: room_guesses.finish(
                        conn, guess_id=claimed.id, worker_id=self.id, room_type=None, failed=True
                    )
                )
            self._record(lambda conn: fleet.deregister(conn, worker_id=self.id))
            self.close()
            log.info("worker stopped", extra=self._extra())

    def close(self) -> None:
        """Let go of the listener and the held connection (run() does this on its way out)."""
        self.wakeup.close()
        self.db.close()

    def run_once(self) -> bool:
        """Claim and run one job (and answer a pending room type guess first); False when
        there was no job or the database was unreachable."""
        job = self._claim()
        if self.guess is not None:
            self._answer_guess()
        if job is not None:
            self._serve(job, claim_next=False)
        return job is not None

    def _claim(self) -> ClaimedJob | None:
        def claim(conn: Connection) -> tuple[ClaimedJob | None, bool]:
            if fleet.draining(conn, worker_id=self.id):
                self.shutdown.drain()
                return None, True
            job = queue.claim(conn, worker_id=self.id, lease_s=self.settings.lease_s)
            self._claim_guess(conn)
            return job, fleet.beat(conn, worker_id=self.id, current_job_id=_running_id(job))

        try:
            job, listed = self.db.transaction(claim)
        except SQLAlchemyError as exc:
            log.error("claim failed, retrying later: %s", classify(exc) or exc, extra=self._extra())
            return None
        if not listed:  # pruned as stale during a long outage: back on the fleet page
            with contextlib.suppress(SQLAlchemyError):
                self.register()
        return job

    def _serve(self, job: ClaimedJob, *, claim_next: bool) -> ClaimedJob | None:
        """Run a claimed job and record its end; returns the next job when claim_next."""
        if job.state is JobState.RUNNING:
            return self._finish(job, self._run(job), claim_next=claim_next)
        log.warning("job failed: its last attempt was lost", extra=self._extra(job))
        return self._claim() if claim_next else None

    def _run(self, job: ClaimedJob) -> Outcome[Any]:
        """Generate and store the job's results; how the run ended, still to be recorded."""
        log.info("job claimed (%s)", job.stage, extra=self._extra(job))
        heartbeat = JobHeartbeat(
            self.db, self.settings, job_id=job.id, worker_id=self.id, shutdown=self.shutdown
        )
        try:
            with heartbeat:  # from the claim on: a slow download must not cost the lease
                result, stored = self._produce(job, heartbeat)
        except Exception as exc:
            if heartbeat.lease_lost.is_set():
                log.warning("job abandoned: lease lost, nothing recorded", extra=self._extra(job))
                return self._stopped(job, None, None, heartbeat)
            if isinstance(exc, StopRequested):
                if heartbeat.cancel_requested.is_set():
                    return self._stopped(job, queue.cancel, JobState.CANCELLED, heartbeat)
                return self._stopped(job, queue.release, JobState.PENDING, heartbeat)
            fault = classify(exc)
            if fault is None:
                log.exception("generation failed", extra=self._extra(job))
                fault = Fault(f"{type(exc).__name__}: {exc}")
            return self._failed(job, fault, heartbeat)
        return self._completed(job, result, stored, heartbeat)

    def _produce(
        self, job: ClaimedJob, heartbeat: JobHeartbeat
    ) -> tuple[GenerationResult, StoredResults]:
        """The job's outputs, stored: a video is rendered, every other kind generated."""
        if job.mode is JobMode.VIDEO:
            keys = render_video_job(
                self.storage, job, self.settings, heartbeat.on_progress, heartbeat.should_stop
            )
            if heartbeat.lease_lost.is_set():
                raise LeaseLost("the heartbeat lost the lease")
            return GenerationResult(images=[], seeds=[]), StoredResults(keys, None, False)
        request = load_request(self.storage, job)
        result = self.generator.generate(request, heartbeat.on_progress, heartbeat.should_stop)
        if heartbeat.lease_lost.is_set():
            raise LeaseLost("the heartbeat lost the lease")
        stored = store_results(
            self.storage, job, result, size=request.image.size, quality=self.settings.jpeg_quality
        )
        return result, stored

    def _completed(
        self,
        job: ClaimedJob,
        result: GenerationResult,
        stored: StoredResults,
        heartbeat: JobHeartbeat,
    ) -> Outcome[bool]:
        def write(conn: Connection) -> bool:
            return queue.complete(
                conn,
                job=job,
                worker_id=self.id,
                result_keys=stored.result_keys,
                mask_key=stored.mask_key,
                seeds=result.seeds,
                generator=self.generator.name,
                scores=result.scores,
                room_type_guess=result.room_type_guess,
                has_clean_copies=stored.has_clean_copies,
            )

        def report(done: bool) -> None:
            if done:
                log.info("job completed", extra=self._extra(job, JobState.COMPLETED))
            else:
                log.warning(
                    "lease lost before completing: another worker owns the job; "
                    "this attempt's results stay unreferenced",
                    extra=self._extra(job),
                )

        return Outcome(write, AttemptEnd.COMPLETED, report, heartbeat.lease_deadline())

    def _failed(
        self, job: ClaimedJob, fault: Fault, heartbeat: JobHeartbeat
    ) -> Outcome[JobState | None]:
        error = f"{fault.label}: {fault}" if type(fault) is not Fault else str(fault)

        def write(conn: Connection) -> JobState | None:
            return queue.fail(
                conn,
                job=job,
                worker_id=self.id,
                error=error,
                retry=fault.retry,
                base_s=self.settings.retry_base_s,
                cap_s=self.settings.retry_cap_s,
            )

        def report(state: JobState | None) -> None:
            if state is None:
                log.warning("lease lost: error not recorded: %s", error, extra=self._extra(job))
            else:
                log.warning("job attempt failed: %s", error, extra=self._extra(job, state))

        return Outcome(write, AttemptEnd.FAILED, report, heartbeat.lease_deadline())

    def _stopped(
        self,
        job: ClaimedJob,
        end: Callable[..., bool] | None,
        state: JobState | None,
        heartbeat: JobHeartbeat,
    ) -> Outcome[bool]:
        """Cancel or release the job (end=None: write nothing of it)."""

        def write(conn: Connection) -> bool:
            return end is not None and end(conn, job=job, worker_id=self.id)

        def report(done: bool) -> None:
            if done:
                log.info("job stopped", extra=self._extra(job, state))

        return Outcome(write, AttemptEnd.STOPPED, report, heartbeat.lease_deadline())

    def _finish(
        self, job: ClaimedJob, outcome: Outcome[Any], *, claim_next: bool
    ) -> ClaimedJob | None:
        """The fenced write that ends a job, plus the next claim, in ONE transaction.

        Committed before the next job runs, so the claim is still committed at once; the
        fenced write means the same as alone. While the database is unavailable it is tried
        again with backoff until the lease runs out (a blip must not cost an attempt).
        Returns the next job when claim_next.
        """

        def work(conn: Connection) -> tuple[Any, ClaimedJob | None]:
            written = outcome.write(conn)
            following = None
            if claim_next and fleet.draining(conn, worker_id=self.id):
                self.shutdown.drain()
            if claim_next and not self.shutdown.requested.is_set():
                following = queue.claim(conn, worker_id=self.id, lease_s=self.settings.lease_s)
                if time.monotonic() - self._guess_checked >= GUESS_CHECK_S:
                    self._claim_guess(conn)
            fleet.finished(
                conn, worker_id=self.id, end=outcome.end, current_job_id=_running_id(following)
            )
            return written, following

        try:
            written, following = self.db.transaction_until(
                work, deadline=outcome.lease_deadline, what="finishing write"
            )
        except DatabaseUnavailable as exc:
            log.error(
                "could not record the job's end: %s until its lease ran out; "
                "the job runs again once the lease has expired",
                exc,
                extra=self._extra(job),
            )
            return None
        except SQLAlchemyError as exc:
            log.error("could not record the job's end: %s", exc, extra=self._extra(job))
            return None
        outcome.report(written)
        return following

    def _claim_guess(self, conn: Connection) -> None:
        self.guess = room_guesses.claim(conn, worker_id=self.id)
        self._guess_checked = time.monotonic()

    def _answer_guess(self) -> None:
        claimed, self.guess = self.guess, None
        if claimed is not None:
            guesses.answer(self.db, self.storage, self.generator, claimed, worker_id=self.id)

    def _record(self, write: Callable[[Connection], Any]) -> Any:
        """Run one write in its own transaction; None when the database refused it."""
        try:
            return self.db.transaction(write)
        except SQLAlchemyError as exc:
            log.error("could not record: %s", classify(exc) or exc, extra=self._extra())
            return None

    def _extra(
        self, job: ClaimedJob | None = None, state: JobState | None = None
    ) -> dict[str, Any]:
        extra: dict[str, Any] = {"worker_id": self.id}
        if job is not None:
            extra.update(job_id=job.id, attempt=job.attempt)
        if state is not None:
            extra["state"] = state.value
        return extra


def _running_id(job: ClaimedJob | None) -> int | None:
    """The fleet's current job: a claimed job that is running (not one failed at reclaim)."""
    return job.id if job is not None and job.state is JobState.RUNNING else None
