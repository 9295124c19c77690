"""The quota reset, as a person reads it, not an ISO timestamp."""

from __future__ import annotations

from datetime import UTC, datetime

from accounts.service import describe_reset, quota_resets_at


def test_reset_reads_as_midnight_utc_and_the_time_left():
    now = datetime(2026, 12, 3, 18, 48, tzinfo=UTC)
    assert describe_reset(quota_resets_at(now), now) == "at midnight UTC, in 5 h 12 min"
    late = datetime(2026, 12, 3, 23, 59, 30, tzinfo=UTC)
    assert describe_reset(quota_resets_at(late), late) == "at midnight UTC, in 1 min"
