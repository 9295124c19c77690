"""Auto-enhance: white balance, exposure and contrast in one curve, then straight verticals."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from worker.finishing.tone import Tone, ToneLimits, apply_tone, plan_tone
from worker.finishing.verticals import (
    VerticalCorrection,
    VerticalLimits,
    apply_verticals,
    plan_verticals,
)


@dataclass(frozen=True)
class EnhanceLimits:
    """Every limit of auto-enhance; the defaults suit eye-level listing photos."""

    tone: ToneLimits = field(default_factory=ToneLimits)
    verticals: VerticalLimits = field(default_factory=VerticalLimits)
    straighten: bool = True


@dataclass(frozen=True)
class Enhanced:
    """The enhanced photo (same size as the input) and what was done to it."""

    image: Image.Image
    tone: Tone
    tone_applied: bool
    verticals: VerticalCorrection


def auto_enhance(photo: Image.Image, limits: EnhanceLimits | None = None) -> Enhanced:
    """Deterministic: the same photo and limits always give the same pixels."""
    limits = limits or EnhanceLimits()
    rgb = np.asarray(photo if photo.mode == "RGB" else photo.convert("RGB"))
    tone = plan_tone(rgb, limits.tone)
    tone_applied = not tone.is_identity()
    toned = apply_tone(rgb, tone) if tone_applied else rgb
    correction = (
        plan_verticals(toned, limits.verticals)
        if limits.straighten
        else VerticalCorrection(False, "straightening is off")
    )
    result = apply_verticals(toned, correction)
    return Enhanced(Image.fromarray(result, "RGB"), tone, tone_applied, correction)
