"""Abstention: a logistic model over retrieval evidence, with a threshold calibrated on a validation split only.

Features (all computed from what retrieval and sentence scoring already produced, no extra model call):
- `sentence_coverage`: share of the question's term weight (BM25 idf) found in the best sentence;
- `chunk_coverage`: the same for the best chunk as a whole;
- `dense_top`: cosine similarity of the best dense hit; `dense_margin`: its lead over the second;
- `agreement`: 1 when BM25 and dense rank the same chunk first;
- `lexical_strength`: the best BM25 score over the question's total term weight;
- `specific_coverage`: sentence coverage counting only terms that are not in most of the retrieved chunks. Topic
  words ("Panthers", "净水器") are everywhere in a document set about the topic; the answer sentence is the one that
  also holds the question's specific words, and a set without the answer lacks exactly those.

Calibrations are fitted by `python bench/assist.py --calibrate` on the XQuAD validation split (questions whose
`qid_fold(qid) == 0`, about a fifth) and stored per embedder in `knowledge/calibration_data.py`; an embedder without
one uses the lexical-only calibration ("*"), which ignores dense similarity.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from knowledge.calibration_data import CALIBRATIONS
from knowledge.extractive import Evidence, coverage
from knowledge.retrieval import Hit

FEATURES = (
    "sentence_coverage",
    "chunk_coverage",
    "dense_top",
    "agreement",
    "dense_margin",
    "lexical_strength",
    "specific_coverage",
)
DENSE_FEATURES = (2, 4)  # zeroed for the lexical-only calibration


def qid_fold(qid: str, folds: int = 5) -> int:
    """Stable fold of a question id (md5, not Python's salted hash): fold 0 is the validation split."""
    return int(hashlib.md5(qid.encode()).hexdigest(), 16) % folds


def features(
    hits: list[Hit], evidence: list[Evidence], weights: dict[str, float], chunk_terms: list[frozenset[str]]
) -> list[float]:
    """The feature vector for `FEATURES`; `chunk_terms` are the terms of the top chunks, best first."""
    if not hits:
        return [0.0] * len(FEATURES)
    total = sum(weights.values()) or 1.0
    sentence_cov = max((e.coverage for e in evidence), default=0.0)
    chunk_cov = coverage(weights, chunk_terms[0]) if chunk_terms else 0.0
    dense = sorted((h.dense_score for h in hits if h.dense_rank is not None), reverse=True)
    dense_top = dense[0] if dense else 0.0
    dense_margin = dense[0] - dense[1] if len(dense) > 1 else dense_top
    agreement = 1.0 if hits[0].lexical_rank == 0 and hits[0].dense_rank == 0 else 0.0
    lexical = max((h.lexical_score for h in hits if h.lexical_rank is not None), default=0.0)
    topic = {t for t in weights if sum(t in terms for terms in chunk_terms) >= 3}
    specific = {t: w for t, w in weights.items() if t not in topic}
    specific_cov = max((coverage(specific, e.terms) for e in evidence[:10]), default=0.0) if specific else 0.0
    return [sentence_cov, chunk_cov, dense_top, agreement, dense_margin, lexical / total, specific_cov]


@dataclass(frozen=True)
class Calibration:
    name: str
    weights: tuple[float, ...]
    bias: float
    threshold: float
    fitted_on: str = ""

    def confidence(self, values: Sequence[float]) -> float:
        z = self.bias + sum(w * v for w, v in zip(self.weights, values, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def abstain(self, confidence: float) -> bool:
        return confidence < self.threshold

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "weights": list(self.weights),
            "bias": self.bias,
            "threshold": self.threshold,
            "fitted_on": self.fitted_on,
        }


def load_calibration(embedder_name: str) -> Calibration:
    data = CALIBRATIONS.get(embedder_name) or CALIBRATIONS["*"]
    return Calibration(
        name=str(data["name"]),
        weights=tuple(float(w) for w in data["weights"]),
        bias=float(data["bias"]),
        threshold=float(data["threshold"]),
        fitted_on=str(data.get("fitted_on", "")),
    )


def fit_calibration(
    name: str,
    answerable: Sequence[Sequence[float]],
    unanswerable: Sequence[Sequence[float]],
    *,
    fitted_on: str,
    lexical_only: bool = False,
) -> Calibration:
    """Logistic regression, then the threshold that maximises the worse of the two rates (answered, abstained)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.array([*answerable, *unanswerable], dtype=float)
    y = np.array([1] * len(answerable) + [0] * len(unanswerable))
    if lexical_only:
        x[:, list(DENSE_FEATURES)] = 0.0
        x[:, 3] = 0.0  # agreement needs the dense ranking too
    model = LogisticRegression(C=10.0, max_iter=1000).fit(x, y)
    weights = tuple(float(w) for w in model.coef_[0])
    calibration = Calibration(name, weights, float(model.intercept_[0]), 0.5, fitted_on)
    pos = np.array([calibration.confidence(v) for v in x[y == 1]])
    neg = np.array([calibration.confidence(v) for v in x[y == 0]])
    best_t, best = 0.5, -1.0
    for t in np.unique(np.concatenate([pos, neg])):
        worse = min(float((pos >= t).mean()), float((neg < t).mean()))
        if worse > best:
            best_t, best = float(t), worse
    return Calibration(name, weights, calibration.bias, round(best_t, 6), fitted_on)
