"""The hybrid head: a linear SVM over lexical TF-IDF features next to a weighted sentence embedding.

Hyper-parameters (the embedding's weight, C), the softmax temperature that turns margins into confidences, and the
threshold below which the answer is the fallback label are all chosen on a validation split carved from the
training rows, never on data the head is evaluated on. The head is then refitted on every training row.

The threshold has two rules. When the validation split holds enough rows of the fallback label (`other`: the
out-of-scope examples), it is the one that finds the most of them while in-scope accuracy stays within
`max_in_scope_drop` of answering every row (rule `out-of-scope`). Without them nothing says what out-of-scope looks
like, and the threshold is the lowest confidence whose kept answers are right `min_precision` of the time (rule
`precision`), which on an accurate head is 0: nothing falls back.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.errors import InvalidInput
from insights.classify.features import LexicalFeatures

WEIGHTS = (1.0, 2.0, 3.0)
CS = (0.3, 1.0)
TEMPERATURES = tuple(float(t) for t in np.geomspace(0.5, 60.0, 40))
DEFAULT_TEMPERATURE = 5.0
MIN_VALIDATION = 12
MIN_OTHER_VALIDATION = 10  # fallback rows the validation split needs before the out-of-scope rule is trusted
MAX_IN_SCOPE_DROP = 0.02


@dataclass
class Tuning:
    weight: float
    c: float
    temperature: float
    threshold: float
    validation_rows: int
    validation_accuracy: float | None
    grid: list[dict[str, float]] = field(default_factory=list)
    rule: str = "none"  # how the threshold was chosen: out-of-scope, precision, or none (too few validation rows)
    other_rows: int = 0  # fallback-label rows in the validation split
    in_scope_accuracy: float | None = None  # on validation, at the threshold (a fallback answer counts as wrong)
    other_recall: float | None = None  # fallback rows answered as the fallback, at the threshold


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores * temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def tune_threshold(confidence: np.ndarray, correct: np.ndarray, min_precision: float) -> float:
    """The lowest confidence at which the answers kept are right at least `min_precision` of the time.

    0 when every answer may be kept; a confidence no answer reaches (so: always the fallback) when even the most
    confident answers miss the target.
    """
    if len(confidence) == 0:
        return 0.0
    order = np.argsort(-confidence, kind="stable")
    hits = np.cumsum(correct[order])
    precision = hits / np.arange(1, len(order) + 1)
    ok = np.nonzero(precision >= min_precision)[0]
    if len(ok) == 0:
        return float(min(1.0, confidence.max() + 1e-6))
    last = ok[-1]
    if last == len(order) - 1:
        return 0.0
    return float(confidence[order[last]])


def out_of_scope_threshold(
    confidence: np.ndarray, best: np.ndarray, truth: np.ndarray, fallback: str, max_drop: float
) -> float:
    """The threshold that answers the most fallback rows as the fallback while in-scope accuracy (a fallback answer
    counting as wrong) stays within `max_drop` of the no-threshold accuracy; the lowest such threshold on ties."""
    inside = truth != fallback
    if not inside.any() or inside.all():
        return 0.0
    floor = float((best[inside] == truth[inside]).mean()) - max_drop
    best_t, best_recall = 0.0, -1.0
    for t in np.unique(np.concatenate([[0.0], confidence])):
        accuracy, recall = in_scope_and_recall(confidence, best, truth, fallback, float(t))
        if accuracy >= floor - 1e-12 and recall > best_recall:
            best_t, best_recall = float(t), recall
    return best_t


def in_scope_and_recall(
    confidence: np.ndarray, best: np.ndarray, truth: np.ndarray, fallback: str, threshold: float
) -> tuple[float, float]:
    """(in-scope accuracy, fallback recall) of the answers at `threshold`; NaN where there are no such rows."""
    answer = np.where(confidence >= threshold, best, fallback)
    inside = truth != fallback
    accuracy = float((answer[inside] == truth[inside]).mean()) if inside.any() else float("nan")
    recall = float((answer[~inside] == fallback).mean()) if (~inside).any() else float("nan")
    return accuracy, recall


def stratified_holdout(labels: Sequence[str], fraction: float = 0.2, seed: int = 13) -> tuple[list[int], list[int]]:
    """Train and validation indices; a label with a single row stays in training."""
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        by_label[label].append(i)
    rng = random.Random(seed)
    train: list[int] = []
    val: list[int] = []
    for label in sorted(by_label):
        rows = by_label[label][:]
        rng.shuffle(rows)
        n_val = max(1, round(len(rows) * fraction)) if len(rows) >= 2 else 0
        val += rows[:n_val]
        train += rows[n_val:]
    return sorted(train), sorted(val)


@dataclass(frozen=True)
class ThresholdRule:
    min_precision: float
    fallback: str | None
    max_drop: float


class HybridHead:
    """Fit with `HybridHead.fit`; `predict_proba(texts, vectors)` gives an (n, len(labels)) array."""

    def __init__(self, labels: list[str], lexical: LexicalFeatures, svm: Any, tuning: Tuning, dense: bool) -> None:
        self.labels = labels
        self.lexical = lexical
        self.svm = svm
        self.tuning = tuning
        self.dense = dense

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        vectors: np.ndarray | None,
        *,
        min_precision: float = 0.85,
        fallback: str | None = None,
        max_in_scope_drop: float = MAX_IN_SCOPE_DROP,
        weights: Sequence[float] = WEIGHTS,
        cs: Sequence[float] = CS,
        seed: int = 13,
    ) -> HybridHead:
        if len(texts) != len(labels) or (vectors is not None and len(vectors) != len(texts)):
            raise InvalidInput("texts, labels and vectors must have the same length")
        if len(set(labels)) < 2:
            raise InvalidInput("a classifier needs training rows for at least two labels")
        train, val = stratified_holdout(labels, seed=seed)
        tuning = Tuning(weight=weights[len(weights) // 2], c=cs[-1], temperature=DEFAULT_TEMPERATURE,
                        threshold=0.0, validation_rows=len(val), validation_accuracy=None)  # fmt: skip
        if len(val) >= MIN_VALIDATION:
            rule = ThresholdRule(min_precision, fallback, max_in_scope_drop)
            tuning = cls._tune(texts, labels, vectors, train, val, weights, cs, rule, seed)
        head = cls._fit_once(texts, labels, vectors, range(len(texts)), tuning, seed)
        return head

    @classmethod
    def _fit_once(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        vectors: np.ndarray | None,
        rows: Sequence[int],
        tuning: Tuning,
        seed: int,
    ) -> HybridHead:
        from sklearn.svm import LinearSVC

        lexical = LexicalFeatures()
        x = lexical.fit_transform([texts[i] for i in rows])
        dense = vectors is not None
        if dense:
            x = _stack(x, vectors[list(rows)], tuning.weight)  # type: ignore[index]
        svm = LinearSVC(C=tuning.c, random_state=seed, max_iter=5000)
        svm.fit(x, [labels[i] for i in rows])
        return cls([str(c) for c in svm.classes_], lexical, svm, tuning, dense)

    @classmethod
    def _tune(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        vectors: np.ndarray | None,
        train: list[int],
        val: list[int],
        weights: Sequence[float],
        cs: Sequence[float],
        rule: ThresholdRule,
        seed: int,
    ) -> Tuning:
        truth = np.array([labels[i] for i in val])
        val_texts = [texts[i] for i in val]
        val_vectors = vectors[val] if vectors is not None else None
        best: tuple[float, Tuning, np.ndarray, list[str]] | None = None
        grid: list[dict[str, float]] = []
        for weight in weights if vectors is not None else weights[:1]:
            for c in cs:
                trial = Tuning(weight, c, DEFAULT_TEMPERATURE, 0.0, len(val), None)
                head = cls._fit_once(texts, labels, vectors, train, trial, seed)
                scores = head.scores(val_texts, val_vectors)
                accuracy = float((np.array(head.labels)[scores.argmax(1)] == truth).mean())
                grid.append({"weight": weight, "c": c, "accuracy": round(accuracy, 4)})
                if best is None or accuracy > best[0]:
                    best = (accuracy, trial, scores, head.labels)
        assert best is not None
        accuracy, tuning, scores, best_labels = best
        index = {label: i for i, label in enumerate(best_labels)}
        known = np.array([t in index for t in truth])
        gold = np.array([index.get(t, 0) for t in truth])
        tuning.temperature = _fit_temperature(scores[known], gold[known])
        probs = softmax(scores, tuning.temperature)
        confidence, best_label = probs.max(1), np.array(best_labels)[probs.argmax(1)]
        tuning.other_rows = int((truth == rule.fallback).sum()) if rule.fallback else 0
        if rule.fallback and tuning.other_rows >= MIN_OTHER_VALIDATION:
            tuning.rule = "out-of-scope"
            tuning.threshold = out_of_scope_threshold(confidence, best_label, truth, rule.fallback, rule.max_drop)
        else:
            tuning.rule = "precision"
            correct = (probs.argmax(1) == gold) & known
            tuning.threshold = tune_threshold(confidence, correct, rule.min_precision)
        if rule.fallback:
            accuracy_at, recall_at = in_scope_and_recall(confidence, best_label, truth, rule.fallback, tuning.threshold)
            tuning.in_scope_accuracy = None if np.isnan(accuracy_at) else round(accuracy_at, 4)
            tuning.other_recall = None if np.isnan(recall_at) else round(recall_at, 4)
        tuning.validation_accuracy = accuracy
        tuning.grid = grid
        return tuning

    def scores(self, texts: Sequence[str], vectors: np.ndarray | None) -> np.ndarray:
        x = self.lexical.transform(list(texts))
        if self.dense:
            if vectors is None:
                raise InvalidInput("this head was trained with embeddings: pass the texts' vectors")
            x = _stack(x, vectors, self.tuning.weight)
        s = np.asarray(self.svm.decision_function(x), dtype=np.float64)
        if s.ndim == 1:  # binary: one margin for the second class
            s = np.stack([-s / 2, s / 2], axis=1)
        return s

    def predict_proba(self, texts: Sequence[str], vectors: np.ndarray | None) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(self.labels)))
        return softmax(self.scores(texts, vectors), self.tuning.temperature)


def _stack(x: Any, vectors: np.ndarray, weight: float) -> Any:
    from scipy import sparse

    return sparse.hstack([x, sparse.csr_matrix(np.asarray(vectors, dtype=np.float64) * weight)]).tocsr()


def _fit_temperature(scores: np.ndarray, gold: np.ndarray) -> float:
    """The softmax temperature with the lowest validation log-loss: confidences that mean what they say."""
    if len(gold) == 0:
        return DEFAULT_TEMPERATURE
    best_t, best_loss = DEFAULT_TEMPERATURE, float("inf")
    for t in TEMPERATURES:
        p = softmax(scores, t)[np.arange(len(gold)), gold]
        loss = float(-np.log(np.clip(p, 1e-12, 1.0)).mean())
        if loss < best_loss:
            best_t, best_loss = t, loss
    return best_t
