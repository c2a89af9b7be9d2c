"""An in-memory snapshot of every indexed chunk with its BM25 index, reloaded when the tables change.

Chunk texts for answers come from here (not from the vector index), so dense and lexical hits share one source of truth.
The snapshot is rebuilt from stored tokens, so the Chinese segmenter does not run again on reload.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.tables import ChunkRow, DocumentRow
from core.vectors import Where
from knowledge.text import sentence_terms, split_sentences, tokenize

GENERAL_PRODUCTS = ("", "all", "general")  # documents for every product pass any product filter


@dataclass(frozen=True)
class ChunkInfo:
    id: str
    document_id: str
    title: str
    source: str
    section: str
    product: str
    language: str
    text: str


@dataclass(frozen=True)
class Filters:
    product: str | None = None
    language: str | None = None
    exclude_documents: frozenset[str] = frozenset()

    def where(self) -> Where:
        """The same filter for the vector index (`mask` below is its in-memory twin)."""
        where = Where()
        if self.product:
            where = where.one_of("product", [self.product, *GENERAL_PRODUCTS])
        if self.language:
            where = where.eq("language", self.language)
        return where.none_of("document_id", sorted(self.exclude_documents))


@dataclass
class Corpus:
    chunks: list[ChunkInfo]
    bm25: Any  # bm25s.BM25, or None for an empty corpus
    signature: tuple[int, str]
    position: dict[str, int] = field(default_factory=dict)
    _products: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    _languages: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    _documents: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    _sentences: dict[int, list[tuple[str, frozenset[str]]]] = field(default_factory=dict)
    # per chunk, its sentences' float16 vectors as stored (decoded on use: a query looks at ~30 chunks), or None
    sentence_vectors: list[bytes | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.position = {c.id: i for i, c in enumerate(self.chunks)}
        self._products = np.array([c.product for c in self.chunks], dtype=object)
        self._languages = np.array([c.language for c in self.chunks], dtype=object)
        self._documents = np.array([c.document_id for c in self.chunks], dtype=object)

    def __len__(self) -> int:
        return len(self.chunks)

    def mask(self, filters: Filters | None) -> np.ndarray | None:
        """Boolean mask of chunks that pass the filters, or None when nothing is filtered."""
        if filters is None or not (filters.product or filters.language or filters.exclude_documents):
            return None
        keep = np.ones(len(self.chunks), dtype=bool)
        if filters.product:
            keep &= np.isin(self._products, [filters.product, *GENERAL_PRODUCTS])
        if filters.language:
            keep &= self._languages == filters.language
        if filters.exclude_documents:
            keep &= ~np.isin(self._documents, list(filters.exclude_documents))
        return keep

    def sentences(self, pos: int) -> list[tuple[str, frozenset[str]]]:
        """The chunk's sentences with their terms, computed once per snapshot."""
        cached = self._sentences.get(pos)
        if cached is None:
            cached = [(s, sentence_terms(s)) for s in split_sentences(self.chunks[pos].text)]
            self._sentences[pos] = cached
        return cached

    def sentence_similarity(self, pos: int, vector: np.ndarray) -> float | None:
        """The best cosine between `vector` and the chunk's sentences; None without sentence vectors (an index
        written before they existed, or by an embedder of another size)."""
        raw = self.sentence_vectors[pos] if pos < len(self.sentence_vectors) else None
        dim = vector.shape[0]
        if not raw or len(raw) % (2 * dim):
            return None
        matrix = np.frombuffer(raw, dtype=np.float16).reshape(-1, dim).astype(np.float32)
        return float((matrix @ vector).max())

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency of a term."""
        n = len(self.chunks)
        tid = self.bm25.vocab_dict.get(term) if self.bm25 is not None else None
        # a term no chunk contains is as specific as it gets: it must weigh in, or "who won the world cup"
        # would be fully covered by any sentence that mentions a cup
        df = 0 if tid is None else int(self._df()[tid])
        return float(np.log(1 + (n - df + 0.5) / (df + 0.5)))

    def _df(self) -> np.ndarray:
        cached: np.ndarray | None = getattr(self, "_df_cache", None)
        if cached is None:
            # the score matrix is column-compressed by term: each term's posting list length is its df
            cached = np.diff(self.bm25.scores["indptr"])
            object.__setattr__(self, "_df_cache", cached)
        return cached


def corpus_signature(session: Session) -> tuple[int, str]:
    count = session.scalar(select(func.count(ChunkRow.id)))
    latest = session.scalar(select(func.max(DocumentRow.indexed_at)))
    return int(count or 0), str(latest or "")


def load_corpus(sessions: sessionmaker[Session]) -> Corpus:
    import bm25s

    with sessions() as session:
        signature = corpus_signature(session)
        rows = session.execute(
            select(ChunkRow, DocumentRow.title, DocumentRow.source)
            .join(DocumentRow, ChunkRow.document_id == DocumentRow.id)
            .order_by(ChunkRow.document_id, ChunkRow.ordinal)
        ).all()
    chunks: list[ChunkInfo] = []
    tokens: list[list[str]] = []
    sentence_vectors: list[bytes | None] = []
    for row, title, source in rows:
        chunks.append(
            ChunkInfo(
                id=row.id,
                document_id=row.document_id,
                title=title,
                source=source,
                section=row.section_path,
                product=row.product or "",
                language=row.language or "",
                text=row.text,
            )
        )
        tokens.append(row.tokens.split() if row.tokens is not None else tokenize(row.text))
        sentence_vectors.append(row.sentence_vectors)
    bm25 = None
    if chunks:
        bm25 = bm25s.BM25()
        bm25.index(tokens, show_progress=False)
    return Corpus(chunks=chunks, bm25=bm25, signature=signature, sentence_vectors=sentence_vectors)


class CorpusCache:
    """The current snapshot; checks the tables at most every `ttl_s` seconds and reloads when they changed."""

    def __init__(self, sessions: sessionmaker[Session], *, ttl_s: float = 2.0) -> None:
        self.sessions = sessions
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._corpus: Corpus | None = None
        self._checked = 0.0

    def get(self) -> Corpus:
        now = time.monotonic()
        corpus = self._corpus
        if corpus is not None and now - self._checked < self.ttl_s:
            return corpus
        with self._lock:
            if self._corpus is not None and time.monotonic() - self._checked < self.ttl_s:
                return self._corpus
            with self.sessions() as session:
                signature = corpus_signature(session)
            if self._corpus is None or self._corpus.signature != signature:
                self._corpus = load_corpus(self.sessions)
            self._checked = time.monotonic()
            return self._corpus

    def invalidate(self) -> None:
        with self._lock:
            self._checked = 0.0
