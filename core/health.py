"""Readiness checks for each dependency; used by /readyz and `cxloop doctor`."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from core import db
from core.errors import CxloopError
from core.ml.base import Embedder
from core.settings import Settings
from core.vectors import VectorBackend


def _timed(fn: Callable[[], str]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail = fn()
        ok = True
    except CxloopError as exc:
        ok, detail = False, exc.message
    except Exception as exc:  # a readiness probe reports, it does not crash
        ok, detail = False, f"{exc.__class__.__name__}: {exc}"
    return {"ok": ok, "detail": detail, "ms": round((time.perf_counter() - started) * 1000, 1)}


def check_all(
    settings: Settings,
    *,
    engine: Engine,
    vectors: Callable[[], VectorBackend],
    embedder: Callable[[], Embedder],
) -> dict[str, dict[str, Any]]:
    def database() -> str:
        db.ping(engine)
        return engine.dialect.name

    def vector_store() -> str:
        return vectors().ping()

    def embeddings() -> str:
        model = embedder()
        vec = model.embed(["ready"], kind="query")
        return f"{model.name} dim={vec.shape[1]}"

    def asr() -> str:
        if settings.models.asr == "whisper-base":
            from core.ml.asr import prepare_packaged_whisper_base

            return f"whisper-base files verified in {prepare_packaged_whisper_base(settings.model_cache_dir)}"
        if settings.models.asr_path and (settings.models.asr_path / "model.bin").exists():
            return f"{settings.models.asr_path}"
        raise CxloopError(f"ASR backend '{settings.models.asr}' has no model files")

    def llm() -> str:
        from core.ml.chat import load_chat_model

        model = load_chat_model(settings)
        return "none (extractive mode)" if model is None else f"{settings.llm.provider} configured"

    return {
        "database": _timed(database),
        "vector_store": _timed(vector_store),
        "embedder": _timed(embeddings),
        "asr": _timed(asr),
        "llm": _timed(llm),
    }
