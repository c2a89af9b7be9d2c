"""A real process kill midway through an ingest; the re-run completes with no duplicates and no gaps."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from core.ml.base import EmbedKind
from tests.conftest import HUNG_S
from tests.ingest.conftest import CHAT_HEADER, chat_rows, write_csv

CXLOOP = str(Path(sys.executable).parent / "cxloop")
N = 3000


def _scalar(db: Path, sql: str) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # tables not created yet
        return 0


def _kill_when(proc: subprocess.Popen[bytes], db: Path, sql: str, threshold: int, timeout: float = HUNG_S) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail("the ingest finished before it could be killed; make the input larger")
        seen = _scalar(db, sql)
        if seen >= threshold:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return seen
        time.sleep(0.05)
    proc.kill()
    pytest.fail("the ingest made no progress")


@pytest.mark.integration
def test_kill_during_storing_then_rerun(tmp_path: Path) -> None:
    export = write_csv(tmp_path / "big.csv", CHAT_HEADER, chat_rows(N))
    data = tmp_path / "data"
    db = data / "cxloop.db"
    cmd = [CXLOOP, "ingest", "chats", str(export), "--data-dir", str(data), "--no-index"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    at_kill = _kill_when(proc, db, "select count(*) from conversations", 200)
    assert 0 < at_kill < N

    rerun = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert "conversations" in rerun.stdout
    assert _scalar(db, "select count(*) from conversations") == N
    assert _scalar(db, "select count(*) from turns") == 2 * N
    assert _scalar(db, "select count(*) from source_ledger") == N
    assert (
        _scalar(db, "select count(*) from (select conversation_id, idx from turns group by 1, 2 having count(*) > 1)")
        == 0
    )
    # the re-run stored exactly what the killed run had not, and called the rest duplicates
    stored_again = int(rerun.stdout.split("conversations ")[1].split(" new")[0])
    duplicates = int(rerun.stdout.split("replaced, ")[1].split(" duplicate")[0])
    assert stored_again + duplicates == N and duplicates >= at_kill


@pytest.mark.integration
def test_kill_during_indexing_then_rerun(vector_backend_env: str, tmp_path: Path) -> None:
    from core.settings import Settings
    from ingest.search import conversation_index

    export = write_csv(tmp_path / "big.csv", CHAT_HEADER, chat_rows(1500))
    data = tmp_path / "data"
    db = data / "cxloop.db"
    env = {**os.environ, "CXLOOP_MODELS__EMBEDDER": "use-multilingual"}  # the fast one: this tests bookkeeping
    cmd = [CXLOOP, "ingest", "chats", str(export), "--data-dir", str(data)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _kill_when(proc, db, "select count(*) from source_ledger where indexed_at is not null", 100)
    assert _scalar(db, "select count(*) from source_ledger where indexed_at is null") > 0

    subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    assert _scalar(db, "select count(*) from source_ledger where indexed_at is null") == 0
    settings = Settings(_env_file=None, data_dir=data)  # reads the backend from the env
    assert settings.storage.vector_backend == vector_backend_env
    assert conversation_index(settings, _Named("use-multilingual", 512)).count() == 2 * 1500


class _Named:
    """Only what names and opens the index: the turns were embedded by the CLI."""

    reentrant = False

    def __init__(self, name: str, dim: int) -> None:
        self.name = name
        self.dim = dim

    def embed(self, texts: Sequence[str], *, kind: EmbedKind = "passage") -> np.ndarray:
        raise AssertionError("nothing is embedded here")
