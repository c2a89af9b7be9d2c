"""`cxloop kb index | ask | gaps` end to end on a temporary data folder (fake embedder: the CLI is under test)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import FakeEmbedder
from tests.knowledge.conftest import LEXICAL_CALIBRATION, write_docs


@pytest.fixture
def fake_models(monkeypatch: pytest.MonkeyPatch) -> None:
    import core.ml.embedders
    import knowledge.assist

    embedder = FakeEmbedder()
    monkeypatch.setattr(core.ml.embedders, "load_embedder", lambda settings, **_: embedder)
    monkeypatch.setattr(knowledge.assist, "load_calibration", lambda name: LEXICAL_CALIBRATION)


def test_index_ask_and_gaps(vector_backend_env: str, tmp_path: Path, fake_models: None) -> None:
    runner = CliRunner()
    data = ["--data-dir", str(tmp_path / "data")]
    folder = write_docs(tmp_path / "docs")
    out = runner.invoke(app, ["kb", "index", str(folder), *data])
    assert out.exit_code == 0, out.output
    assert "4 added, 0 updated, 0 unchanged, 0 removed" in out.output
    out = runner.invoke(app, ["kb", "index", str(folder), *data])
    assert "0 added, 0 updated, 4 unchanged" in out.output

    out = runner.invoke(app, ["kb", "ask", "How often should I descale the kettle?", *data])
    assert (
        out.exit_code == 0 and "every 4 weeks" in out.output and "[1] HeatWave Kettle Guide > Descaling" in out.output
    )
    out = runner.invoke(app, ["kb", "ask", "滤芯多久更换一次？", "--json", *data])
    result = json.loads(out.output)
    assert result["mode"] == "extractive" and result["citations"]
    out = runner.invoke(app, ["kb", "ask", "Who won the football world cup in 1998?", *data])
    assert "Not in the knowledge base." in out.output

    out = runner.invoke(app, ["kb", "gaps", *data])
    assert out.exit_code == 0 and "Who won the football world cup in 1998?" in out.output


def test_missing_folder_is_one_readable_line(tmp_path: Path, fake_models: None) -> None:
    out = CliRunner().invoke(app, ["kb", "index", str(tmp_path / "nope"), "--data-dir", str(tmp_path / "d")])
    assert out.exit_code == 2 and "does not exist" in out.output
