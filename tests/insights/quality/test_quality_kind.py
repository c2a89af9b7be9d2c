"""The `quality` insight kind: the runner scores every conversation and stores item and score records."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.settings import QualitySettings, Settings
from core.tables import InsightRow
from insights.classify.runner import classify_pending
from tests.conftest import FakeEmbedder
from tests.insights.conftest import COMPLAINT, LOST_DEAL, QUESTION, conversation, store

PROMISE = conversation(
    "C-PROMISE",
    [("customer", "Is it in stock?"), ("agent", "Hi! I guarantee it ships today, reach me at 13812345678.")],
    customer="cust-9",
)


def rows(sessions: sessionmaker[Session], kind: str) -> dict[str, list[InsightRow]]:
    out: dict[str, list[InsightRow]] = {}
    with sessions() as s:
        for r in s.scalars(select(InsightRow).where(InsightRow.kind == kind).order_by(InsightRow.id)):
            out.setdefault(r.conversation_id, []).append(r)
    return out


def test_every_conversation_gets_a_score_and_its_items(
    settings: Settings, sessions: sessionmaker[Session], fake: FakeEmbedder
) -> None:
    store(sessions, [COMPLAINT, LOST_DEAL, QUESTION, PROMISE])
    report = classify_pending(settings, sessions, embedder=fake)
    assert report.classified == 4 and {"qa_item", "qa_score"} <= set(report.by_kind)
    scores, items = rows(sessions, "qa_score"), rows(sessions, "qa_item")
    assert set(scores) == {COMPLAINT.id, LOST_DEAL.id, QUESTION.id, PROMISE.id}
    assert {r.model_name for r in scores[PROMISE.id]} == {"scorecard/service_basics", "scorecard/service_manner"}
    [promise] = [r for r in scores[PROMISE.id] if r.model_name == "scorecard/service_basics"]
    assert (promise.label, promise.confidence) == ("fatal", 0.0)
    offending = next(r for r in items[PROMISE.id] if r.label == "no_guarantee:fail")
    assert offending.evidence_turn == 1 and "13812345678" not in (offending.evidence_quote or "")
    assert "guarantee" in (offending.evidence_quote or "")
    [apology] = [r for r in items[COMPLAINT.id] if r.label.startswith("thanks_or_apology:")]
    assert apology.label == "thanks_or_apology:pass" and apology.evidence_turn == 1  # "Sorry to hear that"


def test_your_scorecard_folder_replaces_the_packaged_form(
    settings: Settings, sessions: sessionmaker[Session], fake: FakeEmbedder, tmp_path: Path
) -> None:
    (tmp_path / "mine.yaml").write_text(
        "name: mine\nversion: '1'\nchannels: [chat]\nitems:\n"
        """  - {id: filter_advice, title: F, kind: phrase, rule: '"six months"||六个月'}\n""",
        encoding="utf-8",
    )
    mine = settings.model_copy(update={"quality": QualitySettings(scorecard_dir=tmp_path)})
    store(sessions, [QUESTION])
    classify_pending(mine, sessions, embedder=fake)
    [score] = rows(sessions, "qa_score")[QUESTION.id]
    assert (score.label, score.confidence, score.model_name) == ("pass", 1.0, "scorecard/mine")
    assert [r.label for r in rows(sessions, "qa_item")[QUESTION.id]] == ["filter_advice:pass"]
