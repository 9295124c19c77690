"""core/generation.py is the one definition the settings, the catalog and the worker share."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.generation import MAX_STEPS, SCHEDULERS
from core.settings import SdxlSettings


def test_the_settings_take_the_names_and_limits_a_style_may_use():
    assert [SdxlSettings(scheduler=name).scheduler for name in SCHEDULERS] == list(SCHEDULERS)
    with pytest.raises(ValidationError, match="unknown scheduler"):
        SdxlSettings(scheduler="plms")
    assert SdxlSettings(steps=MAX_STEPS).steps == MAX_STEPS
    with pytest.raises(ValidationError, match="less than or equal to 150"):
        SdxlSettings(steps=MAX_STEPS + 1)
