"""QA per agent and team: scores against the previous period, most-missed items, best and worst, the pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from core.db import transaction
from core.records import Conversation, Turn
from core.settings import Settings
from insights.classify.runner import classify_pending
from insights.quality import review as qa
from insights.quality.digest import build_qa_digest
from insights.quality.review import ItemVerdict
from insights.quality.scorecard import load_scorecards
from insights.reports.render.pages import write_report
from tests.conftest import FakeEmbedder
from tests.insights.conftest import store

END = datetime(2026, 11, 20, tzinfo=UTC)
GOOD = ["您好，请问有什么可以帮您？", "还有什么问题吗？"]
CURT = ["喂", "行了"]
PROMISE = ["您好", "我保证明天修好，还有什么问题吗？"]


def call(cid: str, agent: str, team: str, days_ago: float, said: list[str]) -> Conversation:
    turns = [Turn(index=0, speaker="agent", text=said[0]), Turn(index=1, speaker="customer", text="漏水了"),
             Turn(index=2, speaker="agent", text=said[1])]  # fmt: skip
    return Conversation(id=cid, channel="chat", source_uri="-", source_sha256="-", agent_id=agent, team=team,
                        started_at=END - timedelta(days=days_ago), turns=turns)  # fmt: skip


def test_the_digest_per_agent_and_team(settings: Settings, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    store(sessions, [
        call("N1", "A-1", "north", 1, GOOD), call("N2", "A-1", "north", 2, GOOD), call("N3", "A-2", "north", 3, CURT),
        call("S1", "A-3", "south", 1, PROMISE), call("S2", "A-3", "south", 9, GOOD),  # S2: the previous period
        call("OLD", "A-1", "north", 30, CURT),  # outside both periods
    ])  # fmt: skip
    classify_pending(settings, sessions, embedder=FakeEmbedder())
    cards = {c.name: c for c in load_scorecards()}
    with sessions() as s:
        d = build_qa_digest(s, end=END, period_days=7, cards=cards)
    basics = next(c for c in d.cards if c.scorecard == "service_basics")
    assert (basics.conversations, basics.fatal, basics.previous_conversations) == (4, 1, 1)
    assert [t.scorecard for t in d.teams] == ["north", "south"]
    agents = {a.agent_id: a for a in d.agents}
    assert set(agents) == {"A-1", "A-2", "A-3"} and agents["A-3"].fatal == 1
    assert "service_basics/greeting" in agents["A-2"].most_missed
    assert d.agents[0].mean_score is not None and d.agents[0].mean_score <= d.agents[-1].mean_score  # type: ignore[operator]
    assert d.worst[0].conversation_id == "S1" and d.worst[0].result == "fatal"
    assert d.best[0].conversation_id in ("N1", "N2")
    top = d.items[0]
    assert top.fail_share >= d.items[-1].fail_share and top.failed >= 1
    assert len(d.days) == 7 and sum(day.conversations for day in d.days) == 4 * len(d.cards)
    with sessions() as s:
        south = build_qa_digest(s, end=END, period_days=7, team="south", cards=cards)
    assert {a.agent_id for a in south.agents} == {"A-3"} and south.teams == []
    with transaction(sessions) as s:  # a reviewer overturns the fatal item: the digest follows the review
        qa.review(s, "S1", "service_basics", {"no_guarantee": ItemVerdict(outcome="pass", reason="a deposit")},
                  reviewer="qa-1")  # fmt: skip
    with sessions() as s:
        again = build_qa_digest(s, end=END, period_days=7, cards=cards)
    assert next(c for c in again.cards if c.scorecard == "service_basics").fatal == 0
    paths = write_report(d, tmp_path)
    html = paths["html"].read_text(encoding="utf-8")
    assert paths["html"].name == "qa-digest-2026-11-19.html" and 'data-chart="qa_scores"' in html
    assert "A-3" in html and "Most-missed items" in html
    assert "| A-2 |" in paths["md"].read_text(encoding="utf-8")
    empty = write_report(build_qa_digest(sessions(), end=END - timedelta(days=100), period_days=7), tmp_path)
    assert "run `cxloop insights run`" in empty["md"].read_text(encoding="utf-8")
