"""Insight settings (the `insights` section of core.settings.Settings) and the paths derived from them.

Environment: `CXLOOP_INSIGHTS__CLASSIFIER=llm`, `CXLOOP_INSIGHTS__TAXONOMY_DIR=/etc/cxloop/taxonomies`, ...
"""

from __future__ import annotations

from pathlib import Path

from core.settings import InsightSettings, Settings

__all__ = ["InsightSettings", "catalog_path", "heads_dir", "insight_settings"]


def insight_settings(settings: Settings) -> InsightSettings:
    return settings.insights


def heads_dir(settings: Settings) -> Path:
    return settings.data_dir / "insights" / "heads"


def catalog_path(settings: Settings, config: InsightSettings) -> Path | None:
    """The configured catalog, else data/catalog.yaml, else the demo's catalog; None when there is none."""
    candidates = [config.catalog_path, settings.data_dir / "catalog.yaml", settings.demo_dir / "catalog.yaml"]
    return next((p for p in candidates if p is not None and p.exists()), None)


def score_model_path(settings: Settings, name: str) -> Path:
    """Where the lead or churn model fitted on this install's own outcomes is kept (absent: the priors)."""
    return settings.data_dir / "insights" / "scores" / f"{name}.json"
