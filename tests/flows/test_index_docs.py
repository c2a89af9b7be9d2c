"""The Prefect flow `index_documents`: indexes a folder, and a second run skips everything."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings
from tests.conftest import FakeEmbedder
from tests.knowledge.conftest import write_docs


@pytest.mark.integration
def test_index_documents_flow_twice(settings: Settings, tmp_path: Path, prefect_harness: None) -> None:
    from flows.index_docs import index_documents

    folder = write_docs(tmp_path / "docs")
    embedder = FakeEmbedder()  # the flow wiring is under test here, not the model
    first = index_documents(settings, folder, embedder=embedder)
    assert (first.added, first.failed) == (4, []) and first.chunks_written >= 6
    (folder / "fan.md").unlink()
    second = index_documents(settings, folder, embedder=embedder)
    assert (second.added, second.unchanged, second.removed) == (0, 3, 1)
