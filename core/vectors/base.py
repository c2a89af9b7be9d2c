"""The vector index seam: records, our own filter format, and the two protocols every backend implements.

Callers speak only this: a `Where` (clauses ANDed) instead of a store's filter syntax, `VectorHit`s instead of a
store's result dictionaries. Each adapter (core/vectors/chroma.py, core/vectors/lance.py) translates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeAlias

import numpy as np

from core.errors import InvalidInput
from core.ml.base import Embedder

Scalar: TypeAlias = str | int | float | bool
Metadata: TypeAlias = Mapping[str, Scalar]
Op = Literal["eq", "in", "not_in", "gte", "lte"]
Vectors: TypeAlias = np.ndarray | Sequence[Sequence[float]]

# metadata keys become column names in some backends: keep them plain identifiers
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_field(name: str) -> str:
    if not _FIELD.fullmatch(name):
        raise InvalidInput(f"metadata key {name!r} must be a plain identifier (letters, digits, underscores)")
    return name


@dataclass(frozen=True)
class Clause:
    field: str
    op: Op
    value: Scalar | tuple[Scalar, ...]

    def matches(self, metadata: Metadata) -> bool:
        if self.field not in metadata:  # a record without the key passes no clause (as SQL NULL and Chroma do)
            return False
        have = metadata[self.field]
        if self.op == "eq":
            return have == self.value
        if self.op in ("in", "not_in"):
            assert isinstance(self.value, tuple)
            return (have in self.value) == (self.op == "in")
        assert isinstance(self.value, int | float) and isinstance(have, int | float)
        return have >= self.value if self.op == "gte" else have <= self.value


@dataclass(frozen=True)
class Where:
    """A metadata filter: every clause must hold. `Where()` matches everything.

    Built by chaining, e.g. `Where().eq("channel", "chat").one_of("product", ["a", ""]).gte("day", 20261101)`.
    `matches` is the reference meaning each adapter's translation must agree with (tests/core/vectors)."""

    clauses: tuple[Clause, ...] = ()

    def eq(self, name: str, value: Scalar) -> Where:
        return self._and(Clause(check_field(name), "eq", value))

    def one_of(self, name: str, values: Iterable[Scalar]) -> Where:
        return self._and(Clause(check_field(name), "in", tuple(values)))

    def none_of(self, name: str, values: Iterable[Scalar]) -> Where:
        values = tuple(values)
        return self._and(Clause(check_field(name), "not_in", values)) if values else self

    def gte(self, name: str, value: int | float) -> Where:
        return self._and(Clause(check_field(name), "gte", _number(value)))

    def lte(self, name: str, value: int | float) -> Where:
        return self._and(Clause(check_field(name), "lte", _number(value)))

    def _and(self, clause: Clause) -> Where:
        return Where((*self.clauses, clause))

    def __bool__(self) -> bool:
        return bool(self.clauses)

    @property
    def impossible(self) -> bool:
        """True when no record can match (an empty `one_of`): adapters answer without asking the store."""
        return any(c.op == "in" and not c.value for c in self.clauses)

    def fields(self) -> set[str]:
        return {c.field for c in self.clauses}

    def matches(self, metadata: Metadata) -> bool:
        return all(c.matches(metadata) for c in self.clauses)


def _number(value: int | float) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"range filters take numbers, got {value!r}")
    return value


@dataclass(frozen=True)
class VectorRecord:
    id: str
    metadata: dict[str, Scalar] = field(default_factory=dict)
    document: str | None = None


@dataclass(frozen=True)
class VectorHit:
    id: str
    distance: float  # cosine distance, 1 - cosine similarity, in every backend
    metadata: dict[str, Scalar] = field(default_factory=dict)
    document: str | None = None

    @property
    def similarity(self) -> float:
        return 1.0 - self.distance


def upsert_vectors(embedder: Embedder, vectors: Vectors | None, documents: Sequence[str] | None) -> np.ndarray:
    """The vectors an upsert stores: as given, or the documents embedded on the passage side."""
    if vectors is None:
        if documents is None:
            raise ValueError("upsert needs vectors or documents to embed")
        vectors = embedder.embed(list(documents), kind="passage")
    return np.ascontiguousarray(vectors, dtype=np.float32)


class VectorIndex(Protocol):
    """One named set of vectors of one embedder, with metadata and the text shown for each."""

    name: str
    embedder: Embedder

    def upsert(
        self,
        ids: Sequence[str],
        *,
        vectors: Vectors | None = None,
        documents: Sequence[str] | None = None,
        metadatas: Sequence[Metadata] | None = None,
    ) -> None:
        """Insert or replace whole records; without `vectors` the documents are embedded (passage side)."""
        ...

    def delete(self, *, ids: Sequence[str] | None = None, where: Where | None = None) -> None:
        """Remove the records with these ids and/or matching `where` (both given: both must hold)."""
        ...

    def query(
        self, vector: np.ndarray | Sequence[float], *, k: int = 10, where: Where | None = None, payload: bool = True
    ) -> list[VectorHit]:
        """The k nearest records that match `where`, nearest first; `payload=False` leaves metadata and document
        out (ids and distances only: the assist path needs no more)."""
        ...

    def get(
        self, *, ids: Sequence[str] | None = None, where: Where | None = None, payload: bool = True
    ) -> list[VectorRecord]:
        """Records by id and/or filter (neither: all), in no particular order."""
        ...

    def count(self) -> int: ...


class VectorBackend(Protocol):
    """Where indexes live (a folder, a server). Opening is cheap; the store is reached on first use."""

    name: str
    # capability: False when several processes on this machine writing to one index need care (see cli `serve`)
    shared_writers: bool

    def open(self, name: str, embedder: Embedder) -> VectorIndex:
        """The index of that name, created on first use, for vectors of `embedder`."""
        ...

    def ping(self) -> str:
        """A one-line description when the store answers; raises StoreUnavailable when it does not."""
        ...
