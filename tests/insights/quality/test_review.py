"""Review and appeal on a real database (SQLite and PostgreSQL): verdicts with reasons, every override kept,
disputes upheld and rejected, sampling, and per-item agreement with Cohen's kappa."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.db import transaction
from core.errors import InvalidInput, NotFound
from core.settings import Settings
from core.tables import QaReviewRow
from insights.classify.runner import classify_pending
from insights.quality import review as qa
from insights.quality.review import ItemVerdict
from insights.quality.scorecard import load_scorecards
from insights.quality.store import conversation_scores
from tests.conftest import FakeEmbedder
from tests.insights.conftest import conversation, store

CARD = "service_basics"
CALLS = [
    conversation(
        "Q1", [("agent", "您好，请问有什么可以帮您？"), ("customer", "漏水了"), ("agent", "还有什么问题吗？")]
    ),
    conversation("Q2", [("agent", "喂"), ("customer", "漏水了"), ("agent", "我保证明天修好")]),
    conversation("Q3", [("agent", "Hello, how can I help?"), ("customer", "It leaks"), ("agent", "Anything else?")]),
    conversation("Q4", [("agent", "Yes?"), ("customer", "It leaks"), ("agent", "Bye")]),
]


@pytest.fixture
def scored(settings: Settings, any_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    store(any_sessions, CALLS)
    classify_pending(settings, any_sessions, embedder=FakeEmbedder())
    return any_sessions


def machine(sessions: sessionmaker[Session], cid: str, item: str) -> str:
    with sessions() as s:
        scores = conversation_scores(s, cid) or []
    return next(i.outcome for sc in scores if sc.scorecard == CARD for i in sc.items if i.item == item)


def test_an_override_needs_a_reason_and_every_verdict_is_kept(scored: sessionmaker[Session]) -> None:
    assert machine(scored, "Q2", "greeting") == "fail"
    with transaction(scored) as s, pytest.raises(InvalidInput, match="needs a reason"):
        qa.review(s, "Q2", CARD, {"greeting": ItemVerdict(outcome="pass")}, reviewer="k1")
    with transaction(scored) as s, pytest.raises(InvalidInput, match="has no item greting; its items: greeting"):
        qa.review(s, "Q2", CARD, {"greting": ItemVerdict(outcome="pass")}, reviewer="k1")
    with transaction(scored) as s, pytest.raises(NotFound):
        qa.review(s, "nope", CARD, {}, reviewer="k1")
    with transaction(scored) as s:
        why = ItemVerdict(outcome="pass", reason="喂 is how this line greets; call 13912345678")
        done = qa.review(s, "Q2", CARD, {"greeting": why}, reviewer="k1")
    assert len(done) == 5 and {r.item: r.outcome for r in done}["greeting"] == "pass"
    assert "13912345678" not in (next(r for r in done if r.item == "greeting").reason or "")
    with transaction(scored) as s:  # a second reviewer changes their mind back: both verdicts stay
        qa.review(s, "Q2", CARD, {"greeting": ItemVerdict(outcome="fail", reason="not a greeting")}, reviewer="k2",
                  confirm_rest=False)  # fmt: skip
    with scored() as s:
        history = [r.outcome for r in qa.reviews(s, "Q2") if r.item == "greeting"]
        assert history == ["pass", "fail"]
        cards = {c.name: c for c in load_scorecards()}
        [form] = [sc for sc in conversation_scores(s, "Q2", cards) or [] if sc.scorecard == CARD]
    assert {i.item: i.reviewed for i in form.items}["greeting"] == "fail"
    assert form.result == "fatal" and form.reviewed_result == "fatal"  # the forbidden promise still stands


def test_a_dispute_upheld_becomes_an_override_and_a_rejected_one_changes_nothing(
    scored: sessionmaker[Session],
) -> None:
    with transaction(scored) as s:
        raised = qa.dispute(s, "Q2", CARD, "no_guarantee", "我说的是保证金，不是承诺", raised_by="agent-7")
        other = qa.dispute(s, "Q4", CARD, "greeting", "I did greet", raised_by="agent-7")
    assert (raised.status, raised.disputed) == ("open", "fail")
    with scored() as s:
        assert [d.id for d in qa.disputes(s, status="open")] == [other.id, raised.id]
    with transaction(scored) as s:
        upheld = qa.resolve(s, raised.id, upheld=True, reason="deposit, not a promise", resolved_by="qa-1")
        rejected = qa.resolve(s, other.id, upheld=False, reason="'Yes?' is not a greeting", resolved_by="qa-1")
    assert (upheld.status, rejected.status) == ("upheld", "rejected")
    with scored() as s:
        rows = s.scalars(select(QaReviewRow).order_by(QaReviewRow.id)).all()
        assert [(r.conversation_id, r.item, r.outcome, r.source) for r in rows] == [("Q2", "no_guarantee", "pass",
                                                                                      "dispute")]  # fmt: skip
        cards = {c.name: c for c in load_scorecards()}
        [form] = [sc for sc in conversation_scores(s, "Q2", cards) or [] if sc.scorecard == CARD]
    assert form.result == "fatal" and form.reviewed_result in ("pass", "fail")  # the fatal item was overturned
    with transaction(scored) as s, pytest.raises(InvalidInput, match="already upheld"):
        qa.resolve(s, raised.id, upheld=False, reason="again", resolved_by="qa-1")


def test_sampling_skips_reviewed_conversations(scored: sessionmaker[Session]) -> None:
    with scored() as s:
        assert qa.sample(s, 10, scorecard=CARD) == ["Q1", "Q2", "Q3", "Q4"]
        assert set(qa.sample(s, 10, result="fatal")) == {"Q2"}
        assert len(qa.sample(s, 2, seed=1)) == 2
    with transaction(scored) as s:
        qa.review(s, "Q1", CARD, {}, reviewer="k1")
    with scored() as s:
        assert "Q1" not in qa.sample(s, 10)


def test_agreement_per_item_with_kappa(scored: sessionmaker[Session]) -> None:
    outcomes = {cid: {item: machine(scored, cid, item) for item in ("greeting", "further_help")} for cid in
                ("Q1", "Q2", "Q3", "Q4")}  # fmt: skip
    assert [outcomes[c]["greeting"] for c in ("Q1", "Q2", "Q3", "Q4")] == ["pass", "fail", "pass", "fail"]
    flip: dict[str, Any] = {"Q4": {"greeting": ItemVerdict(outcome="pass", reason="Yes? counts here")}}
    with transaction(scored) as s:
        for cid in ("Q1", "Q2", "Q3", "Q4"):
            qa.review(s, cid, CARD, flip.get(cid, {}), reviewer="k1")
    with scored() as s:
        found = {a.item: a for a in qa.agreement(s, scorecard=CARD)}
    greeting = found["greeting"]
    assert (greeting.reviewed, greeting.agree, greeting.overridden) == (4, 0.75, 1)
    assert greeting.kappa == pytest.approx(0.5)  # po 0.75, pe 0.5
    assert found["no_rude_words"].kappa is None and found["no_rude_words"].agree == 1.0  # all pass: undefined
