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
    results = demo_flow(
        settings,
        ["How often should the AquaPure X3 filter be replaced?", "空气炸锅的保修期是多久？"],
        report=lambda stage, _: seen.append(stage),
    )
    assert seen == [name for name, _ in STAGES]
    assert set(results["keys"]) == {"agent", "analyst", "sales_lead", "admin"}
    assert json.loads((settings.data_dir / "demo-keys.json").read_text()) == results["keys"]
    corpus = results["corpus"]
    assert corpus["documents"] >= 20
    assert len(results["search"]) == 2 and all(hit["top_document"].startswith("docs/") for hit in results["search"])
    if corpus["calls"]:
        assert results["sample_call"]["text"]

    # a second run reuses the keys and changes nothing it should not
    again = demo_flow(settings, ["warranty"], report=None)
    assert again["keys"] == results["keys"]
