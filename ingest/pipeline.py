"""Ingest entry point shared by the CLI, the Prefect flow, the API and the demo.

Every file ends as complete (its units stored or duplicate, bad rows quarantined), unchanged (skipped whole), or
quarantined with a reason; one bad file never stops the batch.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from core.errors import InvalidInput
from core.hashing import sha256_file
from core.ml.base import Embedder, Transcriber
from core.records import Channel
from core.settings import Settings
from ingest import calls, ledger
from ingest.exports import read_export
from ingest.ledger import RunReport
from ingest.mapping import ColumnMapping, load_mapping
from ingest.tabular import SUFFIXES
from ingest.units import Batch, Unit

Progress = Callable[[str, int], None]  # (what just finished, how many units of work)


def list_exports(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InvalidInput(f"{path}: no such file or folder")
    return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)


def _merge(total: RunReport, part: RunReport) -> None:
    total.counts.add(part.counts)
    total.quarantined.extend(part.quarantined)


def ingest_export_file(
    settings: Settings,
    sessions: sessionmaker[Session],
    path: Path,
    channel: Channel,
    mapping: ColumnMapping,
    run_id: str,
) -> RunReport:
    uri = str(path)
    sha = sha256_file(path)
    if ledger.file_unchanged(sessions, uri, sha):
        report = RunReport(run_id=run_id, channel=channel, source=uri)
        report.counts.files = report.counts.files_unchanged = 1
        return report
    try:
        batch = read_export(path, channel, mapping, settings)
    except InvalidInput as exc:
        report = ledger.quarantine_file(sessions, run_id, channel, uri, exc.message, sha)
        report.counts.files = 1
        return report
    report = ledger.store_batch(sessions, batch, run_id, channel)
    report.counts.files = 1
    ledger.mark_file_complete(sessions, uri, channel, sha, report.counts, run_id)
    return report


def transcribe_call(
    settings: Settings, path: Path, sha: str, transcriber: Transcriber, manifest: dict[str, dict[str, Any]]
) -> Unit:
    """One recording -> one masked conversation; `InvalidInput` when it cannot be decoded or holds no speech."""
    meta = calls.call_metadata(path, manifest)
    audio = calls.decode(path)
    turns, language = calls.transcribe_turns(
        audio, transcriber, left_role=settings.ingest.left_channel, language=meta.get("language")
    )
    if not turns:
        raise InvalidInput(f"{path.name}: no speech found ({audio.duration:.1f} s of audio)")
    return calls.call_unit(path, sha, meta, turns, language, settings)


def store_call(
    sessions: sessionmaker[Session], run_id: str, uri: str, sha: str, unit: Unit | None, error: str | None
) -> RunReport:
    """Store a transcribed call (and mark its file complete), or quarantine the file with `error`."""
    if unit is None:
        report = ledger.quarantine_file(sessions, run_id, "call", uri, error or "not transcribed", sha)
        report.counts.rows_read = report.counts.rows_quarantined = report.counts.files = 1
        return report
    report = ledger.store_batch(sessions, Batch(source_uri=uri, units=[unit]), run_id, "call")
    report.counts.files = 1
    ledger.mark_file_complete(sessions, uri, "call", sha, report.counts, run_id)
    return report


def ingest_call_file(
    settings: Settings,
    sessions: sessionmaker[Session],
    path: Path,
    transcriber: Transcriber,
    manifest: dict[str, dict[str, Any]],
    run_id: str,
) -> RunReport:
    uri = str(path)
    report = RunReport(run_id=run_id, channel="call", source=uri)
    try:
        sha = sha256_file(path)
    except OSError as exc:
        report = ledger.quarantine_file(sessions, run_id, "call", uri, f"unreadable file: {exc}", None)
        report.counts.files = report.counts.rows_read = report.counts.rows_quarantined = 1
        return report
    if ledger.file_unchanged(sessions, uri, sha):
        report.counts.files = report.counts.files_unchanged = report.counts.rows_duplicate = report.counts.rows_read = 1
        return report
    try:
        unit = transcribe_call(settings, path, sha, transcriber, manifest)
    except InvalidInput as exc:
        return store_call(sessions, run_id, uri, sha, None, exc.message)
    return store_call(sessions, run_id, uri, sha, unit, None)


def run_ingest(
    settings: Settings,
    sessions: sessionmaker[Session],
    channel: Channel,
    path: Path,
    *,
    mapping_path: Path | None = None,
    manifest_path: Path | None = None,
    transcriber: Transcriber | None = None,
    embedder: Embedder | None = None,
    collection: Any = None,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
) -> RunReport:
    """Ingest one file or folder of one channel, then index what is new. `progress` is told about each file."""
    run_id = ledger.start_run(sessions, channel, str(path))
    total = RunReport(run_id=run_id, channel=channel, source=str(path))
    try:
        if channel == "call":
            files = calls.list_audio(path)
            if on_total:
                on_total(len(files))
            manifest = calls.load_manifest(manifest_path)
            if transcriber is None:
                from core.ml.asr import load_transcriber

                transcriber = load_transcriber(settings)
            workers = max(1, getattr(transcriber, "workers", 1))

            def one(p: Path) -> RunReport:
                assert transcriber is not None
                return ingest_call_file(settings, sessions, p, transcriber, manifest, run_id)

            with ThreadPoolExecutor(max_workers=workers) as pool:
                for p, part in zip(files, pool.map(one, files), strict=True):
                    _merge(total, part)
                    if progress:
                        progress(p.name, 1)
        else:
            mapping = load_mapping(mapping_path, channel)
            files = list_exports(path)
            if on_total:
                on_total(len(files))
            for p in files:
                _merge(total, ingest_export_file(settings, sessions, p, channel, mapping, run_id))
                if progress:
                    progress(p.name, 1)
        if embedder is not None and collection is not None:
            from ingest.search import index_pending

            index_pending(sessions, collection, embedder)
    except Exception as exc:
        ledger.finish_run(sessions, run_id, total.counts, error=f"{exc.__class__.__name__}: {exc}")
        raise
    ledger.finish_run(sessions, run_id, total.counts)
    return total
