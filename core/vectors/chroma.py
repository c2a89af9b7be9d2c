"""Chroma behind the VectorIndex protocol: embedded `PersistentClient` by default, `HttpClient` when a URL is set.

Telemetry is off, and collections always get cxloop's own embedding function (Chroma's default would download a
model). The only module that imports chromadb, and the only one that writes Chroma's filter syntax.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlparse

import numpy as np

from core.errors import ConfigError, ModelUnavailable, StoreUnavailable
from core.ml.base import Embedder
from core.settings import Settings
from core.vectors.base import Metadata, Scalar, VectorHit, VectorRecord, Vectors, Where, upsert_vectors

MAX_BATCH = 2000  # below Chroma's max batch size on every backend


def chroma_where(where: Where | None) -> dict[str, Any] | None:
    """Our filter in Chroma's syntax (`$and`, `$in`, `$nin`, `$gte`, `$lte`); None for no filter."""
    if not where:
        return None
    clauses: list[dict[str, Any]] = []
    for c in where.clauses:
        if c.op == "eq":
            clauses.append({c.field: c.value})
        else:
            op = {"in": "$in", "not_in": "$nin", "gte": "$gte", "lte": "$lte"}[c.op]
            value = list(c.value) if isinstance(c.value, tuple) else c.value
            clauses.append({c.field: {op: value}})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def make_client(settings: Settings) -> Any:
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    url = settings.storage.chroma_url
    try:
        if url:
            parsed = urlparse(url)
            if parsed.scheme not in ("http", "https") or not parsed.hostname:
                raise ConfigError(f"storage.chroma_url must look like http://host:port, got {url!r}")
            return chromadb.HttpClient(
                host=parsed.hostname,
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                settings=chroma_settings,
            )
        settings.chroma_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
    except ConfigError:
        raise
    except Exception as exc:  # chromadb raises plain ValueError/ConnectionError and friends
        raise StoreUnavailable(f"Chroma unavailable at {url or settings.chroma_path}: {exc}") from exc


def _embedding_function_class(live: dict[str, Embedder]) -> type:
    """Our embedding function, bound to one backend's live models.

    Chroma rebuilds a collection's function from its stored config (`build_from_config`) each time it loads the
    collection; handing back the model this backend already holds avoids a second copy (or Chroma's downloading
    default). Chroma keeps the most recently used class of a name, so a function rebuilt for a model this backend
    does not hold embeds nothing: it says so. cxloop itself always passes vectors, so it never needs one."""
    from chromadb.api.types import Documents, EmbeddingFunction
    from chromadb.api.types import Embeddings as ChromaEmbeddings

    class CxloopEmbeddingFunction(EmbeddingFunction[Documents]):
        def __init__(self, model: Embedder | None, model_name: str | None = None) -> None:
            self.model = model
            self.model_name = model.name if model is not None else str(model_name)

        def _model(self) -> Embedder:
            if self.model is None:
                raise ModelUnavailable(f"embedder '{self.model_name}' used by this collection is not loaded")
            return self.model

        def __call__(self, input: Documents) -> ChromaEmbeddings:
            return list(self._model().embed(list(input), kind="passage"))

        def embed_query(self, input: Documents) -> ChromaEmbeddings:
            return list(self._model().embed(list(input), kind="query"))

        @staticmethod
        def name() -> str:
            return "cxloop"

        def default_space(self) -> Any:
            return "cosine"

        def get_config(self) -> dict[str, Any]:
            return {"embedder": self.model_name}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> CxloopEmbeddingFunction:
            name = str(config.get("embedder"))
            return CxloopEmbeddingFunction(live.get(name), name)

    return CxloopEmbeddingFunction


class ChromaBackend:
    name = "chroma"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.shared_writers = bool(settings.storage.chroma_url)  # a server serialises writes; a folder does not
        self._lock = threading.Lock()
        self._client: Any = None
        self._live: dict[str, Embedder] = {}  # one live model per embedder name, for this client's collections
        self._function: type | None = None

    @property
    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = make_client(self.settings)
            return self._client

    def open(self, name: str, embedder: Embedder) -> ChromaIndex:
        client = self.client
        with self._lock:
            self._live[embedder.name] = embedder
            if self._function is None:
                self._function = _embedding_function_class(self._live)
            function = self._function(embedder)
        collection = client.get_or_create_collection(
            name=name,
            embedding_function=function,
            metadata={"hnsw:space": "cosine", "embedder": embedder.name},
        )
        return ChromaIndex(name, embedder, collection)

    def ping(self) -> str:
        try:
            self.client.heartbeat()
        except StoreUnavailable:
            raise
        except Exception as exc:
            raise StoreUnavailable(f"Chroma heartbeat failed: {exc}") from exc
        url = self.settings.storage.chroma_url
        return f"server {url}" if url else "embedded"


class ChromaIndex:
    def __init__(self, name: str, embedder: Embedder, collection: Any) -> None:
        self.name = name
        self.embedder = embedder
        self.collection = collection

    def upsert(
        self,
        ids: Sequence[str],
        *,
        vectors: Vectors | None = None,
        documents: Sequence[str] | None = None,
        metadatas: Sequence[Metadata] | None = None,
    ) -> None:
        if not ids:
            return
        matrix = upsert_vectors(self.embedder, vectors, documents)
        metas = [dict(m) for m in metadatas] if metadatas is not None else [{} for _ in ids]
        for i in range(0, len(ids), MAX_BATCH):
            part = range(i, min(i + MAX_BATCH, len(ids)))
            # Chroma's own upsert merges into an existing record's metadata and keeps its document; the protocol
            # replaces whole records (as the other backends do), so the old ones go first
            self.collection.delete(ids=[ids[j] for j in part])
            # Chroma refuses an empty metadata dict: records without metadata go in their own call
            for with_meta in (True, False):
                rows = [j for j in part if bool(metas[j]) == with_meta]
                if rows:
                    self.collection.add(
                        ids=[ids[j] for j in rows],
                        embeddings=matrix[rows],
                        documents=[documents[j] for j in rows] if documents is not None else None,
                        metadatas=[metas[j] for j in rows] if with_meta else None,
                    )

    def delete(self, *, ids: Sequence[str] | None = None, where: Where | None = None) -> None:
        if (where is not None and where.impossible) or (ids is not None and not ids):
            return
        if ids is None and not where:
            raise ValueError("delete needs ids or a filter (use a filter that matches everything on purpose)")
        self.collection.delete(ids=list(ids) if ids is not None else None, where=chroma_where(where))

    def query(
        self, vector: np.ndarray | Sequence[float], *, k: int = 10, where: Where | None = None, payload: bool = True
    ) -> list[VectorHit]:
        if k <= 0 or (where is not None and where.impossible):
            return []
        result = self.collection.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=k,
            where=chroma_where(where),
            include=["distances", "metadatas", "documents"] if payload else ["distances"],
        )
        ids, distances = result["ids"][0], result["distances"][0]
        metas = result["metadatas"][0] if payload else [None] * len(ids)
        docs = result["documents"][0] if payload else [None] * len(ids)
        return [
            VectorHit(id=i, distance=float(d), metadata=_plain(m), document=doc)
            for i, d, m, doc in zip(ids, distances, metas, docs, strict=True)
        ]

    def get(
        self, *, ids: Sequence[str] | None = None, where: Where | None = None, payload: bool = True
    ) -> list[VectorRecord]:
        if (where is not None and where.impossible) or (ids is not None and not ids):
            return []
        result = self.collection.get(
            ids=list(ids) if ids is not None else None,
            where=chroma_where(where),
            include=["metadatas", "documents"] if payload else [],
        )
        found = result["ids"]
        metas = result["metadatas"] if payload else [None] * len(found)
        docs = result["documents"] if payload else [None] * len(found)
        return [
            VectorRecord(id=i, metadata=_plain(m), document=doc) for i, m, doc in zip(found, metas, docs, strict=True)
        ]

    def count(self) -> int:
        return int(self.collection.count())


def _plain(meta: Any) -> dict[str, Scalar]:
    return dict(meta) if meta else {}
