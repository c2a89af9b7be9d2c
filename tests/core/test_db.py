"""Store tests: identical on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.exc import IntegrityError

from core.db import migrate, ping, session_factory, transaction
from core.errors import StoreUnavailable
from core.tables import (
    ApiKeyRow,
    AssistLogRow,
    AuditEventRow,
    Base,
    ChunkRow,
    ConversationRow,
    DocumentRow,
    InsightRow,
    TurnRow,
)


def _conversation(cid: str = "chat:CHAT-0001") -> ConversationRow:
    return ConversationRow(
        id=cid,
        channel="chat",
        source_uri="demo/chats/chats.csv",
        source_sha256="a" * 64,
        started_at=datetime(2026, 11, 14, 9, 30, tzinfo=UTC),
        language="zh",
        customer_key="k" * 64,
        agent_id="A-101",
        team="support-east",
        product="aquapure-x3",
        meta={"source_row": 3, "标签": "漏水"},
        turns=[
            TurnRow(idx=0, speaker="customer", text="滤芯座漏水了，电话[PHONE]"),
            TurnRow(idx=1, speaker="agent", text="很抱歉，我们马上安排上门。"),
        ],
    )


def test_migrations_create_every_table_and_are_idempotent(engine: Engine) -> None:
    migrate(engine)  # second run: nothing to do, no error
    tables = set(inspect(engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    assert "alembic_version" in tables


def test_migrations_match_the_models(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations disagree; add a migration: {diff}"


def test_conversation_with_turns_round_trips_unicode_and_json(engine: Engine) -> None:
    sessions = session_factory(engine)
    with transaction(sessions) as s:
        s.add(_conversation())
    with sessions() as s:
        conv = s.get(ConversationRow, "chat:CHAT-0001")
        assert conv is not None
        assert [t.speaker for t in conv.turns] == ["customer", "agent"]
        assert conv.turns[0].text.startswith("滤芯座漏水")
        assert conv.meta == {"source_row": 3, "标签": "漏水"}
        assert conv.started_at is not None and conv.started_at.replace(tzinfo=None) == datetime(2026, 11, 14, 9, 30)


def test_turn_index_is_unique_per_conversation(engine: Engine) -> None:
    sessions = session_factory(engine)
    with transaction(sessions) as s:
        s.add(_conversation())
    with pytest.raises(IntegrityError), transaction(sessions) as s:
        s.add(TurnRow(conversation_id="chat:CHAT-0001", idx=0, speaker="agent", text="dup"))


def test_deleting_a_conversation_removes_its_turns_and_insights(engine: Engine) -> None:
    sessions = session_factory(engine)
    with transaction(sessions) as s:
        s.add(_conversation())
        s.add(
            InsightRow(
                conversation_id="chat:CHAT-0001",
                kind="product_issue",
                label="aquapure-x3/leak",
                confidence=0.91,
                evidence_turn=0,
                evidence_quote="滤芯座漏水了",
                model_name="fake",
                model_version="0",
            )
        )
    with transaction(sessions) as s:
        conv = s.get(ConversationRow, "chat:CHAT-0001")
        s.delete(conv)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(TurnRow)) == 0
        # the database enforces the cascade too, not only the ORM
        assert s.scalar(select(func.count()).select_from(InsightRow)) == 0


def test_documents_chunks_logs_audit_and_keys(engine: Engine) -> None:
    sessions = session_factory(engine)
    with transaction(sessions) as s:
        doc = DocumentRow(
            id="d1", source="demo/docs/en/x.md", title="Specs", product="aquapure-x3", language="en", content_hash="h"
        )
        doc.chunks = [
            ChunkRow(id="d1:0", ordinal=0, section_path="Specs > Filter", text="Lasts 6 months.", content_hash="c0"),
            ChunkRow(id="d1:1", ordinal=1, section_path="Specs > Size", text="40 cm tall.", content_hash="c1"),
        ]
        s.add(doc)
        s.add(
            AssistLogRow(
                id="00000000-0000-0000-0000-000000000001",
                question="How long does the filter last?",
                answer="Lasts 6 months.",
                cited_chunk_ids=["d1:0"],
                latency_ms=12.5,
            )
        )
        s.add(AuditEventRow(method="GET", route="/healthz", status=200, duration_ms=1.0))
        s.add(ApiKeyRow(id="abc", name="n", role="agent", secret_hash="0" * 64))
    with sessions() as s:
        d = s.get(DocumentRow, "d1")
        assert d is not None and [c.id for c in d.chunks] == ["d1:0", "d1:1"]
        log = s.get(AssistLogRow, "00000000-0000-0000-0000-000000000001")
        assert log is not None and log.cited_chunk_ids == ["d1:0"] and log.abstained is False
        assert s.scalar(select(func.count()).select_from(AuditEventRow)) == 1


def test_unreachable_database_is_a_clear_error() -> None:
    from core.db import make_engine

    bad = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreUnavailable, match="database unreachable"):
        ping(bad)
