"""Reading stored QA results (`qa_score` and `qa_item` insight records) back as scorecards with their items, and
with people's latest verdicts (`insights.quality.review`) beside the machine's."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.tables import ConversationRow, InsightRow, QaReviewRow
from insights.quality.score import total
from insights.quality.scorecard import Scorecard


class StoredItem(BaseModel):
    item: str
    outcome: str  # pass, fail or na, as the machine scored it
    turn_index: int | None = None
    quote: str | None = None  # masked
    value: float = 1.0  # a semantic item's similarity, a timing item's measure (s, share, count, per minute); else 1
    reviewed: str | None = None  # a person's latest verdict, when there is one


class StoredScore(BaseModel):
    scorecard: str
    version: str
    score: float  # 0-100, the machine's
    result: str  # pass, fail or fatal
    items: list[StoredItem]
    roles_inferred: bool = False  # a mono call: agent and customer told apart by what they say
    reviewed_score: float | None = None  # with people's verdicts, when the item has been reviewed
    reviewed_result: str | None = None


def conversation_scores(
    session: Session, conversation_id: str, cards: Mapping[str, Scorecard] | None = None
) -> list[StoredScore] | None:
    """None when there is no such conversation; an empty list when it is not scored yet. With `cards` (by name),
    a reviewed score is worked out again from the items' final outcomes."""
    if session.get(ConversationRow, conversation_id) is None:
        return None
    kinds = ("qa_score", "qa_item", "qa_roles")
    rows = session.scalars(
        select(InsightRow)
        .where(InsightRow.conversation_id == conversation_id, InsightRow.kind.in_(kinds))
        .order_by(InsightRow.id)
    )
    verdicts = {
        (r.scorecard, r.item): r.outcome
        for r in session.scalars(
            select(QaReviewRow).where(QaReviewRow.conversation_id == conversation_id).order_by(QaReviewRow.id)
        )
    }
    items: dict[str, list[StoredItem]] = {}
    scores: list[InsightRow] = []
    inferred: set[str] = set()
    for r in rows:
        if r.kind == "qa_score":
            scores.append(r)
            continue
        if r.kind == "qa_roles":
            inferred.add(r.model_name)
            continue
        item, _, outcome = r.label.rpartition(":")
        items.setdefault(r.model_name, []).append(StoredItem(
            item=item, outcome=outcome, turn_index=r.evidence_turn, quote=r.evidence_quote, value=r.confidence,
            reviewed=verdicts.get((r.model_name.removeprefix("scorecard/"), item)),
        ))  # fmt: skip
    out = []
    for r in scores:
        name = r.model_name.removeprefix("scorecard/")
        found = items.get(r.model_name, [])
        score = StoredScore(scorecard=name, version=r.model_version, score=round(r.confidence * 100, 1),
                            result=r.label, items=found, roles_inferred=r.model_name in inferred)  # fmt: skip
        form = (cards or {}).get(name)
        if form is not None and form.fingerprint == r.model_version and any(i.reviewed for i in found):
            value, passed, fatal = total(form, {i.item: i.reviewed or i.outcome for i in found})
            score.reviewed_score = value
            score.reviewed_result = "fatal" if fatal else "pass" if passed else "fail"
        out.append(score)
    return out
