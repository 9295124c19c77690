"""check-models offline against tiny saved models, and a missing model id."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.integration.sdxl.conftest import tiny_settings
from tests.support.tiny_models import TinyModels
from worker.models_cli import check_models, model_specs


def test_check_models_passes_when_every_model_is_present(
    tiny_models: TinyModels, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check_models(tiny_settings(tiny_models)) == 0
    out = capsys.readouterr().out
    assert "all 5 models ready" in out
    assert {spec.role for spec in model_specs(tiny_settings(tiny_models))} == {
        "base", "controlnet-depth", "controlnet-mlsd", "depth", "mlsd",
    }  # fmt: skip


def test_check_models_names_a_missing_model_offline(
    tiny_models: TinyModels, tmp_path: pytest.TempPathFactory
) -> None:
    settings = tiny_settings(tiny_models, vae_model="stagewright-test/no-such-vae")
    code = (
        "import sys; from core.settings import Settings; "
        "from worker.models_cli import check_models; "
        f"sys.exit(check_models(Settings.model_validate_json({settings.model_dump_json()!r})))"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"^vae +stagewright-test/no-such-vae +missing", result.stdout, re.M)
    assert "1 model(s) not ready: vae" in result.stdout


def test_check_models_reports_a_broken_config(tiny_models: TinyModels, tmp_path) -> None:
    broken = tmp_path / "controlnet"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    settings = tiny_settings(tiny_models, controlnet_mlsd_model=str(broken))
    assert check_models(settings) == 1
