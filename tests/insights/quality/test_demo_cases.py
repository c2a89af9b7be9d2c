"""The demo's planted QA cases (demo/expected.yaml `quality.planted`) come out scored as planted: a missing greeting
and a forbidden promise in a chat and a call, dead air and interruptions on real transcribed audio, empathy present
and absent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from core.db import engine_for, migrate, session_factory
from core.settings import Settings
from flows.demo import planted_qa
from insights.classify.runner import classify_pending

ROOT = Path(__file__).resolve().parents[3]
EXPECTED = ROOT / "demo" / "expected.yaml"


@pytest.mark.integration
def test_planted_qa_cases_are_scored_as_planted(settings: Settings, tmp_path: Path, model_cache: Path) -> None:
    from ingest.pipeline import run_ingest

    settings = settings.model_copy(update={"model_cache_dir": model_cache})
    cases = yaml.safe_load(EXPECTED.read_text(encoding="utf-8"))["quality"]["planted"]
    calls = tmp_path / "calls"
    calls.mkdir()
    for name in sorted({c for case in cases for c in case["conversations"] if c.startswith("CALL-")}):
        for suffix in (".ogg", ".json"):
            shutil.copy(ROOT / "demo" / "calls" / f"{name}{suffix}", calls)
    engine = engine_for(settings)
    migrate(engine)
    sessions = session_factory(engine)
    run_ingest(settings, sessions, "chat", ROOT / "demo" / "chats")
    run_ingest(settings, sessions, "call", calls)
    classify_pending(settings, sessions)
    with sessions() as session:
        found = planted_qa(session, EXPECTED)
    assert len(found) == sum(len(case["conversations"]) for case in cases) >= 7
    missed = [f for f in found if f["found"] != f["expected"]]
    assert not missed, missed
    promise = [f for f in found if f["case"] == "forbidden-promise"]
    assert all(f["result"] == "fatal" and f["score"] == 0.0 for f in promise)
    assert all(f["quote"] for f in found if f["found"] == "fail")  # the evidence turn, masked
