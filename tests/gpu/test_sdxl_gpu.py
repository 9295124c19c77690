"""The sdxl generator on CUDA (fp16, fused QKV, channels_last) on tiny models; needs CUDA."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA"),
]


def test_generator_runs_in_half_precision_on_cuda(tmp_path: Any) -> None:
    from tests.factories import room_photo
    from tests.support.sdxl import tiny_settings
    from tests.support.tiny_models import build_tiny_models
    from worker.generators.base import GenerationRequest
    from worker.generators.sdxl import SdxlGenerator

    settings = tiny_settings(build_tiny_models(tmp_path), device="cuda", dtype="float16")
    generator = SdxlGenerator.from_settings(settings)
    assert generator.gpu and generator.gpu.name and generator.gpu.memory_mb > 0
    assert generator.pipe.unet.dtype == torch.float16
    photo = room_photo(96, 64)
    style = {"prompt": "a {room_type}", "params": {}}
    request = GenerationRequest(1, photo, "bedroom", style, variants=2, seed=5)
    result = generator.generate(request, lambda f, s: None, lambda: False)
    outside = np.asarray(result.mask) == 0
    for image in result.images:
        assert image.size == photo.size
        assert (np.asarray(image)[outside] == np.asarray(photo)[outside]).all()
