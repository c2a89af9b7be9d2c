"""The demo flow runs every existing stage on the demo corpus as a real Prefect flow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.settings import Settings


@pytest.mark.integration
def test_demo_flow_runs_every_stage(settings: Settings, model_cache: Path, prefect_harness: None) -> None:
    from flows.demo import STAGES, demo_flow

    settings.models.cache_dir = model_cache
    seen: list[str] = []
    results = demo_flow(settings, ["净水器滤芯座漏水"], report=lambda stage, _: seen.append(stage))
    assert seen == [name for name, _ in STAGES]
    assert set(results["keys"]) == {"agent", "analyst", "sales_lead", "admin"}
    assert json.loads((settings.data_dir / "demo-keys.json").read_text()) == results["keys"]
    corpus = results["corpus"]
    assert corpus["documents"] >= 20
    for stage, minimum in (("chats", 60), ("work_orders", 60), ("sales", 20), ("calls", 12)):
        if corpus[stage if stage != "sales" else "sales_conversations"]:
            assert results[stage]["conversations_stored"] >= minimum, (stage, results[stage])
    assert results["search"] and results["search"][0]["hit"]

    # a second run reuses the keys and stores nothing new
    again = demo_flow(settings, ["warranty"], report=None)
    assert again["keys"] == results["keys"]
    for stage in ("chats", "work_orders", "sales", "calls"):
        assert again[stage].get("rows_stored", 0) == 0
