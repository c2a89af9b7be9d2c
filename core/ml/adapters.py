"""Our Embedder seen as a langchain `Embeddings` and as a Chroma embedding function."""

from __future__ import annotations

from typing import Any

from langchain_core.embeddings import Embeddings

from core.errors import ModelUnavailable
from core.ml.base import Embedder


class LangchainEmbeddings(Embeddings):
    """Lets users compose langchain chains over cxloop's embedder (documents use the passage side)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed(texts, kind="passage").tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed([text], kind="query")[0].tolist()


# Chroma rebuilds embedding functions from their stored config; hand back the one live model per name
# instead of loading a second copy (or, worse, Chroma's default, which downloads weights).
_LIVE: dict[str, Embedder] = {}


def chroma_embedding_function(embedder: Embedder) -> Any:
    from chromadb.api.types import Documents, EmbeddingFunction
    from chromadb.api.types import Embeddings as ChromaEmbeddings

    _LIVE[embedder.name] = embedder

    class CxloopEmbeddingFunction(EmbeddingFunction[Documents]):
        def __init__(self, model: Embedder) -> None:
            self.model = model

        def __call__(self, input: Documents) -> ChromaEmbeddings:
            return list(self.model.embed(list(input), kind="passage"))

        def embed_query(self, input: Documents) -> ChromaEmbeddings:
            return list(self.model.embed(list(input), kind="query"))

        @staticmethod
        def name() -> str:
            return "cxloop"

        def default_space(self) -> Any:
            return "cosine"

        def get_config(self) -> dict[str, Any]:
            return {"embedder": self.model.name}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> CxloopEmbeddingFunction:
            name = str(config.get("embedder"))
            if name not in _LIVE:
                raise ModelUnavailable(f"embedder '{name}' used by this collection is not loaded")
            return CxloopEmbeddingFunction(_LIVE[name])

    return CxloopEmbeddingFunction(embedder)
