"""Reading stored insights: one conversation's, and complaint counts per (product, issue) for the Andon rule."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.records import Evidence
from core.tables import ConversationRow, InsightRow, InsightStateRow
from insights.classify.complaints import split_product_issue


class StoredInsight(BaseModel):
    kind: str
    label: str
    confidence: float
    evidence: Evidence | None = None
    model_name: str
    model_version: str
    created_at: datetime


class ConversationInsights(BaseModel):
    conversation_id: str
    classified_at: datetime | None = Field(description="None when the conversation has not been classified yet.")
    pipeline_version: str | None
    insights: list[StoredInsight]


def conversation_insights(session: Session, conversation_id: str) -> ConversationInsights | None:
    """None when there is no such conversation; an empty list when it is not classified yet."""
    if session.get(ConversationRow, conversation_id) is None:
        return None
    state = session.get(InsightStateRow, conversation_id)
    rows = session.scalars(
        select(InsightRow).where(InsightRow.conversation_id == conversation_id).order_by(InsightRow.id)
    )
    return ConversationInsights(
        conversation_id=conversation_id,
        classified_at=state.classified_at if state else None,
        pipeline_version=state.pipeline_version if state else None,
        insights=[
            StoredInsight(
                kind=r.kind,
                label=r.label,
                confidence=r.confidence,
                evidence=Evidence(turn_index=r.evidence_turn, quote=r.evidence_quote or "")
                if r.evidence_turn is not None
                else None,
                model_name=r.model_name,
                model_version=r.model_version,
                created_at=r.created_at,
            )
            for r in rows
        ],
    )


class ComplaintCount(BaseModel):
    product: str
    issue: str
    customers: int = Field(description="Distinct customer keys; conversations without one are not counted here.")
    conversations: list[str]


def complaint_counts(
    session: Session,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    min_confidence: float = 0.0,
) -> list[ComplaintCount]:
    """Complaints per (product, issue) among conversations started in [start, end), most customers first."""
    query = (
        select(InsightRow.label, ConversationRow.id, ConversationRow.customer_key)
        .join(ConversationRow, ConversationRow.id == InsightRow.conversation_id)
        .where(InsightRow.kind == "product_issue", InsightRow.confidence >= min_confidence)
    )
    if start is not None:
        query = query.where(ConversationRow.started_at >= start)
    if end is not None:
        query = query.where(ConversationRow.started_at < end)
    groups: dict[str, tuple[set[str], list[str]]] = {}
    for label, conversation_id, customer in session.execute(query):
        customers, conversations = groups.setdefault(label, (set(), []))
        if customer:
            customers.add(customer)
        conversations.append(conversation_id)
    out = []
    for label, (customers, conversations) in groups.items():
        product, issue = split_product_issue(label)
        out.append(ComplaintCount(product=product, issue=issue, customers=len(customers), conversations=conversations))
    return sorted(out, key=lambda c: (-c.customers, c.product, c.issue))
