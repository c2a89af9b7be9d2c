"""Chroma: embedded by default, server by URL; always our own embedding function."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.errors import ConfigError, StoreUnavailable
from core.settings import Settings
from core.vectors import collection_name, get_collection, make_chroma_client, ping
from tests.conftest import FakeEmbedder, free_port

DOCS = {
    "warranty-zh": "主机保修两年，水泵保修一年。",
    "filter-en": "Replace the filter cartridge every six months or 2,000 litres.",
    "fryer-en": "The fryer basket is dishwasher safe.",
}


def _exercise(client: Any, settings: Settings, embedder: FakeEmbedder) -> None:
    name = collection_name(settings, "probe", embedder)
    collection = get_collection(client, name, embedder)
    collection.upsert(ids=list(DOCS), documents=list(DOCS.values()), metadatas=[{"lang": k[-2:]} for k in DOCS])
    collection.upsert(ids=list(DOCS), documents=list(DOCS.values()))  # idempotent
    assert collection.count() == 3
    hit = collection.query(query_texts=["dishwasher safe basket"], n_results=1)
    assert hit["ids"][0] == ["fryer-en"]
    # reopened without passing a function: Chroma rebuilds ours from its config, never its downloading default
    reopened = client.get_collection(name)
    assert reopened.query(query_texts=["filter cartridge six months"], n_results=1)["ids"][0] == ["filter-en"]


def test_embedded_persistent_client(settings: Settings, fake_embedder: FakeEmbedder) -> None:
    client = make_chroma_client(settings)
    ping(client)
    _exercise(client, settings, fake_embedder)
    assert (settings.data_dir / "chroma").is_dir()


def test_collection_names_are_valid(settings: Settings, fake_embedder: FakeEmbedder) -> None:
    name = collection_name(settings, "conversation-turns", fake_embedder)
    assert 3 <= len(name) <= 63 and name[0].isalnum() and name[-1].isalnum()


def test_bad_url_is_a_config_error(settings: Settings) -> None:
    settings.storage.chroma_url = "chroma:9000"
    with pytest.raises(ConfigError, match="http://host:port"):
        make_chroma_client(settings)


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
    client = make_chroma_client(settings)
    ping(client)
    _exercise(client, settings, fake_embedder)


@pytest.mark.integration
def test_unreachable_server_is_a_clear_error(settings: Settings) -> None:
    settings.storage.chroma_url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreUnavailable):
        ping(make_chroma_client(settings))
