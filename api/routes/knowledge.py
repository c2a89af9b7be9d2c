"""Knowledge base: retrieval alone, indexed documents (any role but sales), knowledge gaps (role analyst)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from api.auth import DbSession, require_role
from api.routes.assist import AppAssistant
from core.keys import Principal
from core.tables import ChunkRow, DocumentRow
from knowledge.corpus import Filters
from knowledge.gaps import DEFAULT_SIMILARITY, GapGroup, list_gaps

router = APIRouter(prefix="/v1", tags=["knowledge"])
analyst = require_role("analyst")
AnalystKey = Annotated[Principal, Depends(analyst)]
reader = require_role("agent", "analyst")
ReaderKey = Annotated[Principal, Depends(reader)]


class SearchIn(BaseModel):
    query: str = Field(min_length=1, max_length=2000)
    k: int = Field(default=5, ge=1, le=50)
    product: str | None = Field(default=None, max_length=128)
    language: Literal["zh", "en"] | None = None


class HitOut(BaseModel):
    chunk_id: str
    document_id: str
    title: str
    section: str
    source: str
    product: str
    language: str
    text: str
    score: float
    lexical_rank: int | None
    dense_rank: int | None


class DocumentOut(BaseModel):
    id: str
    source: str
    title: str
    product: str | None
    language: str | None
    chunks: int
    indexed_at: datetime


@router.post("/knowledge/search", response_model=list[HitOut])
def search(*, body: SearchIn, helper: AppAssistant, _: ReaderKey) -> list[HitOut]:
    """Hybrid retrieval alone (BM25 + dense, fused by reciprocal rank), no answer composed and nothing logged."""
    from ingest.masking import mask_text

    hits = helper.retriever.retrieve(
        mask_text(body.query), k=body.k, filters=Filters(product=body.product, language=body.language)
    )
    return [
        HitOut(
            chunk_id=h.chunk.id,
            document_id=h.chunk.document_id,
            title=h.chunk.title,
            section=h.chunk.section,
            source=h.chunk.source,
            product=h.chunk.product,
            language=h.chunk.language,
            text=h.chunk.text,
            score=h.score,
            lexical_rank=h.lexical_rank,
            dense_rank=h.dense_rank,
        )
        for h in hits
    ]


@router.get("/knowledge/documents", response_model=list[DocumentOut])
def documents(
    *,
    product: str | None = Query(None, max_length=128),
    limit: int = Query(500, ge=1, le=5000),
    session: DbSession,
    _: ReaderKey,
) -> list[DocumentOut]:
    counts = select(ChunkRow.document_id, func.count(ChunkRow.id).label("n")).group_by(ChunkRow.document_id).subquery()
    query = (
        select(DocumentRow, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.document_id == DocumentRow.id)
        .order_by(DocumentRow.source)
        .limit(limit)
    )
    if product:
        query = query.where(DocumentRow.product == product)
    return [
        DocumentOut(
            id=doc.id,
            source=doc.source,
            title=doc.title,
            product=doc.product,
            language=doc.language,
            chunks=int(n),
            indexed_at=doc.indexed_at,
        )
        for doc, n in session.execute(query)
    ]


@router.get("/knowledge/gaps", response_model=list[GapGroup])
def gaps(
    *,
    days: int | None = Query(None, ge=1, le=3650, description="Only gaps from the last N days."),
    product: str | None = Query(None, max_length=128),
    similarity: float = Query(DEFAULT_SIMILARITY, ge=0.5, le=1.0, description="Cosine similarity to group."),
    limit: int = Query(50, ge=1, le=500),
    session: DbSession,
    helper: AppAssistant,
    _: AnalystKey,
) -> list[GapGroup]:
    """Unanswered and wrongly answered questions, grouped by similarity, largest group first."""
    since = datetime.now(UTC) - timedelta(days=days) if days else None
    return list_gaps(
        session,
        since=since,
        product=product,
        embedder_name=helper.retriever.dense.embedder.name,
        similarity=similarity,
        limit=limit,
    )
