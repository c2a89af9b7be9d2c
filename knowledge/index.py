"""Incremental indexing of a folder (or one file): changed documents replaced, deleted removed, unchanged skipped."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session, sessionmaker

from core.errors import InvalidInput, NotFound
from core.ml.base import Embedder
from core.settings import Settings
from core.vectors import VectorIndex
from knowledge.chunking import MAX_UNITS, chunk_document
from knowledge.documents import is_supported, load_document
from knowledge.store import KnowledgeStore, document_id

# bump when loaders or chunking change what a file turns into: every document is then re-indexed once
CHUNKER_VERSION = "2"  # 2: chunks carry sentence vectors


class IndexReport(BaseModel):
    root: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks_written: int = 0
    chunks_removed: int = 0
    failed: list[dict[str, str]] = Field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, {self.removed} removed; "
            f"{self.chunks_written} chunks written, {self.chunks_removed} removed; {len(self.failed)} failed "
            f"({self.seconds:.1f} s)"
        )


def fingerprint(raw_sha256: str, embedder_name: str, default_product: str | None, max_units: int) -> str:
    """Same file, same chunker, same embedder: nothing to do. Any of them changing means re-index."""
    key = f"{raw_sha256}|{embedder_name}|{default_product or ''}|{max_units}|{CHUNKER_VERSION}"
    return hashlib.sha256(key.encode()).hexdigest()


def list_documents(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*") if p.is_file() and is_supported(p))


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def index_path(
    store: KnowledgeStore,
    path: Path,
    *,
    default_product: str | None = None,
    max_units: int = MAX_UNITS,
    progress: Callable[[str, str], None] | None = None,
) -> IndexReport:
    """Bring the index in line with `path`. Documents previously indexed from under `path` and now gone are removed."""
    started = time.perf_counter()
    if not path.exists():
        raise NotFound(f"{path} does not exist")
    root = path.resolve()
    report = IndexReport(root=str(root))
    known = store.fingerprints()
    seen: set[str] = set()
    for file in list_documents(root):
        source = str(file.resolve())
        seen.add(source)
        try:
            fp = fingerprint(_file_sha256(file), store.embedder.name, default_product, max_units)
            previous = known.get(source)
            if previous and previous[1] == fp:
                report.unchanged += 1
                _tell(progress, source, "unchanged")
                continue
            doc = load_document(file, source=source, default_product=default_product)
            drafts = chunk_document(doc, max_units=max_units)
            if previous:
                report.chunks_removed += store.chunk_count(previous[0])
            report.chunks_written += store.write(doc, drafts, fingerprint=fp)
            if previous:
                report.updated += 1
            else:
                report.added += 1
            _tell(progress, source, "updated" if previous else "added")
        except (InvalidInput, OSError) as exc:
            report.failed.append({"source": source, "reason": getattr(exc, "message", str(exc))})
            _tell(progress, source, "failed")
    prefix = str(root) + os.sep
    gone = [doc_id for source, (doc_id, _) in known.items() if source not in seen and source.startswith(prefix)]
    if root.is_file() and str(root) in known and str(root) not in seen:
        gone.append(document_id(str(root)))
    report.chunks_removed += store.remove(gone)
    report.removed = len(gone)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _tell(progress: Callable[[str, str], None] | None, source: str, what: str) -> None:
    if progress is not None:
        progress(source, what)


def open_store(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    sessions: sessionmaker[Session] | None = None,
    index: VectorIndex | None = None,
) -> KnowledgeStore:
    """The store for these settings (migrates the database); pass parts you already hold to reuse them."""
    from core.db import engine_for, migrate, session_factory
    from core.ml.embedders import load_embedder
    from knowledge.store import knowledge_index

    if sessions is None:
        engine = engine_for(settings)
        migrate(engine)
        sessions = session_factory(engine)
    embedder = embedder or load_embedder(settings)
    index = index if index is not None else knowledge_index(settings, embedder)
    return KnowledgeStore(sessions, index, embedder)


def index_folder(
    settings: Settings,
    path: Path,
    *,
    embedder: Embedder | None = None,
    default_product: str | None = None,
    progress: Callable[[str, str], None] | None = None,
) -> IndexReport:
    """Index a folder of documents (or one file) incrementally: what the CLI, the flow and the demo call."""
    return index_path(open_store(settings, embedder=embedder), path, default_product=default_product, progress=progress)
