"""Vector indexes behind one protocol; the backend is chosen by `storage.vector_backend`.

A new backend is a module in this package with a `VectorBackend` class (its heavy imports inside it) and one
`@vector_backends.register(...)` line below; callers never change. Kept import-light: the adapters load their
libraries only when a backend is created.
"""

from __future__ import annotations

from core.ml.base import Embedder
from core.ml.registry import Registry
from core.settings import Settings
from core.vectors.base import Clause, Metadata, Scalar, VectorBackend, VectorHit, VectorIndex, VectorRecord, Where

__all__ = [
    "KNOWLEDGE",
    "TURNS",
    "Clause",
    "Metadata",
    "Scalar",
    "VectorBackend",
    "VectorHit",
    "VectorIndex",
    "VectorRecord",
    "Where",
    "index_name",
    "open_backend",
    "open_index",
    "vector_backends",
]

# the indexes cxloop keeps (one per purpose and embedder)
KNOWLEDGE = "knowledge"  # document chunks (knowledge/store.py)
TURNS = "turns"  # conversation turns (ingest/search.py)

vector_backends: Registry[VectorBackend] = Registry("vector")


@vector_backends.register("chroma", "Chroma: embedded in the data folder, or a server at storage.chroma_url (default)")
def _chroma(settings: Settings) -> VectorBackend:
    from core.vectors.chroma import ChromaBackend

    return ChromaBackend(settings)


@vector_backends.register("lancedb", "LanceDB: embedded, in the data folder (data/lancedb)")
def _lancedb(settings: Settings) -> VectorBackend:
    from core.vectors.lance import LanceBackend

    return LanceBackend(settings)


def open_backend(settings: Settings) -> VectorBackend:
    return vector_backends.create(settings.storage.vector_backend, settings)


def index_name(settings: Settings, purpose: str, embedder: Embedder) -> str:
    """One index per purpose and embedder, so switching models never mixes vector spaces."""
    safe = "".join(c if c.isalnum() else "-" for c in embedder.name).strip("-")
    return f"{settings.storage.chroma_collection_prefix}-{purpose}-{safe}"[:63]


def open_index(
    settings: Settings, purpose: str, embedder: Embedder, backend: VectorBackend | None = None
) -> VectorIndex:
    """The index for this purpose and embedder; pass the `backend` you hold to share its client."""
    backend = backend if backend is not None else open_backend(settings)
    return backend.open(index_name(settings, purpose, embedder), embedder)
