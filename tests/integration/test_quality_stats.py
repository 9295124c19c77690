"""The quality gate's per-style figures: in the admin console and in /metrics, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accounts.models import Role
from core.db import transaction, utcnow
from jobs.models import JobState
from jobs.quality_stats import QUALITY_WINDOW, quality_by_style
from tests.factories import make_job, make_style, make_user
from tests.integration.test_metrics import scrape


def _record(seam: float, passed: bool, attempts: int, **more: float) -> dict:
    return {
        "values": {"seam": seam, **more},
        "thresholds": {},
        "passed": passed,
        "attempts": attempts,
        "seeds": list(range(attempts)),
    }


@pytest.fixture
def scored(session_factory):
    now = utcnow()
    with transaction(session_factory) as session:
        user = make_user(session)
        modern = make_style(session, slug="modern", name="Modern")
        coastal = make_style(session, slug="coastal", name="Coastal")
        done = {"state": JobState.COMPLETED, "finished_at": now - timedelta(days=1)}
        make_job(session, user=user, style=modern, **done, result_scores=[
            _record(2.0, True, 1, style=0.3), _record(10.0, False, 3, style=0.1),
        ])  # fmt: skip
        make_job(session, user=user, style=modern, **done, result_scores=[_record(6.0, True, 2)])
        make_job(session, user=user, style=coastal, **done, result_scores=[_record(1.0, True, 1)])
        # Outside the window, unfinished, or unscored: not counted.
        old = now - QUALITY_WINDOW - timedelta(days=1)
        make_job(session, user=user, style=coastal, state=JobState.COMPLETED, finished_at=old,
                 result_scores=[_record(50.0, False, 3)])  # fmt: skip
        make_job(session, user=user, style=coastal, state=JobState.RUNNING)
        make_job(session, user=user, style=coastal, **done)
    return now


def test_pass_rate_means_and_rerolls_per_style(session_factory, scored):
    with session_factory() as session:
        figures = {e.slug: e for e in quality_by_style(session, since=scored - QUALITY_WINDOW)}
    modern, coastal = figures["modern"], figures["coastal"]
    assert (modern.variants, modern.passed, modern.rerolls) == (3, 2, 3)
    assert modern.pass_rate == pytest.approx(2 / 3)
    assert modern.means == {"seam": pytest.approx(6.0), "style": pytest.approx(0.2)}
    assert (coastal.variants, coastal.pass_rate, coastal.means) == (1, 1.0, {"seam": 1.0})


def test_metrics_export_the_figures(session_factory, settings, scored):
    values = scrape(session_factory, settings)
    assert values[("stagewright_quality_pass_rate", (("style", "modern"),))] == pytest.approx(2 / 3)
    assert values[("stagewright_quality_variants", (("style", "coastal"),))] == 1
    assert values[("stagewright_quality_rerolls", (("style", "modern"),))] == 3
    key = ("stagewright_quality_score_mean", (("score", "style"), ("style", "modern")))
    assert values[key] == pytest.approx(0.2)


def test_admin_console_shows_the_figures(session_factory, scored, web_settings, engine):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.support.forms import sign_in

    with transaction(session_factory) as session:
        staff = make_user(session, role=Role.MERCHANDISER)
    with TestClient(create_app(web_settings)) as client:
        assert sign_in(client, staff.email).status_code == 303
        html = client.get("/admin/styles").text
    row = html[html.index('data-style="modern"') :].split("</tr>")[0]
    assert "<td>3</td><td>67%</td><td>3</td>" in row
    assert "6.000" in row and "0.200" in row


@pytest.fixture
def web_settings(settings):
    return settings.model_copy(update={"min_upload_side_px": 32})
