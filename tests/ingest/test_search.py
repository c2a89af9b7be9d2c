"""Conversation search on each vector backend: every filter, and a re-indexed conversation leaves no stale turns."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, migrate, session_factory
from core.records import Channel
from core.settings import Settings
from core.vectors import VectorIndex
from ingest.pipeline import run_ingest
from ingest.search import SearchFilters, conversation_index, search
from tests.conftest import FakeEmbedder
from tests.ingest.conftest import CHAT_HEADER, chat_rows, write_csv

QUERY = "coating is peeling 漏水"


@pytest.fixture
def indexed(
    vector_backend: str, settings: Settings, chats_csv: Path, work_orders_csv: Path
) -> tuple[sessionmaker[Session], VectorIndex]:
    engine = make_engine(settings.database_url)
    migrate(engine)
    sessions = session_factory(engine)
    index = conversation_index(settings, FakeEmbedder())
    pairs: tuple[tuple[Channel, Path], ...] = (("chat", chats_csv), ("work_order", work_orders_csv))
    for channel, path in pairs:
        run_ingest(settings, sessions, channel, path, embedder=FakeEmbedder(), collection=index)
    return sessions, index


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (SearchFilters(channel="work_order"), {"channel": {"work_order"}}),
        (SearchFilters(product="aquapure-x3"), {"product": {"aquapure-x3"}, "channel": {"chat"}}),
        (SearchFilters(speaker="agent", channel="chat"), {"speaker": {"agent"}, "channel": {"chat"}}),
        (SearchFilters(language="en"), {"channel": {"work_order"}}),
        (SearchFilters(date_from=date(2026, 11, 15)), {"channel": {"work_order"}}),
        (SearchFilters(date_to=date(2026, 11, 14)), {"channel": {"chat"}}),
        (SearchFilters(date_from=date(2026, 11, 14), date_to=date(2026, 11, 14), speaker="customer"), {"n": {3}}),
    ],
)
def test_each_filter(
    indexed: tuple[sessionmaker[Session], VectorIndex], filters: SearchFilters, expected: dict[str, set[object]]
) -> None:
    _, index = indexed
    hits = search(index, FakeEmbedder(), QUERY, k=20, filters=filters)
    assert hits
    seen = {
        "channel": {h.channel for h in hits},
        "product": {h.product for h in hits},
        "speaker": {h.speaker for h in hits},
        "n": {len(hits)},
    }
    for key, values in expected.items():
        assert seen[key] == values, key
    assert not search(index, FakeEmbedder(), QUERY, k=20, filters=filters.model_copy(update={"channel": "call"}))


def test_a_replaced_conversation_keeps_only_its_new_turns(
    indexed: tuple[sessionmaker[Session], VectorIndex], settings: Settings, tmp_path: Path
) -> None:
    sessions, index = indexed
    assert index.count() == 12
    rows = [r for r in chat_rows(1) if r["turn_index"] == "0"]  # CHAT-00001 again, now with one turn
    rows[0]["text"] = "滤芯座还是漏水"
    run_ingest(
        settings,
        sessions,
        "chat",
        write_csv(tmp_path / "again.csv", CHAT_HEADER, rows),
        embedder=FakeEmbedder(),
        collection=index,
    )
    hits = search(index, FakeEmbedder(), "滤芯座还是漏水", k=20, filters=SearchFilters(channel="chat"))
    mine = [h for h in hits if h.conversation_id == "chat:CHAT-00001"]
    assert [(h.turn_index, h.text) for h in mine] == [(0, "滤芯座还是漏水")]
    assert index.count() == 11
