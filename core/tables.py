"""SQLAlchemy 2 tables for the records in DESIGN.md. Portable across SQLite and PostgreSQL.

Schema changes go through Alembic (`core/migrations`); a test checks the two agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(at: datetime) -> datetime:
    """An aware UTC datetime: SQLite gives back stored (UTC) datetimes naive; aware ones are converted."""
    return at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[str]: JSON,
        list[dict[str, Any]]: JSON,
        list[float]: JSON,
    }


class ConversationRow(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), index=True)
    source_uri: Mapped[str] = mapped_column(Text)
    source_sha256: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    language: Mapped[str | None] = mapped_column(String(8))
    customer_key: Mapped[str | None] = mapped_column(String(64), index=True)
    agent_id: Mapped[str | None] = mapped_column(String(64))
    team: Mapped[str | None] = mapped_column(String(64))
    product: Mapped[str | None] = mapped_column(String(128), index=True)
    outcome: Mapped[str | None] = mapped_column(String(8))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    turns: Mapped[list[TurnRow]] = relationship(
        back_populates="conversation", cascade="all, delete-orphan", order_by="TurnRow.idx"
    )


class TurnRow(Base):
    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("conversation_id", "idx"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    idx: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    start_s: Mapped[float | None] = mapped_column(Float)
    end_s: Mapped[float | None] = mapped_column(Float)

    conversation: Mapped[ConversationRow] = relationship(back_populates="turns")


class InsightRow(Base):
    __tablename__ = "insights"
    __table_args__ = (Index("ix_insights_conversation_kind", "conversation_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(128), index=True)
    confidence: Mapped[float] = mapped_column(Float)
    evidence_turn: Mapped[int | None] = mapped_column(Integer)
    evidence_quote: Mapped[str | None] = mapped_column(Text)
    model_name: Mapped[str] = mapped_column(String(128))
    model_version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DocumentRow(Base):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(Text, unique=True)
    title: Mapped[str] = mapped_column(Text)
    product: Mapped[str | None] = mapped_column(String(128), index=True)
    language: Mapped[str | None] = mapped_column(String(8))
    content_hash: Mapped[str] = mapped_column(String(64))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    indexed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    chunks: Mapped[list[ChunkRow]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="ChunkRow.ordinal"
    )


class ChunkRow(Base):
    __tablename__ = "chunks"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    section_path: Mapped[str] = mapped_column(Text, default="")
    product: Mapped[str | None] = mapped_column(String(128))
    language: Mapped[str | None] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    # BM25 terms, space-joined: the lexical index reloads without re-running the Chinese segmenter (issue 4)
    tokens: Mapped[str | None] = mapped_column(Text)
    # one float16 vector per sentence of `text` (knowledge.text.split_sentences), row-major: the best sentence's
    # similarity joins the ranking (knowledge.retrieval.boost_by_sentences)
    sentence_vectors: Mapped[bytes | None] = mapped_column(LargeBinary)

    document: Mapped[DocumentRow] = relationship(back_populates="chunks")


class AssistLogRow(Base):
    __tablename__ = "assist_logs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    api_key_id: Mapped[str | None] = mapped_column(String(32))
    question: Mapped[str] = mapped_column(Text)
    context: Mapped[str | None] = mapped_column(Text)
    product: Mapped[str | None] = mapped_column(String(128))
    answer: Mapped[str] = mapped_column(Text)
    cited_chunk_ids: Mapped[list[str]] = mapped_column(default=list)
    abstained: Mapped[bool] = mapped_column(Boolean, default=False)
    confidence: Mapped[float | None] = mapped_column(Float)
    latency_ms: Mapped[float] = mapped_column(Float)
    feedback: Mapped[str | None] = mapped_column(String(16))
    feedback_comment: Mapped[str | None] = mapped_column(Text)
    mode: Mapped[str | None] = mapped_column(String(16))  # extractive | llm | abstained (issue 4)
    language: Mapped[str | None] = mapped_column(String(8))
    feedback_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEventRow(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    api_key_id: Mapped[str | None] = mapped_column(String(32), index=True)
    user: Mapped[str | None] = mapped_column(String(64), index=True)  # console sign-ins (issue 14)
    role: Mapped[str | None] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(8))
    route: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[float] = mapped_column(Float)
    client: Mapped[str | None] = mapped_column(String(64))


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserRow(Base):
    """A person who signs in to the console; machines use API keys."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)  # lower case
    display_name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))  # argon2id, with its own salt and parameters
    language: Mapped[str] = mapped_column(String(8), default="zh")
    agent_id: Mapped[str | None] = mapped_column(String(64))  # the agent id on their conversations
    team: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)


class WebSessionRow(Base):
    """A signed-in browser: the cookie holds a random token, this row only its sha256."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("users.username", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# --- ingest (issue 3) -------------------------------------------------------------------------------------------


class SourceFileRow(Base):
    """One input file as last seen: an unchanged file (same sha256) is skipped as a whole on re-runs."""

    __tablename__ = "source_files"

    uri: Mapped[str] = mapped_column(String(1024), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))  # complete | quarantined
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    run_id: Mapped[str | None] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class SourceLedgerRow(Base):
    """One conversation-sized unit of input, keyed by its stable id; its content hash makes re-runs idempotent."""

    __tablename__ = "source_ledger"

    unit_key: Mapped[str] = mapped_column(String(160), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    source_uri: Mapped[str] = mapped_column(String(1024))
    content_sha256: Mapped[str] = mapped_column(String(64), index=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    rows: Mapped[int] = mapped_column(Integer, default=1)
    run_id: Mapped[str | None] = mapped_column(String(36))
    indexed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class QuarantineRow(Base):
    """Input that could not be used, with the reason; the excerpt is masked."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str | None] = mapped_column(String(36), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    source_uri: Mapped[str] = mapped_column(String(1024))
    locator: Mapped[str] = mapped_column(String(128))  # "file", "row 17", "line 4"
    reason: Mapped[str] = mapped_column(Text)
    excerpt: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IngestRunRow(Base):
    """One ingest run (CLI, flow or API job) and its accounting."""

    __tablename__ = "ingest_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # queued | running | done | failed
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# --- knowledge (issue 4) ----------------------------------------------------------------------------------------


class KnowledgeGapRow(Base):
    """A question the knowledge base could not answer, or whose answer was rated wrong; grouped for doc writers."""

    __tablename__ = "knowledge_gaps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assist_log_id: Mapped[str] = mapped_column(ForeignKey("assist_logs.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    reason: Mapped[str] = mapped_column(String(16))  # abstained | wrong
    question: Mapped[str] = mapped_column(Text)  # masked
    product: Mapped[str | None] = mapped_column(String(128))
    language: Mapped[str | None] = mapped_column(String(8))
    embedder: Mapped[str | None] = mapped_column(String(64))
    # the query vector, kept so grouping by similarity never re-embeds old questions
    vector: Mapped[list[float] | None] = mapped_column(JSON)


# --- insights (issue 5) -----------------------------------------------------------------------------------------


class InsightStateRow(Base):
    """Which content of a conversation was classified by which pipeline version, so re-runs skip what is current.

    Deleting (or re-ingesting) a conversation deletes its state too, so a replaced conversation is classified again.
    """

    __tablename__ = "insight_state"

    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))  # of the turns and metadata that were classified
    pipeline_version: Mapped[str] = mapped_column(String(64), index=True)
    insights: Mapped[int] = mapped_column(Integer, default=0)
    classified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- act: Andon alerts, work orders, emerging topics (issue 6) ---------------------------------------------------


class AndonAlertRow(Base):
    """One (product, issue) that >= N distinct customers complained about within the window.

    At most one alert per (product, issue, problem) is not closed at a time (the Andon check adds new evidence to
    it); after it is closed, only complaints after the closing count towards a new alert.
    """

    __tablename__ = "andon_alerts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    product: Mapped[str] = mapped_column(String(128), index=True)
    issue: Mapped[str] = mapped_column(String(64))
    # the specific problem within the issue: the most central customer quote of its cluster ("" when not split)
    problem: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), index=True)  # open | acknowledged | closed
    customers: Mapped[int] = mapped_column(Integer)
    conversation_ids: Mapped[list[str]] = mapped_column(default=list)
    # [{conversation_id, channel, at, quote}], quotes masked at ingest
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(32))
    close_note: Mapped[str | None] = mapped_column(Text)
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notify_status: Mapped[str | None] = mapped_column(String(64))  # sent | failed: <reason> | None (no webhook)
    source: Mapped[str] = mapped_column(String(16), default="rule")  # rule (the burst rule) | manual (an agent's cord)
    raised_by: Mapped[str | None] = mapped_column(String(64))  # the API key that pulled the cord (never reported)
    resolution: Mapped[str | None] = mapped_column(String(16))  # fixed | false_alarm, when closed
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    work_orders: Mapped[list[WorkOrderRow]] = relationship(
        back_populates="alert", cascade="all, delete-orphan", order_by="WorkOrderRow.kind"
    )


class WorkOrderRow(Base):
    """A task for a team: `quality` (check and hold stock with the supplier) and `process` (root cause) from an Andon
    alert, `qa` from a fatal QA item on one conversation, or any other kind an integration opens.

    Routed to a team and assignee with a priority (`insights.workorders.routing`); its SLA deadlines are set when it
    opens or changes team (`insights.workorders.sla`); every change is a `WorkOrderEventRow`.
    """

    __tablename__ = "work_orders"
    __table_args__ = (UniqueConstraint("alert_id", "kind"), Index("ix_work_orders_status_due", "status", "due_at"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    alert_id: Mapped[str | None] = mapped_column(
        ForeignKey("andon_alerts.id", ondelete="CASCADE"), index=True, nullable=True
    )
    conversation_id: Mapped[str | None] = mapped_column(String(128), index=True, nullable=True)  # kind qa
    kind: Mapped[str] = mapped_column(String(16))  # quality | process | qa | ...
    product: Mapped[str | None] = mapped_column(String(128), nullable=True)
    issue: Mapped[str | None] = mapped_column(String(64), nullable=True)
    team: Mapped[str] = mapped_column(String(64), index=True, default="")
    assignee: Mapped[str] = mapped_column(String(64), index=True)
    priority: Mapped[str] = mapped_column(String(8), default="normal")  # urgent | high | normal | low
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)  # open | in_progress | waiting | resolved | verified
    root_cause: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)  # {whys: [..], fix, by, at}
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    # SLA: deadlines in business time, set when it opens or changes team; the stamps when the sweep acted
    warn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    manager_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    warned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    breached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    escalation: Mapped[int] = mapped_column(Integer, default=0)  # 0 none | 1 team lead | 2 manager
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    alert: Mapped[AndonAlertRow | None] = relationship(back_populates="work_orders")
    events: Mapped[list[WorkOrderEventRow]] = relationship(
        back_populates="work_order", cascade="all, delete-orphan", order_by="WorkOrderEventRow.id"
    )


class WorkOrderEventRow(Base):
    """One change of a work order, append-only: created, assigned, status, comment, root_cause, warned, breached,
    escalated."""

    __tablename__ = "work_order_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    work_order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    by: Mapped[str] = mapped_column(String(64))  # API key id, or `system` for the rule and the sweep
    action: Mapped[str] = mapped_column(String(16))
    before: Mapped[str | None] = mapped_column(String(128), nullable=True)
    after: Mapped[str | None] = mapped_column(String(128), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)  # masked

    work_order: Mapped[WorkOrderRow] = relationship(back_populates="events")


class ProductHoldRow(Base):
    """An open Andon alert holds its product (off sale) until the alert closes; one row per alert."""

    __tablename__ = "product_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    product: Mapped[str] = mapped_column(String(128), index=True)
    alert_id: Mapped[str] = mapped_column(ForeignKey("andon_alerts.id", ondelete="CASCADE"), unique=True)
    held_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    held_by: Mapped[str] = mapped_column(String(64))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)
    released_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class OutboxRow(Base):
    """A webhook message waiting for (or past) delivery: written in the same transaction as the change it
    announces, so a crash between the two loses nothing; its id is the delivery id receivers de-duplicate on."""

    __tablename__ = "outbox"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), index=True, default="pending")  # pending | sent | failed | none
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class TopicRow(Base):
    """An emerging topic found among conversations labelled `other`; its id stays stable from night to night."""

    __tablename__ = "topics"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    terms: Mapped[list[str]] = mapped_column(default=list)
    centroid: Mapped[list[float]] = mapped_column(JSON)
    embedder: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- after-contact summaries (issue 12) ----------------------------------------------------------------------------


class SummaryRow(Base):
    """One after-contact summary per conversation, from the LLM or extractive; replaced when the turns change."""

    __tablename__ = "summaries"

    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    issue: Mapped[str] = mapped_column(Text)
    actions: Mapped[list[str]] = mapped_column(JSON, default=list)
    outcome: Mapped[str] = mapped_column(Text)
    follow_ups: Mapped[list[str]] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text)  # every field in one, for search (JSON keeps Chinese escaped)
    source: Mapped[str] = mapped_column(String(16), index=True)  # llm | extractive
    model: Mapped[str] = mapped_column(String(128))
    fingerprint: Mapped[str] = mapped_column(String(64))  # of the turns it summarises
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LLMLabelRow(Base):
    """A label the LLM gave one text for one task: the training data of the distilled heads, kept across nights."""

    __tablename__ = "llm_labels"
    __table_args__ = (UniqueConstraint("task", "text_sha256", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task: Mapped[str] = mapped_column(String(64), index=True)
    text_sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)  # as stored: masked
    label: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(Float)
    model: Mapped[str] = mapped_column(String(128))
    version: Mapped[str] = mapped_column(String(64))  # the taxonomy and prompt the label answers to
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- quality inspection review and appeal (issue 13) ----------------------------------------------------------------


class QaReviewRow(Base):
    """A person's verdict on one scorecard item of one conversation; append-only, so every override is kept. The
    latest verdict per (conversation, scorecard, item) is the one that counts."""

    __tablename__ = "qa_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    scorecard: Mapped[str] = mapped_column(String(128))
    scorecard_version: Mapped[str] = mapped_column(String(64))  # the fingerprint the machine scored with
    item: Mapped[str] = mapped_column(String(64))
    machine: Mapped[str] = mapped_column(String(8))  # pass | fail | na, as scored
    outcome: Mapped[str] = mapped_column(String(8))  # the reviewer's pass | fail | na
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # masked; required when overriding
    reviewer: Mapped[str] = mapped_column(String(64))  # API key id
    source: Mapped[str] = mapped_column(String(16), default="review")  # review | dispute (an upheld dispute)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QaDisputeRow(Base):
    """An agent's dispute of one item's result, and how QA settled it."""

    __tablename__ = "qa_disputes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    scorecard: Mapped[str] = mapped_column(String(128))
    item: Mapped[str] = mapped_column(String(64))
    disputed: Mapped[str] = mapped_column(String(8))  # the outcome the agent disputes
    reason: Mapped[str] = mapped_column(Text)  # masked
    raised_by: Mapped[str] = mapped_column(String(64))  # API key id
    status: Mapped[str] = mapped_column(String(16), index=True, default="open")  # open | upheld | rejected
    resolved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)  # masked
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
