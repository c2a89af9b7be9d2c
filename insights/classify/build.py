"""Building the analyzer once per run: taxonomies, catalog, embedder, chat model, one classifier per task."""

from __future__ import annotations

import hashlib
from typing import Any

from core.errors import InvalidInput
from core.ml.base import Embedder
from core.settings import Settings
from insights.classify.analyze import TASKS, Analyzer
from insights.classify.backends import Parts, backends
from insights.classify.catalog import load_catalog
from insights.classify.classifiers import CachingEmbedder
from insights.classify.config import InsightSettings, catalog_path, heads_dir, insight_settings, with_embedder
from insights.classify.taxonomy import Taxonomy, load_taxonomy


def load_taxonomies(config: InsightSettings) -> dict[str, Taxonomy]:
    taxonomies = {task: load_taxonomy(task, config.taxonomy_dir) for task in TASKS}
    names = set(taxonomies["sentiment"].names)
    if not {"negative", "positive"} <= names:
        raise InvalidInput("the sentiment taxonomy needs 'negative' and 'positive' labels (turn scores use them)")
    if "lost" not in taxonomies["outcome"].names:
        raise InvalidInput("the outcome taxonomy needs a 'lost' label (loss reasons hang off it)")
    return taxonomies


def load_insight_embedder(settings: Settings, config: InsightSettings | None = None) -> Embedder:
    from core.ml.embedders import load_embedder

    config = config or insight_settings(settings)
    return load_embedder(with_embedder(settings, config.embedder))


def build_analyzer(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    chat_model: Any | None = None,
    config: InsightSettings | None = None,
) -> Analyzer:
    """Everything a run needs; `embedder` and `chat_model` default to the configured ones."""
    config = config or insight_settings(settings)
    builder = backends.create(config.classifier, settings)
    taxonomies = load_taxonomies(config)
    if config.classifier == "llm" and chat_model is None:
        from core.ml.chat import load_chat_model

        chat_model = load_chat_model(settings)
    base = embedder or load_insight_embedder(settings, config)
    parts = Parts(CachingEmbedder(base), chat_model, heads_dir(settings), config)
    classifiers = {task: builder(taxonomies[task], parts) for task in TASKS}
    path = catalog_path(settings, config)
    catalog = load_catalog(path)
    catalog_version = hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path else "none"
    warnings = [] if len(catalog) else ["no product catalog: products come from conversation metadata only"]
    return Analyzer(classifiers, catalog, config.escalation_drop, catalog_version, warnings)
