"""The shutdown's stop check: a step that would end past the grace is not begun."""

from __future__ import annotations

import time

from worker.signals import Shutdown


def test_the_check_stops_before_a_step_that_would_overrun_the_grace() -> None:
    shutdown = Shutdown(grace_s=1.0)
    check = shutdown.stop_check(lambda: False)
    time.sleep(0.3)
    assert not check()  # no stop requested: steps of any length run on
    shutdown.request()
    time.sleep(0.3)
    assert not check()  # 0.3 s steps: the next ends at 0.6 s of the 1 s grace
    time.sleep(0.45)
    assert check()  # 0.45 s steps: the next would end at 1.2 s


def test_the_check_passes_on_the_job_s_own_stop_and_drain_has_no_deadline() -> None:
    shutdown = Shutdown(grace_s=0.0)
    shutdown.drain()
    check = shutdown.stop_check(lambda: False)
    time.sleep(0.2)
    assert not check()
    assert shutdown.stop_check(lambda: True)()
    shutdown.request()  # SIGTERM while draining: the grace (none here) starts now
    assert check()
