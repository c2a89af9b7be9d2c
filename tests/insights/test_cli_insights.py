"""`cxloop insights check|train|run` with the real default embedder."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from core.db import engine_for, migrate, session_factory
from core.settings import Settings
from tests.insights.conftest import COMPLAINT, LOST_DEAL, store

runner = CliRunner()


def test_check_lists_taxonomies_and_catalog(tmp_path: Path) -> None:
    out = runner.invoke(app, ["insights", "check", "--data-dir", str(tmp_path / "data")])
    assert out.exit_code == 0, out.output
    for task in ("intent", "sentiment", "complaint_issue", "outcome", "loss_reason", "catalog"):
        assert task in out.output


def test_train_rejects_labels_outside_the_taxonomy(tmp_path: Path) -> None:
    data = tmp_path / "bad.csv"
    data.write_text("text,label\nhello,greeting\n", encoding="utf-8")
    out = runner.invoke(app, ["insights", "train", "--task", "intent", "--data", str(data),
                              "--data-dir", str(tmp_path / "data")])  # fmt: skip
    assert out.exit_code == 2 and "greeting" in out.output and "Traceback" not in out.output


@pytest.mark.integration
def test_train_then_run_then_run_again(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    settings = Settings(_env_file=None, data_dir=data_dir)
    settings.ensure_dirs()
    engine = engine_for(settings)
    migrate(engine)
    store(session_factory(engine), [COMPLAINT, LOST_DEAL])
    engine.dispose()
    rows = [(f"where is my parcel number {i}", "delivery") for i in range(10)]
    rows += [(f"the machine broke after {i} days", "defect") for i in range(10)]
    with (tmp_path / "intents.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([("text", "label"), *rows])
    trained = runner.invoke(app, ["insights", "train", "--task", "intent", "--data", str(tmp_path / "intents.csv"),
                                  "--data-dir", str(data_dir)])  # fmt: skip
    assert trained.exit_code == 0, trained.output
    assert (data_dir / "insights" / "heads" / "intent.joblib").exists()
    first = runner.invoke(app, ["insights", "run", "--data-dir", str(data_dir)])
    assert first.exit_code == 0, first.output
    assert "classified 2 conversation(s)" in first.output
    again = runner.invoke(app, ["insights", "run", "--data-dir", str(data_dir)])
    assert "classified 0 conversation(s)" in again.output
    check = runner.invoke(app, ["insights", "check", "--data-dir", str(data_dir)])
    assert "trained head" in check.output
