"""Helpers of the fault tests: settings and URLs through a proxy, in-process workers, jobs."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.db import transaction
from core.settings import Settings
from core.storage import Storage, make_storage
from jobs.models import Job
from tests.factories import stored_job
from tests.support.s3server import r2_settings
from tests.support.tcpproxy import TcpProxy
from worker.generators.base import Generator
from worker.generators.preview import PreviewGenerator
from worker.loop import Worker
from worker.signals import Shutdown


def r2_through(proxy: TcpProxy, bucket: str, settings: Settings) -> Settings:
    """The settings with R2 storage reached through the proxy, with short timeouts."""
    r2 = r2_settings(
        f"http://{proxy.address}",
        bucket,
        settings.local_storage_dir,
        r2_connect_timeout_s=1,
        r2_read_timeout_s=2,
        r2_max_attempts=3,
        r2_call_timeout_s=1.5,
    )
    values = {name: getattr(r2, name) for name in r2.model_fields_set - {"local_storage_dir"}}
    return settings.model_copy(update=values)


def proxied_url(url: str, proxy: TcpProxy) -> str:
    """A database URL that goes through the proxy."""
    parts = urlsplit(url)
    return url.replace(parts.netloc, f"{parts.username}@{proxy.address}", 1)


class Workers:
    """In-process workers of one test, closed at its end."""

    def __init__(self) -> None:
        self.made: list[Worker] = []

    def make(
        self,
        settings: Settings,
        engine: Engine,
        *,
        generator: Generator | None = None,
        storage: Storage | None = None,
    ) -> Worker:
        worker = Worker(
            settings,
            generator=generator or PreviewGenerator(step_delay_s=0),
            storage=storage or make_storage(settings),
            engine=engine,
            shutdown=Shutdown(settings.shutdown_grace_s),
        )
        self.made.append(worker)
        return worker


def add_job(settings: Settings, factory: sessionmaker[Session], **fields: object) -> int:
    """A stored pending job (its photo in storage); returns its id."""
    with transaction(factory) as session:
        return stored_job(session, make_storage(settings), **fields).id


def load(factory: sessionmaker[Session], job_id: int) -> Job:
    """The job as the database holds it now."""
    with factory() as session:
        return session.get_one(Job, job_id)


def timed_run(worker: Worker) -> tuple[threading.Thread, list[float]]:
    """worker.run_once in a thread; the list gets its duration in seconds when it ends."""
    took: list[float] = []

    def run() -> None:
        start = time.monotonic()
        worker.run_once()
        took.append(time.monotonic() - start)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, took
