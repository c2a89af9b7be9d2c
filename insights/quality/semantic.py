"""Semantic items: does a turn say what the examples say, in any wording? Each sentence of the turns in scope is
embedded and compared with the item's examples (cosine similarity); the best sentence is the evidence.

An item may also list `counter_examples`: sentences that look alike but do not count (an apology for a search that
found nothing is not empathy; "you can book a repair in the app" books nothing). A sentence as close to a
counter-example as the item's bar, and closer to it than to every example, does not count, whatever its words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.ml.base import Embedder
from core.records import Turn
from core.sentences import split_sentences


@dataclass(frozen=True)
class Match:
    similarity: float  # to the closest example
    turn: Turn
    sentence: str
    counter: float = -1.0  # to the closest counter-example (-1: none listed)

    def vetoed(self, floor: float) -> bool:
        """Close to a counter-example (at least `floor`) and closer to it than to any example: looks like the item,
        means something else."""
        return self.counter >= floor and self.counter > self.similarity


class SemanticMatcher:
    """One per run: the examples of every item are embedded once."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._examples: dict[tuple[str, ...], np.ndarray] = {}

    def sentences(self, examples: Sequence[str], turns: Sequence[Turn], counter: Sequence[str] = ()) -> list[Match]:
        """Every sentence of `turns` with its similarity to `examples` (and to `counter`), in turn order."""
        pieces = [(t, s) for t in turns for s in split_sentences(t.text)]
        if not pieces:
            return []
        vectors = _unit(self.embedder.embed([s for _, s in pieces], kind="query"))
        similarity = (vectors @ self._vectors(tuple(examples)).T).max(axis=1)
        against = (vectors @ self._vectors(tuple(counter)).T).max(axis=1) if counter else np.full(len(pieces), -1.0)
        return [
            Match(round(float(sim), 4), turn, sentence, round(float(neg), 4))
            for (turn, sentence), sim, neg in zip(pieces, similarity, against, strict=True)
        ]

    def _vectors(self, examples: tuple[str, ...]) -> np.ndarray:
        if examples not in self._examples:
            self._examples[examples] = _unit(self.embedder.embed(list(examples), kind="query"))
        return self._examples[examples]


def _unit(vectors: np.ndarray) -> np.ndarray:
    v = np.asarray(vectors, dtype=np.float32)
    return np.asarray(v / np.clip(np.linalg.norm(v, axis=1, keepdims=True), 1e-12, None))
