"""Lexical retrieval on a slice of XQuAD (the full measurement is bench/assist.py)."""

from __future__ import annotations

import json
from pathlib import Path

from core.settings import Settings
from knowledge.corpus import CorpusCache, Filters
from knowledge.documents import Block, SourceDocument
from knowledge.index import open_store
from knowledge.retrieval import LexicalRetriever
from tests.conftest import FakeEmbedder


def test_bm25_finds_gold_passages_in_english_and_chinese(
    vector_backend: str, shared_data: Path, settings: Settings
) -> None:
    folder = shared_data / "retrieval_xquad_en_zh"
    store = open_store(settings, embedder=FakeEmbedder())
    keep: set[str] = set()
    for lang in ("en", "zh"):
        rows = [json.loads(line) for line in (folder / f"passages.{lang}.jsonl").open(encoding="utf-8")][:20]
        keep = {r["pid"] for r in rows}
        for r in rows:
            doc = SourceDocument(
                source=f"xquad:{lang}:{r['pid']}",
                title=r["title"],
                blocks=[Block("text", r["text"])],
                content_hash=r["pid"],
                language=lang,
            )
            from knowledge.chunking import chunk_document

            store.write(doc, chunk_document(doc), fingerprint=r["pid"], new=True)
    lexical = LexicalRetriever(CorpusCache(store.sessions).get)
    for lang in ("en", "zh"):
        queries = [json.loads(line) for line in (folder / f"queries.{lang}.jsonl").open(encoding="utf-8")]
        queries = [q for q in queries if q["gold_pid"] in keep][:60]
        found = 0
        for q in queries:
            hits = lexical.retrieve(q["question"], k=5, filters=Filters(language=lang))
            found += q["gold_pid"] in {h.chunk.source.rsplit(":", 1)[-1] for h in hits}
        assert found / len(queries) >= 0.8, (lang, found, len(queries))
