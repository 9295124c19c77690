"""The claim on a jobs table that keeps growing: its plan and its time with N finished jobs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Mapping
from typing import Any

import psycopg
from sqlalchemy import delete, insert
from sqlalchemy.dialects import postgresql

from core.db import make_engine, make_sessionmaker, transaction
from jobs.models import Job, JobState
from jobs.queue_sql import STATEMENTS, Offset
from tests.factories import job_values, make_style, make_user
from worker.wakeup import libpq_url

CLAIMS = 300


def _claim_sql() -> tuple[str, Mapping[str, Any]]:
    st = STATEMENTS["postgresql"]
    compiled = st.claim.compile(dialect=postgresql.psycopg.dialect())
    params = compiled.construct_params(
        {"worker_id": "bench", **st.clock.params({Offset.LEASE: 60.0})}
    )
    return compiled.string, params


def _time_claims(conn: psycopg.Connection, sql: str, params: Mapping[str, Any]) -> float:
    """Median ms of a claim that finds the one pending job (rolled back, so it stays pending)."""
    samples = []
    for _ in range(CLAIMS):
        started = time.perf_counter()
        with conn.transaction(force_rollback=True):
            assert conn.execute(sql, params).fetchone() is not None
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def claim_on_a_grown_table(url: str, rows: int) -> dict[str, Any]:
    """Time the claim with an empty history, then after adding `rows` finished jobs."""
    engine = make_engine(url)
    with transaction(make_sessionmaker(engine)) as session:
        session.execute(delete(Job))
        user, style = make_user(session, password_hash="x"), make_style(session)
        template = session.execute(
            insert(Job).returning(Job.id), [job_values(user, style, input_key="bench/x.jpg")]
        ).scalar_one()
        session.execute(insert(Job), [job_values(user, style, input_key="bench/pending.jpg")])
    engine.dispose()
    sql, params = _claim_sql()
    columns = [c.name for c in Job.__table__.columns if c.name != "id"]
    copied = ", ".join(
        {
            "state": f"'{JobState.COMPLETED.value}'",
            "finished_at": "now() - (n || ' s')::interval",
        }.get(name, name)
        for name in columns
    )
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        empty_ms = _time_claims(conn, sql, params)
        started = time.monotonic()
        conn.execute(
            f"INSERT INTO jobs ({', '.join(columns)}) SELECT {copied}"
            f" FROM jobs, generate_series(1, %s) AS n WHERE id = %s",
            (rows, template),
        )
        conn.execute("UPDATE jobs SET state = 'completed' WHERE id = %s", (template,))
        conn.execute("VACUUM ANALYZE jobs")
        filled_s = time.monotonic() - started
        grown_ms = _time_claims(conn, sql, params)
        with conn.transaction(force_rollback=True):
            plan = [r[0] for r in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)]
        sizes = conn.execute(
            "SELECT pg_total_relation_size('jobs'), pg_relation_size('ix_jobs_pending')"
        ).fetchone()
        if sizes is None:
            raise RuntimeError("the relation sizes query returned no row")
        size, pending_index = sizes
    return {
        "finished_rows": rows,
        "claim_ms_empty": round(empty_ms, 3),
        "claim_ms_grown": round(grown_ms, 3),
        "ratio": round(grown_ms / empty_ms, 2),
        "fill_s": round(filled_s, 1),
        "table_mb": round(size / 2**20, 1),
        "pending_index_kb": round(pending_index / 1024, 1),
        "plan": plan,
    }
