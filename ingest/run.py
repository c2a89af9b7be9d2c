"""One ingest run, whoever starts it: the CLI, the `ingest` flow, the Dask fan-out and an API upload job.

start the run -> look at each file (unreadable: quarantined; unchanged since its last complete run: skipped) ->
prepare the new ones (parse and mask an export, or transcribe and mask a recording), spread by a `FanOut` ->
store each prepared file here, in the run's own process (SQLite has one writer) -> index what is new -> finish
the run with its counts. Only the fan-out differs between the callers: threads in this process, Prefect tasks,
Dask worker processes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from core.errors import StoreUnavailable
from core.hashing import sha256_file
from core.records import Channel
from ingest import ledger
from ingest.ledger import RunReport
from ingest.units import Batch

Progress = Callable[[str, int], None]  # (what just finished, how many units of work)


@dataclass(frozen=True)
class Prepared:
    """One new file, parsed or transcribed and masked, ready to store; or the reason it is quarantined. Plain data,
    so it pickles back from a worker process."""

    path: str
    sha256: str
    batch: Batch | None = None
    error: str | None = None
    seconds: float = 0.0
    pid: int = 0


Prepare = Callable[[Path, str], Prepared]  # (file, its sha256) -> Prepared


class FanOut(Protocol):
    """How a run's new files are prepared: results come back in the order of `items`."""

    workers: int

    def map(self, prepare: Prepare, items: Sequence[tuple[Path, str]]) -> Iterator[Prepared]: ...


class Threads:
    """In this process, `workers` files at once (calls: one CTranslate2 worker each; exports: one)."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, workers)

    def map(self, prepare: Prepare, items: Sequence[tuple[Path, str]]) -> Iterator[Prepared]:
        if self.workers == 1:
            yield from (prepare(path, sha) for path, sha in items)
            return
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            yield from pool.map(lambda item: prepare(*item), items)


def ingest_run(
    sessions: sessionmaker[Session],
    channel: Channel,
    files: Sequence[Path],
    *,
    prepare: Prepare,
    fan_out: FanOut | None = None,
    source: str,
    index: Callable[[], object] | None = None,
    progress: Progress | None = None,
    run_id: str | None = None,
) -> RunReport:
    """Run one ingest over `files`; every file ends stored, duplicate, unchanged or quarantined, and the run's row in
    `ingest_runs` records the counts (or the error that stopped it)."""
    run_id = run_id or ledger.start_run(sessions, channel, source)
    total = RunReport(run_id=run_id, channel=channel, source=source)
    try:
        todo: list[tuple[Path, str]] = []
        for path in files:
            part = _look(sessions, run_id, channel, path, todo)
            if part is not None:
                _merge(total, part)
                if progress:
                    progress(path.name, 1)
        for prepared in (fan_out or Threads()).map(prepare, todo):
            _merge(total, store_prepared(sessions, run_id, channel, prepared))
            if progress:
                progress(Path(prepared.path).name, 1)
        if index is not None:
            index()
    except Exception as exc:
        ledger.finish_run(sessions, run_id, total.counts, error=f"{exc.__class__.__name__}: {exc}")
        raise
    ledger.finish_run(sessions, run_id, total.counts)
    return total


def _look(
    sessions: sessionmaker[Session], run_id: str, channel: Channel, path: Path, todo: list[tuple[Path, str]]
) -> RunReport | None:
    """The file's report when nothing more is to be done with it; else it joins `todo` with its sha256."""
    uri = str(path)
    one_row = channel == "call"  # a recording is one row; an export's rows are counted once it is read
    try:
        sha = sha256_file(path)
    except OSError as exc:
        report = ledger.quarantine_file(sessions, run_id, channel, uri, f"unreadable file: {exc}", None)
        report.counts.files = 1
        report.counts.rows_read = report.counts.rows_quarantined = int(one_row)
        return report
    if ledger.file_unchanged(sessions, uri, sha):
        report = RunReport(run_id=run_id, channel=channel, source=uri)
        report.counts.files = report.counts.files_unchanged = 1
        report.counts.rows_duplicate = report.counts.rows_read = int(one_row)
        return report
    todo.append((path, sha))
    return None


STORE_ATTEMPTS = 3


def transient_errors() -> tuple[type[BaseException], ...]:
    """What a second try can fix: a busy or briefly unreachable store (also the flows' task retry condition)."""
    from sqlalchemy.exc import OperationalError

    return (OperationalError, StoreUnavailable, ConnectionError, TimeoutError)


def store_prepared(sessions: sessionmaker[Session], run_id: str, channel: Channel, prepared: Prepared) -> RunReport:
    """Store one prepared file in this process (each conversation in its own transaction, so a retry after a
    transient store error stores nothing twice), or quarantine it with its reason."""
    from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

    @retry(
        retry=retry_if_exception_type(transient_errors()),
        stop=stop_after_attempt(STORE_ATTEMPTS),
        wait=wait_exponential(multiplier=1, max=8),
        reraise=True,
    )
    def store() -> RunReport:
        uri = prepared.path
        if prepared.batch is None:
            reason = prepared.error or "not prepared"
            report = ledger.quarantine_file(sessions, run_id, channel, uri, reason, prepared.sha256)
            report.counts.files = 1
            if channel == "call":
                report.counts.rows_read = report.counts.rows_quarantined = 1
            return report
        report = ledger.store_batch(sessions, prepared.batch, run_id, channel)
        report.counts.files = 1
        ledger.mark_file_complete(sessions, uri, channel, prepared.sha256, report.counts, run_id)
        return report

    return store()


def _merge(total: RunReport, part: RunReport) -> None:
    total.counts.add(part.counts)
    total.quarantined.extend(part.quarantined)
