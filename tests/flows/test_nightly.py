"""The nightly flow end to end over an inbox: ingest -> classify -> Andon -> report + digest; a re-run adds nothing."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.settings import Settings

DEMO = Path(__file__).resolve().parents[2] / "demo"


def _slice(source: Path, target: Path, key: str, ids: set[str]) -> None:
    with source.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = [r for r in reader if r[key] in ids]
        fields = reader.fieldnames or []
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.integration
def test_nightly_over_an_inbox_is_idempotent(
    settings: Settings, model_cache: Path, prefect_harness: None, tmp_path: Path
) -> None:
    from flows.nightly import corpus_now, nightly

    settings.models.cache_dir = model_cache
    inbox = tmp_path / "inbox"
    # the planted CrispAir coating complaints: four customers, chat and work orders
    _slice(DEMO / "chats" / "chats.csv", inbox / "chats" / "chats.csv", "conversation_id", {"CHAT-0016", "CHAT-0021"})
    _slice(
        DEMO / "work_orders" / "work_orders.csv",
        inbox / "work_orders" / "work_orders.csv",
        "order_id",
        {"WO-0015", "WO-0017", "WO-0024"},
    )
    (inbox / "calls").mkdir()  # an empty drop folder is fine

    now = datetime(2026, 11, 12, tzinfo=ZoneInfo("Asia/Shanghai"))  # the night after the burst (Nov 6-10)
    first = nightly(settings, now, inbox)
    assert first.ingested["chats"]["conversations_stored"] == 2
    assert first.ingested["work_orders"]["conversations_stored"] == 3
    assert first.classified == 5
    assert set(first.seconds) == {
        "ingest",
        "labels",
        "classify",
        "summaries",
        "qa_questions",
        "qa_work_orders",
        "andon",
        "sla",
        "reports",
        "lead_model",
    }
    assert first.lead_model == {"won": 0, "lost": 0, "fitted": False, "path": ""}  # no closed deals in this inbox
    assert first.summaries["extractive"] == 5 and first.summaries["llm"] == 0  # the test session runs no LLM
    assert first.labels["labelled"] == 0
    assert first.alerts_opened == 1
    assert corpus_now(settings) == datetime(2026, 11, 11, tzinfo=ZoneInfo("Asia/Shanghai"))
    report = json.loads(Path(first.reports["trends_json"]).read_text())
    assert [(a["product"], a["customers"]) for a in report["andon_alerts"]] == [("crispair-5", 4)]
    assert report["andon_alerts"][0]["on_hold"] and report["manager"]["on_hold"][0]["product"] == "crispair-5"
    assert first.sla["sweep"]["breached"] == 0  # tonight's work orders opened at `now`: nothing is due yet
    assert Path(first.reports["digest_html"]).is_file()

    again = nightly(settings, now, inbox)
    assert again.ingested["chats"]["files_unchanged"] == 1 and again.ingested["chats"]["rows_stored"] == 0
    assert again.classified == 0 and again.alerts_opened == 0 and again.alerts_updated == 0
    assert again.summaries["considered"] == 0
