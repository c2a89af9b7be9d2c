"""After-contact summaries: LLM (validated, masked) or extractive; stored once, upgraded, searchable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings
from core.tables import SummaryRow
from insights.summaries.run import get_summary, search_summaries, summarise_pending
from insights.summaries.write import SummaryAnswer, extractive_summary, llm_summary
from tests.insights.conftest import COMPLAINT, LOST_DEAL, QUESTION, conversation, store

ZH = conversation(
    "C-ZH",
    [
        ("customer", "你好，我买的扫地机器人充不进电了，指示灯一直闪红灯。"),
        ("agent", "您好，这在保修期内，我已经帮您登记换新。"),
        ("agent", "快递员明天上门取件，新机器预计三天内送达。"),
        ("customer", "好的，谢谢。"),
    ],
)


class FakeChat:
    """Answers each summary request with `answer` (a dict), or raises it when it is an exception."""

    model_name = "fake-llm"

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls = 0

    def with_structured_output(self, schema: type[SummaryAnswer]) -> FakeChat:
        return self

    def invoke(self, messages: Any) -> Any:
        self.calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return SummaryAnswer.model_validate(self.answer)


GOOD = {"issue": "Purifier leaks.", "actions": ["Booked a technician"], "outcome": "Visit booked.", "follow_ups": []}


def test_extractive_summary_picks_issue_actions_and_follow_ups() -> None:
    s = extractive_summary(ZH)
    assert s.source == "extractive" and "充不进电" in s.issue
    assert any("登记换新" in a for a in s.actions)
    assert any("明天" in f for f in s.follow_ups)
    en = extractive_summary(COMPLAINT)
    assert "leaking" in en.issue and any("technician" in f for f in en.follow_ups)
    assert extractive_summary(LOST_DEAL).outcome == "lost"


def test_llm_summary_is_masked_before_it_is_stored() -> None:
    leaky = GOOD | {"follow_ups": ["Call the customer back on 13812345678"]}
    s = llm_summary(FakeChat(leaky), COMPLAINT, "fake-llm")
    assert s.source == "llm" and s.model == "fake-llm"
    assert "13812345678" not in " ".join(s.follow_ups)


def test_every_conversation_gets_one_and_a_rerun_changes_nothing(any_sessions: sessionmaker[Session]) -> None:
    store(any_sessions, [COMPLAINT, LOST_DEAL, QUESTION, ZH])
    report = summarise_pending(any_sessions, None)
    assert (report.considered, report.extractive, report.llm) == (4, 4, 0)
    again = summarise_pending(any_sessions, None)
    assert again.considered == 0
    with any_sessions() as session:
        assert get_summary(session, "C-ZH") is not None
        assert [s.conversation_id for s in search_summaries(session, "扫地机器人")] == ["C-ZH"]
        assert [s.conversation_id for s in search_summaries(session, "LEAKING underneath")] == ["C-LEAK"]


def test_the_llm_upgrades_extractive_ones_within_its_budget(sessions: sessionmaker[Session]) -> None:
    store(sessions, [COMPLAINT, LOST_DEAL, QUESTION])
    summarise_pending(sessions, None)
    chat = FakeChat(GOOD)
    first = summarise_pending(sessions, chat, model_name="fake-llm", budget_s=0.0)  # no budget: nothing to upgrade
    assert (first.considered, first.llm, first.budget_left) == (3, 0, False) and chat.calls == 0
    second = summarise_pending(sessions, chat, model_name="fake-llm")
    assert (second.llm, second.extractive) == (3, 0) and second.llm_seconds_per_conversation >= 0
    with sessions() as session:
        assert {r.source for r in session.scalars(select(SummaryRow))} == {"llm"}
    assert summarise_pending(sessions, chat).considered == 0


def test_a_failed_or_invalid_answer_falls_back_to_extractive(sessions: sessionmaker[Session]) -> None:
    store(sessions, [COMPLAINT, QUESTION])
    broken = summarise_pending(sessions, FakeChat(RuntimeError("model crashed")))
    assert (broken.llm, broken.llm_failed, broken.extractive) == (0, 2, 2)
    invalid = summarise_pending(sessions, FakeChat({"issue": "x"}))  # the schema wants all four fields
    assert (invalid.llm, invalid.llm_failed) == (0, 2)


def test_a_changed_conversation_is_summarised_again(sessions: sessionmaker[Session]) -> None:
    store(sessions, [COMPLAINT, QUESTION])
    summarise_pending(sessions, None)
    store(sessions, [conversation("C-ASK", [("customer", "I was charged twice for one order.")])])
    report = summarise_pending(sessions, None)
    assert report.considered == 1
    with sessions() as session:
        summary = get_summary(session, "C-ASK")
        assert summary is not None and "charged twice" in summary.issue


@pytest.mark.integration
def test_the_packaged_model_summarises_a_chinese_call(settings: Settings, model_cache: Path) -> None:
    """The default local model (Qwen2.5 1.5B) writes a schema-valid Chinese summary."""
    from core.ml.chat import load_chat_model

    settings.llm.provider = "local"
    settings.models.cache_dir = model_cache
    settings.llm.max_tokens = 160
    chat = load_chat_model(settings)
    s = llm_summary(chat, ZH, "qwen2.5-1.5b")
    assert s.source == "llm" and s.issue and any("\u4e00" <= ch <= "\u9fff" for ch in s.issue)
    assert "充" in s.issue or "电" in s.issue
