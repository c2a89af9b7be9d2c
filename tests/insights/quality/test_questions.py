"""Question items: `na` when scored, then answered by the chat model with evidence, the form scored again."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.errors import InvalidInput
from core.settings import QualitySettings, Settings
from core.tables import InsightRow
from insights.classify.runner import classify_pending
from insights.quality.questions import QuestionAnswer, answer_pending, pending
from insights.quality.scorecard import DEFAULT_DIR, Scorecard, parse_scorecard, scorecards_by_name
from insights.quality.store import conversation_scores
from tests.conftest import FakeEmbedder
from tests.insights.conftest import COMPLAINT, QUESTION, store

EXAMPLES = DEFAULT_DIR / "examples"


class FakeChat:
    """Answers every question with the next of `answers` (dicts), or raises one that is an exception."""

    model_name = "fake-llm"

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.prompts: list[str] = []

    def with_structured_output(self, schema: type[QuestionAnswer]) -> FakeChat:
        return self

    def invoke(self, messages: Any) -> Any:
        self.prompts.append(str(messages[-1].content))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return QuestionAnswer.model_validate(answer)


def test_a_question_item_needs_its_question() -> None:
    with pytest.raises(InvalidInput, match="question"):
        parse_scorecard("name: q\nversion: '1'\nitems:\n  - {id: a, title: A, kind: question}\n")
    card = parse_scorecard((EXAMPLES / "service_questions.yaml").read_text(encoding="utf-8"))
    assert [i.pass_on for i in card.items] == ["yes", "no"]


@pytest.fixture
def with_questions(settings: Settings, tmp_path: Path) -> Settings:
    folder = tmp_path / "forms"
    folder.mkdir()
    shutil.copy(EXAMPLES / "service_questions.yaml", folder)
    return settings.model_copy(update={"quality": QualitySettings(scorecard_dir=folder)})


def qa(sessions: sessionmaker[Session], cid: str, kind: str) -> list[InsightRow]:
    with sessions() as s:
        return list(s.scalars(select(InsightRow).where(InsightRow.conversation_id == cid, InsightRow.kind == kind)))


@pytest.fixture
def cards(with_questions: Settings, sessions: sessionmaker[Session], fake: FakeEmbedder) -> dict[str, Scorecard]:
    """COMPLAINT and QUESTION scored with the example question form: its items pending."""
    store(sessions, [COMPLAINT, QUESTION])
    classify_pending(with_questions, sessions, embedder=fake)
    return scorecards_by_name(with_questions.quality.scorecard_dir)


def test_answers_replace_the_pending_items_and_rescore_the_form(
    sessions: sessionmaker[Session], cards: dict[str, Scorecard]
) -> None:
    assert {r.label for r in qa(sessions, COMPLAINT.id, "qa_item")} == {
        "resolved_or_next_step:na",
        "no_unkept_promise:na",
    }
    with sessions() as s:
        order = list(pending(s, cards))  # newest first, then by id
    assert set(order) == {COMPLAINT.id, QUESTION.id}

    # COMPLAINT: resolved (yes, turn 1) and a promise that may not be kept (yes: fails); QUESTION: not applicable
    chat = FakeChat(
        {"answer": "yes", "evidence_turn": 1}, {"answer": "yes", "evidence_turn": 99},
        {"answer": "not_applicable"}, {"answer": "no", "evidence_turn": 0},
    )  # fmt: skip
    run = answer_pending(sessions, chat, cards, model_name="fake-llm")
    assert (run.conversations, run.asked, run.answered, run.failed) == (2, 4, 4, 0)
    assert "Did the agent solve" in chat.prompts[0] and "[1] agent:" in chat.prompts[0]
    with sessions() as s:
        assert pending(s, cards) == {}
        scores = {cid: conversation_scores(s, cid) or [] for cid in order}
    newest = order[0]
    items = {c: {i.item: i for i in found[0].items} for c, found in scores.items()}
    first, second = items[order[0]], items[order[1]]
    assert first["resolved_or_next_step"].outcome == "pass" and first["resolved_or_next_step"].turn_index == 1
    assert first["resolved_or_next_step"].quote  # the evidence turn, masked
    assert first["no_unkept_promise"].outcome == "fail" and first["no_unkept_promise"].turn_index is None  # no turn 99
    assert (scores[newest][0].score, scores[newest][0].result) == (50.0, "pass")
    assert second["resolved_or_next_step"].outcome == "na" and second["no_unkept_promise"].outcome == "pass"
    answers = {r.label for r in qa(sessions, newest, "qa_answer")}
    assert answers == {"resolved_or_next_step:yes", "no_unkept_promise:yes"}
    assert {r.model_version for r in qa(sessions, newest, "qa_answer")} == {"llm/fake-llm"}


def test_a_failed_answer_stays_pending_and_the_budget_is_kept(
    sessions: sessionmaker[Session], cards: dict[str, Scorecard]
) -> None:
    broken = answer_pending(sessions, FakeChat(RuntimeError("model crashed")), cards, model_name="x")
    assert (broken.asked, broken.answered, broken.failed) == (4, 0, 4)
    none = answer_pending(sessions, FakeChat({"answer": "yes"}), cards, model_name="x", budget_s=0.0)
    assert none.asked == 0 and not none.budget_left
    with sessions() as s:
        assert len(pending(s, cards)) == 2
    one = answer_pending(sessions, FakeChat({"answer": "yes"}), cards, model_name="x", limit=1)
    assert one.conversations == 1 and one.answered == 2
    with sessions() as s:
        assert len(pending(s, cards)) == 1


@pytest.mark.integration
def test_a_real_chat_model_answers_or_leaves_the_item_pending(
    with_questions: Settings, sessions: sessionmaker[Session], fake: FakeEmbedder
) -> None:
    """SmolLM2-135M (the packaged test model) through the real local provider: a valid answer, or a counted
    failure that leaves the item `na`; never a stored outcome off the schema."""
    from core.ml.chat import packaged_smollm2
    from core.ml.llama import LlamaChatModel

    folder, name = packaged_smollm2()
    chat = LlamaChatModel(path=folder / name, model_name="smollm2", max_tokens=40, n_ctx=2048, timeout_s=300)
    store(sessions, [COMPLAINT])
    classify_pending(with_questions, sessions, embedder=fake)
    cards = scorecards_by_name(with_questions.quality.scorecard_dir)
    run = answer_pending(sessions, chat, cards, model_name="smollm2")
    assert run.asked == 2 and run.answered + run.failed == 2
    labels = {r.label.rpartition(":")[2] for r in qa(sessions, COMPLAINT.id, "qa_item")}
    assert labels <= {"pass", "fail", "na"}
    assert len(qa(sessions, COMPLAINT.id, "qa_answer")) == run.answered
