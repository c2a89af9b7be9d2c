"""Fan-out transcription: the same two calls on a thread pool and on a 2-process local Dask cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.records import Conversation
from core.settings import Settings
from tests.conftest import ROOT


def _two_shortest_calls() -> list[Path]:
    calls = sorted((ROOT / "demo" / "calls").glob("*.ogg"), key=lambda p: p.stat().st_size)
    if len(calls) < 2:
        pytest.skip("demo calls not found")
    return sorted(calls[:2])


def test_workers_get_their_share_of_the_asr_threads(settings: Settings) -> None:
    from flows.fanout import worker_threads

    settings.models.asr_threads, settings.models.asr_workers = 4, 2
    split = worker_threads(settings, 2)
    assert (split.asr, split.asr_workers) == (2, 1)
    assert worker_threads(settings, 8).asr == 1
    assert settings.models.asr_threads == 4  # the caller's settings are left alone


def _same_transcript(a: Conversation | None, b: Conversation) -> None:
    """Same conversation, same turns, mostly the same words. Whisper's decoding is not repeatable bit for bit across
    processes (Dask's workers start with their own thread settings): seen on the synthetic demo voices, "support."
    against "support," and a garbled last word read two ways."""
    from difflib import SequenceMatcher

    assert a is not None
    assert a.model_dump(exclude={"turns"}) == b.model_dump(exclude={"turns"})
    assert [(t.index, t.speaker) for t in a.turns] == [(t.index, t.speaker) for t in b.turns]
    words = [" ".join(t.text for t in c.turns).lower().split() for c in (a, b)]
    assert SequenceMatcher(None, words[0], words[1]).ratio() >= 0.7, words


@pytest.mark.integration
def test_dask_processes_transcribe_like_threads(settings: Settings, model_cache: Path, prefect_harness: None) -> None:
    import psutil

    from core.ml.asr import prepare_packaged_whisper_base
    from flows.fanout import run_transcribe_calls, store_transcribed

    settings.models.cache_dir = model_cache
    settings.models.asr_threads, settings.models.asr_workers = 2, 2  # 1 CPU thread per file on both paths
    prepare_packaged_whisper_base(model_cache)  # join once here, not in each worker
    paths = _two_shortest_calls()

    threaded = run_transcribe_calls(settings, paths)
    fanned = run_transcribe_calls(settings, paths, dask_workers=2)

    assert [r.path for r in fanned] == [str(p) for p in paths]
    for by_thread, by_process in zip(threaded, fanned, strict=True):
        assert by_process.error is None and by_process.conversation is not None
        assert by_process.conversation.turns and all(t.text for t in by_process.conversation.turns)
        _same_transcript(by_thread.conversation, by_process.conversation)
    assert {r.pid for r in threaded} == {threaded[0].pid}
    pids = {r.pid for r in fanned}
    assert len(pids) == 2 and threaded[0].pid not in pids
    assert all(r.model_loads == 1 for r in fanned + threaded)
    # the temporary cluster is gone with the flow: no worker process outlives it
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in pids)

    stored = store_transcribed(settings, fanned)
    assert (stored.counts.files, stored.counts.conversations_stored) == (2, 2)
    assert store_transcribed(settings, fanned).counts.files_unchanged == 2


@pytest.mark.integration
def test_dask_fan_out_is_the_one_ingest_run(
    settings: Settings, model_cache: Path, prefect_harness: None, tmp_path: Path
) -> None:
    """`run_ingest_calls`: Dask processes prepare, this process stores, with the CLI's accounting."""
    from sqlalchemy import select

    from core.db import engine_for, session_factory
    from core.ml.asr import prepare_packaged_whisper_base
    from core.tables import IngestRunRow
    from flows.fanout import run_ingest_calls

    settings.models.cache_dir = model_cache
    settings.models.asr_threads = 2
    prepare_packaged_whisper_base(model_cache)
    paths = _two_shortest_calls()
    report = run_ingest_calls(settings, paths, dask_workers=2)
    assert (report.counts.files, report.counts.conversations_stored, report.counts.rows_read) == (2, 2, 2)
    again = run_ingest_calls(settings, paths, dask_workers=2)
    assert again.counts.files_unchanged == 2 and again.counts.conversations_stored == 0
    with session_factory(engine_for(settings))() as session:
        runs = session.scalars(select(IngestRunRow).order_by(IngestRunRow.started_at)).all()
        assert [r.status for r in runs] == ["done", "done"] and runs[0].counts["conversations_stored"] == 2
