"""Hybrid retrieval in both languages, filters, fusion, and the langchain retriever."""

from __future__ import annotations

from typing import Any

from knowledge.assist import Assistant
from knowledge.corpus import ChunkInfo, Filters
from knowledge.lc_retriever import KnowledgeRetriever
from knowledge.retrieval import Hit, fuse


def _top_section(assistant: Assistant, query: str, **filters: Any) -> str:
    hits = assistant.retriever.retrieve(query, k=3, filters=Filters(**filters) if filters else None)
    return hits[0].chunk.section


def test_english_and_chinese_questions_find_their_sections(assistant: Assistant) -> None:
    assert _top_section(assistant, "How often should I descale the kettle?") == "Descaling"
    assert _top_section(assistant, "滤芯多久更换一次？") == "滤芯更换"
    assert _top_section(assistant, "滤芯座漏水怎么办") == "漏水处理"
    assert _top_section(assistant, "remote control battery type") == "Remote control"


def test_lexical_alone_ranks_by_bm25(assistant: Assistant) -> None:
    hits = assistant.retriever.lexical.retrieve("citric acid descale", k=5)
    assert hits[0].chunk.section == "Descaling" and hits[0].lexical_rank == 0
    assert all(h.lexical_score > 0 for h in hits)
    assert assistant.retriever.lexical.retrieve("zzzz qqqq", k=5) == []


def test_product_filter_keeps_general_documents_and_language_filter(assistant: Assistant) -> None:
    hits = assistant.retriever.retrieve("退货 滤芯 warranty", k=10, filters=Filters(product="aquapure-x3"))
    assert {h.chunk.product for h in hits} <= {"aquapure-x3", "all"}
    assert "all" in {h.chunk.product for h in hits}  # the returns policy applies to every product
    hits = assistant.retriever.retrieve("warranty 保修 退货", k=10, filters=Filters(language="en"))
    assert hits and {h.chunk.language for h in hits} == {"en"}
    dense = assistant.retriever.dense.retrieve("warranty", k=10, filters=Filters(language="zh"))
    assert dense and {h.chunk.language for h in dense} == {"zh"}


def test_excluded_documents_never_come_back(assistant: Assistant) -> None:
    first = assistant.retriever.retrieve("descale the kettle", k=1)[0]
    hits = assistant.retriever.retrieve(
        "descale the kettle", k=10, filters=Filters(exclude_documents=frozenset({first.chunk.document_id}))
    )
    assert first.chunk.document_id not in {h.chunk.document_id for h in hits}


def _hit(cid: str, **kw: object) -> Hit:
    chunk = ChunkInfo(cid, "d", "t", "s", "", "", "en", "text")
    return Hit(chunk=chunk, score=0.0, **kw)  # type: ignore[arg-type]


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    lexical = [_hit("a", lexical_rank=0), _hit("b", lexical_rank=1), _hit("c", lexical_rank=2)]
    dense = [_hit("b", dense_rank=0, dense_score=0.9), _hit("c", dense_rank=1, dense_score=0.8)]
    fused = fuse(lexical, dense, k=3)
    assert [h.chunk.id for h in fused] == ["b", "c", "a"]
    assert fused[0].lexical_rank == 1 and fused[0].dense_rank == 0 and fused[0].dense_score == 0.9


def test_langchain_retriever_returns_documents_with_citation_metadata(assistant: Assistant) -> None:
    retriever = KnowledgeRetriever(retriever=assistant.retriever, k=2, language="zh")
    docs = retriever.invoke("滤芯多久更换")
    assert docs and docs[0].metadata["section"] == "滤芯更换"
    assert {"chunk_id", "document_id", "title", "source", "product"} <= set(docs[0].metadata)
    assert all(d.metadata["language"] == "zh" for d in docs)


def test_repeated_queries_are_embedded_once_and_the_cache_is_bounded() -> None:
    import numpy as np
    import pytest

    from knowledge.corpus import Corpus
    from knowledge.retrieval import DenseRetriever
    from tests.conftest import FakeEmbedder

    class Counting(FakeEmbedder):
        calls = 0

        def embed(self, texts, *, kind="passage"):
            Counting.calls += len(texts)
            return super().embed(texts, kind=kind)

    dense = DenseRetriever(lambda: Corpus([], None, (0, "")), None, Counting(), cache_size=2)  # type: ignore[arg-type]
    first = dense.embed_query("descale the kettle")
    again = dense.embed_query("descale the kettle")
    assert Counting.calls == 1 and again is first and dense.cache_hits == 1
    assert np.allclose(first, Counting().embed(["descale the kettle"], kind="query")[0])
    with pytest.raises(ValueError):
        first[0] = 1.0  # shared between requests: read-only
    dense.embed_query("b")
    dense.embed_query("c")  # evicts the least recently used ("descale the kettle")
    dense.embed_query("descale the kettle")
    assert Counting.calls == 5  # 4 embeddings above plus the check's own call


def test_query_embeddings_run_concurrently_only_for_reentrant_embedders() -> None:
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from knowledge.corpus import Corpus
    from knowledge.retrieval import DenseRetriever
    from tests.conftest import FakeEmbedder

    class Slow(FakeEmbedder):
        def __init__(self, reentrant: bool) -> None:
            super().__init__()
            self.reentrant = reentrant
            self.inside = 0
            self.most = 0
            self.guard = threading.Lock()

        def embed(self, texts, *, kind="passage"):
            with self.guard:
                self.inside += 1
                self.most = max(self.most, self.inside)
            time.sleep(0.05)
            with self.guard:
                self.inside -= 1
            return super().embed(texts, kind=kind)

    for reentrant, expected in ((True, 2), (False, 1)):
        embedder = Slow(reentrant)
        dense = DenseRetriever(lambda: Corpus([], None, (0, "")), None, embedder, concurrency=2)  # type: ignore[arg-type]
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(dense.embed_query, [f"question {i}" for i in range(6)]))
        assert dense.concurrency == expected and embedder.most == expected


def test_the_best_sentence_reranks_fused_hits_and_chunks_without_sentence_vectors_use_their_own_cosine() -> None:
    import numpy as np

    from knowledge.corpus import Corpus
    from knowledge.retrieval import boost_by_sentences

    def chunk(cid: str) -> ChunkInfo:
        return ChunkInfo(cid, "d" + cid, "t", "s", "", "", "en", "text")

    q = np.array([1.0, 0.0], dtype=np.float32)
    answer = np.array([[0.0, 1.0], [1.0, 0.0]], dtype=np.float16)  # its second sentence is the question's twin
    topic = np.array([[0.6, 0.8]], dtype=np.float16)  # about the same topic only
    corpus = Corpus(
        [chunk("a"), chunk("b"), chunk("c")],
        None,
        (3, ""),
        sentence_vectors=[answer.tobytes(), topic.tobytes(), None],
    )
    hits = [
        Hit(chunk=chunk("b"), score=0.8, dense_score=0.85),
        Hit(chunk=chunk("a"), score=0.7, dense_score=0.8),
        Hit(chunk=chunk("c"), score=0.75, dense_score=0.9),
    ]
    ranked = boost_by_sentences(hits, corpus, q, weight=0.5)
    assert [h.chunk.id for h in ranked] == ["a", "c", "b"]
    assert ranked[0].score == (0.7 + 0.5 * 1.0) / 1.5  # best sentence cosine 1.0 maps to 1
    assert abs(ranked[1].score - (0.75 + 0.5 * (0.9 - 0.7) / 0.3) / 1.5) < 1e-6  # no sentence vectors: own cosine
    assert ranked[2].score == 0.8 / 1.5  # best sentence 0.6 is below the floor
    assert corpus.sentence_similarity(0, np.ones(3, dtype=np.float32)) is None  # another embedder's size
