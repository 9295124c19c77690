"""The claim stays an index lookup however many finished jobs the table holds (PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, text
from sqlalchemy.dialects import postgresql

from core.db import transaction
from jobs.models import Job, JobState
from jobs.queue_sql import STATEMENTS, Offset
from tests.factories import job_values, make_style, make_user

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


def test_claim_reads_the_pending_index_not_the_finished_rows(engine, session_factory):
    with transaction(session_factory) as session:
        user, style = make_user(session), make_style(session)
        done = job_values(user, style, input_key="x", state=JobState.COMPLETED)
        session.execute(insert(Job), [dict(done) for _ in range(5000)])
        session.execute(insert(Job), [job_values(user, style, input_key="y")])
    st = STATEMENTS["postgresql"]
    compiled = st.claim.compile(dialect=postgresql.psycopg.dialect())
    params = compiled.construct_params({"worker_id": "w", **st.clock.params({Offset.LEASE: 60.0})})
    with engine.connect() as conn:
        conn.execute(text("ANALYZE jobs"))
        driver = conn.connection.driver_connection
        with driver.transaction(force_rollback=True):
            plan = "\n".join(row[0] for row in driver.execute("EXPLAIN " + compiled.string, params))
    assert "ix_jobs_pending" in plan, plan
    assert "Seq Scan" not in plan, plan
