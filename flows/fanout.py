"""Prefect flow `transcribe-calls`: one task per recording, fanned out over threads or over Dask worker processes.

On threads, the tasks share the caller's runtime (`core.runtime.Runtime`) and its one transcriber. A runtime cannot
cross a process boundary, so on Dask each task gets the `Settings` and its `Threads` share (picklable) and uses its
worker's own runtime, built on the worker's first task and kept on the Dask worker object for every later file that
worker gets. `run_ingest_calls` is the same ingest run as `cxloop ingest calls` with Dask as its fan-out. Tasks
return plain records (`TranscribedCall`, holding a masked `Conversation`) that pickle back to the flow's process,
the one place that writes them to the store (`store_transcribed`; SQLite has one writer).

Scale-out: `run_transcribe_calls(settings, paths, dask_workers=4)` starts a temporary local Dask cluster of 4
single-threaded processes and closes it when the flow ends; the CPU threads of `models.asr_threads` are split
between the processes. To use an existing cluster on other machines, pass a `DaskTaskRunner(address=...)` to
`transcribe_calls.with_options(task_runner=...)`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from functools import partial
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner
from pydantic import BaseModel

from core.errors import InvalidInput
from core.records import Conversation
from core.runtime import Runtime, Threads
from core.settings import Settings
from ingest.ledger import RunReport
from ingest.run import Prepared


class TranscribedCall(BaseModel):
    """One recording, transcribed and masked, ready for `ingest.ledger.store_batch`; or why it was refused."""

    path: str
    sha256: str
    conversation: Conversation | None = None
    error: str | None = None  # InvalidInput message: the caller quarantines the file
    seconds: float  # wall time of decode + transcription
    pid: int  # the process that transcribed it (a Dask worker, or the flow's own process)
    model_loads: int  # transcriber loads in that process for these model settings (1 when the cache works)


def _model_key(settings: Settings, threads: Threads) -> str:
    return json.dumps(
        {
            "models": settings.models.model_dump(mode="json"),
            "cache": str(settings.model_cache_dir),
            "threads": dataclasses.asdict(threads),
        },
        sort_keys=True,
    )


def worker_runtime(settings: Settings, threads: Threads) -> tuple[Runtime, int]:
    """The runtime of the Dask worker process this task runs in, built on its first task and kept on the worker
    object (not in a module global); with it, how many times this worker built one for these models (1 when the
    reuse works)."""
    from distributed import get_worker

    worker = get_worker()
    held: dict[str, tuple[Runtime, int]] = worker.__dict__.setdefault("_cxloop_runtimes", {})
    key = _model_key(settings, threads)
    if key not in held:  # one task at a time per worker (threads_per_worker=1)
        held[key] = (Runtime(settings, threads=threads), len(held) + 1)  # loads in this worker so far
    return held[key]


def transcribe_call(
    settings: Settings, path: Path, runtime: Runtime | None = None, threads: Threads | None = None
) -> TranscribedCall:
    """Decode, transcribe and mask one recording with `runtime`'s transcriber, or, in a Dask worker, with the
    worker's own (plain function: the task below and tests call it)."""
    from core.hashing import sha256_file
    from ingest.pipeline import transcribe_call as transcribe

    started = time.perf_counter()
    loads = 1
    if runtime is None:
        runtime, loads = worker_runtime(settings, threads or Threads())
    transcriber = runtime.transcriber()
    sha = sha256_file(path)
    conversation: Conversation | None = None
    error: str | None = None
    try:
        conversation = transcribe(settings, path, sha, transcriber, {}).conversation
    except InvalidInput as exc:
        error = exc.message
    return TranscribedCall(
        path=str(path),
        sha256=sha,
        conversation=conversation,
        error=error,
        seconds=round(time.perf_counter() - started, 3),
        pid=os.getpid(),
        model_loads=loads,
    )


@task(cache_policy=NO_CACHE, persist_result=False, task_run_name="transcribe {path.name}")
def transcribe_call_task(
    settings: Settings, path: Path, runtime: Runtime | None, threads: Threads | None
) -> TranscribedCall:
    return transcribe_call(settings, path, runtime, threads)


@flow(name="transcribe-calls", validate_parameters=False, persist_result=False)
def transcribe_calls(
    settings: Settings, paths: list[Path], runtime: Runtime | None = None, threads: Threads | None = None
) -> list[TranscribedCall]:
    """With `runtime`: its transcriber in this process's threads; without: each Dask worker's own."""
    futures = [transcribe_call_task.submit(settings, Path(p), runtime, threads) for p in paths]
    return [future.result() for future in futures]


def worker_threads(settings: Settings, processes: int) -> Threads:
    """Each worker process's share of the CPU threads for the ASR, one CTranslate2 worker per process."""
    return Threads(asr=max(1, settings.models.asr_threads // max(1, processes)), asr_workers=1)


def dask_task_runner(processes: int, **cluster_kwargs: Any) -> Any:
    """A temporary local Dask cluster of single-threaded worker processes, on loopback, without a dashboard."""
    from prefect_dask import DaskTaskRunner  # type: ignore[attr-defined]  # not in its __all__

    kwargs: dict[str, Any] = {
        "n_workers": processes,
        "threads_per_worker": 1,
        "processes": True,
        "dashboard_address": None,
        "host": "127.0.0.1",
    }
    kwargs.update(cluster_kwargs)
    return DaskTaskRunner(cluster_kwargs=kwargs)


def run_transcribe_calls(
    settings: Settings, paths: list[Path], *, dask_workers: int | None = None
) -> list[TranscribedCall]:
    """Transcribe `paths`: on `dask_workers` local processes, else on as many threads as `models.asr_workers`.

    Dask starts its workers with multiprocessing's "spawn": a script that calls this with `dask_workers` needs the
    usual `if __name__ == "__main__":` guard, or each worker re-runs the script.
    """
    if dask_workers is not None:
        runner = dask_task_runner(dask_workers)
        flow_ = transcribe_calls.with_options(task_runner=runner)
        done: list[TranscribedCall] = flow_(settings, list(paths), None, worker_threads(settings, dask_workers))
        return done
    runtime = Runtime(settings)  # this process's: one transcriber for every thread
    try:
        pool: Any = ThreadPoolTaskRunner(max_workers=max(1, settings.models.asr_workers))
        result: list[TranscribedCall] = transcribe_calls.with_options(task_runner=pool)(settings, list(paths), runtime)
        return result
    finally:
        runtime.close()


def prepare_here(settings: Settings, threads: Threads, path: Path, sha: str) -> Prepared:
    """`ingest.run`'s prepare step in a Dask worker, with the worker's own runtime (its transcriber loads once)."""
    from ingest.pipeline import prepare_call

    runtime, _loads = worker_runtime(settings, threads)
    return prepare_call(settings, runtime.transcriber(), {}, path, sha)


@flow(name="ingest-calls-fanned-out", validate_parameters=False, persist_result=False)
def ingest_calls_flow(settings: Settings, paths: list[Path], workers: int, threads: Threads) -> RunReport:
    """The one ingest run, its recordings prepared on the flow's task runner (Dask worker processes)."""
    from core.db import engine_for, migrate, session_factory
    from flows.ingest_files import PrefectTasks
    from ingest.run import ingest_run

    engine = engine_for(settings)
    try:
        migrate(engine)
        return ingest_run(
            session_factory(engine),
            "call",
            list(paths),
            prepare=partial(prepare_here, settings, threads),
            fan_out=PrefectTasks(workers),
            source="fan-out",
        )
    finally:
        engine.dispose()


def run_ingest_calls(settings: Settings, paths: list[Path], *, dask_workers: int) -> RunReport:
    """Transcribe on `dask_workers` local processes and store here: the same run as `cxloop ingest calls`."""
    runner = dask_task_runner(dask_workers)
    threads = worker_threads(settings, dask_workers)
    report: RunReport = ingest_calls_flow.with_options(task_runner=runner)(settings, list(paths), dask_workers, threads)
    return report


def store_transcribed(settings: Settings, results: list[TranscribedCall], *, source: str = "fan-out") -> RunReport:
    """Store calls transcribed elsewhere through the one ingest run (same ledger accounting as `ingest`)."""
    from core.db import engine_for, migrate, session_factory
    from ingest.run import ingest_run
    from ingest.units import Batch, Unit

    done = {r.path: r for r in results}

    def prepared(path: Path, sha: str) -> Prepared:
        r = done[str(path)]
        if r.conversation is None:
            return Prepared(r.path, sha, error=r.error, seconds=r.seconds, pid=r.pid)
        unit = Unit(conversation=r.conversation, content_sha256=r.sha256, rows=1)
        return Prepared(r.path, sha, batch=Batch(source_uri=r.path, units=[unit]), seconds=r.seconds, pid=r.pid)

    engine = engine_for(settings)
    try:
        migrate(engine)
        files = [Path(r.path) for r in results]
        return ingest_run(session_factory(engine), "call", files, prepare=prepared, source=source)
    finally:
        engine.dispose()
