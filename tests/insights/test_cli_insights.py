"""`cxloop insights check|train|run` with the real default embedder."""

from __future__ import annotations

import csv
import json
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


def _labelled_rows() -> list[tuple[str, str]]:
    rows = [("My parcel has not arrived yet, where is it?", "delivery"), ("快递怎么还没到？", "delivery"),
            ("I want my money back for this order.", "return_refund"), ("我要退货退款。", "return_refund"),
            ("What is the weather like in Paris?", "other"), ("你好？", "other")]  # fmt: skip
    return rows


@pytest.mark.integration
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_classify_and_evaluate_a_file(tmp_path: Path, suffix: str) -> None:
    rows = [(f"r{i}", text, label) for i, (text, label) in enumerate(_labelled_rows())]
    rows.append(("r-phone", "Call me on 13912345678 about the late delivery.", "delivery"))
    data = tmp_path / f"labelled{suffix}"
    if suffix == ".csv":
        with data.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([("id", "text", "label"), *rows])
    else:
        from openpyxl import Workbook

        book = Workbook()
        for row in [("id", "text", "label"), *rows]:
            book.active.append(row)
        book.save(data)
    data_dir = str(tmp_path / "data")
    out = tmp_path / "preds.csv"
    done = runner.invoke(app, ["insights", "classify", str(data), "--task", "intent", "--task", "sentiment",
                               "--id-column", "id", "--out", str(out), "--data-dir", data_dir])  # fmt: skip
    assert done.exit_code == 0, done.output
    with out.open(encoding="utf-8-sig") as fh:
        written = list(csv.DictReader(fh))
    assert [r["id"] for r in written] == [r[0] for r in rows]
    assert {"intent", "intent_confidence", "intent_evidence", "sentiment"} <= set(written[0])
    assert written[0]["intent"] == "delivery" and written[1]["intent"] == "delivery"
    assert "13912345678" not in out.read_text(encoding="utf-8-sig")
    scored = runner.invoke(app, ["insights", "evaluate", str(data), "--task", "intent", "--data-dir", data_dir])
    assert scored.exit_code == 0, scored.output
    assert "accuracy" in scored.output and "macro-F1" in scored.output and "'other'" in scored.output


@pytest.mark.integration
def test_classify_an_export_as_ingest_reads_it(tmp_path: Path) -> None:
    export = tmp_path / "chats.csv"
    with export.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([
            ("conversation_id", "turn_index", "speaker", "text"),
            ("K1", 0, "customer", "我的快递怎么还没到？电话 13912345678"), ("K1", 1, "agent", "我帮您查一下。"),
            ("K2", 0, "customer", ""),
        ])  # fmt: skip
    out = tmp_path / "insights.jsonl"
    done = runner.invoke(app, ["insights", "classify", str(export), "--channel", "chat", "--out", str(out),
                               "--data-dir", str(tmp_path / "data")])  # fmt: skip
    assert done.exit_code == 0, done.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {line["conversation"] for line in lines} == {"K1"}
    assert {"intent", "sentiment"} <= {line["kind"] for line in lines}
    assert "outcome" not in {line["kind"] for line in lines}  # a service chat
    assert "13912345678" not in out.read_text(encoding="utf-8") and "1 row(s) skipped" in done.output


def test_train_reports_out_of_scope_and_the_threshold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import FakeEmbedder

    monkeypatch.setattr("insights.classify.build.load_insight_embedder", lambda *a, **k: FakeEmbedder())
    data = tmp_path / "train.csv"
    with data.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([("text", "label"), *(_labelled_rows() * 4)])
    out = runner.invoke(app, ["insights", "train", "--task", "intent", "--data", str(data),
                              "--data-dir", str(tmp_path / "data")])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "threshold" in out.output and "rule" in out.output and "labelled 'other'" in out.output
