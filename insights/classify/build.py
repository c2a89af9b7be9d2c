"""Building the analyzer once per run: the insight kinds, their taxonomies, embedder, chat model, one classifier
per task the kinds read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.errors import InvalidInput
from core.ml.base import Embedder
from core.settings import Settings
from insights.classify.analyze import Analyzer
from insights.classify.backends import Parts, backends
from insights.classify.classifiers import CachingEmbedder, Classifier
from insights.classify.config import InsightSettings, heads_dir, insight_settings
from insights.classify.kinds.base import build_kinds
from insights.classify.taxonomy import TASK_FILES, Taxonomy, load_taxonomy


def load_taxonomies(config: InsightSettings, tasks: Sequence[str] | None = None) -> dict[str, Taxonomy]:
    """The taxonomies of `tasks` (default: every task that has one), checked for the labels the kinds rely on."""
    taxonomies = {task: load_taxonomy(task, config.taxonomy_dir) for task in (TASK_FILES if tasks is None else tasks)}
    if "sentiment" in taxonomies and not {"negative", "positive"} <= set(taxonomies["sentiment"].names):
        raise InvalidInput("the sentiment taxonomy needs 'negative' and 'positive' labels (turn scores use them)")
    if "outcome" in taxonomies and "lost" not in taxonomies["outcome"].names:
        raise InvalidInput("the outcome taxonomy needs a 'lost' label (loss reasons hang off it)")
    return taxonomies


def load_insight_embedder(settings: Settings, config: InsightSettings | None = None) -> Embedder:
    from core.ml.embedders import load_embedder

    config = config or insight_settings(settings)
    return load_embedder(settings, name=config.embedder)


def build_classifiers(
    settings: Settings,
    tasks: Sequence[str],
    *,
    embedder: Embedder | None = None,
    chat_model: Any | None = None,
    config: InsightSettings | None = None,
) -> dict[str, Classifier]:
    """One classifier per task from the configured backend, sharing one embedding cache."""
    config = config or insight_settings(settings)
    builder = backends.create(config.classifier, settings)
    taxonomies = load_taxonomies(config, tasks)
    if config.classifier == "llm" and chat_model is None:
        from core.ml.chat import load_chat_model

        chat_model = load_chat_model(settings)
    base = embedder or load_insight_embedder(settings, config)
    shared = base if isinstance(base, CachingEmbedder) else CachingEmbedder(base)
    parts = Parts(shared, chat_model, heads_dir(settings), config)
    return {task: builder(taxonomies[task], parts) for task in tasks}


def build_analyzer(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    chat_model: Any | None = None,
    config: InsightSettings | None = None,
) -> Analyzer:
    """Everything a run needs; `embedder` and `chat_model` default to the configured ones."""
    config = config or insight_settings(settings)
    kinds = build_kinds(config.kinds, settings.model_copy(update={"insights": config}))
    needed = {task for kind in kinds for task in kind.tasks}
    # a fixed order: the zero-shot fits share one embedding cache, so the same batches are embedded every run
    tasks = [task for task in TASK_FILES if task in needed] + sorted(needed - set(TASK_FILES))
    shared = CachingEmbedder(embedder or load_insight_embedder(settings, config))
    classifiers = build_classifiers(settings, tasks, embedder=shared, chat_model=chat_model, config=config)
    warnings = [warning for kind in kinds for warning in getattr(kind, "warnings", [])]
    return Analyzer(
        classifiers,
        kinds,
        warnings,
        scopes=config.scopes,
        sales_from_intent=config.sales_from_intent,
        embedder=shared,
    )
