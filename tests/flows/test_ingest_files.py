"""The Prefect `ingest` flow: a task per file, accounting, and an idempotent re-run."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings
from tests.ingest.conftest import CHAT_HEADER, chat_rows, write_csv


@pytest.mark.integration
def test_ingest_flow_twice(settings: Settings, tmp_path: Path, prefect_harness: None) -> None:
    from flows.ingest_files import run_ingest_flow

    settings.models.embedder = "use-multilingual"  # fast; the flow wiring is under test here
    folder = tmp_path / "drop"
    folder.mkdir()
    write_csv(folder / "a.csv", CHAT_HEADER, chat_rows(5))
    write_csv(folder / "b.csv", CHAT_HEADER, chat_rows(5, start=100))
    (folder / "c.csv").write_text("nothing,useful\n1,2\n", encoding="utf-8")
    first = run_ingest_flow(settings, "chat", folder)
    assert first.counts.files == 3 and first.counts.conversations_stored == 10
    assert first.counts.files_quarantined == 1
    second = run_ingest_flow(settings, "chat", folder)
    assert second.counts.rows_stored == 0 and second.counts.files_unchanged == 2
