"""Our Embedder seen as a langchain `Embeddings` (Chroma's embedding function lives in core/vectors/chroma.py)."""

from __future__ import annotations

from langchain_core.embeddings import Embeddings

from core.ml.base import Embedder


class LangchainEmbeddings(Embeddings):
    """Lets users compose langchain chains over cxloop's embedder (documents use the passage side)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = self.embedder.embed(texts, kind="passage").tolist()
        return vectors

    def embed_query(self, text: str) -> list[float]:
        vector: list[float] = self.embedder.embed([text], kind="query")[0].tolist()
        return vector
