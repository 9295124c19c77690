"""Faults against real parts: a PostgreSQL of the test's own that it stops and starts, and an
S3 endpoint (moto) or a database behind a proxy that refuses or stalls."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_sessionmaker, transaction
from core.migrations import upgrade
from core.settings import Settings
from core.storage import Storage, make_storage
from jobs.models import Job
from tests.factories import stored_job
from tests.support.pgcluster import Cluster, running_cluster
from tests.support.s3server import create_bucket, r2_settings, s3_server
from tests.support.tcpproxy import TcpProxy, tcp_proxy
from worker.generators.base import Generator
from worker.generators.preview import PreviewGenerator
from worker.loop import Worker
from worker.signals import Shutdown


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """A migrated PostgreSQL cluster of this test alone: stopping it harms no other test."""
    with running_cluster(durable=True) as cluster:
        upgrade(cluster.url)
        yield cluster


@pytest.fixture
def cluster_engine(cluster: Cluster) -> Iterator[Engine]:
    engine = make_engine(cluster.url)
    yield engine
    engine.dispose()


@pytest.fixture
def cluster_factory(cluster_engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(cluster_engine)


@pytest.fixture
def fault_settings(cluster: Cluster, tmp_path: Path) -> Settings:
    """Short leases and backoffs on the test's own cluster and local storage."""
    return Settings(
        _env_file=None,
        database_url=cluster.url,
        local_storage_dir=tmp_path / "storage",
        poll_interval_s=0.2,
        lease_s=4,
        progress_interval_s=0.05,
        retry_base_s=0.1,
        retry_cap_s=0.5,
        shutdown_grace_s=2,
        min_upload_side_px=32,
    )


@pytest.fixture
def s3_proxy(tmp_path: Path) -> Iterator[tuple[TcpProxy, str]]:
    """A moto S3 server behind a proxy; yields the proxy and a fresh bucket's name."""
    with s3_server() as endpoint:
        bucket = create_bucket(endpoint)
        parts = urlsplit(endpoint)
        with tcp_proxy(parts.hostname, parts.port) as proxy:
            yield proxy, bucket


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


@pytest.fixture
def workers() -> Iterator[Workers]:
    made = Workers()
    yield made
    for worker in made.made:
        worker.close()


def add_job(settings: Settings, factory: sessionmaker[Session], **fields: object) -> int:
    with transaction(factory) as session:
        return stored_job(session, make_storage(settings), **fields).id


def load(factory: sessionmaker[Session], job_id: int) -> Job:
    with factory() as session:
        return session.get(Job, job_id)


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
