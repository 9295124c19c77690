"""Faults against real parts: a PostgreSQL of the test's own that it stops and starts, and an
S3 endpoint (moto) or a database behind a proxy that refuses or stalls."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_sessionmaker
from core.migrations import upgrade
from core.settings import Settings
from tests.support.faults import Workers
from tests.support.pgcluster import Cluster, running_cluster
from tests.support.s3server import create_bucket, s3_server
from tests.support.tcpproxy import TcpProxy, tcp_proxy


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
        assert parts.hostname is not None and parts.port is not None, endpoint
        with tcp_proxy(parts.hostname, parts.port) as proxy:
            yield proxy, bucket


@pytest.fixture
def workers() -> Iterator[Workers]:
    made = Workers()
    yield made
    for worker in made.made:
        worker.close()
