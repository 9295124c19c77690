"""The worker loop: claim, run, finish, claim again; wait only when the queue is empty."""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from core.db import transaction
from core.settings import Settings
from core.storage import Storage, StorageError
from core.version import __version__
from jobs import fleet, queue
from jobs.models import JobState
from jobs.queue import ClaimedJob
from worker.connection import DedicatedConnection
from worker.generators.base import BadInput, GenerationResult, Generator, StopRequested
from worker.heartbeat import JobHeartbeat, touch_liveness
from worker.job_io import StoredResults, load_request, store_results
from worker.signals import Shutdown
from worker.wakeup import Wakeup

log = logging.getLogger(__name__)


def default_worker_id() -> str:
    """host-pid-random: unique across pods and restarts."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


class Worker:
    """One worker process: its identity, its generator and storage, and the loop."""

    def __init__(
        self,
        settings: Settings,
        *,
        generator: Generator,
        storage: Storage,
        factory: sessionmaker[Session],
        shutdown: Shutdown,
    ) -> None:
        self.id = settings.worker_id or default_worker_id()
        self.settings = settings
        self.generator = generator
        self.storage = storage
        self.factory = factory
        self.db = DedicatedConnection(factory.kw["bind"])
        self.shutdown = shutdown
        self.wakeup = Wakeup(
            settings.database_url,
            listen_url=settings.database_listen_url,
            poll_interval_s=settings.poll_interval_s,
            stop=shutdown.requested,
            wake_dir=settings.wake_dir,
            worker_id=self.id,
        )

    def register(self) -> None:
        """Add this worker's row to the fleet table."""
        with transaction(self.factory) as session:
            fleet.register(
                session,
                worker_id=self.id,
                host=os.environ.get("RUNPOD_POD_ID") or socket.gethostname(),
                pid=os.getpid(),
                generator=self.generator.name,
                version=__version__,
                gpu_name=getattr(self.generator, "gpu_name", None),
                gpu_memory_mb=getattr(self.generator, "gpu_memory_mb", None),
            )

    def run(self) -> None:
        """Serve jobs until shutdown is requested; the fleet row lives as long as the loop."""
        self.register()
        log.info("worker started (%s generator)", self.generator.name, extra=self._extra())
        self.wakeup.start()
        job: ClaimedJob | None = None
        try:
            while not self.shutdown.requested.is_set():
                touch_liveness(self.settings.worker_liveness_file)
                job = job or self._claim()
                if job is None:
                    self.wakeup.wait()
                else:
                    job = self._serve(job, claim_next=True)
        finally:
            if job is not None:  # claimed with the last finish, as the stop request came in
                self._record(lambda conn: queue.release(conn, job=job, worker_id=self.id))
            self._record(lambda conn: fleet.deregister(conn, worker_id=self.id))
            self.close()
            log.info("worker stopped", extra=self._extra())

    def close(self) -> None:
        """Let go of the listener and the held connection (run() does this on its way out)."""
        self.wakeup.close()
        self.db.close()

    def run_once(self) -> bool:
        """Claim and run one job; False when the queue is empty or the database unreachable."""
        job = self._claim()
        if job is not None:
            self._serve(job, claim_next=False)
        return job is not None

    def _claim(self) -> ClaimedJob | None:
        def claim(conn: Connection) -> ClaimedJob | None:
            job = queue.claim(conn, worker_id=self.id, lease_s=self.settings.lease_s)
            fleet.beat(conn, worker_id=self.id, current_job_id=_running_id(job))
            return job

        try:
            return self.db.transaction(claim)
        except SQLAlchemyError as exc:
            log.error("claim failed, retrying later: %s", exc, extra=self._extra())
            return None

    def _serve(self, job: ClaimedJob, *, claim_next: bool) -> ClaimedJob | None:
        """Run a claimed job and record its end; returns the next job when claim_next."""
        if job.state is JobState.RUNNING:
            return self._run(job, claim_next)
        log.warning("job failed: its last attempt was lost", extra=self._extra(job))
        return self._claim() if claim_next else None

    def _run(self, job: ClaimedJob, claim_next: bool) -> ClaimedJob | None:
        log.info("job claimed (%s)", job.stage, extra=self._extra(job))
        heartbeat = JobHeartbeat(
            self.factory,
            job_id=job.id,
            worker_id=self.id,
            lease_s=self.settings.lease_s,
            interval_s=self.settings.progress_interval_s,
            shutdown=self.shutdown,
            liveness_file=self.settings.worker_liveness_file,
        )
        try:
            request = load_request(self.storage, job)
            with heartbeat:
                result = self.generator.generate(
                    request, heartbeat.on_progress, heartbeat.should_stop
                )
                if heartbeat.lease_lost.is_set():
                    raise StopRequested
                stored = store_results(
                    self.storage,
                    job,
                    result,
                    size=request.image.size,
                    quality=self.settings.jpeg_quality,
                )
        except StopRequested:
            return self._stopped(job, heartbeat, claim_next)
        except BadInput as exc:
            return self._fail(job, f"bad input: {exc}", False, claim_next)
        except StorageError as exc:
            return self._fail(job, f"storage unavailable: {exc}", True, claim_next)
        except Exception as exc:
            log.exception("generation failed", extra=self._extra(job))
            return self._fail(job, f"{type(exc).__name__}: {exc}", True, claim_next)
        return self._complete(job, result, stored, claim_next)

    def _complete(
        self, job: ClaimedJob, result: GenerationResult, stored: StoredResults, claim_next: bool
    ) -> ClaimedJob | None:
        def write(conn: Connection) -> bool:
            return queue.complete(
                conn,
                job=job,
                worker_id=self.id,
                result_keys=stored.result_keys,
                mask_key=stored.mask_key,
                seeds=result.seeds,
                generator=self.generator.name,
            )

        done, following = self._finish(write, failed=False, claim_next=claim_next)
        if done:
            log.info("job completed", extra=self._extra(job, JobState.COMPLETED))
        else:
            log.warning(
                "lease lost before completing: results left for the new owner to overwrite",
                extra=self._extra(job),
            )
        return following

    def _fail(
        self, job: ClaimedJob, error: str, retryable: bool, claim_next: bool
    ) -> ClaimedJob | None:
        def write(conn: Connection) -> JobState | None:
            return queue.fail(
                conn,
                job=job,
                worker_id=self.id,
                error=error,
                retryable=retryable,
                base_s=self.settings.retry_base_s,
                cap_s=self.settings.retry_cap_s,
            )

        state, following = self._finish(write, failed=True, claim_next=claim_next)
        if state is None:
            log.warning("lease lost: error not recorded: %s", error, extra=self._extra(job))
        else:
            log.warning("job attempt failed: %s", error, extra=self._extra(job, state))
        return following

    def _stopped(
        self, job: ClaimedJob, heartbeat: JobHeartbeat, claim_next: bool
    ) -> ClaimedJob | None:
        if heartbeat.lease_lost.is_set():
            log.warning("job abandoned: lease lost, nothing written", extra=self._extra(job))
            end, state = None, None
        elif heartbeat.cancel_requested.is_set():
            end, state = queue.cancel, JobState.CANCELLED
        else:
            end, state = queue.release, JobState.PENDING

        def write(conn: Connection) -> bool:
            return end is not None and end(conn, job=job, worker_id=self.id)

        done, following = self._finish(write, failed=None, claim_next=claim_next)
        if done:
            log.info("job stopped", extra=self._extra(job, state))
        return following

    def _finish(
        self, write: Callable[[Connection], Any], *, failed: bool | None, claim_next: bool
    ) -> tuple[Any, ClaimedJob | None]:
        """The fenced write that ends a job, plus the next claim, in ONE transaction.

        Committed before the next job runs, so the claim is still committed at once; the
        fenced write means the same as alone, and if the transaction fails, neither the end
        nor the claim happened (the old job's lease then expires as with a failed write).
        None for the write's result when the database refused it.
        """

        def work(conn: Connection) -> tuple[Any, ClaimedJob | None]:
            outcome = write(conn)
            following = None
            if claim_next and not self.shutdown.requested.is_set():
                following = queue.claim(conn, worker_id=self.id, lease_s=self.settings.lease_s)
            fleet.finished(
                conn, worker_id=self.id, failed=failed, current_job_id=_running_id(following)
            )
            return outcome, following

        return self._record(work) or (None, None)

    def _record(self, write: Callable[[Connection], Any]) -> Any:
        """Run one write in its own transaction; None when the database refused it."""
        try:
            return self.db.transaction(write)
        except SQLAlchemyError as exc:
            # The job keeps its lease until it expires; then the claim hands it out again.
            log.error("could not record the outcome: %s", exc, extra=self._extra())
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
