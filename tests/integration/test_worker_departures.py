"""Workers that leave are recorded for a day: drained, stopped or removed after falling silent."""

from __future__ import annotations

from datetime import timedelta

from core.db import transaction, utcnow
from jobs import departures, fleet
from jobs.models import Departure, WorkerDeparture
from tests.factories import make_worker_record


def test_each_way_of_leaving_is_recorded_for_a_day(session_factory):
    with transaction(session_factory) as session:
        make_worker_record(session, "drained", jobs_done=4, drain_requested_at=utcnow())
        make_worker_record(session, "stopped", gpu_name="H100")
        make_worker_record(session, "silent", last_heartbeat_at=utcnow() - timedelta(hours=1))
        session.add(
            WorkerDeparture(
                worker_id="long-gone",
                host="h",
                generator="sdxl",
                version="1",
                started_at=utcnow() - timedelta(days=3),
                jobs_done=0,
                jobs_failed=0,
                how=Departure.STOPPED,
                left_at=utcnow() - timedelta(days=2),
            )
        )
    with transaction(session_factory) as session:
        fleet.deregister(session, worker_id="drained")
        fleet.deregister(session.connection(), worker_id="stopped")  # as the worker calls it
        assert fleet.prune_stale(session, silent_s=60) == 1
    with session_factory() as session:
        left = {d.worker_id: d for d in departures.recent(session)}
        assert {name: d.how for name, d in left.items()} == {
            "drained": Departure.DRAINED,
            "stopped": Departure.STOPPED,
            "silent": Departure.REMOVED,
        }
        assert left["drained"].jobs_done == 4 and left["stopped"].gpu_name == "H100"
        assert session.query(WorkerDeparture).filter_by(worker_id="long-gone").count() == 0
