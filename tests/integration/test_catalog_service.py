"""Catalog service and seed: validation, edits, ordering, archiving, idempotent seeding."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.models import Style
from catalog.seed import load_seed_styles, seed_styles
from catalog.service import (
    create_style,
    get_style,
    list_active_styles,
    reorder,
    restore,
    search_styles,
    set_active,
    update_style,
)
from catalog.validation import validate_style_fields
from core.errors import Conflict, Invalid
from core.generation import MAX_STEPS, SCHEDULERS
from jobs.usage import archive_or_delete_style
from tests.factories import make_job, make_style, make_user

VALID = {
    "slug": "warm-modern",
    "name": "Warm modern",
    "prompt": "a {room_type} in a warm modern style",
    "palette": ["#AABBCC", "#112233"],
    "room_types": ["living_room", "bedroom"],
    "params": {"steps": 30, "guidance_scale": 7.5, "scheduler": "euler_a", "fast_tier": False},
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slug": "Bad Slug"}, "slug"),
        ({"slug": "-x"}, "slug"),
        ({"palette": ["#abc"]}, "palette.0"),
        ({"palette": ["red"]}, "palette.0"),
        ({"palette": []}, "palette"),
        ({"room_types": ["garage"]}, "room_types"),
        ({"prompt": "a {room} with {furniture}"}, "prompt"),
        ({"prompt": "a {room_type"}, "prompt"),
        ({"params": {"steps": 0}}, "params.steps"),
        ({"params": {"steps": MAX_STEPS + 1}}, "params.steps"),
        ({"params": {"guidance_scale": 31}}, "params.guidance_scale"),
        ({"params": {"strength": 1.5}}, "params.strength"),
        ({"params": {"scheduler": "magic"}}, "params.scheduler"),
        ({"params": {"depth_scale": 2.5}}, "params.depth_scale"),
        ({"params": {"strength": 0}}, "params.strength"),
        ({"params": {"guidance": 7}}, "params.guidance"),
        ({"params": {"protected_classes": "window"}}, "params.protected_classes"),
        ({"params": {"unknown_knob": 1}}, "params.unknown_knob"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_validation_names_the_bad_field(change, field):
    with pytest.raises(Invalid) as info:
        validate_style_fields({**VALID, **change})
    assert info.value.field == field
    assert info.value.message.startswith(field)


def test_valid_fields_are_normalised():
    values = validate_style_fields({**VALID, "room_types": ["bedroom", "bedroom"]})
    assert values["palette"] == ["#aabbcc", "#112233"]
    assert values["room_types"] == ["bedroom"]
    assert values["params"] == {
        "steps": 30,
        "guidance_scale": 7.5,
        "scheduler": "euler_a",
        "fast_tier": False,
    }


def test_create_update_activate_and_list(session_factory):
    with session_factory() as session:
        style = create_style(session, VALID)
        hidden = create_style(
            session, {**VALID, "slug": "hidden", "name": "Hidden", "is_active": False}
        )
        assert style.sort_order < hidden.sort_order
        with pytest.raises(Conflict):
            create_style(session, VALID)
        update_style(session, style, {"name": "Warmer modern", "palette": ["#000000"]})
        assert (style.name, style.palette, style.slug) == (
            "Warmer modern",
            ["#000000"],
            "warm-modern",
        )
        with pytest.raises(Invalid):
            update_style(session, style, {"params": {"steps": 500}})
        assert style.params["steps"] == 30
        with pytest.raises(Conflict):
            update_style(session, style, {"slug": "hidden"})
        assert [s.slug for s in list_active_styles(session)] == ["warm-modern"]
        set_active(session, hidden, True)
        assert [s.slug for s in list_active_styles(session)] == ["warm-modern", "hidden"]
        assert [s.slug for s in search_styles(session, search="HID")] == ["hidden"]
        assert search_styles(session, room_type="kitchen") == []


def test_reorder(session_factory):
    with session_factory() as session:
        a, _b, c = (make_style(session, name=name) for name in "abc")
        reorder(session, [c.id, a.id])
        assert [s.name for s in list_active_styles(session)] == ["c", "a", "b"]
        with pytest.raises(Invalid):
            reorder(session, [a.id, a.id])
        with pytest.raises(Invalid):
            reorder(session, [999_999])


def test_archive_when_used_delete_when_not(session_factory):
    with session_factory() as session:
        used, unused = make_style(session), make_style(session)
        make_job(session, user=make_user(session), style=used)
        assert archive_or_delete_style(session, unused) == "deleted"
        assert archive_or_delete_style(session, used) == "archived"
        assert (used.is_archived, used.is_active) == (True, False)
        assert session.scalars(select(Style)).all() == [used]
        with pytest.raises(Conflict, match="archived"):
            set_active(session, used, True)
        assert search_styles(session) == [] and search_styles(session, archived=True) == [used]
        restore(session, used)
        set_active(session, used, True)
        assert list_active_styles(session) == [used]


def test_seed_data_is_curated_and_valid():
    styles = load_seed_styles()
    slugs = {style["slug"] for style in styles}
    assert len(styles) >= 8 and len(slugs) == len(styles)
    assert {"modern", "scandinavian", "mid-century", "industrial", "coastal"} <= slugs
    for style in styles:
        values = validate_style_fields(style)
        assert "{room_type}" in values["prompt"]
        assert 4 <= len(values["palette"]) <= 6
        assert values["negative_prompt"]


def test_seed_is_idempotent_and_keeps_edits(session_factory):
    with session_factory() as session:
        created, present = seed_styles(session)
        assert len(created) == len(load_seed_styles()) and present == []
        modern = get_style(session, "modern")
        update_style(session, modern, {"name": "Modern (edited)"})
        rows = [(s.id, s.slug, s.name, s.sort_order) for s in session.scalars(select(Style))]

        created, present = seed_styles(session)
        assert created == [] and len(present) == len(rows)
        again = [(s.id, s.slug, s.name, s.sort_order) for s in session.scalars(select(Style))]
        assert again == rows
        assert get_style(session, "modern").name == "Modern (edited)"


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_the_sdxl_worker_runs_a_style_at_every_limit_the_catalog_allows(scheduler):
    from core.settings import SdxlSettings
    from worker.generators.sdxl_params import job_params

    limits = {"steps": MAX_STEPS, "guidance_scale": 30, "strength": 1, "scheduler": scheduler}
    style = validate_style_fields({**VALID, "params": {**limits, "depth_scale": 2}})
    params = job_params(style, "bedroom", SdxlSettings(), fast_tier_loaded=False)
    assert (params.steps, params.scheduler, params.depth_scale) == (MAX_STEPS, scheduler, 2)


def test_style_params_match_what_the_sdxl_worker_reads():
    from core.settings import SdxlSettings
    from worker.generators.sdxl_params import job_params

    for style in load_seed_styles():
        params = job_params(
            validate_style_fields(style),
            style["room_types"][0],
            SdxlSettings(),
            fast_tier_loaded=False,
        )
        if style["params"].get("fast_tier"):
            # Without the Lightning LoRA a fast-tier style runs the worker's standard tier.
            assert params.fast_tier_unavailable and params.steps == SdxlSettings().steps
            continue
        assert params.steps == style["params"]["steps"]
        assert params.guidance_scale == style["params"]["guidance_scale"]


def test_seed_fills_an_empty_catalog_once_and_a_deleted_style_stays_deleted(session_factory):
    with session_factory() as session:
        seed_styles(session)
        archive_or_delete_style(session, get_style(session, "bohemian"))
        session.flush()
        created, present = seed_styles(session)
        assert created == []
        assert get_style(session, "bohemian") is None
        assert "bohemian" not in present and "modern" in present
