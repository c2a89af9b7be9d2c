"""What routes need, built once per app from settings; heavy parts load on first use."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.db import engine_for, session_factory
from core.ml.base import Embedder
from core.settings import Settings


class Services:
    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or engine_for(settings)
        self.sessions: sessionmaker[Session] = session_factory(self.engine)
        self._lock = threading.Lock()
        self._embedder: Embedder | None = None
        self._chroma: Any = None

    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                from core.ml.embedders import load_embedder

                self._embedder = load_embedder(self.settings)
            return self._embedder

    def chroma(self) -> Any:
        with self._lock:
            if self._chroma is None:
                from core.vectors import make_chroma_client

                self._chroma = make_chroma_client(self.settings)
            return self._chroma

    def close(self) -> None:
        self.engine.dispose()
