"""Prefect flow `ingest`: one task per file (retried on transient store errors), bounded concurrency, then index.

The nightly flow calls it for each drop folder; `cxloop flows run ingest` (issue 6) and the demo use it too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from core.db import engine_for, migrate, session_factory
from core.records import Channel
from core.settings import Settings
from flows.retry import transient
from ingest import calls, ledger
from ingest.ledger import RunReport
from ingest.mapping import load_mapping
from ingest.pipeline import ingest_call_file, ingest_export_file, list_exports


@task(
    retries=3,
    retry_delay_seconds=2,
    retry_condition_fn=transient,
    cache_policy=NO_CACHE,
    task_run_name="ingest {path.name}",
)
def ingest_file(settings: Settings, channel: Channel, path: Path, run_id: str, context: dict[str, Any]) -> RunReport:
    if channel == "call":
        return ingest_call_file(
            settings, context["sessions"], path, context["transcriber"], context["manifest"], run_id
        )
    return ingest_export_file(settings, context["sessions"], path, channel, context["mapping"], run_id)


@task(
    retries=2,
    retry_delay_seconds=2,
    retry_condition_fn=transient,
    cache_policy=NO_CACHE,
    task_run_name="index new conversations",
)
def index_new(settings: Settings, context: dict[str, Any]) -> int:
    from core.ml.embedders import load_embedder
    from ingest.search import conversation_collection, index_pending

    embedder = load_embedder(settings)
    return index_pending(context["sessions"], conversation_collection(settings, embedder), embedder)


@flow(name="ingest", flow_run_name="ingest {channel} from {path}", validate_parameters=False)
def ingest_flow(
    settings: Settings,
    channel: Channel,
    path: Path,
    mapping_path: Path | None = None,
    manifest_path: Path | None = None,
    index: bool = True,
) -> RunReport:
    engine = engine_for(settings)
    migrate(engine)
    sessions = session_factory(engine)
    context: dict[str, Any] = {"sessions": sessions}
    if channel == "call":
        from core.ml.asr import load_transcriber

        files = calls.list_audio(path)
        context["transcriber"] = load_transcriber(settings)
        context["manifest"] = calls.load_manifest(manifest_path)
    else:
        files = list_exports(path)
        context["mapping"] = load_mapping(mapping_path, channel)
    run_id = ledger.start_run(sessions, channel, str(path))
    total = RunReport(run_id=run_id, channel=channel, source=str(path))
    futures = [ingest_file.submit(settings, channel, f, run_id, context) for f in files]
    for future in futures:
        part = future.result()
        total.counts.add(part.counts)
        total.quarantined.extend(part.quarantined)
    if index:
        index_new(settings, context)
    ledger.finish_run(sessions, run_id, total.counts)
    return total


def run_ingest_flow(settings: Settings, channel: Channel, path: Path, **kwargs: Any) -> RunReport:
    """The flow with as many files at once as the ASR has workers (exports: one at a time, SQLite-friendly)."""
    workers = max(1, settings.models.asr_workers) if channel == "call" else 1
    runner = ingest_flow.with_options(task_runner=ThreadPoolTaskRunner(max_workers=workers))  # type: ignore[arg-type]
    report: RunReport = runner(settings, channel, path, **kwargs)
    return report
