"""The first run on a new machine: Prefect's temporary server gets our start-up time, and failing reads as one line.

The load test starts the demo's first stage with a brand-new PREFECT_HOME while two busy loops keep both cores
occupied (they stop by themselves after a few minutes); it asserts the run completes, never how long it took.
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.threaded import free_port
from cli.main import app
from core.errors import OrchestratorUnavailable
from core.settings import Settings
from flows.runtime import STARTUP_ENV, TIMED_OUT, start_prefect
from tests.conftest import ROOT

BUSY_SECONDS = 240  # how long the load runs; it ends on its own even if the test is killed
HUNG = 1800  # far beyond any correct run, busy or not: only a hang reaches it


def _no_api_url() -> AbstractContextManager[object]:
    """As on a new machine: no PREFECT_API_URL (the suite's shared harness sets one)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    return temporary_settings(restore_defaults={PREFECT_API_URL})


def test_a_server_that_does_not_start_is_one_readable_line(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.server.api.server import SubprocessASGIServer

    def times_out(self: SubprocessASGIServer, timeout: int | None = None) -> None:
        raise RuntimeError(f"{TIMED_OUT} stdout: many lines of server output\nmore")

    monkeypatch.setattr(SubprocessASGIServer, "start", times_out)
    monkeypatch.setenv(STARTUP_ENV, "7")
    with _no_api_url():
        with pytest.raises(OrchestratorUnavailable) as caught:
            start_prefect(settings)
        result = CliRunner().invoke(app, ["demo", "--no-serve", "--data-dir", str(settings.data_dir)])
    message = caught.value.message
    assert "did not start within 7 s" in message
    assert "CXLOOP_FLOWS__PREFECT_STARTUP_TIMEOUT" in message and "PREFECT_API_URL" in message
    assert "stdout" not in message and "\n" not in message
    assert result.exit_code == 2, result.output
    assert "error: Prefect's temporary server did not start" in result.output
    assert "Traceback" not in result.output


def test_our_startup_time_reaches_prefect(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.server.api.server import SubprocessASGIServer

    seen: list[int | None] = []
    monkeypatch.setattr(SubprocessASGIServer, "start", lambda self, timeout=None: seen.append(timeout))
    monkeypatch.delenv(STARTUP_ENV, raising=False)
    settings.flows.prefect_startup_timeout = 240
    with _no_api_url():
        start_prefect(settings)
    assert seen == [240] and os.environ[STARTUP_ENV] == "240"


def test_an_unreachable_prefect_server_is_named(settings: Settings) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    url = f"http://127.0.0.1:{free_port()}/api"
    with temporary_settings({PREFECT_API_URL: url}), pytest.raises(OrchestratorUnavailable, match="does not answer"):
        start_prefect(settings)


def test_unknown_demo_stage_lists_the_stages(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--until", "nope", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "choose one of: database, keys" in result.output


@pytest.mark.integration
def test_first_demo_stage_completes_on_a_busy_machine(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CXLOOP_"))}
    env |= {
        "PREFECT_HOME": str(tmp_path / "new-prefect-home"),  # never used: the database is created on this run
        "CXLOOP_DATA_DIR": str(tmp_path / "data"),
        "CXLOOP_DEMO_DIR": str(ROOT / "demo"),
    }
    spin = f"import time\nend = time.monotonic() + {BUSY_SECONDS}\nwhile time.monotonic() < end: pass"
    load = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(os.cpu_count() or 2)]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "cli.main", "demo", "--no-serve", "--until", "database"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=HUNG,
        )
    finally:
        for proc in load:
            proc.kill()
            proc.wait()
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "stopped after stage 'database'" in done.stdout
    assert (tmp_path / "data" / "cxloop.db").exists()
    assert (tmp_path / "new-prefect-home").is_dir()
