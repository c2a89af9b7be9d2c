"""The source ledger: every unit is stored once, replaced when it changes, or skipped as a duplicate.

Each unit is written in one transaction together with its ledger row, so a crash at any point leaves either the
whole conversation or none of it, and a re-run picks up exactly what is missing.
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.db import transaction
from core.records import Conversation, Turn
from core.tables import (
    ConversationRow,
    IngestRunRow,
    QuarantineRow,
    SourceFileRow,
    SourceLedgerRow,
    TurnRow,
    utcnow,
)
from ingest.units import Batch, Unit

Outcome = Literal["stored", "replaced", "duplicate"]


class Counts(BaseModel):
    files: int = 0
    files_unchanged: int = 0
    files_quarantined: int = 0
    conversations_stored: int = 0
    conversations_replaced: int = 0
    conversations_duplicate: int = 0
    rows_read: int = 0  # always rows_stored + rows_duplicate + rows_quarantined: nothing is lost silently
    rows_stored: int = 0
    rows_duplicate: int = 0
    rows_quarantined: int = 0

    def add(self, other: Counts) -> None:
        for name in type(self).model_fields:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def new_rows(self) -> int:
        return self.rows_stored


class RunReport(BaseModel):
    run_id: str
    channel: str
    source: str
    counts: Counts = Field(default_factory=Counts)
    quarantined: list[dict[str, str]] = Field(default_factory=list)


def to_row(conversation: Conversation) -> ConversationRow:
    return ConversationRow(
        id=conversation.id,
        channel=conversation.channel,
        source_uri=conversation.source_uri,
        source_sha256=conversation.source_sha256,
        started_at=conversation.started_at,
        language=conversation.language,
        customer_key=conversation.customer_key,
        agent_id=conversation.agent_id,
        team=conversation.team,
        product=conversation.product,
        outcome=conversation.outcome,
        meta=conversation.metadata,
        turns=[
            TurnRow(idx=t.index, speaker=t.speaker, text=t.text, start_s=t.start_s, end_s=t.end_s)
            for t in conversation.turns
        ],
    )


def from_row(row: ConversationRow) -> Conversation:
    """The stored conversation as a record again (turns loaded); unknown enum values degrade, never fail."""
    return Conversation(
        id=row.id,
        channel=row.channel if row.channel in ("call", "chat", "work_order") else "chat",
        source_uri=row.source_uri,
        source_sha256=row.source_sha256,
        started_at=row.started_at,
        language=row.language,
        customer_key=row.customer_key,
        agent_id=row.agent_id,
        team=row.team,
        product=row.product,
        outcome=row.outcome if row.outcome in ("won", "lost", "open") else None,
        metadata=row.meta or {},
        turns=[
            Turn(
                index=t.idx,
                speaker=t.speaker if t.speaker in ("agent", "customer", "system", "unknown") else "unknown",
                text=t.text,
                start_s=t.start_s,
                end_s=t.end_s,
            )
            for t in row.turns
        ],
    )


def store_unit(session: Session, unit: Unit, run_id: str) -> Outcome:
    ledger = session.get(SourceLedgerRow, unit.key)
    if ledger is not None and ledger.content_sha256 == unit.content_sha256:
        return "duplicate"
    if ledger is None and unit.conversation.channel == "call":
        # the same recording under another file name is the same call
        same = session.scalar(
            select(SourceLedgerRow.unit_key).where(SourceLedgerRow.content_sha256 == unit.content_sha256).limit(1)
        )
        if same is not None:
            return "duplicate"
    outcome: Outcome = "stored"
    old = session.get(ConversationRow, ledger.conversation_id if ledger else unit.conversation.id)
    if old is not None:
        session.delete(old)
        session.flush()  # the new row reuses the id
        outcome = "replaced"
    session.add(to_row(unit.conversation))
    if ledger is None:
        ledger = SourceLedgerRow(unit_key=unit.key)
        session.add(ledger)
    ledger.channel = unit.conversation.channel
    ledger.source_uri = unit.conversation.source_uri
    ledger.content_sha256 = unit.content_sha256
    ledger.conversation_id = unit.conversation.id
    ledger.rows = unit.rows
    ledger.run_id = run_id
    ledger.indexed_at = None  # the vector index picks it up
    return outcome


def store_batch(sessions: sessionmaker[Session], batch: Batch, run_id: str, channel: str) -> RunReport:
    """Store every unit of one file (a transaction each) and quarantine its rejected rows."""
    report = RunReport(run_id=run_id, channel=channel, source=batch.source_uri)
    c = report.counts
    c.rows_read += batch.read()
    for unit in batch.units:
        with transaction(sessions) as session:
            outcome = store_unit(session, unit, run_id)
        if outcome == "duplicate":
            c.conversations_duplicate += 1
            c.rows_duplicate += unit.rows
        else:
            c.conversations_stored += outcome == "stored"
            c.conversations_replaced += outcome == "replaced"
            c.rows_stored += unit.rows
    if batch.rejected:
        with transaction(sessions) as session:
            for bad in batch.rejected:
                session.add(
                    QuarantineRow(
                        run_id=run_id,
                        channel=channel,
                        source_uri=batch.source_uri,
                        locator=bad.locator,
                        reason=bad.reason,
                        excerpt=bad.excerpt or None,
                    )
                )
                report.quarantined.append({"source": batch.source_uri, "where": bad.locator, "reason": bad.reason})
        c.rows_quarantined += len(batch.rejected)
    return report


def conversations_of_run(sessions: sessionmaker[Session], run_id: str) -> list[str]:
    """The conversations one run stored or replaced."""
    with sessions() as session:
        query = select(SourceLedgerRow.conversation_id).where(SourceLedgerRow.run_id == run_id)
        return [c for c in session.scalars(query) if c]


def quarantine_file(
    sessions: sessionmaker[Session], run_id: str, channel: str, uri: str, reason: str, sha256: str | None
) -> RunReport:
    report = RunReport(run_id=run_id, channel=channel, source=uri)
    report.counts.files_quarantined = 1
    report.quarantined.append({"source": uri, "where": "file", "reason": reason})
    with transaction(sessions) as session:
        session.add(QuarantineRow(run_id=run_id, channel=channel, source_uri=uri, locator="file", reason=reason))
        if sha256:
            _upsert_file(session, uri, channel, sha256, "quarantined", report.counts, run_id)
    return report


def file_unchanged(sessions: sessionmaker[Session], uri: str, sha256: str) -> bool:
    with sessions() as session:
        row = session.get(SourceFileRow, uri)
        return row is not None and row.sha256 == sha256 and row.status == "complete"


def mark_file_complete(
    sessions: sessionmaker[Session], uri: str, channel: str, sha256: str, counts: Counts, run_id: str
) -> None:
    with transaction(sessions) as session:
        _upsert_file(session, uri, channel, sha256, "complete", counts, run_id)


def _upsert_file(
    session: Session, uri: str, channel: str, sha256: str, status: str, counts: Counts, run_id: str
) -> None:
    row = session.get(SourceFileRow, uri) or SourceFileRow(uri=uri)
    row.channel, row.sha256, row.status, row.run_id = channel, sha256, status, run_id
    row.counts = counts.model_dump()
    session.add(row)


def start_run(sessions: sessionmaker[Session], channel: str, source: str, *, status: str = "running") -> str:
    run_id = str(uuid.uuid4())
    with transaction(sessions) as session:
        session.add(IngestRunRow(id=run_id, channel=channel, source=source, status=status))
    return run_id


def mark_running(sessions: sessionmaker[Session], run_id: str) -> None:
    with transaction(sessions) as session:
        run = session.get(IngestRunRow, run_id)
        if run is not None:
            run.status = "running"


def finish_run(sessions: sessionmaker[Session], run_id: str, counts: Counts, *, error: str | None = None) -> None:
    with transaction(sessions) as session:
        run = session.get(IngestRunRow, run_id)
        if run is None:
            return
        run.status = "failed" if error else "done"
        run.counts = counts.model_dump()
        run.error = error
        run.finished_at = utcnow()
