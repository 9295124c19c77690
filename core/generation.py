"""The generation knobs a style may set and the SDXL_* settings default: names and limits.

One GPU-free definition, used by the settings, the catalog's validation, the admin style form
and the worker. The defaults themselves are the SDXL_* settings (core.settings.SdxlSettings).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

SCHEDULERS: dict[str, tuple[str, dict[str, Any]]] = {
    "dpmpp_2m_karras": ("DPMSolverMultistepScheduler", {"use_karras_sigmas": True}),
    "dpmpp_2m": ("DPMSolverMultistepScheduler", {}),
    "euler_a": ("EulerAncestralDiscreteScheduler", {}),
    "euler": ("EulerDiscreteScheduler", {}),
    "ddim": ("DDIMScheduler", {}),
    "unipc": ("UniPCMultistepScheduler", {}),
}
"""Scheduler name -> diffusers class and config overrides; the worker builds one of each."""

MAX_STEPS = 150
"""Denoising steps a style or SDXL_STEPS may ask for."""
MAX_PROTECTED_CLASSES = 150
"""ADE20K has 150 classes."""


def _known_scheduler(value: str) -> str:
    if value not in SCHEDULERS:
        raise ValueError(f"unknown scheduler; use one of {', '.join(SCHEDULERS)}")
    return value


Steps = Annotated[int, Field(ge=1, le=MAX_STEPS)]
GuidanceScale = Annotated[float, Field(ge=0, le=30)]
Strength = Annotated[float, Field(gt=0, le=1)]
Scheduler = Annotated[str, AfterValidator(_known_scheduler)]
ControlScale = Annotated[float, Field(ge=0, le=2)]
"""depth_scale, mlsd_scale and ip_adapter_scale."""
ControlEnd = Annotated[float, Field(gt=0, le=1)]
Share = Annotated[float, Field(ge=0, le=1)]
ClassName = Annotated[str, StringConstraints(min_length=1, max_length=60)]


class StyleParams(BaseModel):
    """Generation settings a style may override (styles.params); SDXL_* settings fill the rest.

    Unknown keys are refused, so that a misspelt knob is caught when the style is saved.
    """

    model_config = ConfigDict(extra="forbid")

    steps: Steps | None = None
    guidance_scale: GuidanceScale | None = None
    strength: Strength | None = None
    scheduler: Scheduler | None = None
    fast_tier: bool | None = None
    depth_scale: ControlScale | None = None
    mlsd_scale: ControlScale | None = None
    control_end: ControlEnd | None = None
    depth_in_mask: Share | None = None
    ip_adapter_scale: ControlScale | None = None
    protected_classes: list[ClassName] | None = Field(None, max_length=MAX_PROTECTED_CLASSES)
