"""The Chroma adapter: embedded by default, server by URL; always our own embedding function; our filters in
Chroma's syntax."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.threaded import free_port
from core.errors import ConfigError, StoreUnavailable
from core.settings import Settings
from core.vectors import Where, index_name
from core.vectors.chroma import ChromaBackend, chroma_where, make_client
from tests.conftest import FakeEmbedder

DOCS = {
    "warranty-zh": "主机保修两年，水泵保修一年。",
    "filter-en": "Replace the filter cartridge every six months or 2,000 litres.",
    "fryer-en": "The fryer basket is dishwasher safe.",
}


def _exercise(backend: ChromaBackend, settings: Settings, embedder: FakeEmbedder) -> None:
    name = index_name(settings, "probe", embedder)
    index = backend.open(name, embedder)
    index.upsert(list(DOCS), documents=list(DOCS.values()), metadatas=[{"lang": k[-2:]} for k in DOCS])
    index.upsert(list(DOCS), documents=list(DOCS.values()))  # idempotent
    assert index.count() == 3
    hit = index.query(embedder.embed(["dishwasher safe basket"], kind="query")[0], k=1)
    assert [h.id for h in hit] == ["fryer-en"]
    # reopened without passing a function: Chroma rebuilds ours from its config, never its downloading default
    reopened = backend.client.get_collection(name)
    assert reopened.query(query_texts=["filter cartridge six months"], n_results=1)["ids"][0] == ["filter-en"]


def test_embedded_persistent_client(settings: Settings, fake_embedder: FakeEmbedder) -> None:
    backend = ChromaBackend(settings)
    assert backend.ping() == "embedded" and not backend.shared_writers
    _exercise(backend, settings, fake_embedder)
    assert (settings.data_dir / "chroma").is_dir()


def test_collection_names_are_valid(settings: Settings, fake_embedder: FakeEmbedder) -> None:
    name = index_name(settings, "conversation-turns", fake_embedder)
    assert 3 <= len(name) <= 63 and name[0].isalnum() and name[-1].isalnum()


def test_bad_url_is_a_config_error(settings: Settings) -> None:
    settings.storage.chroma_url = "chroma:9000"
    with pytest.raises(ConfigError, match="http://host:port"):
        make_client(settings)


def test_filters_in_chromas_syntax() -> None:
    assert chroma_where(None) is None and chroma_where(Where()) is None
    assert chroma_where(Where().eq("language", "zh")) == {"language": "zh"}
    assert chroma_where(Where().one_of("product", ["a", ""]).none_of("document_id", ["d2", "d1"])) == {
        "$and": [{"product": {"$in": ["a", ""]}}, {"document_id": {"$nin": ["d2", "d1"]}}]
    }
    assert chroma_where(Where().eq("channel", "chat").gte("day", 20261101).lte("day", 20261130)) == {
        "$and": [{"channel": "chat"}, {"day": {"$gte": 20261101}}, {"day": {"$lte": 20261130}}]
    }


def test_a_model_this_backend_does_not_hold_is_never_replaced_by_chromas_default(
    settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    from core.errors import ModelUnavailable

    first = ChromaBackend(settings)
    name = index_name(settings, "probe", fake_embedder)
    first.open(name, fake_embedder).upsert(["a"], documents=["hello"])
    second = ChromaBackend(settings)  # holds no model yet: a collection it rebuilds says so instead of downloading
    second.open("cxloop-other-probe", _Named("other", 64))
    reopened = second.client.get_collection(name)
    with pytest.raises(ModelUnavailable, match="'fake'"):
        reopened.query(query_texts=["hello"], n_results=1)
    assert [h.id for h in second.open(name, fake_embedder).query(fake_embedder.embed(["hello"])[0], k=1)] == ["a"]


class _Named(FakeEmbedder):
    def __init__(self, name: str, dim: int) -> None:
        self.name = name
        self.dim = dim


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    exe = Path(sys.executable).parent / "chroma"
    if not exe.exists():
        exe = Path(shutil.which("chroma") or "chroma")
    port = free_port()
    folder = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        env={"ANONYMIZED_TELEMETRY": "False", "PATH": "/usr/bin:/bin"},
    )
    url = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        proc.terminate()
        pytest.fail("chroma server did not start within 60 s")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.mark.integration
def test_http_client_against_a_real_chroma_server(
    settings: Settings, fake_embedder: FakeEmbedder, chroma_server: str
) -> None:
    settings.storage.chroma_url = chroma_server
    backend = ChromaBackend(settings)
    assert backend.ping() == f"server {chroma_server}" and backend.shared_writers
    _exercise(backend, settings, fake_embedder)


@pytest.mark.integration
def test_unreachable_server_is_a_clear_error(settings: Settings) -> None:
    settings.storage.chroma_url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreUnavailable):
        ChromaBackend(settings).ping()
