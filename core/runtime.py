"""One runtime per entry point: the engine and sessions, the loaded models, the vector indexes and the parts built
from them, made once from `Settings` and handed out.

Each entry point (a CLI command, the API app, a flow run, a worker process) builds one `Runtime` and passes it
down; nothing keeps a model or an assistant in a module global, and run-time choices (how many threads this
process gives the embedder or the ASR) are `Threads`, an argument, never an edited copy of the settings. Parts of
higher packages (the knowledge assistant) are built through `part()`, so the runtime holds them without core
importing those packages.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.db import engine_for, session_factory
from core.ml.base import Embedder, Transcriber
from core.settings import Settings

if TYPE_CHECKING:
    from core.vectors import VectorBackend, VectorIndex

T = TypeVar("T")
_UNSET: Any = object()


@dataclass(frozen=True)
class Threads:
    """How this process spends its cores; None takes the settings' value."""

    embedder: int | None = None  # OpenMP threads per embedding call
    queries: int = 1  # questions embedded at once (re-entrant embedders only; see knowledge.retrieval)
    asr: int | None = None  # CTranslate2 threads
    asr_workers: int | None = None  # files transcribed at once


class Runtime:
    """What one entry point holds. Models load on first use; `close()` releases the engine."""

    def __init__(
        self,
        settings: Settings,
        *,
        engine: Engine | None = None,
        threads: Threads | None = None,
        embedder: Embedder | None = None,
        transcriber: Transcriber | None = None,
        chat_model: Any = _UNSET,
    ) -> None:
        self.settings = settings
        self.threads = threads or Threads()
        self.engine = engine or engine_for(settings)
        self.sessions: sessionmaker[Session] = session_factory(self.engine)
        self._lock = threading.RLock()
        self._embedder = embedder
        self._transcriber = transcriber
        self._live_transcriber: Transcriber | None = None
        self._chat_model = chat_model
        self._vectors: VectorBackend | None = None
        self._indexes: dict[str, VectorIndex] = {}
        self._parts: dict[str, Any] = {}

    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                from core.ml.embedders import load_embedder

                self._embedder = load_embedder(self.settings, threads=self.threads.embedder)
            return self._embedder

    def transcriber(self) -> Transcriber:
        with self._lock:
            if self._transcriber is None:
                from core.ml.asr import load_transcriber

                self._transcriber = load_transcriber(
                    self.settings, threads=self.threads.asr, workers=self.threads.asr_workers
                )
            return self._transcriber

    def live_transcriber(self) -> Transcriber:
        """For live calls (api/routes/live.py): one CTranslate2 worker and one thread per call it may take."""
        with self._lock:
            if self._live_transcriber is None:
                from core.ml.asr import load_transcriber

                calls = self.settings.live.max_calls
                live = load_transcriber(self.settings, threads=calls, workers=calls, live=True)
                live.transcribe(np.zeros(16000, np.float32), language="en")  # the first call is ~1 s slower
                self._live_transcriber = live
            return self._live_transcriber

    def chat_model(self) -> Any:
        """The configured chat model, or None when there is none (extractive answers, embedding classifiers)."""
        with self._lock:
            if self._chat_model is _UNSET:
                from core.ml.chat import load_chat_model

                self._chat_model = load_chat_model(self.settings)
            return self._chat_model

    def vectors(self) -> VectorBackend:
        """The vector backend (`storage.vector_backend`), one client per runtime."""
        with self._lock:
            if self._vectors is None:
                from core.vectors import open_backend

                self._vectors = open_backend(self.settings)
            return self._vectors

    def index(self, purpose: str) -> VectorIndex:
        """The vector index for `purpose` (knowledge chunks, conversation turns) under this runtime's embedder."""
        embedder = self.embedder()
        with self._lock:
            found = self._indexes.get(purpose)
            if found is None or found.embedder is not embedder:
                from core.vectors import open_index

                found = open_index(self.settings, purpose, embedder, self.vectors())
                self._indexes[purpose] = found
            return found

    def turn_index(self) -> VectorIndex:
        """The conversation-turn index (ingest/search.py)."""
        from core.vectors import TURNS

        return self.index(TURNS)

    def knowledge_index(self) -> VectorIndex:
        """The knowledge-chunk index (knowledge/store.py)."""
        from core.vectors import KNOWLEDGE

        return self.index(KNOWLEDGE)

    def part(self, name: str, build: Callable[[], T]) -> T:
        """A part built once from this runtime (the assistant, with its BM25 snapshot) and kept with it."""
        with self._lock:
            if name not in self._parts:
                self._parts[name] = build()
            found: T = self._parts[name]
            return found

    def close(self) -> None:
        self.engine.dispose()
