"""The API and the preview worker must run without torch: generator modules import it lazily."""

from __future__ import annotations

import subprocess
import sys

import pytest

MODULES = [
    "worker.generators",
    "worker.generators.base",
    "worker.generators.preview_removal",
    "worker.quality.gate",
    "worker.quality.variant_scores",
]


@pytest.mark.parametrize("module", MODULES)
def test_importing_does_not_import_gpu_libraries(module: str) -> None:
    code = (
        f"import sys, {module}; "
        "gpu = ('torch', 'diffusers', 'transformers', 'controlnet_aux', 'cv2'); "
        "bad = [m for m in gpu if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
