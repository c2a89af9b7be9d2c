"""The answer log (masked), feedback, and knowledge gaps grouped by similarity."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import transaction
from core.errors import NotFound
from core.settings import Settings
from core.tables import AssistLogRow, KnowledgeGapRow
from knowledge.assist import Assistant
from knowledge.feedback import log_answer, record_feedback
from knowledge.gaps import list_gaps
from knowledge.store import KnowledgeStore
from tests.conftest import FakeEmbedder


def _ask(store: KnowledgeStore, assistant: Assistant, question: str, product: str | None = None) -> str:
    outcome = assistant.answer(question, product=product)
    with transaction(store.sessions) as s:
        log_answer(s, outcome, api_key_id="k1", embedder_name=store.embedder.name)
    return outcome.result.id


def test_answers_are_logged_masked_and_abstentions_become_gaps(indexed: KnowledgeStore, assistant: Assistant) -> None:
    answered = _ask(indexed, assistant, "How often should I descale the kettle? 13812345678")
    abstained = _ask(indexed, assistant, "Who won the football world cup in 1998?", product="heatwave-kettle")
    with indexed.sessions() as s:
        row = s.get(AssistLogRow, answered)
        assert row is not None and "13812345678" not in row.question and "[PHONE]" in row.question
        assert row.mode == "extractive" and row.cited_chunk_ids and row.api_key_id == "k1" and row.latency_ms > 0
        gaps = s.scalars(select(KnowledgeGapRow)).all()
        assert [(g.assist_log_id, g.reason, g.product) for g in gaps] == [(abstained, "abstained", "heatwave-kettle")]
        assert gaps[0].vector is not None and len(gaps[0].vector) == FakeEmbedder.dim


def test_feedback_wrong_adds_a_gap_and_a_later_rating_withdraws_it(
    indexed: KnowledgeStore, assistant: Assistant
) -> None:
    answer_id = _ask(indexed, assistant, "How often should I descale the kettle?")
    with transaction(indexed.sessions) as s:
        record_feedback(s, answer_id, "wrong", comment="it is 3 weeks now, call 13812345678", embedder=indexed.embedder)
    with transaction(indexed.sessions) as s:
        record_feedback(s, answer_id, "wrong", embedder=indexed.embedder)  # twice: still one gap
    with indexed.sessions() as s:
        row = s.get(AssistLogRow, answer_id)
        assert row is not None and row.feedback == "wrong" and row.feedback_at is not None
        assert len(s.scalars(select(KnowledgeGapRow)).all()) == 1
    with transaction(indexed.sessions) as s:
        record_feedback(s, answer_id, "helpful", comment="ok 13812345678")
    with indexed.sessions() as s:
        row = s.get(AssistLogRow, answer_id)
        assert row is not None and row.feedback == "helpful" and "13812345678" not in (row.feedback_comment or "")
        assert s.scalars(select(KnowledgeGapRow)).all() == []


def test_feedback_for_an_unknown_answer_is_not_found(indexed: KnowledgeStore) -> None:
    with pytest.raises(NotFound), transaction(indexed.sessions) as s:
        record_feedback(s, "nope", "helpful")


def test_gaps_are_grouped_by_similarity_with_counts(indexed: KnowledgeStore, assistant: Assistant) -> None:
    for q in (
        "Who won the football world cup in 1998?",
        "who won the football world cup in 1998",
        "Who won the world cup 1998?",
        "明天北京的天气怎么样？",
        "明天北京天气怎么样",
    ):
        _ask(indexed, assistant, q)
    with indexed.sessions() as s:
        groups = list_gaps(s, embedder_name="fake", similarity=0.9)
        assert [g.count for g in groups] == [3, 2]
        assert groups[0].reasons == {"abstained": 3} and "world cup" in groups[0].question.lower()
        assert groups[1].languages == ["zh"]
        assert len(list_gaps(s, embedder_name="fake", similarity=0.999)) >= 4  # stricter: fewer merges
        # vectors from another embedder are not compared: the same questions group by text instead
        assert sum(g.count for g in list_gaps(s, embedder_name="other")) == 5
        assert list_gaps(s, product="heatwave-kettle") == []


def test_ask_and_log_answers_and_records_like_the_api(indexed: KnowledgeStore, settings: Settings) -> None:
    from core.runtime import Runtime
    from knowledge.feedback import ask_and_log

    runtime = Runtime(settings, embedder=indexed.embedder)
    results = ask_and_log(runtime, ["How often should I descale the kettle?", "滤芯多久更换一次？"])
    assert [r.query for r in results] == ["How often should I descale the kettle?", "滤芯多久更换一次？"]
    with indexed.sessions() as s:
        assert {row.id for row in s.scalars(select(AssistLogRow))} == {r.id for r in results}
        gaps = s.scalars(select(KnowledgeGapRow)).all()
        assert len(gaps) == sum(r.abstained for r in results)
