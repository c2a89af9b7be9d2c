"""Chroma client factory: embedded `PersistentClient` by default, `HttpClient` when a URL is set.

Telemetry is off, and collections always get cxloop's own embedding function (Chroma's default would
download a model).
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlparse

from core.errors import ConfigError, StoreUnavailable
from core.ml.base import Embedder
from core.settings import Settings


def make_chroma_client(settings: Settings) -> Any:
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


def collection_name(settings: Settings, purpose: str, embedder: Embedder) -> str:
    """One collection per purpose and embedder, so switching models never mixes vector spaces."""
    safe = "".join(c if c.isalnum() else "-" for c in embedder.name).strip("-")
    return f"{settings.storage.chroma_collection_prefix}-{purpose}-{safe}"[:63]


def get_collection(client: Any, name: str, embedder: Embedder) -> Any:
    from core.ml.adapters import chroma_embedding_function

    return client.get_or_create_collection(
        name=name,
        embedding_function=chroma_embedding_function(embedder),
        metadata={"hnsw:space": "cosine", "embedder": embedder.name},
    )


def ping(client: Any) -> None:
    try:
        client.heartbeat()
    except Exception as exc:
        raise StoreUnavailable(f"Chroma heartbeat failed: {exc}") from exc
