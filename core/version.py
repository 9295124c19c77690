"""The one version string of Stagewright, pyproject.toml's, reported by workers and the API."""

import tomllib
from importlib import metadata
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def _read() -> str:
    try:
        return tomllib.loads(PYPROJECT.read_text())["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:  # installed as a package (pip install .): its metadata has the version
        return metadata.version("stagewright")
    except metadata.PackageNotFoundError:
        return "unknown"


__version__ = _read()
