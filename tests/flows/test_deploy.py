"""Deployments: cron schedules in the configured timezone, module-path entry points; `cxloop flows serve`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.settings import Settings
from flows.deploy import deployments
from tests.conftest import HUNG_S

CXLOOP = str(Path(sys.executable).parent / "cxloop")


def test_deployments_carry_the_configured_schedules(settings: Settings) -> None:
    settings.flows.nightly_cron = "30 3 * * *"
    settings.flows.timezone = "Europe/London"
    found = {d.name: d for d in deployments(settings)}
    assert set(found) == {"nightly", "andon-hourly", "sla"}
    nightly = found["nightly"].schedules[0].schedule
    assert (nightly.cron, nightly.timezone) == ("30 3 * * *", "Europe/London")
    assert found["andon-hourly"].schedules[0].schedule.cron == "0 * * * *"
    assert found["andon-hourly"].entrypoint == "flows.nightly.andon"
    assert deployments(settings, schedules=False)[0].schedules == []


@pytest.mark.integration
def test_flows_serve_registers_and_stops_on_interrupt(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CXLOOP_"))}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    proc = subprocess.Popen(
        [CXLOOP, "flows", "serve", "--data-dir", str(tmp_path / "data")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + HUNG_S
    try:
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
            seen.append(line)
            if "andon-hourly" in "".join(seen) and "nightly" in "".join(seen):
                break
        output = "".join(seen)
        assert "serving: nightly at '0 2 * * *'" in output, output
        assert "andon-hourly" in output, output
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
