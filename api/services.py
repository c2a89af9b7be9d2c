"""What routes need, built once per app from settings; heavy parts load on first use.

`DeferredWriter` takes the per-request rows of the hot path (the assist log, the audit row) off the request: a
background thread commits whatever has queued up in one transaction. Nothing is dropped: `drain()` waits until
everything submitted so far is committed (the write barrier in `api/audit.py` calls it before every request that
may read those rows, the feedback route before it looks an answer up), and `close()` drains before it stops.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
import weakref
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.runtime import Runtime, Threads
from core.settings import Settings
from ingest.jobs import JobRunner

log = logging.getLogger(__name__)

Write = Callable[[Session], object]


def _hurry(session: Session) -> None:
    """Queue marker from `drain()`: commit what has queued now instead of lingering for more."""


class DeferredWriter:
    """One background thread per process that commits queued writes in batches (at most `max_batch` each).

    A batch that fails is retried one write per transaction, so one bad row costs only itself (it is logged).
    After `close()`, or before the thread exists in a process that never submitted, writes run inline."""

    def __init__(self, sessions: sessionmaker[Session], *, max_batch: int = 200, linger_s: float = 0.05) -> None:
        self.sessions = sessions
        self.max_batch = max_batch
        self.linger_s = linger_s
        self._queue: queue.SimpleQueue[Write | None] = queue.SimpleQueue()
        self._cond = threading.Condition()
        self._submitted = 0
        self._done = 0
        self._closed = False
        self._thread: threading.Thread | None = None
        self.failed = 0

    @property
    def pending(self) -> int:
        return self._submitted - self._done

    def submit(self, write: Write) -> None:
        with self._cond:  # queued under the lock, so nothing can land behind close()'s stop mark
            if not self._closed:
                self._submitted += 1
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="cxloop-writer", daemon=True)
                    self._thread.start()
                    # a process that exits without closing the app still commits what it accepted
                    atexit.register(_close_at_exit, weakref.ref(self))
                self._queue.put(write)
                return
        self._commit([write])

    def drain(self, timeout: float | None = 30.0) -> bool:
        """Wait until every write submitted before this call is committed (or failed and logged)."""
        with self._cond:
            target = self._submitted
            if self._done < target and self._thread is not None:
                self._queue.put(_hurry)
            return self._cond.wait_for(lambda: self._done >= target, timeout=timeout)

    def close(self, timeout: float = 30.0) -> None:
        with self._cond:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
            if thread is not None:
                self._queue.put(None)
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is _hurry:
                continue
            batch: list[Write] = []
            if first is None:
                stop = True
            else:
                batch.append(first)
            # whatever queues up within `linger_s` goes into the same commit (under load one transaction per few
            # dozen rows instead of one per request: each costs an ORM flush and a WAL sync), unless a reader waits
            deadline = time.monotonic() + self.linger_s
            while not stop and len(batch) < self.max_batch:
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if item is _hurry:
                    break
                if item is None:
                    stop = True
                else:
                    batch.append(item)
            if batch:
                self._commit(batch)
                with self._cond:
                    self._done += len(batch)
                    self._cond.notify_all()

    def _commit(self, batch: list[Write]) -> None:
        if len(batch) > 1:
            try:
                self._transaction(batch)
                return
            except Exception:
                log.warning("a batch of %d deferred writes failed; retrying them one by one", len(batch))
        for write in batch:
            for pause in (0.0, 0.2, 1.0):  # a locked database (another process writing) gets two more tries
                time.sleep(pause)
                try:
                    self._transaction([write])
                    break
                except Exception:
                    if pause == 1.0:
                        self.failed += 1
                        log.exception("deferred write failed")

    def _transaction(self, batch: list[Write]) -> None:
        with self.sessions() as session, session.begin():
            for write in batch:
                write(session)


def _close_at_exit(ref: weakref.ref[DeferredWriter]) -> None:
    writer = ref()
    if writer is not None:
        writer.close()


class Services(Runtime):
    """The API's runtime: the shared parts (`core.runtime.Runtime`) plus what only the web process has, the deferred
    writer of the hot path's rows and the job process that transcribes uploads."""

    def __init__(self, settings: Settings, engine: Engine | None = None, *, threads: Threads | None = None) -> None:
        super().__init__(settings, engine=engine, threads=threads)
        self.writer = DeferredWriter(self.sessions)
        self.jobs = JobRunner(settings)  # call uploads are transcribed in a job process, not in this one

    def close(self) -> None:
        self.jobs.close()  # the job in progress finishes and records its counts
        self.writer.close()  # commits what is still queued
        super().close()
