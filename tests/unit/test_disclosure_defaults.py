"""Disclosure is on unless a deployment turns it off, and every kind of alteration has its own
words (core.disclosure), true to what was done and to what the original shows."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core import disclosure
from core.settings import DisclosureWording, SdxlSettings, Settings


def test_the_disclosure_label_is_on_by_default_with_a_clean_copy_and_mls_presets():
    assert SdxlSettings().label_enabled is True
    fields = Settings.model_fields
    assert fields["offer_clean_copy"].default is True
    assert fields["mls_long_edge_px"].default == 2048
    table = disclosure.table(Settings())
    assert table["stage"].label == "Virtually staged"
    assert table["stage"].caption.startswith("Virtually staged: furniture and decor were added")


def test_each_kind_says_what_was_done_and_what_the_original_shows():
    table = disclosure.table(Settings())
    assert set(table) == {"stage", "declutter", "restage", "enhance", "sky", "twilight", "edited"}
    declutter, restage = table["declutter"].caption, table["restage"].caption
    assert "removed digitally" in declutter and "added" not in declutter
    assert "shows the room furnished" in declutter and "empty room is included" not in declutter
    assert "replaced digitally" in restage and "shows the room as it is furnished" in restage
    # An edit's brush may cover a digital piece or a real one: its caption claims neither.
    edited = table["edited"].caption
    assert "changed digitally" in edited and "empty room" not in edited
    assert "furnished" not in edited and "original photo is included" in edited
    # Every action an edit offers (jobs/edits.py EditAction: remove, redo, add) is named.
    assert all(done in edited for done in ("added", "removed", "generated again"))
    assert [entry.word for entry in table.values()] == [
        "staged",
        "decluttered",
        "restaged",
        "enhanced",
        "sky-replaced",
        "twilight",
        "edited",
    ]
    assert all(len(entry.label) <= disclosure.MAX_LABEL_CHARS for entry in table.values())


def test_a_deployment_rewords_one_kind_and_the_old_settings_still_word_a_staging():
    settings = Settings(
        disclosure={"declutter": DisclosureWording(caption="Emptied by software.")},
        mls_caption="Staged by software.",
        sdxl=SdxlSettings(label_text="Digitally staged"),
    )
    table = disclosure.table(settings)
    assert table["declutter"].caption == "Emptied by software."
    assert table["declutter"].label == disclosure.DEFAULTS["declutter"].label
    assert (table["stage"].caption, table["stage"].label) == (
        "Staged by software.",
        "Digitally staged",
    )
    assert table["restage"] == disclosure.DEFAULTS["restage"]
    newer = settings.model_copy(
        update={"disclosure": {"stage": DisclosureWording(caption="From DISCLOSURE.")}}
    )
    assert disclosure.table(newer)["stage"].caption == "From DISCLOSURE."


def test_disclosure_is_read_from_the_environment_and_unknown_kinds_are_refused(monkeypatch):
    monkeypatch.setenv("DISCLOSURE", '{"restage": {"label": "Furniture swapped digitally"}}')
    assert disclosure.disclosure_for("restage", Settings()).label == "Furniture swapped digitally"
    monkeypatch.setenv("DISCLOSURE", '{"decluter": {"label": "x"}}')
    with pytest.raises(ValidationError, match="unknown kind decluter"):
        Settings()
    monkeypatch.setenv("DISCLOSURE", '{"stage": {"label": "' + "x" * 61 + '"}}')
    with pytest.raises(ValidationError):
        Settings()


def test_the_kind_of_a_job_and_of_a_job_made_from_a_removal():
    assert disclosure.kind_of("declutter", {}) == "declutter"
    assert disclosure.kind_of("stage", {disclosure.SNAPSHOT_KEY: "restage"}) == "restage"
    assert disclosure.kind_of("stage", {disclosure.SNAPSHOT_KEY: "unheard-of"}) == "stage"
    assert disclosure.after("declutter", "stage") == "restage"
    assert disclosure.after("stage", "stage") is None


def test_a_listing_of_mixed_kinds_captions_each_photo():
    settings = Settings()
    assert disclosure.listing_caption(["stage", "stage"], settings) == (
        disclosure.DEFAULTS["stage"].caption
    )
    lines = disclosure.listing_caption(["stage", "declutter", "stage"], settings).splitlines()
    assert lines == [
        f"Photos 01, 03: {disclosure.DEFAULTS['stage'].caption}",
        f"Photo 02: {disclosure.DEFAULTS['declutter'].caption}",
    ]


def test_finishing_captions_say_only_what_their_pass_can_do():
    table = disclosure.table(Settings())
    enhance, sky, twilight = (table[kind].caption for kind in ("enhance", "sky", "twilight"))
    # Auto-enhance changes tone and may straighten (and so crop): it adds and removes nothing,
    # and a photo that needs no correction gets none, so the caption says "where needed".
    assert "Nothing was added to or removed from the scene" in enhance
    assert "where needed" in enhance and "trims the edges of the frame" in enhance
    assert "Sky digitally replaced" in sky and "not the sky on the day" in sky
    # The preview grade finds no windows: the caption must not promise lit windows.
    assert "taken in daylight" in twilight and "not real" in twilight
    for caption in (enhance, sky, twilight):
        assert "original" in caption and len(caption) <= disclosure.MAX_CAPTION_CHARS
    assert [disclosure.kind_of(mode, {}) for mode in ("enhance", "sky", "twilight")] == [
        "enhance",
        "sky",
        "twilight",
    ]
