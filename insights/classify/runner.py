"""Classify what is new or changed, and store the insights; a second run with nothing new changes nothing.

A conversation is classified again when its turns or metadata change (ingest replaces it, which also deletes its
old insights and state) or when the pipeline version changes (an edited taxonomy, a retrained head, another catalog,
another list of insight kinds).
Each batch is written in one transaction: its old insights are replaced and its state rows record what was done.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from core.db import transaction
from core.ml.base import Embedder
from core.records import Conversation, Insight
from core.settings import Settings
from core.tables import ConversationRow, InsightRow, InsightStateRow, utcnow
from ingest.ledger import from_row
from insights.classify.analyze import Analyzer


class RunReport(BaseModel):
    pipeline_version: str
    considered: int = 0
    classified: int = 0
    unchanged: int = 0
    changed_during_run: int = 0
    insights: int = 0
    by_kind: dict[str, int] = Field(default_factory=dict)
    llm_calls: int = 0
    llm_fallbacks: int = 0
    seconds: float = 0.0
    models: dict[str, str] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.classified / self.seconds if self.seconds else 0.0


def fingerprint(conversation: Conversation) -> str:
    """Of everything classification reads: turns, language, product, outcome and metadata."""
    payload = {
        "channel": conversation.channel,
        "language": conversation.language,
        "product": conversation.product,
        "outcome": conversation.outcome,
        "metadata": conversation.metadata,
        "turns": [[t.index, t.speaker, t.text] for t in conversation.turns],
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


def pending_ids(
    session: Session,
    version: str,
    *,
    force: bool = False,
    limit: int | None = None,
    only: Sequence[str] | None = None,
) -> list[str]:
    query = select(ConversationRow.id).outerjoin(InsightStateRow, InsightStateRow.conversation_id == ConversationRow.id)
    if only is not None:
        query = query.where(ConversationRow.id.in_(list(only)))
    if not force:
        query = query.where(
            or_(
                InsightStateRow.conversation_id.is_(None),
                InsightStateRow.pipeline_version != version,
                ConversationRow.updated_at > InsightStateRow.classified_at,
            )
        )
    query = query.order_by(ConversationRow.id)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def classify_pending(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    analyzer: Analyzer | None = None,
    embedder: Embedder | None = None,
    chat_model: Any | None = None,
    force: bool = False,
    limit: int | None = None,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    only: Sequence[str] | None = None,
) -> RunReport:
    """Classify every new or changed conversation (all of them with `force`; of `only` these) and store its
    insights."""
    from insights.classify.build import build_analyzer
    from insights.classify.config import insight_settings

    config = insight_settings(settings)
    analyzer = analyzer or build_analyzer(settings, embedder=embedder, chat_model=chat_model, config=config)
    size = batch_size or config.batch_size
    report = RunReport(pipeline_version=analyzer.version, warnings=list(analyzer.warnings))
    report.models = {t: f"{analyzer.classifiers[t].name}@{analyzer.classifiers[t].version}" for t in analyzer.tasks}
    started = time.perf_counter()
    with sessions() as session:
        ids = pending_ids(session, analyzer.version, force=force, limit=limit, only=only)
    report.considered = len(ids)
    for start in range(0, len(ids), size):
        _run_batch(sessions, analyzer, ids[start : start + size], report, force=force)
        if progress:
            progress(len(ids[start : start + size]))
    report.seconds = round(time.perf_counter() - started, 3)
    for classifier in analyzer.classifiers.values():
        report.llm_calls += int(getattr(classifier, "calls", 0))
        report.llm_fallbacks += int(getattr(classifier, "fallbacks", 0))
    return report


def _run_batch(
    sessions: sessionmaker[Session], analyzer: Analyzer, ids: Sequence[str], report: RunReport, *, force: bool
) -> None:
    with sessions() as session:
        rows = session.scalars(
            select(ConversationRow).where(ConversationRow.id.in_(ids)).options(selectinload(ConversationRow.turns))
        ).all()
        seen = {row.id: row.updated_at for row in rows}
        records = [from_row(row) for row in rows]
        states = {
            s.conversation_id: (s.fingerprint, s.pipeline_version)
            for s in session.scalars(select(InsightStateRow).where(InsightStateRow.conversation_id.in_(ids)))
        }
    prints = {c.id: fingerprint(c) for c in records}
    current = [] if force else [c.id for c in records if states.get(c.id) == (prints[c.id], analyzer.version)]
    todo = [c for c in records if c.id not in set(current)]
    insights = analyzer.analyze(todo)
    by_conv: dict[str, list[Insight]] = {c.id: [] for c in todo}
    for insight in insights:
        by_conv[insight.conversation_id].append(insight)
    with transaction(sessions) as session:
        now = utcnow()
        if current:  # same content, same version: only note that it was checked
            for state in session.scalars(select(InsightStateRow).where(InsightStateRow.conversation_id.in_(current))):
                state.classified_at = now
        report.unchanged += len(current)
        # a conversation replaced while we classified it is left for the next run
        latest: dict[str, datetime] = {
            cid: at
            for cid, at in session.execute(
                select(ConversationRow.id, ConversationRow.updated_at).where(
                    ConversationRow.id.in_([c.id for c in todo])
                )
            )
        }
        done = [c for c in todo if c.id in latest and _same_time(latest[c.id], seen[c.id])]
        report.changed_during_run += len(todo) - len(done)
        done_ids = [c.id for c in done]
        if not done_ids:
            return
        session.execute(delete(InsightRow).where(InsightRow.conversation_id.in_(done_ids)))
        values = [_row(i, now) for c in done for i in by_conv[c.id]]
        if values:
            session.execute(insert(InsightRow), values)
        existing = {
            s.conversation_id: s
            for s in session.scalars(select(InsightStateRow).where(InsightStateRow.conversation_id.in_(done_ids)))
        }
        for c in done:
            state = existing.get(c.id) or InsightStateRow(conversation_id=c.id)
            state.fingerprint = prints[c.id]
            state.pipeline_version = analyzer.version
            state.insights = len(by_conv[c.id])
            state.classified_at = now
            session.add(state)
        report.classified += len(done)
        report.insights += len(values)
        kinds = Counter(i.kind for c in done for i in by_conv[c.id])
        for kind, n in kinds.items():
            report.by_kind[kind] = report.by_kind.get(kind, 0) + n


def _same_time(a: datetime | None, b: datetime | None) -> bool:
    if a is None or b is None:
        return a is b
    # SQLite hands back naive datetimes, PostgreSQL aware ones: compare the wall-clock value
    return a.replace(tzinfo=None) == b.replace(tzinfo=None)


def _row(insight: Insight, now: datetime) -> dict[str, Any]:
    return {
        "conversation_id": insight.conversation_id,
        "kind": insight.kind,
        "label": insight.label,
        "confidence": insight.confidence,
        "evidence_turn": insight.evidence.turn_index if insight.evidence else None,
        "evidence_quote": insight.evidence.quote if insight.evidence else None,
        "model_name": insight.model_name,
        "model_version": insight.model_version,
        "created_at": now,
    }
