"""Classifier backends by name (`insights.classifier` in settings): `embedding` (default) or `llm`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import ConfigError
from core.ml.base import Embedder
from core.ml.registry import Registry
from core.settings import Settings
from insights.classify.classifiers import Classifier, zero_shot_classifier
from insights.classify.config import InsightSettings
from insights.classify.taxonomy import Taxonomy


@dataclass
class Parts:
    """What a backend builds its classifiers from; loaded once per run."""

    embedder: Embedder | None
    chat_model: Any | None
    heads_dir: Path
    config: InsightSettings


Builder = Callable[[Taxonomy, Parts], Classifier]
backends: Registry[Builder] = Registry("classifier")


def build_embedding(taxonomy: Taxonomy, parts: Parts) -> Classifier:
    from insights.classify.training import load_trained

    cfg = parts.config
    threshold = cfg.threshold_for(taxonomy.task)
    trained = load_trained(parts.heads_dir, taxonomy, parts.embedder, threshold=threshold)
    if trained is not None:
        return trained
    return zero_shot_classifier(taxonomy, parts.embedder, min_precision=cfg.min_precision, threshold=threshold)


def build_llm(taxonomy: Taxonomy, parts: Parts) -> Classifier:
    from insights.classify.llm import LLMClassifier

    if parts.chat_model is None:
        raise ConfigError("insights.classifier=llm needs a chat model: set CXLOOP_LLM__PROVIDER (openai or local)")
    threshold = parts.config.threshold_for(taxonomy.task)
    threshold = 0.5 if threshold is None else threshold
    return LLMClassifier(
        parts.chat_model,
        taxonomy,
        build_embedding(taxonomy, parts),
        threshold=threshold,
        max_concurrency=parts.config.llm_concurrency,
    )


@backends.register("embedding", "hybrid TF-IDF + embedding head: trained from your CSV, else zero-shot (default)")
def _embedding(_: Settings) -> Builder:
    return build_embedding


@backends.register("llm", "the configured chat model with structured output; falls back to the embedding head")
def _llm(_: Settings) -> Builder:
    return build_llm
