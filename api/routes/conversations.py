"""Conversation search and detail (roles analyst and admin). Everything returned is already masked."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import Field
from sqlalchemy.orm import selectinload

from api.auth import Svc, require_role
from core.errors import NotFound
from core.keys import Principal
from core.records import Conversation, Summary
from core.tables import ConversationRow
from ingest.ledger import from_row
from ingest.search import SearchFilters, SearchHit, search
from insights.summaries.run import get_summary, search_summaries
from insights.workorders import holds
from insights.workorders.holds import HoldView

router = APIRouter(prefix="/v1", tags=["conversations"])
analyst = require_role("analyst")
AnalystKey = Annotated[Principal, Depends(analyst)]


class ConversationView(Conversation):
    """A conversation with its after-contact summary (None until the nightly run has written one)."""

    summary: Summary | None = None
    product_hold: HoldView | None = Field(default=None, description="Set while an open Andon alert holds its product.")


@router.get("/conversations/search", response_model=list[SearchHit])
def search_conversations(
    *,
    q: str = Query(min_length=1, max_length=500, description="What to look for, Chinese or English."),
    k: int = Query(10, ge=1, le=100),
    channel: str | None = None,
    product: str | None = None,
    speaker: str | None = None,
    language: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    svc: Svc,
    _: AnalystKey,
) -> list[SearchHit]:
    filters = SearchFilters(
        channel=channel, product=product, speaker=speaker, language=language, date_from=date_from, date_to=date_to
    )
    return search(svc.turn_index(), svc.embedder(), q, k=k, filters=filters)


@router.get("/conversations/summaries", response_model=list[Summary])
def search_conversation_summaries(
    *,
    q: str = Query(min_length=1, max_length=200, description="Words the summary must hold (Chinese as written)."),
    limit: int = Query(20, ge=1, le=200),
    svc: Svc,
    _: AnalystKey,
) -> list[Summary]:
    """After-contact summaries holding every word of `q`, newest first."""
    with svc.sessions() as session:
        return search_summaries(session, q, limit=limit)


@router.get("/conversations/{conversation_id}", response_model=ConversationView)
def get_conversation(conversation_id: str, svc: Svc, _: AnalystKey) -> ConversationView:
    with svc.sessions() as session:
        row = session.get(ConversationRow, conversation_id, options=[selectinload(ConversationRow.turns)])
        if row is None:
            raise NotFound(f"no conversation '{conversation_id}'")
        hold = holds.on_hold(session, [row.product]).get(row.product) if row.product else None
        return ConversationView(
            **from_row(row).model_dump(), summary=get_summary(session, conversation_id), product_hold=hold
        )
