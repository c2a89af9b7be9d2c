"""cxloop retrieval as a langchain `BaseRetriever`, so users can compose their own chains over the knowledge base."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from knowledge.corpus import Filters
from knowledge.retrieval import Retriever


class KnowledgeRetriever(BaseRetriever):
    """Wraps any `Retriever` (hybrid by default); metadata carries the citation fields."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Any  # a knowledge.retrieval.Retriever; Any because pydantic cannot validate a Protocol
    k: int = 4
    product: str | None = None
    language: str | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        inner: Retriever = self.retriever
        filters = Filters(product=kwargs.get("product", self.product), language=kwargs.get("language", self.language))
        hits = inner.retrieve(query, k=int(kwargs.get("k", self.k)), filters=filters)
        return [
            Document(
                page_content=h.chunk.text,
                id=h.chunk.id,
                metadata={
                    "chunk_id": h.chunk.id,
                    "document_id": h.chunk.document_id,
                    "title": h.chunk.title,
                    "source": h.chunk.source,
                    "section": h.chunk.section,
                    "product": h.chunk.product,
                    "language": h.chunk.language,
                    "score": h.score,
                },
            )
            for h in hits
        ]
