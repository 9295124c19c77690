"""The staging path hands the depth ControlNet a control image blanked inside the mask (tiny
models; the real pipeline runs, the test only reads what it was given)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.support.sdxl import STYLE, request, run


class Recording:
    """The generator's pipeline, unchanged, keeping the arguments of each call."""

    def __init__(self, pipe: Any) -> None:
        object.__setattr__(self, "pipe", pipe)
        object.__setattr__(self, "calls", [])

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pipe, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.pipe, name, value)

    def __call__(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        return self.pipe(**kwargs)


@pytest.mark.parametrize(("keep", "blank"), [(None, True), (1.0, False)])
def test_the_depth_control_is_blanked_inside_the_mask_unless_the_style_keeps_it(
    sdxl_generator: Any, keep: float | None, blank: bool
) -> None:
    params = {} if keep is None else {"depth_in_mask": keep}
    style = {**STYLE, "params": params}
    recording = Recording(sdxl_generator.pipe)
    sdxl_generator.pipe = recording
    try:
        result, _ = run(sdxl_generator, request(variants=1, style=style))
    finally:
        sdxl_generator.pipe = recording.pipe
    depth = np.asarray(recording.calls[0]["control_image"][0])
    floor = depth[round(0.8 * depth.shape[0]) :]  # the geometric mask's bottom of the crop
    wall = depth[: round(0.1 * depth.shape[0])]
    assert wall.max() > 0
    assert bool(floor.max() == 0) is blank
    assert result.images[0].size == request().image.size
