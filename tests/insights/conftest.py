"""Conversations stored the way ingest stores them, and an analyzer on the fake embedder (fast, deterministic)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.db import engine_for, migrate, session_factory, transaction
from core.records import Conversation, Turn
from core.settings import Settings
from ingest.ledger import to_row
from insights.classify.analyze import Analyzer
from insights.classify.build import build_analyzer
from insights.classify.config import InsightSettings
from tests.conftest import FakeEmbedder


def conversation(
    cid: str,
    turns: Sequence[tuple[str, str]],
    *,
    product: str | None = None,
    outcome: str | None = None,
    customer: str | None = None,
    started: datetime | None = None,
    metadata: dict[str, Any] | None = None,
) -> Conversation:
    return Conversation(
        id=cid,
        channel="chat",
        source_uri="test.csv",
        source_sha256="0" * 64,
        started_at=started or datetime(2026, 11, 15, 10, tzinfo=UTC),
        language="en",
        customer_key=customer,
        product=product,
        outcome=outcome,
        metadata=metadata or {},
        turns=[Turn(index=i, speaker=s, text=t) for i, (s, t) in enumerate(turns)],
    )


COMPLAINT = conversation(
    "C-LEAK",
    [
        ("customer", "My AquaPure X3 purifier is leaking water from underneath, it stopped working after a week."),
        ("agent", "Sorry to hear that, we will send a technician."),
        ("customer", "This is unacceptable, I am really angry, nobody is helping me."),
    ],
    customer="cust-1",
)
LOST_DEAL = conversation(
    "S-LOST",
    [
        ("agent", "Here is the quote for ten units."),
        ("customer", "That is too expensive for us, the price is higher than we budgeted per unit."),
        ("agent", "I understand."),
        ("customer", "We went with another brand, a competitor offered us a better deal."),
    ],
    outcome="lost",
    product="aquapure-x3",
    customer="cust-2",
)
QUESTION = conversation(
    "C-ASK",
    [("customer", "How often should I replace the filter?"), ("agent", "Every six months.")],
    customer="cust-3",
)


def store(sessions: sessionmaker[Session], conversations: Sequence[Conversation]) -> None:
    with transaction(sessions) as session:
        for c in conversations:
            old = session.get(type(to_row(c)), c.id)
            if old is not None:
                session.delete(old)
                session.flush()
            session.add(to_row(c))


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """SQLite only; the idempotency test also runs on PostgreSQL through the shared `engine` fixture."""
    engine = engine_for(settings)
    migrate(engine)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def any_sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def fake() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def make_analyzer(settings: Settings, fake: FakeEmbedder) -> Any:
    def make(**config: Any) -> Analyzer:
        return build_analyzer(settings, embedder=fake, config=InsightSettings(**config))

    return make


@pytest.fixture
def taxonomy_dir(tmp_path: Path) -> Path:
    d = tmp_path / "taxonomies"
    d.mkdir()
    return d
