"""Reading stored QA results (`qa_score` and `qa_item` insight records) back as scorecards with their items."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.tables import ConversationRow, InsightRow


class StoredItem(BaseModel):
    item: str
    outcome: str  # pass, fail or na
    turn_index: int | None = None
    quote: str | None = None  # masked
    value: float = 1.0  # a semantic item's similarity, a timing item's measure (s, share, count, per minute); else 1


class StoredScore(BaseModel):
    scorecard: str
    version: str
    score: float  # 0-100
    result: str  # pass, fail or fatal
    items: list[StoredItem]


def conversation_scores(session: Session, conversation_id: str) -> list[StoredScore] | None:
    """None when there is no such conversation; an empty list when it is not scored yet."""
    if session.get(ConversationRow, conversation_id) is None:
        return None
    rows = session.scalars(
        select(InsightRow)
        .where(InsightRow.conversation_id == conversation_id, InsightRow.kind.in_(("qa_score", "qa_item")))
        .order_by(InsightRow.id)
    )
    items: dict[str, list[StoredItem]] = {}
    scores: list[InsightRow] = []
    for r in rows:
        if r.kind == "qa_score":
            scores.append(r)
            continue
        item, _, outcome = r.label.rpartition(":")
        items.setdefault(r.model_name, []).append(StoredItem(item=item, outcome=outcome, turn_index=r.evidence_turn,
                                                             quote=r.evidence_quote, value=r.confidence))  # fmt: skip
    return [
        StoredScore(
            scorecard=r.model_name.removeprefix("scorecard/"),
            version=r.model_version,
            score=round(r.confidence * 100, 1),
            result=r.label,
            items=items.get(r.model_name, []),
        )
        for r in scores
    ]
