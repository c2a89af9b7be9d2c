"""`cxloop flows list|run|deploy`: readable errors, and a real run of the report flow."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


def test_list_names_every_flow() -> None:
    result = runner.invoke(app, ["flows", "list"])
    assert result.exit_code == 0
    for name in ("nightly", "andon", "reports"):
        assert name in result.output


def test_readable_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = str(tmp_path / "data")
    unknown = runner.invoke(app, ["flows", "run", "weekly", "--data-dir", data])
    assert unknown.exit_code != 0 and "unknown flow 'weekly'" in unknown.output
    bad_time = runner.invoke(app, ["flows", "run", "andon", "--now", "yesterday", "--data-dir", data])
    assert bad_time.exit_code != 0 and "--now must be an ISO date" in bad_time.output
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    no_server = runner.invoke(app, ["flows", "deploy", "--pool", "cxloop", "--data-dir", data])
    assert no_server.exit_code != 0 and "PREFECT_API_URL" in no_server.output


@pytest.mark.integration
def test_run_reports_writes_the_report_and_the_digest(tmp_path: Path, prefect_harness: None) -> None:
    data = tmp_path / "data"
    result = runner.invoke(app, ["flows", "run", "reports", "--now", "2026-11-22", "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    for name in ("trends-2026-11-21.html", "latest.json", "loss-digest-2026-11-21.md"):
        assert (data / "reports" / name).is_file(), result.output
    andon = runner.invoke(app, ["flows", "run", "andon", "--now", "2026-11-22", "--data-dir", str(data)])
    assert andon.exit_code == 0 and "0 alert(s) opened" in andon.output
    missing = runner.invoke(
        app, ["flows", "run", "nightly", "--inbox", str(tmp_path / "nope"), "--data-dir", str(data)]
    )
    assert missing.exit_code != 0 and "is not a folder" in missing.output
