"""Agent assist: question (or call context) → masked query → hybrid retrieval → abstain or answer with citations.

`Assistant.answer` returns an `Outcome` (the public `AssistResult` plus the query vector, which gap logging reuses);
`Assistant.stream` yields the same answer as events, citations first. Answers are extractive unless a chat model is
given; an LLM answer whose citations do not hold up falls back to the extractive one.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from core.errors import InvalidInput
from core.language import detect_language
from core.ml.base import Embedder
from core.runtime import Runtime
from core.vectors import VectorIndex
from knowledge import extractive
from knowledge.calibration import Calibration, features, load_calibration
from knowledge.context import Turn, query_from_context
from knowledge.corpus import ChunkInfo, Corpus, CorpusCache, Filters
from knowledge.llm import CitationError, llm_answer
from knowledge.retrieval import DenseRetriever, HybridRetriever, LexicalRetriever, Retrieval

log = logging.getLogger(__name__)

Mode = Literal["extractive", "llm", "abstained"]
ABSTAIN_TEXT = {
    "zh": "知识库中没有找到这个问题的答案。",
    "en": "Not in the knowledge base.",
}


class Citation(BaseModel):
    n: int = Field(description="The number used in the answer text, [n].")
    chunk_id: str
    document_id: str
    title: str
    section: str
    source: str
    quote: str


class AnswerSentence(BaseModel):
    text: str
    citations: list[int]


class AssistResult(BaseModel):
    id: str
    query: str = Field(description="What was searched: the masked question, or the query made from call context.")
    answer: str
    sentences: list[AnswerSentence]
    citations: list[Citation]
    confidence: float
    abstained: bool
    mode: Mode
    language: str | None
    fallback_reason: str | None = None
    latency_ms: float = 0.0
    retrieval_ms: float = 0.0


@dataclass(frozen=True)
class Outcome:
    result: AssistResult
    vector: np.ndarray | None
    product: str | None
    context: str | None


@dataclass
class _Prepared:
    id: str
    query: str
    language: str | None
    product: str | None
    context: str | None
    retrieval: Retrieval
    evidence: list[extractive.Evidence]
    weights: dict[str, float]
    confidence: float
    abstained: bool
    started: float
    retrieval_ms: float


def _mask(text: str) -> str:
    from ingest.masking import mask_text

    return mask_text(text)


class Assistant:
    def __init__(
        self,
        corpus: Callable[[], Corpus],
        retriever: HybridRetriever,
        *,
        chat_model: Any | None = None,
        calibration: Calibration | None = None,
        top_k: int = 4,
        max_chars: int = extractive.MAX_CHARS,
    ) -> None:
        self.corpus = corpus
        self.retriever = retriever
        self.chat_model = chat_model
        self.calibration = calibration or load_calibration(retriever.dense.embedder.name)
        self.top_k = top_k
        self.max_chars = max_chars

    # ------------------------------------------------------------ public

    def answer(
        self,
        question: str | None = None,
        *,
        context: list[Turn] | None = None,
        product: str | None = None,
        language: str | None = None,
        use_llm: bool = True,
    ) -> Outcome:
        prepared = self._prepare(question, context, product, language)
        return self._finish(prepared, use_llm=use_llm)

    def ask(self, question: str, *, product: str | None = None, language: str | None = None) -> AssistResult:
        """One question in, one answer out (the demo's and `cxloop kb ask`'s call)."""
        return self.answer(question, product=product, language=language).result

    def stream(
        self,
        question: str | None = None,
        *,
        context: list[Turn] | None = None,
        product: str | None = None,
        language: str | None = None,
        on_done: Callable[[Outcome], None] | None = None,
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """Events: 'citations' as soon as retrieval is done, then 'answer', then 'done'."""
        prepared = self._prepare(question, context, product, language)
        llm_pending = self.chat_model is not None and not prepared.abstained
        if llm_pending:
            # the LLM has not chosen yet: send the sources it may cite
            candidates = [h.chunk for h in prepared.retrieval.hits[: self.top_k]]
            early = [_citation(i + 1, c, c.text[:240]) for i, c in enumerate(candidates)]
        else:
            early = self._extractive(prepared)[1]
        yield "citations", {"id": prepared.id, "final": not llm_pending, "citations": [c.model_dump() for c in early]}
        outcome = self._finish(prepared, use_llm=True)
        if on_done is not None:
            on_done(outcome)
        yield "answer", outcome.result.model_dump(exclude={"latency_ms"})
        yield "done", {"id": prepared.id, "latency_ms": outcome.result.latency_ms}

    # ------------------------------------------------------------ stages

    def _prepare(
        self, question: str | None, context: list[Turn] | None, product: str | None, language: str | None
    ) -> _Prepared:
        started = time.perf_counter()
        context_text = "\n".join(f"{t.speaker}: {t.text}" for t in context) if context else None
        if question and question.strip():
            query = question.strip()
        elif context:
            query = query_from_context(context)
        else:
            raise InvalidInput("give a question, or call context with at least one customer turn")
        if not query:
            raise InvalidInput("the call context holds no question (only greetings or fillers)")
        query = _mask(query)
        context_text = _mask(context_text) if context_text else None
        filters = Filters(product=product or None, language=language or None)
        retrieval = self.retriever.search(query, k=max(self.top_k, extractive.TOP_CHUNKS), filters=filters)
        retrieval_ms = (time.perf_counter() - started) * 1000
        found = assess(self.corpus(), retrieval)
        confidence = self.calibration.confidence(found.features)
        abstained = not retrieval.hits or self.calibration.abstain(confidence)
        weights, evidence = found.weights, found.evidence
        return _Prepared(
            id=str(uuid.uuid4()),
            query=query,
            language=detect_language(query),
            product=product,
            context=context_text,
            retrieval=retrieval,
            evidence=evidence,
            weights=weights,
            confidence=round(confidence, 4),
            abstained=abstained,
            started=started,
            retrieval_ms=retrieval_ms,
        )

    def _extractive(self, p: _Prepared) -> tuple[list[AnswerSentence], list[Citation]]:
        chosen = extractive.select(p.evidence, p.weights, max_chars=self.max_chars)
        citations: list[Citation] = []
        sentences: list[AnswerSentence] = []
        for ev in chosen:
            n = next((c.n for c in citations if c.chunk_id == ev.chunk.id and c.quote == ev.text), None)
            if n is None:
                n = len(citations) + 1
                citations.append(_citation(n, ev.chunk, ev.text))
            sentences.append(AnswerSentence(text=ev.text, citations=[n]))
        return sentences, citations

    def _finish(self, p: _Prepared, *, use_llm: bool) -> Outcome:
        mode: Mode = "extractive"
        reason: str | None = None
        sentences: list[AnswerSentence] = []
        citations: list[Citation] = []
        abstained = p.abstained
        if not abstained and use_llm and self.chat_model is not None:
            try:
                cited = llm_answer(self.chat_model, p.query, p.retrieval.hits)
                if cited is None:
                    abstained, reason = True, "the model found no answer in the sources"
                else:
                    sentences, citations = _from_llm(cited, p.weights)
                    mode = "llm"
            except CitationError as exc:
                reason = f"LLM answer rejected: {exc.message}"
            except Exception as exc:  # an unreachable or failing model must not cost the agent an answer
                log.warning("chat model failed, answering extractively: %s", exc.__class__.__name__)
                reason = f"LLM unavailable: {exc.__class__.__name__}"
        if abstained:
            mode, sentences, citations = "abstained", [], []
            text = ABSTAIN_TEXT.get(p.language or "en", ABSTAIN_TEXT["en"])
        else:
            if mode == "extractive":
                sentences, citations = self._extractive(p)
            text = _render(sentences, p.language)
        result = AssistResult(
            id=p.id,
            query=p.query,
            answer=text,
            sentences=sentences,
            citations=citations,
            confidence=p.confidence,
            abstained=abstained,
            mode=mode,
            language=p.language,
            fallback_reason=reason,
            latency_ms=round((time.perf_counter() - p.started) * 1000, 2),
            retrieval_ms=round(p.retrieval_ms, 2),
        )
        return Outcome(result=result, vector=p.retrieval.vector, product=p.product, context=p.context)


@dataclass(frozen=True)
class Assessment:
    weights: dict[str, float]
    evidence: list[extractive.Evidence]
    features: list[float]


def assess(corpus: Corpus, retrieval: Retrieval) -> Assessment:
    """Sentence evidence and abstention features for a retrieval (shared with the benchmark's calibration)."""
    weights = extractive.term_weights(corpus, retrieval.terms)
    evidence = extractive.score_sentences(corpus, retrieval.hits, weights)
    chunk_terms = [
        frozenset().union(*(terms for _, terms in corpus.sentences(corpus.position[h.chunk.id])))
        for h in retrieval.hits[:4]
        if h.chunk.id in corpus.position
    ]
    return Assessment(weights, evidence, features(retrieval.hits, evidence, weights, chunk_terms))


def _citation(n: int, chunk: ChunkInfo, quote: str) -> Citation:
    return Citation(
        n=n,
        chunk_id=chunk.id,
        document_id=chunk.document_id,
        title=chunk.title,
        section=chunk.section,
        source=chunk.source,
        quote=quote,
    )


def _from_llm(cited: list[Any], weights: dict[str, float]) -> tuple[list[AnswerSentence], list[Citation]]:
    from knowledge.text import split_sentences, tokenize

    citations: list[Citation] = []
    sentences: list[AnswerSentence] = []
    for sentence in cited:
        numbers = []
        for chunk in sentence.chunks:
            existing = next((c for c in citations if c.chunk_id == chunk.id), None)
            if existing is None:
                # quote the chunk sentence closest to what the model said
                said = set(tokenize(sentence.text))
                parts = split_sentences(chunk.text) or [chunk.text]
                quote = max(parts, key=lambda s: len(said & set(tokenize(s))))
                existing = _citation(len(citations) + 1, chunk, quote)
                citations.append(existing)
            numbers.append(existing.n)
        sentences.append(AnswerSentence(text=sentence.text, citations=numbers))
    return sentences, citations


def _render(sentences: list[AnswerSentence], language: str | None) -> str:
    joiner = "" if language == "zh" else " "
    return joiner.join(f"{s.text} {''.join(f'[{n}]' for n in s.citations)}" for s in sentences).strip()


def build_assistant(
    sessions: Any,
    index: VectorIndex,
    embedder: Embedder,
    *,
    chat_model: Any | None = None,
    calibration: Calibration | None = None,
    corpus_cache: CorpusCache | None = None,
    query_threads: int = 1,
) -> Assistant:
    """`query_threads`: questions whose vectors may be computed at the same time (see `DenseRetriever`)."""
    cache = corpus_cache or CorpusCache(sessions)
    dense = DenseRetriever(cache.get, index, embedder, concurrency=query_threads)
    retriever = HybridRetriever(LexicalRetriever(cache.get), dense)
    return Assistant(cache.get, retriever, chat_model=chat_model, calibration=calibration)


def assistant_for(runtime: Runtime, *, use_llm: bool = True) -> Assistant:
    """The runtime's assistant, built on first use and then kept with it (it holds the BM25 snapshot and the loaded
    models): the one builder the API, the CLI, the demo and the benchmarks share. `use_llm=False`: extractive
    answers even when a chat model is configured."""

    def build() -> Assistant:
        return build_assistant(
            runtime.sessions,
            runtime.knowledge_index(),
            runtime.embedder(),
            chat_model=runtime.chat_model() if use_llm and runtime.settings.llm.uses.assist else None,
            query_threads=runtime.threads.queries,
        )

    return runtime.part("assistant" if use_llm else "assistant:extractive", build)
