"""Conversation search: turns, each embedded with the turn before it, in one vector index with metadata."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from core.db import transaction
from core.ml.base import Embedder
from core.settings import Settings
from core.tables import ConversationRow, SourceLedgerRow, utcnow
from core.vectors import TURNS, VectorBackend, VectorIndex, Where

PURPOSE = TURNS
CONTEXT_CHARS = 160  # of the previous turn, so "yes, the left one" still finds its question


class SearchFilters(BaseModel):
    channel: str | None = None
    product: str | None = None
    speaker: str | None = None
    language: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def where(self) -> Where:
        where = Where()
        for key, value in (
            ("channel", self.channel),
            ("product", self.product),
            ("speaker", self.speaker),
            ("language", self.language),
        ):
            if value:
                where = where.eq(key, value)
        if self.date_from:
            where = where.gte("day", _day_number(self.date_from))
        if self.date_to:
            where = where.lte("day", _day_number(self.date_to))
        return where


class SearchHit(BaseModel):
    conversation_id: str
    turn_index: int
    speaker: str
    text: str
    score: float
    channel: str
    product: str | None
    started_at: str | None


def _day_number(d: date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


def _documents(conv: ConversationRow) -> tuple[list[str], list[str], list[str], list[dict[str, Any]]]:
    ids, texts, shown, metas = [], [], [], []
    started: datetime | None = conv.started_at
    previous = ""
    for turn in conv.turns:
        ids.append(f"{conv.id}#{turn.idx}")
        texts.append(f"{previous[-CONTEXT_CHARS:]}\n{turn.text}".strip())
        shown.append(turn.text)
        metas.append(
            {
                "conversation_id": conv.id,
                "turn": turn.idx,
                "speaker": turn.speaker,
                "channel": conv.channel,
                "product": conv.product or "",
                "language": conv.language or "",
                "day": _day_number(started.date()) if started else 0,
                "started_at": started.isoformat() if started else "",
            }
        )
        previous = turn.text
    return ids, texts, shown, metas


def index_pending(
    sessions: sessionmaker[Session],
    collection: VectorIndex,
    embedder: Embedder,
    *,
    batch: int = 200,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Embed every stored conversation not yet in the index (new, replaced, or left over by a crash).

    `collection`: the turn index (`conversation_index`; the name is kept for callers that pass it by keyword)."""
    done = 0
    while True:
        with sessions() as session:
            keys = list(
                session.execute(
                    select(SourceLedgerRow.unit_key, SourceLedgerRow.conversation_id)
                    .where(SourceLedgerRow.indexed_at.is_(None))
                    .order_by(SourceLedgerRow.unit_key)
                    .limit(batch)
                )
            )
            if not keys:
                return done
            convs = session.scalars(
                select(ConversationRow)
                .where(ConversationRow.id.in_([c for _, c in keys]))
                .options(selectinload(ConversationRow.turns))
            ).all()
            ids: list[str] = []
            texts: list[str] = []
            shown: list[str] = []
            metas: list[dict[str, Any]] = []
            for conv in convs:
                i, t, s, m = _documents(conv)
                ids += i
                texts += t
                shown += s
                metas += m
        # a replaced conversation may have had more turns; one delete per batch (one per conversation slows down
        # as the index grows)
        collection.delete(where=Where().one_of("conversation_id", sorted({c for _, c in keys})))
        if ids:
            collection.upsert(ids, vectors=embedder.embed(texts, kind="passage"), documents=shown, metadatas=metas)
        with transaction(sessions) as session:
            for unit_key, _ in keys:
                row = session.get(SourceLedgerRow, unit_key)
                if row is not None:
                    row.indexed_at = utcnow()
        done += len(keys)
        if progress:
            progress(len(keys))


def search(
    index: VectorIndex, embedder: Embedder, query: str, *, k: int = 10, filters: SearchFilters | None = None
) -> list[SearchHit]:
    from ingest.masking import mask_text

    vector = embedder.embed([mask_text(query)], kind="query")[0]
    hits = []
    for hit in index.query(vector, k=k, where=(filters or SearchFilters()).where()):
        meta = hit.metadata
        hits.append(
            SearchHit(
                conversation_id=str(meta["conversation_id"]),
                turn_index=int(meta["turn"]),
                speaker=str(meta["speaker"]),
                text=hit.document or "",
                score=round(hit.similarity, 4),
                channel=str(meta["channel"]),
                product=str(meta["product"]) or None,
                started_at=str(meta["started_at"]) or None,
            )
        )
    return hits


def conversation_index(settings: Settings, embedder: Embedder, backend: VectorBackend | None = None) -> VectorIndex:
    """The index of conversation turns for this embedder (created on first use)."""
    from core.vectors import open_index

    return open_index(settings, PURPOSE, embedder, backend)
