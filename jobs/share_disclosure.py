"""The disclosure caption a share page shows beside staged photos."""

from __future__ import annotations

from core.settings import Settings
from jobs.models import JobMode


def disclosure_caption(settings: Settings, mode: JobMode) -> str:
    """The caption for photos altered in `mode`.

    It delegates to the deployment's caption setting (MLS_CAPTION): the same words the job page
    offers to paste into a listing and the MLS zip carries.
    """
    return settings.mls_caption
