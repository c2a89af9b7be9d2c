"""Ingest jobs off the web worker: a recording uploaded to the API is transcribed in a job process, through the
same ingest run as `cxloop ingest calls`, while the web process keeps answering.

`JobRunner` owns one job process (spawned, so it shares no threads or model state with the server); the process
loads its transcriber on its first job and keeps it for the next. The job stores the call; the web process indexes
it afterwards, because an embedded vector store takes one writing process.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from core.runtime import Runtime
from core.settings import Settings, settings_from_json, settings_to_json
from ingest.ledger import Counts

log = logging.getLogger(__name__)

# The job process is an entry point of its own: `_start_worker` builds its one runtime when the process starts
# (a process pool's initializer can only leave it here); the web process never sets it.
_job_runtime: list[Runtime] = []


def _start_worker(settings_json: str) -> None:
    _job_runtime.append(Runtime(settings_from_json(settings_json)))


def _ingest_call(path: str, run_id: str, classify: bool) -> dict[str, Any]:
    """In the job process: one uploaded recording through the ingest run, under the run id the API handed out;
    with `classify`, the insights of the call it stored too (a live call at hang-up)."""
    from ingest import ledger
    from ingest.pipeline import run_ingest

    runtime = _job_runtime[0]
    ledger.mark_running(runtime.sessions, run_id)
    report = run_ingest(
        runtime.settings, runtime.sessions, "call", Path(path), transcriber=runtime.transcriber(), run_id=run_id
    )
    if classify and report.counts.new_rows:
        from insights.classify.runner import classify_pending

        stored = ledger.conversations_of_run(runtime.sessions, run_id)
        classify_pending(runtime.settings, runtime.sessions, only=stored)
    return report.counts.model_dump()


class JobRunner:
    """Runs ingest jobs in one separate process, one at a time, in the order they came."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def submit_call(
        self, path: Path, run_id: str, *, then: Callable[[], object] | None = None, classify: bool = False
    ) -> Future[Any]:
        """Queue one recording; `then` runs in this process once the job has stored it (e.g. indexing)."""
        future = self._executor().submit(_ingest_call, str(path), run_id, classify)
        future.add_done_callback(lambda f: self._finished(f, run_id, then))
        return future

    def _finished(self, future: Future[Any], run_id: str, then: Callable[[], object] | None) -> None:
        error = future.exception()
        if error is not None:  # a crash of the job process itself: the run row says so, the poller sees it
            from core.db import engine_for, session_factory
            from ingest import ledger

            engine = engine_for(self.settings)
            try:
                ledger.finish_run(
                    session_factory(engine), run_id, Counts(), error=f"{error.__class__.__name__}: {error}"
                )
            finally:
                engine.dispose()
            return
        if then is not None:
            try:
                then()
            except Exception:
                log.exception("after ingest job %s", run_id)

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker,
                    initargs=(settings_to_json(self.settings),),
                )
            return self._pool

    def close(self) -> None:
        """Waits for the job in progress (its run row must not be left 'running'); queued jobs still run."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
