"""Trend numbers: volumes per day, sentiment, and rising/falling intents by a test rather than a raw ratio."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.db import engine_for, migrate, session_factory, transaction
from core.settings import Settings
from core.tables import ConversationRow, InsightRow, TurnRow
from insights.reports.trends import build_trends, significance

CST = timezone(timedelta(hours=8))
END = datetime(2026, 11, 16, tzinfo=CST)


def add(
    session: Session,
    cid: str,
    at: datetime,
    *,
    channel: str = "chat",
    intent: str | None = None,
    sentiment: str | None = None,
    texts: Sequence[str] = (),
    outcome: str | None = None,
    team: str | None = None,
    agent: str | None = None,
    losses: Sequence[tuple[str, str]] = (),
) -> None:
    """One conversation with its customer turns and insights, stored the way ingest and the runner store them."""
    session.add(
        ConversationRow(
            id=cid, channel=channel, source_uri="test", source_sha256="0" * 64, started_at=at, language="en",
            customer_key=f"k-{cid}", agent_id=agent, team=team, outcome=outcome, meta={},
        )
    )  # fmt: skip
    session.flush()
    for i, text in enumerate(texts):
        session.add(TurnRow(conversation_id=cid, idx=2 * i, speaker="customer", text=text))
        session.add(TurnRow(conversation_id=cid, idx=2 * i + 1, speaker="agent", text="Let me check that for you."))
    labels: list[tuple[str, str | None, str | None]] = [("intent", intent, None), ("sentiment", sentiment, None)]
    labels += [("loss_reason", reason, quote) for reason, quote in losses]
    for kind, label, quote in labels:
        if label is not None:
            session.add(
                InsightRow(
                    conversation_id=cid, kind=kind, label=label, confidence=0.9, evidence_turn=0 if quote else None,
                    evidence_quote=quote, model_name="test", model_version="1",
                )
            )  # fmt: skip


def seed_counts(session: Session, counts: dict[str, tuple[int, int]]) -> None:
    """intent -> (current, previous) conversations, spread over each period's days."""
    n = 0
    for intent, (now, before) in sorted(counts.items()):
        for k, (count, offset) in enumerate(((now, 0), (before, 7))):
            for i in range(count):
                at = END - timedelta(days=offset + i % 7, hours=3)
                feeling = "negative" if intent == "delivery" and k == 0 else "neutral"
                add(session, f"{intent}-{k}-{i}", at, channel="call" if i % 3 == 0 else "chat", intent=intent,
                    sentiment=feeling)  # fmt: skip
                n += 1


COUNTS = {"delivery": (40, 10), "billing": (32, 30), "defect": (28, 60), "installation": (0, 0)}


def test_a_clear_rise_is_significant_and_a_wobble_is_not(engine: Engine) -> None:
    sessions = session_factory(engine)
    with transaction(sessions) as s:
        seed_counts(s, COUNTS)
        add(s, "late", END + timedelta(minutes=30), intent="delivery")  # after the period: not counted
        add(s, "edge", END - timedelta(minutes=30), intent="billing", channel="work_order")
    with sessions() as s:
        data = build_trends(s, end=END, period_days=7, alpha=0.05)
    assert (data.conversations, data.previous_conversations) == (101, 100)
    changes = {c.intent: c for c in data.intent_changes}
    assert changes["delivery"].direction == "rising" and changes["delivery"].significant
    assert changes["delivery"].q_value >= changes["delivery"].p_value and changes["delivery"].p_value < 0.001
    assert changes["defect"].direction == "falling" and changes["defect"].significant
    assert changes["billing"].current == 33 and not changes["billing"].significant
    assert "installation" not in changes
    assert data.intent_changes[0].significant
    assert data.days[0].isoformat() == "2026-11-09" and data.days[-1].isoformat() == "2026-11-15"
    assert sum(data.volume_by_intent["delivery"]) == 40 and len(data.volume_by_intent["delivery"]) == 7
    assert data.volume_by_channel["work_order"][-1] == 1  # 23:30 local on the last day
    assert sum(sum(v) for v in data.volume_by_channel.values()) == 101
    assert data.channels == {"call": 35, "chat": 65, "work_order": 1}
    assert data.negative_share == pytest.approx(40 / 100)
    assert data.previous_negative_share == 0.0
    assert sum(d.negative for d in data.sentiment_by_day) == 40


def test_benjamini_hochberg_tempers_many_small_changes() -> None:
    # ten intents each nudged up a little: individually some p < 0.05 could appear, none survives BH at 0.05
    counts = {f"intent_{i}": (12 + i % 3, 10) for i in range(10)}
    changes = significance(counts, 130, 100, alpha=0.05)
    assert all(not c.significant for c in changes)
    assert all(c.q_value >= c.p_value for c in changes)
    strong = significance({"a": (60, 10), "b": (10, 12)}, 100, 100, alpha=0.05)
    assert [c.intent for c in strong if c.significant] == ["a"]


def test_empty_previous_period_is_not_a_rise(settings: Settings) -> None:
    engine = engine_for(settings)
    migrate(engine)
    sessions = session_factory(engine)
    with transaction(sessions) as s:
        add(s, "a", END - timedelta(days=1), intent="delivery", losses=[("price", "Too expensive for us.")])
    with sessions() as s:
        data = build_trends(s, end=END, period_days=7, alpha=0.05)
    assert data.previous_conversations == 0
    assert [(c.intent, c.p_value, c.significant) for c in data.intent_changes] == [("delivery", 1.0, False)]
    assert [(r.reason, r.current, r.previous) for r in data.loss_reasons] == [("price", 1, 0)]
    engine.dispose()


def test_end_must_be_aware(settings: Settings) -> None:
    engine = engine_for(settings)
    migrate(engine)
    with session_factory(engine)() as s, pytest.raises(ValueError):
        build_trends(s, end=END.replace(tzinfo=None), period_days=7, alpha=0.05)
    engine.dispose()
