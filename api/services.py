"""What routes need, built once per app from settings; heavy parts load on first use."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.db import engine_for, session_factory
from core.ml.base import Embedder, Transcriber
from core.settings import Settings


class Services:
    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or engine_for(settings)
        self.sessions: sessionmaker[Session] = session_factory(self.engine)
        self._lock = threading.Lock()
        self._embedder: Embedder | None = None
        self._chroma: Any = None
        self._transcriber: Transcriber | None = None
        self._turns: Any = None

    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                from core.ml.embedders import load_embedder

                self._embedder = load_embedder(self.settings)
            return self._embedder

    def chroma(self) -> Any:
        with self._lock:
            return self._chroma_unlocked()

    def transcriber(self) -> Transcriber:
        with self._lock:
            if self._transcriber is None:
                from core.ml.asr import load_transcriber

                self._transcriber = load_transcriber(self.settings)
            return self._transcriber

    def turn_index(self) -> Any:
        """The conversation-turn collection (ingest/search.py)."""
        embedder = self.embedder()
        with self._lock:
            if self._turns is None:
                from core.vectors import collection_name, get_collection
                from ingest.search import PURPOSE as TURNS

                self._turns = get_collection(
                    self._chroma_unlocked(), collection_name(self.settings, TURNS, embedder), embedder
                )
            return self._turns

    def _chroma_unlocked(self) -> Any:
        if self._chroma is None:
            from core.vectors import make_chroma_client

            self._chroma = make_chroma_client(self.settings)
        return self._chroma

    def close(self) -> None:
        self.engine.dispose()
