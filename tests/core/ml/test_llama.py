"""The local chat model: packaged parts joined and checked, bounded requests, letter probabilities, real inference."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel

from core.errors import ModelUnavailable
from core.ml import llama
from core.ml.joined import join_parts
from core.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


def test_a_join_with_the_wrong_sha256_is_refused_and_removed(tmp_path: Path) -> None:
    parts = [tmp_path / "a.bin", tmp_path / "b.bin"]
    parts[0].write_bytes(b"half ")
    parts[1].write_bytes(b"a model")
    target = tmp_path / "cache" / "m.gguf"
    with pytest.raises(ModelUnavailable, match=r"sha256.*reinstall pkg"):
        join_parts(parts, target, sha256="0" * 64, what="the test model", reinstall="pkg")
    assert not target.exists() and not list(target.parent.glob("*.tmp"))
    import hashlib

    good = hashlib.sha256(b"half a model").hexdigest()
    assert (
        join_parts(parts, target, sha256=good, what="the test model", reinstall="pkg").read_bytes() == b"half a model"
    )


def test_every_packaged_part_is_pinned_in_pyproject() -> None:
    pins = set(re.findall(r'"([a-z0-9-]+==[0-9.]+)"', (ROOT / "pyproject.toml").read_text()))
    for model in llama.PACKAGED.values():
        for i in range(1, model.parts + 1):
            assert f"{model.package}{i}=={model.version}" in pins


class FakeServer:
    def __init__(self, reply: dict[str, Any]) -> None:
        self.reply = reply
        self.requests: list[dict[str, Any]] = []

    def handle_chat_completions(self, request: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(request)
        return self.reply


def _model(reply: dict[str, Any]) -> tuple[llama.LlamaChatModel, FakeServer]:
    model = llama.LlamaChatModel(path=Path("unused.gguf"), max_tokens=64, timeout_s=5)
    server = FakeServer(reply)
    model._server = server
    return model, server


def test_choose_renormalises_the_letters_it_was_given() -> None:
    top = [{"token": "B", "logprob": -0.2}, {"token": " A", "logprob": -1.9}, {"token": "negative", "logprob": -3.0}]
    model, server = _model(
        {"choices": [{"message": {"content": "B"}, "logprobs": {"content": [{"top_logprobs": top}]}}]}
    )
    probs = model.choose([HumanMessage("?")], 2)
    assert probs[1] > probs[0] and abs(sum(probs) - 1) < 1e-9
    request = server.requests[0]
    assert request["max_tokens"] == 1 and request["logprobs"] and request["t_max_predict_ms"] == 5000
    with pytest.raises(ValueError):
        model.choose([HumanMessage("?")], 40)


def test_structured_output_is_validated_and_a_bad_answer_is_reported() -> None:
    class Answer(BaseModel):
        issue: str

    model, server = _model({"choices": [{"message": {"content": '{"issue": "leak"}'}}]})
    assert model.with_structured_output(Answer).invoke("x") == Answer(issue="leak")
    assert server.requests[0]["response_format"]["type"] == "json_schema"
    bad, _ = _model({"choices": [{"message": {"content": '{"other": 1}'}}]})
    raw = bad.with_structured_output(Answer, include_raw=True).invoke("x")
    assert raw["parsed"] is None and raw["parsing_error"] is not None
    failed, _ = _model({"error": "context full"})
    with pytest.raises(ModelUnavailable, match="failed"):
        failed.invoke("x")


@pytest.mark.integration
def test_the_packaged_default_model_runs_and_chooses(settings: Settings, model_cache: Path) -> None:
    from core.ml.chat import load_chat_model

    settings.llm.provider = "local"
    settings.models.cache_dir = model_cache
    model = load_chat_model(settings)
    assert isinstance(model, llama.LlamaChatModel) and model.model_name == "qwen2.5-1.5b"
    system = SystemMessage("Sentiment of the customer's message.\nA. positive\nB. negative\nReply with the letter.")
    probs = model.choose([system, HumanMessage("Message: 送餐太慢了，等了两个小时，饭都凉了，太差了。\nLetter:")], 2)
    assert probs[1] > 0.5
    reply = model.invoke([HumanMessage("Reply with the single word: hello")])
    assert isinstance(reply.content, str) and reply.content.strip()
