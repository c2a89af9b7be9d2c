"""Prefect flow `ingest`: the one ingest run (`ingest.run`) with each new file prepared in a Prefect task.

The nightly flow calls it for each drop folder; the demo uses it too. Files are prepared (parsed or transcribed,
masked) by tasks on the flow's task runner, as many at once as the ASR has workers; the flow's own process stores
them (retrying a busy store) and then indexes what is new.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from core.db import engine_for, migrate, session_factory
from core.records import Channel
from core.settings import Settings
from flows.retry import transient
from ingest.ledger import RunReport
from ingest.pipeline import list_files, preparer
from ingest.run import Prepare, Prepared, ingest_run


@task(cache_policy=NO_CACHE, persist_result=False, task_run_name="prepare {path.name}")
def prepare_file(prepare: Prepare, path: Path, sha: str) -> Prepared:
    return prepare(path, sha)


class PrefectTasks:
    """A fan-out that submits one task per file to the running flow's task runner (threads, or Dask workers)."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers

    def map(self, prepare: Prepare, items: Sequence[tuple[Path, str]]) -> Iterator[Prepared]:
        futures = [prepare_file.submit(prepare, path, sha) for path, sha in items]
        for future in futures:
            yield future.result()


@task(
    retries=2,
    retry_delay_seconds=2,
    retry_condition_fn=transient,
    cache_policy=NO_CACHE,
    task_run_name="index new conversations",
)
def index_new(settings: Settings, sessions: Any) -> int:
    from core.runtime import Runtime
    from ingest.search import index_pending

    runtime = Runtime(settings)  # this task's: the embedder and the turn index
    try:
        return index_pending(sessions, runtime.turn_index(), runtime.embedder())
    finally:
        runtime.close()


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
    prepare, workers = preparer(settings, channel, mapping_path=mapping_path, manifest_path=manifest_path)
    return ingest_run(
        sessions,
        channel,
        list_files(channel, path),
        prepare=prepare,
        fan_out=PrefectTasks(workers),
        source=str(path),
        index=(lambda: index_new(settings, sessions)) if index else None,
    )


def run_ingest_flow(settings: Settings, channel: Channel, path: Path, **kwargs: Any) -> RunReport:
    """The flow with as many files at once as the ASR has workers (exports: one at a time, SQLite-friendly)."""
    workers = max(1, settings.models.asr_workers) if channel == "call" else 1
    runner = ingest_flow.with_options(task_runner=ThreadPoolTaskRunner(max_workers=workers))  # type: ignore[arg-type]
    report: RunReport = runner(settings, channel, path, **kwargs)
    return report
