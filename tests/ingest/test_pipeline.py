"""Accounting and idempotency: stored, duplicate, replaced, quarantined; one bad file never stops a batch."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import Engine, func, select

from core.db import session_factory
from core.settings import Settings
from core.tables import ConversationRow, IngestRunRow, QuarantineRow, SourceLedgerRow, TurnRow
from ingest.pipeline import run_ingest
from ingest.search import SearchFilters, conversation_index, search
from tests.conftest import FakeEmbedder
from tests.ingest.conftest import CHAT_HEADER, chat_rows, write_csv


def _count(engine: Engine, table: type) -> int:
    with session_factory(engine)() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def test_rerun_stores_nothing_new(engine: Engine, settings: Settings, chats_csv: Path) -> None:
    sessions = session_factory(engine)
    first = run_ingest(settings, sessions, "chat", chats_csv)
    assert (first.counts.conversations_stored, first.counts.rows_stored) == (3, 6)
    second = run_ingest(settings, sessions, "chat", chats_csv)
    assert second.counts.files_unchanged == 1 and second.counts.rows_stored == 0
    assert _count(engine, ConversationRow) == 3 and _count(engine, TurnRow) == 6
    with sessions() as s:
        runs = s.scalars(select(IngestRunRow).order_by(IngestRunRow.started_at)).all()
        assert [r.status for r in runs] == ["done", "done"]
        assert runs[0].counts["rows_stored"] == 6


def test_same_rows_in_a_new_file_are_duplicates(
    engine: Engine, settings: Settings, chats_csv: Path, tmp_path: Path
) -> None:
    sessions = session_factory(engine)
    run_ingest(settings, sessions, "chat", chats_csv)
    copy = tmp_path / "copy" / "chats-again.csv"
    copy.parent.mkdir()
    shutil.copy(chats_csv, copy)
    report = run_ingest(settings, sessions, "chat", copy)
    assert report.counts.conversations_duplicate == 3 and report.counts.rows_duplicate == 6
    assert _count(engine, ConversationRow) == 3


def test_a_changed_conversation_replaces_its_earlier_version(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    sessions = session_factory(engine)
    path = write_csv(tmp_path / "c.csv", CHAT_HEADER, chat_rows(2))
    run_ingest(settings, sessions, "chat", path)
    rows = chat_rows(2)
    rows[0]["text"] = "滤芯座还是漏水，第二次联系了"
    rows.append({**rows[1], "turn_index": "2", "text": "好的，已升级处理。"})
    write_csv(path, CHAT_HEADER, rows)
    report = run_ingest(settings, sessions, "chat", path)
    c = report.counts
    assert (c.conversations_replaced, c.conversations_duplicate, c.rows_stored, c.rows_duplicate) == (1, 1, 3, 2)
    with sessions() as s:
        conv = s.get(ConversationRow, "chat:CHAT-00001")
        assert conv is not None and next(t.text for t in conv.turns).startswith("滤芯座还是漏水")
        assert len(conv.turns) == 3
    assert _count(engine, ConversationRow) == 2


def test_every_row_is_accounted_for_and_bad_files_do_not_stop_the_batch(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    write_csv(folder / "a_good.csv", CHAT_HEADER, chat_rows(4))
    (folder / "b_missing_column.csv").write_text("conversation_id,speaker\nC9,customer\n", encoding="utf-8")
    (folder / "c_empty.csv").write_bytes(b"")
    (folder / "d_undecodable.csv").write_bytes(b"conversation_id,text\nC1,\xff\xfe\xfa\x80\x81 broken\n")
    bad_rows = chat_rows(2, start=50)
    bad_rows[1]["text"] = ""
    write_csv(folder / "e_partly_bad.csv", CHAT_HEADER, bad_rows)
    sessions = session_factory(engine)
    report = run_ingest(settings, sessions, "chat", folder)
    c = report.counts
    assert c.files == 5
    assert c.files_quarantined == 3
    assert c.rows_stored == 8 + 3 and c.rows_quarantined == 1
    reasons = " | ".join(q["reason"] for q in report.quarantined)
    assert "missing required column" in reasons and "empty file" in reasons and "empty message text" in reasons
    assert "undecodable" in reasons
    with sessions() as s:
        stored = s.scalars(select(QuarantineRow.reason)).all()
        assert len(stored) == len(report.quarantined)
        assert all("138000000" not in (q.excerpt or "") for q in s.scalars(select(QuarantineRow)))


def test_index_and_search_with_filters(
    vector_backend: str, engine: Engine, settings: Settings, chats_csv: Path, work_orders_csv: Path
) -> None:
    sessions = session_factory(engine)
    embedder = FakeEmbedder()
    collection = conversation_index(settings, embedder)
    run_ingest(settings, sessions, "chat", chats_csv, embedder=embedder, collection=collection)
    run_ingest(settings, sessions, "work_order", work_orders_csv, embedder=embedder, collection=collection)
    assert collection.count() == 6 + 6
    hits = search(collection, embedder, "coating is peeling", k=3)
    assert hits[0].conversation_id.startswith("work_order:") and "[PHONE]" in hits[0].text
    only_chats = search(collection, embedder, "coating is peeling", k=3, filters=SearchFilters(channel="chat"))
    assert {h.channel for h in only_chats} == {"chat"}
    with sessions() as s:
        assert s.scalar(select(func.count()).where(SourceLedgerRow.indexed_at.is_(None))) == 0
