"""Chat models: none, an OpenAI-compatible server (a real HTTP server on loopback), and a local GGUF model."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from core.errors import ModelUnavailable
from core.ml.chat import load_chat_model, packaged_smollm2
from core.settings import Settings
from tests.conftest import OpenAIServer


def test_provider_none_means_no_model(settings: Settings) -> None:
    assert load_chat_model(settings) is None


def test_misconfigured_providers_say_what_is_missing(settings: Settings) -> None:
    settings.llm.provider = "openai"
    with pytest.raises(ModelUnavailable, match="BASE_URL"):
        load_chat_model(settings)
    settings.llm.provider = "local"
    settings.llm.local_model = "qwen-9000"
    with pytest.raises(ModelUnavailable, match=r"qwen2\.5-1\.5b"):
        load_chat_model(settings)
    settings.llm.path = settings.data_dir / "missing.gguf"
    with pytest.raises(ModelUnavailable, match="does not exist"):
        load_chat_model(settings)


def test_openai_compatible_endpoint(settings: Settings, openai_server: OpenAIServer) -> None:
    url, received, set_answer = openai_server
    set_answer("滤芯六个月一换。")
    settings.llm.provider = "openai"
    settings.llm.base_url = url
    settings.llm.model = "qwen2.5-7b-instruct"
    settings.llm.api_key = settings.llm.api_key.__class__("sk-test")
    model = load_chat_model(settings)
    assert model is not None
    reply = model.invoke([SystemMessage("Answer briefly."), HumanMessage("滤芯多久换？")])
    assert reply.content == "滤芯六个月一换。"
    assert received[0]["path"] == "/v1/chat/completions"
    assert received[0]["auth"] == "Bearer sk-test"
    assert received[0]["body"]["model"] == "qwen2.5-7b-instruct"


@pytest.mark.integration
def test_local_gguf_model_runs_real_inference(settings: Settings) -> None:
    folder, gguf = packaged_smollm2()
    settings.llm.provider = "local"
    settings.llm.path = folder
    settings.llm.gguf_file = gguf
    settings.llm.max_tokens = 12
    model = load_chat_model(settings)
    assert model is not None
    reply = model.invoke("What is the capital of France? Answer in one word.")
    assert isinstance(reply.content, str) and reply.content.strip()  # SmolLM2 proves plumbing, not quality
