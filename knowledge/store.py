"""Where chunks live: the documents/chunks tables (the ledger) and one vector index (the vectors).

Writes go to the vector index first and to SQL last, so a crash in between leaves SQL describing the old state and
the next index run repairs it; readers take their chunk texts from SQL, so stray vectors are never shown.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from core.db import transaction
from core.ml.base import Embedder
from core.settings import Settings
from core.tables import ChunkRow, DocumentRow, utcnow
from core.vectors import KNOWLEDGE, VectorBackend, VectorIndex, Where
from knowledge.chunking import ChunkDraft
from knowledge.documents import SourceDocument
from knowledge.text import split_sentences, tokenize

PURPOSE = KNOWLEDGE


def knowledge_index(settings: Settings, embedder: Embedder, backend: VectorBackend | None = None) -> VectorIndex:
    """The chunk vectors for this embedder; pass the `backend` you hold to share its client."""
    from core.vectors import open_index

    return open_index(settings, PURPOSE, embedder, backend)


def document_id(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()[:24]


def chunk_id(doc_id: str, draft: ChunkDraft) -> str:
    # the content hash in the id: a citation logged yesterday never points at text that changed since
    return f"{doc_id}-{draft.ordinal:04d}-{draft.content_hash[:8]}"


def indexed_text(title: str, section_path: str, text: str) -> str:
    """What is embedded and tokenised: the chunk with its title and section, which often name the product."""
    head = " — ".join(p for p in (title, section_path) if p)
    return f"{head}\n{text}" if head else text


class KnowledgeStore:
    def __init__(self, sessions: sessionmaker[Session], index: VectorIndex, embedder: Embedder) -> None:
        self.sessions = sessions
        self.index = index
        self.embedder = embedder

    def fingerprints(self) -> dict[str, tuple[str, str]]:
        """source → (document id, fingerprint) for every indexed document."""
        with self.sessions() as session:
            rows = session.execute(select(DocumentRow.source, DocumentRow.id, DocumentRow.content_hash))
            return {source: (doc_id, fp) for source, doc_id, fp in rows}

    def write(
        self,
        doc: SourceDocument,
        drafts: Sequence[ChunkDraft],
        *,
        fingerprint: str,
        vectors: np.ndarray | None = None,
        sentence_vectors: Sequence[np.ndarray] | None = None,
        batch: int = 32,
        new: bool = False,
    ) -> int:
        """Replace the document and its chunks; `vectors` (one per chunk) and `sentence_vectors` (per chunk, one
        row per sentence) skip embedding (the benchmark's cached vectors), `new` skips looking for an older copy
        (bulk loads of documents known to be absent)."""
        doc_id = document_id(doc.source)
        ids = [chunk_id(doc_id, d) for d in drafts]
        texts = [indexed_text(doc.title, d.section_path, d.text) for d in drafts]
        if vectors is None:
            vectors = self._embed(texts, batch)
        if sentence_vectors is None:
            sentence_vectors = self._embed_sentences([d.text for d in drafts], batch)
        metas = [
            {
                "document_id": doc_id,
                "product": doc.product or "",
                "language": doc.language or "",
                "section": d.section_path,
            }
            for d in drafts
        ]
        if not new:
            self.index.delete(where=Where().eq("document_id", doc_id))
        self.index.upsert(ids, vectors=vectors, documents=[d.text for d in drafts], metadatas=metas)
        with transaction(self.sessions) as session:
            if not new:
                session.execute(delete(ChunkRow).where(ChunkRow.document_id == doc_id))
                session.execute(delete(DocumentRow).where(DocumentRow.id == doc_id))
            session.add(
                DocumentRow(
                    id=doc_id,
                    source=doc.source,
                    title=doc.title,
                    product=doc.product,
                    language=doc.language,
                    content_hash=fingerprint,
                    meta={**doc.meta, "sha256": doc.content_hash, "embedder": self.embedder.name},
                    indexed_at=utcnow(),
                )
            )
            session.add_all(
                ChunkRow(
                    id=cid,
                    document_id=doc_id,
                    ordinal=d.ordinal,
                    section_path=d.section_path,
                    product=doc.product,
                    language=doc.language,
                    text=d.text,
                    content_hash=d.content_hash,
                    tokens=" ".join(tokenize(text)),
                    sentence_vectors=np.asarray(sv, dtype=np.float16).tobytes(),
                )
                for cid, d, text, sv in zip(ids, drafts, texts, sentence_vectors, strict=True)
            )
        return len(ids)

    def _embed(self, texts: Sequence[str], batch: int) -> np.ndarray:
        parts = [self.embedder.embed(texts[i : i + batch], kind="passage") for i in range(0, len(texts), batch)]
        return np.vstack(parts) if parts else np.zeros((0, self.embedder.dim), dtype=np.float32)

    def _embed_sentences(self, texts: Sequence[str], batch: int) -> list[np.ndarray]:
        """Each text's sentences, embedded in one pass over all of them, split back per text."""
        per_text = [split_sentences(t) for t in texts]
        flat = self._embed([s for ss in per_text for s in ss], batch)
        bounds = np.cumsum([0, *(len(ss) for ss in per_text)])
        return [flat[a:b] for a, b in pairwise(bounds)]

    def remove(self, doc_ids: Sequence[str]) -> int:
        """Delete documents and their chunks; returns the number of chunks removed."""
        if not doc_ids:
            return 0
        for doc_id in doc_ids:
            self.index.delete(where=Where().eq("document_id", doc_id))
        with transaction(self.sessions) as session:
            count = len(session.scalars(select(ChunkRow.id).where(ChunkRow.document_id.in_(doc_ids))).all())
            session.execute(delete(ChunkRow).where(ChunkRow.document_id.in_(doc_ids)))
            session.execute(delete(DocumentRow).where(DocumentRow.id.in_(doc_ids)))
        return count

    def chunk_count(self, doc_id: str) -> int:
        with self.sessions() as session:
            return len(session.scalars(select(ChunkRow.id).where(ChunkRow.document_id == doc_id)).all())
