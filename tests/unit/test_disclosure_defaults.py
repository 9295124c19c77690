"""Disclosure is on unless a deployment turns it off."""

from __future__ import annotations

from core.settings import SdxlSettings, Settings


def test_the_disclosure_label_is_on_by_default_with_a_clean_copy_and_mls_presets():
    assert SdxlSettings().label_enabled is True
    assert SdxlSettings().label_text == "Virtually staged"
    fields = Settings.model_fields
    assert fields["offer_clean_copy"].default is True
    assert fields["mls_long_edge_px"].default == 2048
    assert "Virtually staged" in fields["mls_caption"].default
