"""Every bench script runs at its --quick size, so benchmarks never rot. No timing thresholds here.

A quick run is bounded by the CPU time it may use, not by the clock: a busy machine stretches wall time (a
clean-clone `make test` under load once killed `bench/assist.py --quick` at a 600 s wall limit) but not CPU time.
The bound is six times what a quick run uses (the slowest, bench/assist.py, measured 195 CPU seconds);
only a quick size grown far too large, or a loop that never ends, reaches it.
"""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import HUNG_S

ROOT = Path(__file__).resolve().parents[2]
CPU_S = 1200  # per process (children get their own)


def _bound_cpu() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_S, CPU_S + 60))


SCRIPTS = sorted(p.name for p in (ROOT / "bench").glob("*.py") if p.name not in {"__init__.py", "common.py"})
# two quick runs at a time share the 2 cores (each is mostly one busy thread), longest first so the pairs end
# together: the module takes about half as long as running them one after another
AT_ONCE = 2
LONGEST_FIRST = ["assist.py", "llm.py", "nightly.py", "insights.py"]


def _run(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--quick"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        preexec_fn=_bound_cpu,
        timeout=HUNG_S,
    )


@pytest.fixture(scope="module")
def quick_runs() -> Iterator[dict[str, Future[subprocess.CompletedProcess[str]]]]:
    order = sorted(SCRIPTS, key=lambda s: (LONGEST_FIRST.index(s) if s in LONGEST_FIRST else len(LONGEST_FIRST), s))
    with ThreadPoolExecutor(AT_ONCE) as pool:
        yield {script: pool.submit(_run, script) for script in order}


@pytest.mark.integration
@pytest.mark.parametrize("script", SCRIPTS)
def test_bench_quick(script: str, quick_runs: dict[str, Future[subprocess.CompletedProcess[str]]]) -> None:
    out = quick_runs[script].result()
    if out.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        pytest.fail(f"{script} --quick used more than {CPU_S} CPU seconds: make its --quick size smaller")
    assert out.returncode == 0, out.stdout + out.stderr
    written = [line.split("wrote ", 1)[1] for line in out.stdout.splitlines() if line.startswith("wrote ")]
    assert written, out.stdout
    for path in written:
        data = json.loads(Path(path).read_text())
        assert data["rows"]
