"""Summarise what is new or changed, within an LLM time budget; read and search the stored summaries.

Every pending conversation gets a summary in the run: the LLM's while the budget lasts, an extractive one after it
(or for a conversation whose LLM answer failed validation). With the LLM on, extractive summaries are pending again,
so the next night's budget upgrades them, newest conversations first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from core.db import transaction
from core.records import Conversation, Summary
from core.tables import ConversationRow, SummaryRow
from ingest.ledger import from_row
from insights.classify.runner import fingerprint
from insights.summaries.write import extractive_summary, llm_summary

log = logging.getLogger(__name__)
BATCH = 50


class SummaryRun(BaseModel):
    considered: int = 0
    llm: int = 0
    extractive: int = 0
    llm_failed: int = 0
    llm_seconds: float = 0.0
    seconds: float = 0.0
    budget_left: bool = True

    @property
    def llm_seconds_per_conversation(self) -> float:
        return round(self.llm_seconds / self.llm, 2) if self.llm else 0.0


def pending_ids(session: Session, *, upgrade: bool, limit: int | None = None) -> list[str]:
    """Conversations with no summary, a summary of older turns, or (`upgrade`) only an extractive one; newest first."""
    due = [SummaryRow.conversation_id.is_(None), ConversationRow.updated_at > SummaryRow.created_at]
    if upgrade:
        due.append(SummaryRow.source == "extractive")
    query = (
        select(ConversationRow.id)
        .outerjoin(SummaryRow, SummaryRow.conversation_id == ConversationRow.id)
        .where(or_(*due))
        .order_by(ConversationRow.started_at.desc().nulls_last(), ConversationRow.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def summarise_pending(
    sessions: sessionmaker[Session],
    chat_model: Any | None,
    *,
    model_name: str = "",
    budget_s: float = float("inf"),
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> SummaryRun:
    """Summarise every pending conversation (see the module doc); `chat_model=None` writes extractive ones only."""
    started = time.perf_counter()
    report = SummaryRun()
    with sessions() as session:
        ids = pending_ids(session, upgrade=chat_model is not None, limit=limit)
    report.considered = len(ids)
    for start in range(0, len(ids), BATCH):
        with sessions() as session:
            rows = session.scalars(
                select(ConversationRow)
                .where(ConversationRow.id.in_(ids[start : start + BATCH]))
                .options(selectinload(ConversationRow.turns))
            ).all()
            records = [from_row(row) for row in rows]
            existing = {
                s.conversation_id: s.source
                for s in session.scalars(select(SummaryRow).where(SummaryRow.conversation_id.in_([r.id for r in rows])))
            }
        written = [_one(c, chat_model, model_name, report, started, budget_s, existing.get(c.id)) for c in records]
        with transaction(sessions) as session:
            done = [(c, s, secs) for c, (s, secs) in zip(records, written, strict=True) if s is not None]
            session.execute(delete(SummaryRow).where(SummaryRow.conversation_id.in_([c.id for c, _, _ in done])))
            for conversation, summary, secs in done:
                assert summary is not None
                session.add(_row(summary, fingerprint(conversation), secs))
        if progress:
            progress(len(records))
    report.seconds = round(time.perf_counter() - started, 3)
    report.llm_seconds = round(report.llm_seconds, 3)
    return report


def _one(
    conversation: Conversation,
    chat_model: Any | None,
    model_name: str,
    report: SummaryRun,
    started: float,
    budget_s: float,
    had: str | None,
) -> tuple[Summary | None, float]:
    if chat_model is not None and time.perf_counter() - started < budget_s:
        t0 = time.perf_counter()
        try:
            summary = llm_summary(chat_model, conversation, model_name)
        except Exception as exc:  # a failed call or an answer off the schema: the extractive one stands in
            log.warning("LLM summary of %s failed (%s): extractive instead", conversation.id, exc.__class__.__name__)
            report.llm_failed += 1
        else:
            seconds = time.perf_counter() - t0
            report.llm += 1
            report.llm_seconds += seconds
            return summary, seconds
    elif chat_model is not None:
        report.budget_left = False
        if had == "extractive":
            return None, 0.0  # already has one; the next run's budget upgrades it
    report.extractive += 1
    return extractive_summary(conversation), 0.0


def _row(summary: Summary, print_: str, seconds: float) -> SummaryRow:
    text = " ".join([summary.issue, *summary.actions, summary.outcome, *summary.follow_ups])
    return SummaryRow(
        conversation_id=summary.conversation_id,
        language=summary.language,
        issue=summary.issue,
        actions=summary.actions,
        outcome=summary.outcome,
        follow_ups=summary.follow_ups,
        text=text,
        source=summary.source,
        model=summary.model,
        fingerprint=print_,
        seconds=round(seconds, 3),
    )


def to_record(row: SummaryRow) -> Summary:
    return Summary(
        conversation_id=row.conversation_id,
        language=row.language,
        issue=row.issue,
        actions=list(row.actions or []),
        outcome=row.outcome,
        follow_ups=list(row.follow_ups or []),
        source="llm" if row.source == "llm" else "extractive",
        model=row.model,
    )


def get_summary(session: Session, conversation_id: str) -> Summary | None:
    row = session.get(SummaryRow, conversation_id)
    return to_record(row) if row is not None else None


def search_summaries(session: Session, query: str, *, limit: int = 20) -> list[Summary]:
    """Summaries holding every word of `query` (Chinese is matched as written), newest first."""
    terms = [t for t in query.split() if t] or [query]
    stmt = select(SummaryRow)
    for term in terms:
        stmt = stmt.where(func.lower(SummaryRow.text).contains(term.lower(), autoescape=True))
    stmt = stmt.order_by(SummaryRow.created_at.desc()).limit(limit)
    return [to_record(row) for row in session.scalars(stmt)]
