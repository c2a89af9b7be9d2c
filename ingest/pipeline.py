"""What each channel does inside one ingest run (`ingest.run`), and `run_ingest`, the run as the CLI starts it.

An export is parsed and masked; a recording is decoded, transcribed and masked. Both are `Prepare` steps: plain
functions of (file, sha256) that touch no store, so a fan-out can run them in threads, Prefect tasks or other
processes while the run stores their results in its own process.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from core.errors import InvalidInput
from core.ml.base import Embedder, Transcriber
from core.records import Channel
from core.settings import Settings
from ingest import calls
from ingest.exports import read_export
from ingest.ledger import RunReport
from ingest.mapping import ColumnMapping, load_mapping
from ingest.run import FanOut, Prepare, Prepared, Progress, Threads, ingest_run
from ingest.tabular import SUFFIXES
from ingest.units import Batch, Unit


def list_exports(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InvalidInput(f"{path}: no such file or folder")
    return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)


def list_files(channel: Channel, path: Path) -> list[Path]:
    return calls.list_audio(path) if channel == "call" else list_exports(path)


def prepare_export(settings: Settings, channel: Channel, mapping: ColumnMapping, path: Path, sha: str) -> Prepared:
    started = time.perf_counter()
    try:
        batch = read_export(path, channel, mapping, settings)
    except InvalidInput as exc:
        return Prepared(str(path), sha, error=exc.message, pid=os.getpid())
    return Prepared(str(path), sha, batch=batch, seconds=time.perf_counter() - started, pid=os.getpid())


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


def prepare_call(
    settings: Settings, transcriber: Transcriber, manifest: dict[str, dict[str, Any]], path: Path, sha: str
) -> Prepared:
    started = time.perf_counter()
    try:
        unit = transcribe_call(settings, path, sha, transcriber, manifest)
    except InvalidInput as exc:
        return Prepared(str(path), sha, error=exc.message, seconds=time.perf_counter() - started, pid=os.getpid())
    batch = Batch(source_uri=str(path), units=[unit])
    return Prepared(str(path), sha, batch=batch, seconds=time.perf_counter() - started, pid=os.getpid())


def preparer(
    settings: Settings,
    channel: Channel,
    *,
    mapping_path: Path | None = None,
    manifest_path: Path | None = None,
    transcriber: Transcriber | None = None,
) -> tuple[Prepare, int]:
    """The channel's prepare step for this process, and how many files it can prepare at once."""
    if channel != "call":
        return partial(prepare_export, settings, channel, load_mapping(mapping_path, channel)), 1
    manifest = calls.load_manifest(manifest_path)
    if transcriber is None:
        from core.ml.asr import load_transcriber

        transcriber = load_transcriber(settings)
    return partial(prepare_call, settings, transcriber, manifest), max(1, transcriber.workers)


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
    fan_out: FanOut | None = None,
    run_id: str | None = None,
) -> RunReport:
    """Ingest one file or folder of one channel, then index what is new. `progress` is told about each file."""
    files = list_files(channel, path)
    if on_total:
        on_total(len(files))
    prepare, workers = preparer(
        settings, channel, mapping_path=mapping_path, manifest_path=manifest_path, transcriber=transcriber
    )
    index = None
    if embedder is not None and collection is not None:
        from ingest.search import index_pending

        index = partial(index_pending, sessions, collection, embedder)
    return ingest_run(
        sessions,
        channel,
        files,
        prepare=prepare,
        fan_out=fan_out or Threads(workers),
        source=str(path),
        index=index,
        progress=progress,
        run_id=run_id,
    )
