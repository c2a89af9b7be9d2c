"""The answer log and agent feedback; unanswered and wrongly answered questions become knowledge gaps."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.ml.base import Embedder
from core.runtime import Runtime
from core.tables import AssistLogRow, KnowledgeGapRow, utcnow
from knowledge.assist import AssistResult, Outcome

Rating = Literal["helpful", "wrong", "not_used"]
RATINGS: tuple[Rating, ...] = ("helpful", "wrong", "not_used")


def log_answer(
    session: Session, outcome: Outcome, *, api_key_id: str | None = None, embedder_name: str | None = None
) -> AssistLogRow:
    """Store one answer (the question is already masked); an abstention is recorded as a gap straight away."""
    r = outcome.result
    row = AssistLogRow(
        id=r.id,
        api_key_id=api_key_id,
        question=r.query,
        context=outcome.context,
        product=outcome.product,
        answer=r.answer,
        cited_chunk_ids=[c.chunk_id for c in r.citations],
        abstained=r.abstained,
        confidence=r.confidence,
        latency_ms=r.latency_ms,
        mode=r.mode,
        language=r.language,
    )
    session.add(row)
    if r.abstained:
        session.flush()  # the gap row points at the log row
        session.add(
            KnowledgeGapRow(
                assist_log_id=r.id,
                reason="abstained",
                question=r.query,
                product=outcome.product,
                language=r.language,
                embedder=embedder_name,
                vector=[round(float(x), 5) for x in outcome.vector] if outcome.vector is not None else None,
            )
        )
    return row


def record_feedback(
    session: Session,
    log_id: str,
    rating: Rating,
    *,
    comment: str | None = None,
    embedder: Embedder | None = None,
) -> AssistLogRow:
    """The latest rating wins; 'wrong' adds a gap (once), any other rating withdraws a 'wrong' gap."""
    from ingest.masking import mask_text

    row = session.get(AssistLogRow, log_id)
    if row is None:
        raise NotFound(f"no assist answer with id {log_id}")
    row.feedback = rating
    row.feedback_comment = mask_text(comment) if comment else None
    row.feedback_at = utcnow()
    existing = session.scalars(
        select(KnowledgeGapRow).where(KnowledgeGapRow.assist_log_id == log_id, KnowledgeGapRow.reason == "wrong")
    ).first()
    if rating == "wrong" and existing is None:
        vector = embedder.embed([row.question], kind="query")[0].tolist() if embedder is not None else None
        session.add(
            KnowledgeGapRow(
                assist_log_id=log_id,
                reason="wrong",
                question=row.question,
                product=row.product,
                language=row.language,
                embedder=embedder.name if embedder is not None else None,
                vector=[round(float(x), 5) for x in vector] if vector is not None else None,
            )
        )
    elif rating != "wrong" and existing is not None:
        session.execute(delete(KnowledgeGapRow).where(KnowledgeGapRow.id == existing.id))
    return row


def ask_and_log(
    runtime: Runtime, questions: list[str], *, product: str | None = None, use_llm: bool = True
) -> list[AssistResult]:
    """Answer each question and log it as the API would (unanswered ones become gaps): the demo's call."""
    from core.db import transaction
    from knowledge.assist import assistant_for

    assistant = assistant_for(runtime, use_llm=use_llm)
    name = assistant.retriever.dense.embedder.name
    results = []
    for question in questions:
        outcome = assistant.answer(question, product=product)
        with transaction(runtime.sessions) as session:
            log_answer(session, outcome, embedder_name=name)
        results.append(outcome.result)
    return results
