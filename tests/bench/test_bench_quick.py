"""Every bench script runs at its --quick size, so benchmarks never rot. No timing thresholds here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.integration
@pytest.mark.parametrize(
    "script", sorted(p.name for p in (ROOT / "bench").glob("*.py") if p.name not in {"__init__.py", "common.py"})
)
def test_bench_quick(script: str) -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--quick"], capture_output=True, text=True, cwd=ROOT, timeout=600
    )
    assert out.returncode == 0, out.stdout + out.stderr
    written = [line.split("wrote ", 1)[1] for line in out.stdout.splitlines() if line.startswith("wrote ")]
    assert written, out.stdout
    for path in written:
        data = json.loads(Path(path).read_text())
        assert data["rows"]
