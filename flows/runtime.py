"""Prefect environment for cxloop entry points. Call before the first `import prefect`."""

from __future__ import annotations

import os

from core.settings import Settings


def configure_prefect(settings: Settings) -> None:
    """In-process Prefect with its temporary local server unless PREFECT_API_URL points at a real one."""
    os.environ.setdefault("PREFECT_HOME", str((settings.data_dir / "prefect").resolve()))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("DO_NOT_TRACK", "1")
