"""The one version string of Stagewright, reported by workers and the API."""

__version__ = "0.1.0"
