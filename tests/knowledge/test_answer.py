"""Answers: extractive with every sentence cited, abstention, call context, LLM mode with citation validation."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult

from core.errors import InvalidInput
from knowledge.assist import Assistant
from knowledge.context import Turn, parse_context, query_from_context
from knowledge.llm import CitationError, labelled_sources, parse_answer
from knowledge.store import KnowledgeStore
from tests.knowledge.conftest import make_assistant


def _check_cited(assistant: Assistant, result: Any) -> None:
    corpus = assistant.corpus()
    numbers = {c.n for c in result.citations}
    assert result.sentences and all(s.citations and set(s.citations) <= numbers for s in result.sentences)
    for c in result.citations:
        chunk = corpus.chunks[corpus.position[c.chunk_id]]
        assert c.document_id == chunk.document_id and c.title == chunk.title and c.section == chunk.section


def test_extractive_answer_cites_every_sentence_and_is_short(assistant: Assistant) -> None:
    result = assistant.ask("How often should I descale the kettle?")
    assert result.mode == "extractive" and not result.abstained
    assert "every 4 weeks" in result.answer and result.answer.rstrip().endswith("]")
    assert sum(len(s.text) for s in result.sentences) <= 200
    _check_cited(assistant, result)
    corpus = assistant.corpus()
    for c in result.citations:  # the quote is a sentence of the cited chunk
        assert c.quote in corpus.chunks[corpus.position[c.chunk_id]].text


def test_chinese_question_gets_a_chinese_answer(assistant: Assistant) -> None:
    result = assistant.ask("滤芯多久更换一次？")
    assert not result.abstained and result.language == "zh"
    assert "6 个月" in result.answer
    _check_cited(assistant, result)


def test_unrelated_question_abstains(assistant: Assistant) -> None:
    result = assistant.ask("Who won the football world cup in 1998?")
    assert result.abstained and result.mode == "abstained"
    assert result.answer == "Not in the knowledge base." and result.citations == []
    assert assistant.ask("明天北京的天气怎么样？").answer == "知识库中没有找到这个问题的答案。"


def test_confidence_separates_answerable_from_unanswerable(assistant: Assistant) -> None:
    good = assistant.ask("How long is the kettle warranty?")
    bad = assistant.ask("How do I pair my smartwatch with the television?")
    assert good.confidence > bad.confidence


def test_call_context_becomes_the_query(assistant: Assistant) -> None:
    turns = parse_context("客户：你好\n坐席：您好，请讲\n客户：嗯。滤芯座漏水了\n客户：怎么处理？\n坐席：我查一下")
    assert query_from_context(turns) == "滤芯座漏水了 怎么处理？"
    result = assistant.answer(context=turns).result
    assert result.query == "滤芯座漏水了 怎么处理？" and not result.abstained
    assert result.citations[0].section == "漏水处理"
    unlabelled = [Turn(text="Hello."), Turn(text="The remote stopped working, which battery does it take?")]
    assert "battery" in query_from_context(unlabelled)


def test_no_question_and_no_usable_context_is_invalid(assistant: Assistant) -> None:
    with pytest.raises(InvalidInput):
        assistant.answer()
    with pytest.raises(InvalidInput, match="fillers"):
        assistant.answer(context=[Turn(speaker="customer", text="嗯，好的。")])


def test_personal_data_is_masked_before_retrieval(assistant: Assistant) -> None:
    result = assistant.ask("My number is 13812345678, how often should I descale the kettle?")
    assert "13812345678" not in result.query


# ---------------------------------------------------------------- LLM mode


def _sources(assistant: Assistant, question: str) -> dict[str, Any]:
    return labelled_sources(assistant.retriever.retrieve(question, k=4))


def test_llm_answer_with_valid_citations_is_used(indexed: KnowledgeStore) -> None:
    model = FakeListChatModel(responses=["Descale it every 4 weeks in hard-water areas [S1]. Rinse twice [S1]."])
    assistant = make_assistant(indexed, chat_model=model)
    result = assistant.ask("How often should I descale the kettle?")
    assert result.mode == "llm" and result.fallback_reason is None
    assert result.answer.startswith("Descale it every 4 weeks")
    assert [s.citations for s in result.sentences] == [[1], [1]]
    _check_cited(assistant, result)


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("Descale every 4 weeks [S9].", "not one of the retrieved sources"),
        ("Descale every 4 weeks [made-up-chunk-0001].", "not one of the retrieved sources"),
        ("Descale every 4 weeks. It is easy [S1].", "without a citation"),
        ("Descale every 4 weeks.", "without a citation"),
    ],
)
def test_llm_answer_with_bad_citations_falls_back_to_extractive(
    indexed: KnowledgeStore, reply: str, reason: str
) -> None:
    assistant = make_assistant(indexed, chat_model=FakeListChatModel(responses=[reply]))
    result = assistant.ask("How often should I descale the kettle?")
    assert result.mode == "extractive" and result.fallback_reason and reason in result.fallback_reason
    assert "every 4 weeks" in result.answer
    _check_cited(assistant, result)


def test_llm_saying_not_in_kb_abstains(indexed: KnowledgeStore) -> None:
    assistant = make_assistant(indexed, chat_model=FakeListChatModel(responses=["NOT_IN_KB"]))
    result = assistant.ask("How often should I descale the kettle?")
    assert result.abstained and result.mode == "abstained"


class _Broken(BaseChatModel):
    @property
    def _llm_type(self) -> str:
        return "broken"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        raise ConnectionError("endpoint down")


def test_unreachable_llm_falls_back_to_extractive(indexed: KnowledgeStore) -> None:
    result = make_assistant(indexed, chat_model=_Broken()).ask("How often should I descale the kettle?")
    assert result.mode == "extractive" and "ConnectionError" in (result.fallback_reason or "")


def test_abstention_happens_before_the_llm_is_asked(indexed: KnowledgeStore) -> None:
    model = FakeListChatModel(responses=["The 1998 world cup was won by France [S1]."])
    result = make_assistant(indexed, chat_model=model).ask("Who won the football world cup in 1998?")
    assert result.abstained and model.i == 0  # the model was never called


def test_parse_answer_accepts_chunk_ids_and_trailing_citations(assistant: Assistant) -> None:
    sources = _sources(assistant, "descale kettle")
    chunk = sources["S1"]
    cited = parse_answer(f"Descale every 4 weeks. [{chunk.id}]\n滤芯每 6 个月更换【S2】。", sources)
    assert cited is not None and [c.chunks[0].id for c in cited] == [chunk.id, sources["S2"].id]
    with pytest.raises(CitationError):
        parse_answer("No citations here at all.", sources)
    assert parse_answer("NOT_IN_KB", sources) is None


def test_stream_with_an_llm_sends_candidate_sources_first(indexed: KnowledgeStore) -> None:
    model = FakeListChatModel(responses=["Descale it every 4 weeks [S1]."])
    done: list[object] = []
    events = list(
        make_assistant(indexed, chat_model=model).stream("How often should I descale the kettle?", on_done=done.append)
    )
    assert [name for name, _ in events] == ["citations", "answer", "done"]
    first, answer = events[0][1], events[1][1]
    assert first["final"] is False and len(first["citations"]) >= 1
    assert answer["mode"] == "llm" and answer["answer"].startswith("Descale it every 4 weeks")
    assert len(done) == 1
