"""Protocols for the swappable model stages. Each has one verb."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel

EmbedKind = Literal["query", "passage"]


class Segment(BaseModel):
    start: float
    end: float
    text: str


class Transcript(BaseModel):
    language: str
    duration: float
    segments: list[Segment]

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments).strip()


@runtime_checkable
class Transcriber(Protocol):
    name: str
    workers: int  # files it can transcribe at once (threads of one process share it)

    def transcribe(self, audio: Path | np.ndarray, *, language: str | None = None) -> Transcript:
        """Audio file, or float32 16 kHz mono samples, to timed text."""
        ...


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int
    reentrant: bool  # True when calls from several threads may run at once (the engine only reads the model)

    def embed(self, texts: Sequence[str], *, kind: EmbedKind = "passage") -> np.ndarray:
        """Texts to an (n, dim) float32 array of L2-normalised vectors."""
        ...


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: np.ndarray = vectors / norms
    return out
