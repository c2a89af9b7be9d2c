"""The one way commands build their settings: environment and .env, with `--data-dir` on top."""

from __future__ import annotations

from pathlib import Path

from core.settings import Settings


def build_settings(data_dir: Path | None) -> Settings:
    settings = Settings() if data_dir is None else Settings(data_dir=data_dir)
    settings.ensure_dirs()
    return settings
