"""The LLM classifier: answers are validated against the taxonomy; anything invalid falls back to the head."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from core.errors import ConfigError
from core.settings import Settings
from insights.classify.build import build_analyzer
from insights.classify.classifiers import Prediction
from insights.classify.config import InsightSettings
from insights.classify.llm import LLMClassifier
from insights.classify.taxonomy import load_taxonomy
from tests.conftest import FakeEmbedder, OpenAIServer


class ScriptedChat(BaseChatModel):
    """Answers by looking up the text after 'Text:' in a script; an exception in the script is raised."""

    script: dict[str, Any]

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **_: Any) -> ChatResult:
        text = str(messages[-1].content).split("Text:\n", 1)[-1]
        reply = self.script[text]
        if isinstance(reply, Exception):
            raise reply
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=reply))])


class FixedHead:
    """The fallback: always 'defect' with 0.9, so a fallback is easy to see."""

    name = "embedding-head/fake"
    version = "zero-shot:test"

    def __init__(self) -> None:
        self.taxonomy = load_taxonomy("intent")
        self.asked: list[str] = []

    def classify(self, texts: Any) -> list[Prediction]:
        self.asked += list(texts)
        return [Prediction("defect", 0.9, "defect", {"defect": 0.9}, self.name, self.version) for _ in texts]


def classify(script: dict[str, Any], threshold: float = 0.5) -> tuple[list[Prediction], LLMClassifier, FixedHead]:
    head = FixedHead()
    llm = LLMClassifier(ScriptedChat(script=script), load_taxonomy("intent"), head, threshold=threshold)
    return llm.classify(list(script)), llm, head


def test_valid_answers_are_used_with_their_confidence() -> None:
    preds, llm, head = classify(
        {
            "where is my parcel": '{"label": "delivery", "confidence": 0.92}',
            "refund!": 'Sure. ```json\n{"label": "Return Refund", "confidence": 0.8}\n```',  # fenced, loose case
        }
    )
    assert [(p.label, p.confidence) for p in preds] == [("delivery", 0.92), ("return_refund", 0.8)]
    assert all(p.model.startswith("llm/") and p.version.startswith("llm:") for p in preds)
    assert llm.calls == 2 and llm.fallbacks == 0 and head.asked == []


@pytest.mark.parametrize(
    "reply",
    [
        '{"label": "weather", "confidence": 0.9}',  # not in the taxonomy
        '{"label": "delivery", "confidence": "very"}',  # not a number
        '{"label": "delivery"}',  # no confidence
        "I think it is about delivery.",  # no JSON
        RuntimeError("server down"),  # the call failed
    ],
)
def test_invalid_output_falls_back_to_the_embedding_head(reply: Any) -> None:
    preds, llm, head = classify({"where is my parcel": reply})
    assert preds[0].label == "defect" and preds[0].model == "embedding-head/fake"
    assert llm.fallbacks == 1 and head.asked == ["where is my parcel"]


def test_low_confidence_answer_is_other_and_confidence_is_clamped() -> None:
    preds, _, _ = classify(
        {"hmm": '{"label": "billing", "confidence": 0.2}', "sure": '{"label": "billing", "confidence": 7}'}
    )
    assert (preds[0].label, preds[0].best) == ("other", "billing")
    assert (preds[1].label, preds[1].confidence) == ("billing", 1.0)


def test_llm_backend_needs_a_chat_model(settings: Settings, fake: FakeEmbedder) -> None:
    with pytest.raises(ConfigError, match="CXLOOP_LLM__PROVIDER"):
        build_analyzer(settings, embedder=fake, config=InsightSettings(classifier="llm"))
    with pytest.raises(ConfigError, match="valid names: embedding, llm"):
        build_analyzer(settings, embedder=fake, config=InsightSettings(classifier="gpt"))


def test_openai_compatible_model_gets_the_labels_as_a_json_schema_enum(
    settings: Settings, openai_server: OpenAIServer
) -> None:
    from core.ml.chat import load_chat_model

    url, received, set_answer = openai_server
    settings.llm.provider, settings.llm.base_url, settings.llm.model = "openai", url, "qwen2.5-7b-instruct"
    model = load_chat_model(settings)
    llm = LLMClassifier(model, load_taxonomy("intent"), FixedHead())
    set_answer('{"label": "billing", "confidence": 0.85}')
    assert llm.classify(["charged twice"])[0].label == "billing"
    schema = json.dumps(received[0]["body"]["response_format"])
    assert '"enum"' in schema and '"return_refund"' in schema
    set_answer('{"label": "horoscope", "confidence": 0.99}')  # a server that ignores the schema
    assert llm.classify(["charged twice"])[0].label == "defect" and llm.fallbacks == 1


@pytest.mark.integration
def test_real_local_model_output_is_validated_or_falls_back(settings: Settings) -> None:
    """SmolLM2-135M proves the plumbing with real inference; whatever it says ends as a valid label."""
    from core.ml.chat import packaged_smollm2

    folder, gguf = packaged_smollm2()
    settings.llm.provider, settings.llm.path, settings.llm.gguf_file = "local", folder, gguf
    settings.llm.max_tokens = 24
    from core.ml.chat import load_chat_model

    head = FixedHead()
    llm = LLMClassifier(load_chat_model(settings), load_taxonomy("intent"), head, max_concurrency=1)
    preds = llm.classify(["My parcel has not arrived yet.", "我要退款。"])
    taxonomy = load_taxonomy("intent")
    assert len(preds) == 2 and all(p.label in taxonomy.names for p in preds)
    assert llm.calls == 2 and llm.fallbacks == len(head.asked)
