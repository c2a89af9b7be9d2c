"""Incremental indexing: added, unchanged skipped, changed replaced, deleted removed, in SQL and in the vector index."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from core.errors import NotFound
from core.tables import ChunkRow, DocumentRow
from knowledge.index import index_path
from knowledge.store import KnowledgeStore


def _state(store: KnowledgeStore) -> tuple[dict[str, str], set[str], set[str]]:
    with store.sessions() as s:
        docs = {Path(d.source).name: d.id for d in s.scalars(select(DocumentRow))}
        chunk_ids = set(s.scalars(select(ChunkRow.id)))
    vector_ids = {r.id for r in store.index.get(payload=False)}
    return docs, chunk_ids, vector_ids


def test_first_index_records_documents_chunks_and_vectors(indexed: KnowledgeStore) -> None:
    docs, chunk_ids, vector_ids = _state(indexed)
    assert set(docs) == {"kettle.md", "purifier.md", "fan.md", "returns.md"}
    assert chunk_ids == vector_ids and len(chunk_ids) >= 6
    with indexed.sessions() as s:
        row = s.scalars(select(ChunkRow).where(ChunkRow.section_path == "滤芯更换")).one()
        assert row.product == "aquapure-x3" and row.language == "zh"
        assert row.tokens and "滤芯" in row.tokens.split()
        meta = indexed.index.get(ids=[row.id])[0].metadata
        assert meta["product"] == "aquapure-x3" and meta["language"] == "zh"


def test_every_chunk_keeps_one_vector_per_sentence(indexed: KnowledgeStore) -> None:
    import numpy as np

    from knowledge.text import split_sentences

    dim = indexed.embedder.dim
    with indexed.sessions() as s:
        rows = list(s.scalars(select(ChunkRow)))
    for row in rows:
        assert row.sentence_vectors is not None
        matrix = np.frombuffer(row.sentence_vectors, dtype=np.float16).reshape(-1, dim)
        sentences = split_sentences(row.text)
        assert len(matrix) == len(sentences)
        expected = indexed.embedder.embed(sentences, kind="passage")
        assert np.allclose(matrix, expected, atol=1e-2)  # float16 keeps three significant digits


def test_reindex_skips_unchanged_replaces_changed_and_removes_deleted(indexed: KnowledgeStore, docs_dir: Path) -> None:
    docs_before, chunks_before, _ = _state(indexed)
    again = index_path(indexed, docs_dir)
    assert (again.added, again.updated, again.unchanged, again.removed, again.chunks_written) == (0, 0, 4, 0, 0)

    kettle = docs_dir / "kettle.md"
    kettle.write_text(kettle.read_text().replace("every 4 weeks", "every 3 weeks"), encoding="utf-8")
    (docs_dir / "fan.md").unlink()
    report = index_path(indexed, docs_dir)
    assert (report.added, report.updated, report.unchanged, report.removed) == (0, 1, 2, 1)
    assert report.chunks_removed > 0 and report.chunks_written > 0

    docs, chunk_ids, vector_ids = _state(indexed)
    assert set(docs) == {"kettle.md", "purifier.md", "returns.md"}
    assert chunk_ids == vector_ids
    # the changed document's old chunks are gone; the unchanged one's are untouched
    replaced = {c for c in chunks_before if c.startswith(docs["kettle.md"])} - chunk_ids
    assert len(replaced) == 1  # the Descaling chunk changed; the Warranty chunk kept its id (same content)
    purifier_chunks = {c for c in chunks_before if c.startswith(docs_before["purifier.md"])}
    assert purifier_chunks <= chunk_ids
    with indexed.sessions() as s:
        texts = [r.text for r in s.scalars(select(ChunkRow).where(ChunkRow.document_id == docs["kettle.md"]))]
    assert any("every 3 weeks" in t for t in texts) and not any("every 4 weeks" in t for t in texts)


def test_indexing_a_subfolder_never_removes_documents_outside_it(indexed: KnowledgeStore, docs_dir: Path) -> None:
    report = index_path(indexed, docs_dir / "zh")
    assert (report.unchanged, report.removed) == (2, 0)
    assert len(_state(indexed)[0]) == 4


def test_unreadable_files_are_reported_and_the_rest_indexed(store: KnowledgeStore, docs_dir: Path) -> None:
    (docs_dir / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    (docs_dir / "notes.xyz").write_text("ignored: unsupported suffixes are not even listed")
    report = index_path(store, docs_dir)
    assert report.added == 4
    assert [Path(f["source"]).name for f in report.failed] == ["broken.pdf"]


def test_single_file_and_missing_path(store: KnowledgeStore, docs_dir: Path) -> None:
    report = index_path(store, docs_dir / "kettle.md")
    assert report.added == 1
    with pytest.raises(NotFound):
        index_path(store, docs_dir / "nope")


def test_default_product_for_documents_without_one(store: KnowledgeStore, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Descale every 4 weeks.", encoding="utf-8")
    index_path(store, tmp_path, default_product="heatwave-kettle")
    with store.sessions() as s:
        assert s.scalars(select(DocumentRow.product)).one() == "heatwave-kettle"
