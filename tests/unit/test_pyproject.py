"""pyproject.toml builds the product as a package: its dependencies are requirements*.txt's, line
for line, and it lists every product package and the files they read."""

from __future__ import annotations

import glob
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
PRODUCT = ["accounts", "api", "catalog", "core", "jobs", "worker"]
EXTRAS = {
    "requirements-gpu.txt": "gpu",
    "requirements-ops.txt": "ops",
    "requirements-dev.txt": "dev",
}


def requirements(name: str) -> list[str]:
    """A requirements file's own lines, comments dropped; an include of another file is the
    extra that holds it (requirements.txt's lines are the base, in every extra already)."""
    lines, extras = [], []
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if include := re.fullmatch(r"-r\s+(\S+)", line):
            extras += [EXTRAS[include[1]]] if include[1] != "requirements.txt" else []
        elif line:
            lines.append(line)
    return [f"stagewright[{','.join(sorted(extras))}]"] * bool(extras) + lines


def test_the_dependencies_are_requirements_txt() -> None:
    assert sorted(PROJECT["dependencies"]) == sorted(requirements("requirements.txt"))
    assert len(PROJECT["dependencies"]) >= 15


@pytest.mark.parametrize(("name", "extra"), EXTRAS.items())
def test_each_extra_is_its_requirements_file(name: str, extra: str) -> None:
    assert sorted(PROJECT["optional-dependencies"][extra]) == sorted(requirements(name))


def test_dev_installs_the_gpu_and_ops_extras() -> None:
    assert requirements("requirements-dev.txt")[0] == "stagewright[gpu,ops]"


def test_every_product_package_is_listed_and_nothing_else() -> None:
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for root in PRODUCT
        for init in (ROOT / root).rglob("__init__.py")
    }
    assert sorted(SETUPTOOLS["packages"]) == sorted(found)
    assert set(PRODUCT) <= found


def test_every_file_a_product_package_reads_is_package_data() -> None:
    data = SETUPTOOLS["package-data"]
    for root in PRODUCT:
        folder = ROOT / root
        files = {
            str(path.relative_to(folder))
            for path in folder.rglob("*")
            if path.is_file() and path.suffix not in {".py", ".pyc"}
        }
        matched = {
            name
            for pattern in data.get(root, [])
            for name in glob.glob(pattern, root_dir=folder, recursive=True)
        }
        assert files - matched == set(), root
    assert {"api", "catalog"} <= data.keys()
