"""The demo flow runs every stage on (a slice of) the demo corpus as a real Prefect flow, and re-runs idempotently.

`make demo` runs it on the whole corpus; here two calls and a few documents keep the suite fast, and every CSV
(chats, work orders, sales) goes in whole.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from core.settings import Settings

DEMO = Path(__file__).resolve().parents[2] / "demo"
DOCS = ["heatwave-kettle-specs.md", "returns-refunds.md", "crispair-5-materials-care.md"]


@pytest.fixture
def demo_slice(tmp_path: Path) -> Path:
    root = tmp_path / "demo"
    for folder in ("chats", "work_orders", "sales"):
        shutil.copytree(DEMO / folder, root / folder)
    (root / "calls").mkdir(parents=True)
    for call in sorted((DEMO / "calls").glob("*.ogg"))[:2]:
        shutil.copy(call, root / "calls")
        shutil.copy(call.with_suffix(".json"), root / "calls")
    for lang in ("en", "zh"):
        (root / "docs" / lang).mkdir(parents=True)
        for name in DOCS:
            shutil.copy(DEMO / "docs" / lang / name, root / "docs" / lang)
    return root


@pytest.mark.integration
def test_demo_flow_runs_every_stage(
    settings: Settings, model_cache: Path, prefect_harness: None, demo_slice: Path
) -> None:
    from flows.demo import STAGES, demo_flow

    settings.models.cache_dir = model_cache
    settings.demo_dir = demo_slice
    seen: list[str] = []
    questions = ["How do I descale the HeatWave kettle?", "空气炸锅里可以垫锡纸吗？"]
    results = demo_flow(settings, ["净水器滤芯座漏水"], questions, report=lambda stage, _: seen.append(stage))
    assert seen == [name for name, _ in STAGES]
    assert set(results["keys"]) == {"agent", "analyst", "sales_lead", "qa", "admin"}
    assert json.loads((settings.data_dir / "demo-keys.json").read_text()) == results["keys"]
    assert {u["username"] for u in results["users"].values()} == {
        "demo.agent",
        "demo.analyst",
        "demo.qa",
        "demo.sales",
        "demo.admin",
    }
    corpus = results["corpus"]
    assert corpus["documents"] == 2 * len(DOCS) and corpus["calls"] == 2
    for stage, minimum in (("chats", 60), ("work_orders", 60), ("sales", 20), ("calls", 2)):
        assert results[stage]["conversations_stored"] >= minimum, (stage, results[stage])
        assert results[stage]["rows_quarantined"] == 0
    assert results["search"] and results["search"][0]["hit"]
    assert results["classify"]["classified"] >= 140
    assert any(c["product"] == "aquapure-x3" for c in results["classify"]["complaints"])
    assert "summary" in results["docs"]
    answered, gap = results["assist"]
    assert not answered["abstained"] and answered["cited"]
    assert gap["abstained"]

    # the nightly stage: the planted repeated complaints raise alerts with two work orders each; the one customer
    # who complained four times about a side brush does not; lost deals reach the digest, the gap the report
    nightly = results["nightly"]
    alerts = {(a["product"], a["issue"]): a for a in nightly["alerts"]}
    assert ("aquapure-x3", "defect") in alerts and ("crispair-5", "defect") in alerts, list(alerts)
    assert alerts[("aquapure-x3", "defect")]["customers"] >= 5
    assert (
        "滤芯座漏水" in alerts[("aquapure-x3", "defect")]["problem"]
        or "filter housing" in (alerts[("aquapure-x3", "defect")]["problem"])
    )
    assert alerts[("crispair-5", "defect")]["customers"] == 4
    assert not any(product == "swiftclean-r7" for product, _ in alerts)
    assert all({w["kind"] for w in a["work_orders"]} == {"quality", "process"} for a in nightly["alerts"])
    report = json.loads(Path(nightly["reports"]["trends_json"]).read_text())
    assert report["knowledge_gaps"] and len(report["andon_alerts"]) == len(nightly["alerts"])
    digest = json.loads(Path(nightly["reports"]["digest_json"]).read_text())
    assert digest["overall"]["lost"] >= 5, digest["overall"]

    # the alert's whole life: pulled, held, routed, warned, breached and escalated, resolved, verified, released
    life = results["andon"]
    assert life["played"], life
    steps = [step["step"] for step in life["steps"]]
    assert steps == [
        "pulled",
        "held",
        "routed",
        "routed",
        "warned",
        "breached",
        "escalated",
        "resolved",
        "verified",
        "released",
        "false alarm",
    ], steps
    assert all("(0 " not in step["detail"] for step in life["steps"]), life["steps"]  # each sweep acted
    assert life["before_per_1000"] > life["after_per_1000"] == 0
    rates = {r["group"].split(" ")[0]: (r["closed"], r["false_alarms"]) for r in life["bad_andon"]}
    assert rates == {"agent's": (1, 1), "burst": (1, 0)}  # the cord on one customer; the rule's alert was fixed
    assert life["webhooks"]["product.hold"] >= 2 and life["webhooks"]["workorder.escalated"] >= 2

    # a second run reuses the keys and stores nothing new
    again = demo_flow(settings, ["warranty"], report=None)
    assert again["keys"] == results["keys"]
    for stage in ("chats", "work_orders", "sales", "calls"):
        assert again[stage]["rows_stored"] == 0
    assert again["classify"]["classified"] == 0
    assert again["nightly"]["alerts_opened"] == 0 and len(again["nightly"]["alerts"]) == len(nightly["alerts"]) - 1
    assert again["andon"] == {"played": False, "steps": [], "reason": "already played"}
