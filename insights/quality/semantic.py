"""Semantic items: does a turn say what the examples say, in any wording? Each sentence of the turns in scope is
embedded and compared with the item's examples (cosine similarity); the best sentence is the evidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.ml.base import Embedder
from core.records import Turn
from core.sentences import split_sentences


@dataclass(frozen=True)
class Match:
    similarity: float
    turn: Turn
    sentence: str


class SemanticMatcher:
    """One per run: the examples of every item are embedded once."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._examples: dict[tuple[str, ...], np.ndarray] = {}

    def best(self, examples: Sequence[str], turns: Sequence[Turn]) -> Match | None:
        """The sentence of `turns` closest in meaning to any of `examples`; None when the turns say nothing."""
        pieces = [(t, s) for t in turns for s in split_sentences(t.text)]
        if not pieces:
            return None
        sentences = _unit(self.embedder.embed([s for _, s in pieces], kind="query"))
        similarity = (sentences @ self._vectors(tuple(examples)).T).max(axis=1)
        i = int(similarity.argmax())
        return Match(round(float(similarity[i]), 4), pieces[i][0], pieces[i][1])

    def _vectors(self, examples: tuple[str, ...]) -> np.ndarray:
        if examples not in self._examples:
            self._examples[examples] = _unit(self.embedder.embed(list(examples), kind="query"))
        return self._examples[examples]


def _unit(vectors: np.ndarray) -> np.ndarray:
    v = np.asarray(vectors, dtype=np.float32)
    return np.asarray(v / np.clip(np.linalg.norm(v, axis=1, keepdims=True), 1e-12, None))
