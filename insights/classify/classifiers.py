"""The `Classifier` protocol and the embedding-head classifier (trained, or zero-shot from the taxonomy).

Every prediction carries a confidence; below the threshold the label is the taxonomy's fallback (`other`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from core.ml.base import Embedder, EmbedKind
from insights.classify.head import MAX_IN_SCOPE_DROP, HybridHead
from insights.classify.taxonomy import Taxonomy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prediction:
    label: str  # the fallback when the best label is not confident enough
    confidence: float  # of the best label
    best: str  # the best label before the threshold
    scores: dict[str, float] = field(default_factory=dict)
    model: str = ""
    version: str = ""


@runtime_checkable
class Classifier(Protocol):
    name: str
    version: str
    taxonomy: Taxonomy

    def classify(self, texts: Sequence[str]) -> list[Prediction]:
        """One prediction per text, each label from the taxonomy (the fallback included)."""
        ...


class CachingEmbedder:
    """Embeds each distinct text once, so the intent, issue, loss-reason and sentiment heads share vectors."""

    def __init__(self, inner: Embedder, max_items: int = 50_000) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.reentrant = False  # its cache is not locked
        self._cache: dict[tuple[str, str], np.ndarray] = {}
        self._max = max_items

    def embed(self, texts: Sequence[str], *, kind: EmbedKind = "passage") -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if (kind, t) not in self._cache))
        if missing and len(self._cache) + len(missing) > self._max:
            self._cache.clear()  # a run moves on batch by batch; old turns are not asked for again
            missing = list(dict.fromkeys(texts))  # what was cached a moment ago is gone too
        if missing:
            for text, vector in zip(missing, self.inner.embed(missing, kind=kind), strict=True):
                self._cache[(kind, text)] = vector
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._cache[(kind, t)] for t in texts])


class HeadClassifier:
    """A hybrid head over the configured embedder; `trained` tells a head fitted on labels from zero-shot, and
    `distilled` one fitted on the LLM's labels from one fitted on yours."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        head: HybridHead,
        embedder: Embedder | None,
        *,
        trained: bool,
        data_version: str,
        threshold: float | None = None,
        distilled: bool = False,
    ) -> None:
        self.taxonomy = taxonomy
        self.head = head
        self.embedder = embedder
        self.trained = trained
        self.threshold = head.tuning.threshold if threshold is None else threshold
        embedder_name = embedder.name if embedder is not None else "tfidf"
        self.name = f"embedding-head/{embedder_name}"
        # provenance in every insight's model_version: your labels, the LLM's labels, or the taxonomy alone
        mode = "distilled" if distilled else "trained" if trained else "zero-shot"
        # the threshold decides labels too: changing it must re-label (the pipeline version hashes this)
        self.version = f"{mode}:{taxonomy.version}:{data_version[:12]}:t{self.threshold:.4g}"
        unknown = sorted(set(head.labels) - set(taxonomy.names))
        if unknown:
            log.warning("head predicts labels not in the taxonomy (%s); they are read as the fallback", unknown)

    def classify(self, texts: Sequence[str]) -> list[Prediction]:
        if not texts:
            return []
        vectors = self.embedder.embed(list(texts), kind="query") if self.head.dense and self.embedder else None
        probs = self.head.predict_proba(list(texts), vectors)
        valid = set(self.taxonomy.names)
        fallback = self.taxonomy.fallback
        out: list[Prediction] = []
        for row in probs:
            scores = {label: float(p) for label, p in zip(self.head.labels, row, strict=True)}
            i = int(row.argmax())
            best, confidence = self.head.labels[i], float(row[i])
            best = best if best in valid else fallback
            label = best if confidence >= self.threshold else fallback
            out.append(Prediction(label, round(confidence, 4), best, scores, self.name, self.version))
        return out


def data_version(texts: Sequence[str], labels: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(f"{label}\x1f{text}\x1e".encode())
    return digest.hexdigest()


def fit_head_classifier(
    taxonomy: Taxonomy,
    texts: Sequence[str],
    labels: Sequence[str],
    embedder: Embedder | None,
    *,
    min_precision: float = 0.85,
    threshold: float | None = None,
    max_in_scope_drop: float = MAX_IN_SCOPE_DROP,
    out_of_scope_rule: bool = True,
) -> HeadClassifier:
    """Fit a head on labelled rows plus the taxonomy's own descriptions and examples; rows labelled with the
    taxonomy's fallback are its out-of-scope examples (see `insights.classify.head` for the threshold rules;
    `out_of_scope_rule=False` keeps the precision rule whatever the rows, as the benchmark's earlier-rule row does)."""
    base_texts, base_labels = taxonomy.training_rows()
    all_texts = [*texts, *base_texts]
    all_labels = [*labels, *base_labels]
    vectors = embedder.embed(all_texts, kind="query") if embedder is not None else None
    head = HybridHead.fit(
        all_texts,
        all_labels,
        vectors,
        min_precision=min_precision,
        fallback=taxonomy.fallback if out_of_scope_rule else None,
        max_in_scope_drop=max_in_scope_drop,
    )
    return HeadClassifier(
        taxonomy,
        head,
        embedder,
        trained=bool(texts),
        data_version=data_version(all_texts, all_labels),
        threshold=threshold,
    )


def zero_shot_classifier(
    taxonomy: Taxonomy, embedder: Embedder | None, *, min_precision: float = 0.85, threshold: float | None = None
) -> HeadClassifier:
    """With no training rows: learn from the taxonomy's descriptions and examples alone."""
    return fit_head_classifier(taxonomy, [], [], embedder, min_precision=min_precision, threshold=threshold)
